// Setup shared by the lab specs that run the real daemon on the lab's router: a WireGuard profile
// from the lab's provider, the daemon started with the lab's paths, its status file, the rpcd plugin
// called as rpcd calls it, the capture on the router's WAN that must see no packet of a vpn device,
// and lanvpn's cleanup after it all. Not a spec itself (no .test.ts): the specs import it.
//
// The daemon, the plugin and cleanup run under the router's runtime, the native qjs, unless a spec
// asks for Node (`runtime: 'node'`, the other runtime lanvpn supports).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { deviceSectionName } from '../../applet/src/core/config/formats'
import { resolvePaths } from '../../applet/src/core/paths'
import { renderUci } from '../../applet/src/core/uci/render'
import { qjsCommand } from '../../scripts/native-qjs.mjs'
import { waitFor, type Lab, type LabProcess } from './lab'

/** The bundle as it lands on a router (needs `npm run build`). */
export const LAB_BUNDLE = resolve(import.meta.dirname, '../../dist/root/usr/share/lanvpn/lanvpn.js')

/** The rpcd exec plugin as it lands on a router, /usr/libexec/rpcd/lanvpn (needs `npm run build`). */
export const LAB_PLUGIN = resolve(import.meta.dirname, '../../dist/root/usr/libexec/rpcd/lanvpn')

/** The lab's stand-ins for router commands, first on a daemon's PATH: `ubus`, netifd's stand-in,
 * which answers from the interface map in $LAB_NETIFD (see labNetifdEnv). */
export const LAB_BIN = resolve(import.meta.dirname, '../../scripts/lab/bin')

/** A new prefix for a spec's lanvpn: a temp directory `lanvpn-<name>-…`, which the spec removes.
 * Throws first when the bundle is not built, so that a spec fails before it brings its lab up. */
export function newLabPrefix(name: string): string {
  if (!existsSync(LAB_BUNDLE)) throw new Error('run `npm run build` first (dist/root is missing)')
  return mkdtempSync(join(tmpdir(), `lanvpn-${name}-`))
}

/** What a lab profile sets beyond the provider's file. */
export type LabProfileOptions = {
  /** persistent_keepalive in seconds, as some providers set it: WireGuard then sends to the
   * server that often even while no device does. Left out, the section has none (lanvpn's 0). */
  keepalive?: number
}

/** The `config profile` section of a wg-quick file from `lab.clientConf(...)`, label = id, routing
 * everything (0.0.0.0/0 and ::/0); its private key is returned apart, never in the section. */
export function wgProfileSection(
  id: string,
  conf: string,
  opts: LabProfileOptions = {}
): { section: string; key: string } {
  const get = (k: string) => new RegExp(`^${k}\\s*=\\s*(.+)$`, 'm').exec(conf)?.[1].trim() ?? ''
  const list = (k: string, option: string) =>
    get(k)
      .split(/,\s*/)
      .map((v) => `\tlist ${option} '${v}'`)
  const [host, port] = get('Endpoint').split(':')
  const section = [
    `config profile '${id}'`,
    `\toption label '${id}'`,
    "\toption type 'wireguard'",
    ...list('Address', 'address'),
    ...list('DNS', 'dns'),
    `\toption public_key '${get('PublicKey')}'`,
    `\toption endpoint_host '${host}'`,
    `\toption endpoint_port '${port}'`,
    "\tlist allowed_ips '0.0.0.0/0'",
    "\tlist allowed_ips '::/0'",
    ...(opts.keepalive === undefined ? [] : [`\toption persistent_keepalive '${opts.keepalive}'`]),
    '',
  ].join('\n')
  return { section, key: get('PrivateKey') }
}

/** Writes profile `id`'s private key where lanvpn reads it (<prefix>/etc/lanvpn/secrets/profile_<id>,
 * 0600 in a 0700 directory) and returns the profile's config section (see wgProfileSection). */
export function writeLabProfile(
  prefix: string,
  id: string,
  conf: string,
  opts: LabProfileOptions = {}
): string {
  const { section, key } = wgProfileSection(id, conf, opts)
  const dir = join(prefix, 'etc/lanvpn/secrets')
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  writeFileSync(join(dir, `profile_${id}`), key, { mode: 0o600 })
  return section
}

/** A section's options: a string is an `option`, a string[] a `list`, in the object's order. */
export type LabOptions = Record<string, string | string[]>

/** The UCI text of section `config <type> '<name>'`, rendered as lanvpn writes UCI (tab-indented,
 * single-quoted values), ending in one newline: a section for writeLabConfig. */
export function labSection(type: string, name: string, options: LabOptions): string {
  const doc = {
    sections: [
      { type, name, options: Object.entries(options).map(([k, value]) => ({ name: k, value })) },
    ],
  }
  // renderUci puts a blank line before every section and one at the end: writeLabConfig lays
  // out the sections itself.
  return renderUci(doc).slice(1, -1)
}

/** The section of a configured device, named as lanvpn names it (d_ + the MAC's hex digits);
 * `more` options (a label, a kind) come after the mode. */
export function labDeviceSection(mac: string, mode: string, more: LabOptions = {}): string {
  return labSection('device', deviceSectionName(mac), { mac, mode, ...more })
}

/** Writes lanvpn's config under `prefix` (creating etc/config): the `globals` section from
 * `globals`, then `sections` (labSection, labDeviceSection, writeLabProfile), each after a blank
 * line, as `uci commit` lays them out. Replaces whatever was there. */
export function writeLabConfig(prefix: string, globals: LabOptions, ...sections: string[]): void {
  const file = resolvePaths(prefix).config
  mkdirSync(dirname(file), { recursive: true })
  const text = [labSection('globals', 'globals', globals), ...sections]
    .map((s) => `\n${s.replace(/\n*$/, '\n')}`)
    .join('')
  writeFileSync(file, text)
}

/** The runtime that runs lanvpn in a spec. `qjs` (the default): the native qjs (built by
 * scripts/native-qjs.mjs), the router's runtime. `node`: Node, the other runtime lanvpn supports
 * (this test run's own). */
export type LabRuntime = 'qjs' | 'node'

/** The command that runs a lanvpn bundle under `runtime`, before the bundle's path. Under qjs it is
 * the router's `qjs --std -m` (the bundle is an ES module) plus --unhandled-rejection: QuickJS
 * 2021-03-27 ignores an unhandled rejection silently, while OpenWrt's qjs (2025-09-13) dies of it,
 * so the lab makes each one show in the process's output (see unhandledRejections). Throws when
 * the native qjs is not built: a spec never skips it. */
export function labRuntimeArgv(runtime: LabRuntime = 'qjs'): string[] {
  return runtime === 'node' ? [process.execPath] : [...qjsCommand(), '-m', '--unhandled-rejection']
}

/** What QuickJS printed about unhandled promise rejections in `output` (a lab process's, e.g. the
 * daemon's): each would have killed the process under OpenWrt's qjs. Empty when there were none. */
export function unhandledRejections(output: string): string[] {
  return output.split('\n').filter((line) => /unhandled promise rejection/i.test(line))
}

/** How the daemon meets the lab. */
export interface LabDaemonOptions {
  /** The runtime (LabRuntime); the native qjs when left out, as on a router. */
  runtime?: LabRuntime
  /** The tunnel interface (LANVPN_TUNNEL_IFACE): one per lab, so parallel labs do not collide. */
  iface?: string
  /** Read the lab's DHCP leases (LANVPN_LEASE_FILE) and trust its HTTPS CA (CURL_CA_BUNDLE). */
  labServices?: boolean
  /** The bundle to run; LAB_BUNDLE when left out. */
  bundle?: string
  /** More `NAME=value` entries for the daemon's environment (e.g. a PATH with fakes first, or
   * LANVPN_LEASE_FILE of a spec's own lease file); they come last, so they win over the above. */
  env?: string[]
  /** Flags for `runtime`, between it and the bundle; they are the runtime's own, so a spec that
   * passes them names the runtime too (e.g. qjs's `--memory-limit 33554432`, a router's RAM, or
   * node's `--max-old-space-size=32`). */
  runtimeFlags?: string[]
}

function labEnv(lab: Lab, prefix: string, opts: LabDaemonOptions): string[] {
  const env = [`LANVPN_PREFIX=${prefix}`]
  if (opts.iface) env.push(`LANVPN_TUNNEL_IFACE=${opts.iface}`)
  if (opts.labServices)
    env.push(
      `LANVPN_LEASE_FILE=${lab.stateDir}/dhcp.leases`,
      `CURL_CA_BUNDLE=${lab.stateDir}/provider/ca.pem`
    )
  return env
}

/** Every daemon startLabDaemon started in this spec file, running or not. */
const labDaemons: LabProcess[] = []

/** What QuickJS printed about unhandled promise rejections in the output of every daemon this spec
 * file started (see unhandledRejections): each would have killed that daemon under OpenWrt's qjs.
 * A spec's last test expects none. */
export function labDaemonRejections(): string[] {
  return labDaemons.flatMap((daemon) => unhandledRejections(daemon.output()))
}

/** Starts `lanvpn daemon` in the router namespace under `opts.runtime` (the native qjs unless told
 * otherwise), logging to stderr (the LabProcess keeps it). */
export function startLabDaemon(lab: Lab, prefix: string, opts: LabDaemonOptions = {}): LabProcess {
  const daemon = lab.spawn('router', [
    'env',
    ...labEnv(lab, prefix, opts),
    'LANVPN_LOG=stderr',
    ...(opts.env ?? []),
    ...labRuntimeArgv(opts.runtime),
    ...(opts.runtimeFlags ?? []),
    opts.bundle ?? LAB_BUNDLE,
    'daemon',
  ])
  labDaemons.push(daemon)
  return daemon
}

/** The daemon's (or the plugin's) `NAME=value` entries for netifd's stand-in: LAB_BIN on PATH, after
 * `firstOnPath` (e.g. a directory of a spec's fakes), and the stand-in's map `netifd` (the lab's own
 * netifd.json when left out; a spec's own map names more networks, e.g. a guest bridge). */
export function labNetifdEnv(
  lab: Lab,
  { netifd, firstOnPath = [] }: { netifd?: string; firstOnPath?: string[] } = {}
): string[] {
  return [
    `PATH=${[...firstOnPath, LAB_BIN, process.env.PATH].join(':')}`,
    `LAB_NETIFD=${netifd ?? lab.openwrtFile('netifd.json')}`,
  ]
}

/** How startConnectedLabDaemon meets the lab, beyond startLabDaemon's options. */
export interface ConnectedLabDaemonOptions extends LabDaemonOptions {
  /** The map netifd's stand-in answers from (labNetifdEnv): the lab's own netifd.json when left
   * out; `null`: no stand-in, the daemon's PATH is this test run's. (`env` comes after these.) */
  netifd?: string | null
  /** What the start waits for: the tunnel connected (the default, up to 60 s), or only the daemon
   * running (up to 20 s), for a spec that has the daemon connect later. */
  until?: 'connected' | 'running'
}

/** Starts the daemon as startLabDaemon does, netifd's stand-in on its PATH (opts.netifd), and
 * resolves once it is there (opts.until). If it is not in time, prints the status and the daemon's
 * last words, stops the daemon and throws: the caller has no daemon to stop then. */
export async function startConnectedLabDaemon(
  lab: Lab,
  prefix: string,
  opts: ConnectedLabDaemonOptions = {}
): Promise<LabProcess> {
  const { netifd, until = 'connected', env = [], ...daemonOpts } = opts
  const netifdEnv = netifd === null ? [] : labNetifdEnv(lab, { netifd })
  const daemon = startLabDaemon(lab, prefix, { ...daemonOpts, env: [...netifdEnv, ...env] })
  const status = () => labStatus(prefix)
  try {
    if (until === 'running')
      await waitFor('the daemon', () => status()?.daemon?.state === 'running', 20_000)
    else
      await waitFor('the tunnel connected', () => status()?.tunnel?.state === 'connected', 60_000)
  } catch (e) {
    console.log(JSON.stringify(status(), null, 1), daemon.output().slice(-8000))
    await daemon.kill()
    throw e
  }
  return daemon
}

/** Runs `lanvpn cleanup` in the router namespace with the daemon's prefix, interface and runtime,
 * so no table, rule, route or interface outlives the spec. The caller stops the daemon first. */
export async function cleanupLabDaemon(
  lab: Lab,
  prefix: string,
  opts: LabDaemonOptions = {}
): Promise<void> {
  const { iface, bundle, runtime } = opts
  let argv: string[]
  try {
    argv = labRuntimeArgv(runtime)
  } catch {
    // No native qjs: the spec has failed already; the teardown still runs, under Node.
    argv = labRuntimeArgv('node')
  }
  await lab.exec('router', [
    'env',
    ...labEnv(lab, prefix, { iface }),
    ...argv,
    bundle ?? LAB_BUNDLE,
    'cleanup',
  ])
}

/** A spec's afterAll: stops `daemon`, runs `lanvpn cleanup` as cleanupLabDaemon does (`opts`: the
 * daemon's interface), takes the lab down and removes the prefix. Each step runs even when the one
 * before it failed, and whatever beforeAll got to (any of them may be unset): nothing of the spec
 * may outlive it. */
export async function tearDownLabDaemon(
  lab: Lab | undefined,
  prefix: string | undefined,
  daemon: LabProcess | undefined,
  opts: LabDaemonOptions = {}
): Promise<void> {
  try {
    await daemon?.kill()
    if (lab && prefix) await cleanupLabDaemon(lab, prefix, opts)
  } finally {
    try {
      await lab?.down()
    } finally {
      if (prefix) rmSync(prefix, { recursive: true, force: true })
    }
  }
}

/** The daemon's status file under `prefix`, parsed; null while there is none yet. (`any`: each
 * spec reads the fields it asserts on, as a user reads the file.) */
export function labStatus(prefix: string): any {
  try {
    return JSON.parse(readFileSync(join(prefix, 'var/run/lanvpn/status.json'), 'utf8'))
  } catch {
    return null
  }
}

/** The environment rpcd's exec of the plugin gets in a spec: the spec's prefix, the built bundle
 * run by `runtime` (the native qjs unless told otherwise) and no log (the reply is the one JSON
 * object on stdout). LANVPN_RUNTIME is the whole command; the plugin adds --std -m once more for
 * a qjs, which is harmless. */
export function labPluginEnv(prefix: string, runtime: LabRuntime = 'qjs'): NodeJS.ProcessEnv {
  return {
    ...process.env,
    LANVPN_PREFIX: prefix,
    LANVPN_BUNDLE: LAB_BUNDLE,
    LANVPN_RUNTIME: labRuntimeArgv(runtime).join(' '),
    LANVPN_LOG: 'off',
  }
}

/** Calls `method` through the rpcd plugin as rpcd does (`lanvpn call <method>`, the args as one
 * JSON object on stdin) under `runtime` and returns the parsed reply. An error reply (`{ error }`)
 * is returned, not thrown: some specs assert it. */
export function labPlugin(
  prefix: string,
  method: string,
  args: object = {},
  runtime: LabRuntime = 'qjs'
): Record<string, any> {
  return JSON.parse(
    execFileSync(LAB_PLUGIN, ['call', method], {
      input: JSON.stringify(args),
      env: labPluginEnv(prefix, runtime),
      encoding: 'utf8',
    })
  )
}

/** A capture of everything on the router's WAN, started by leakCapture; `lab.down()` ends it and
 * deletes its file (in the lab's state dir) at the latest. */
export type LeakCapture = {
  /** Ends the capture, after half a second for packets already crossing the router (a load that
   * was just stopped). Safe to call twice. */
  stop(): Promise<void>
  /** Stops the capture; the captured packets that match the tcpdump `filter` (all of them when
   * left out), one line each as `tcpdump -n` prints them. */
  packets(filter?: string): Promise<string[]>
  /** Stops the capture; every captured packet that is none of `allowed` (tcpdump expressions,
   * e.g. the tunnel's own UDP to its server) nor the link's own chatter: what leaked. */
  leaks(allowed: string[]): Promise<string[]>
  /** Stops the capture and deletes its file now rather than with the lab. Safe to call twice. */
  close(): Promise<void>
}

let captures = 0

/** What the router sends on the WAN link of its own that can never be a LAN device's packet: ARP,
 * IPv6 from a link-local address or to link-scope multicast (the router forwards neither), and
 * neighbour discovery (ICMPv6 133-137: router and neighbour solicitations and advertisements, and
 * redirects), which never leaves its link either, whichever addresses it carries: a neighbour's
 * reachability probe is answered from the global address it asked about, to the link-local one it
 * came from, e.g. `IP6 2001:db8:100::2 > fe80::…: ICMP6, neighbor advertisement`. */
const LINK_CHATTER = [
  'arp',
  'ip6 and src net fe80::/10',
  'ip6 and dst net ff02::/16',
  'icmp6 and ip6[40] >= 133 and ip6[40] <= 137',
]

/** Starts `tcpdump -i wan` in the router namespace and resolves once it listens, so that nothing
 * sent afterwards is missed. */
export async function leakCapture(lab: Lab): Promise<LeakCapture> {
  // In the lab's state dir, so that it goes with the lab whatever the spec did. (tcpdump opens it
  // before it drops root; AppArmor's tcpdump profile allows any *.pcap.)
  const file = `${lab.stateDir}/wan${++captures}.pcap`
  // -U: each packet is written as it is captured, so the file is whole when tcpdump is stopped;
  // --immediate-mode: packets are not held in the kernel's buffer for up to a second, so the last
  // ones before the stop are in the file too.
  const tcpdump = lab.spawn('router', [
    'tcpdump',
    '-i',
    'wan',
    '-n',
    '-U',
    '--immediate-mode',
    '-w',
    file,
  ])
  await waitFor('tcpdump listening on the WAN', () => /listening on wan/.test(tcpdump.output()))
  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      await new Promise((r) => setTimeout(r, 500))
      await tcpdump.kill()
    })())
  const packets = async (filter?: string) => {
    await stop()
    const argv = ['tcpdump', '-n', '-r', file, ...(filter ? [filter] : [])]
    const read = await lab.exec('router', argv, { check: true })
    return read.stdout.split('\n').filter((line) => line.trim() !== '')
  }
  return {
    stop,
    packets,
    leaks: (allowed) =>
      packets([...allowed, ...LINK_CHATTER].map((a) => `not (${a})`).join(' and ')),
    close: async () => {
      await stop()
      rmSync(file, { force: true })
    },
  }
}

/** Makes `device` send ≥ 50 packets a second of every kind a leak could take: ICMP, UDP to 53 and
 * 9000, TCP to 53, and IPv6. The processes are the lab's (killed by `lab.down()` at the latest). */
export function startLeakLoad(lab: Lab, device: string): LabProcess[] {
  return [
    ['ping', '-q', '-i', '0.02', '192.0.2.1'],
    ['ping', '-6', '-q', '-i', '0.05', '2001:db8:2::1'],
    [
      'bash',
      '-c',
      'while :; do echo q >/dev/udp/192.0.2.53/53; echo x >/dev/udp/192.0.2.1/9000; sleep 0.02; done',
    ],
    [
      'bash',
      '-c',
      'while :; do timeout 0.5 bash -c "exec 3<>/dev/tcp/192.0.2.53/53" 2>/dev/null; sleep 0.1; done',
    ],
  ].map((argv) => lab.spawn(device, argv))
}
