// The lab helper every e2e spec uses: starts scripts/lab/lab.sh, runs commands in its namespaces
// and always tears down what it made (see docs/lab.md for the topology).
import { execFileSync, spawn as spawnChild, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const LAB_SH = fileURLToPath(new URL('../../scripts/lab/lab.sh', import.meta.url))
const DEFAULT_DEVICES = ['laptop', 'tv', 'console']
const TOOLS = [
  'ip',
  'nft',
  'wg',
  'wireguard-go',
  'dnsmasq',
  'busybox',
  'curl',
  'openvpn',
  'openssl',
]
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

/** The lab's optional networks (lab.sh LAB_NETWORKS): `lan2`, a second LAN subnet with the nas;
 * `modem`, the ISP's modem in bridge mode on the WAN link. */
export type LabNetwork = 'lan2' | 'modem'

/** Services whose requests the lab logs: inet's echo, the nas (lan2), the modem's page (modem). */
export type EchoService = 'echo' | 'nas' | 'modem'

/** Where the lab's services answer (scripts/lab/lab.sh). The echo service answers HTTP on port 80
 * at each of `echo`, `bank`, `wwwBank`, `stream` and `cidr` (v4 and v6), so a rule by domain and a
 * rule by CIDR can be told apart by the address that was hit; the names are in every lab
 * resolver (inet's and each VPN server's), `www.bank.example` with an address of its own. */
export const LAB_ADDR = {
  echo: { v4: '192.0.2.1', v6: '2001:db8:2::1' },
  bank: { v4: '192.0.2.11', v6: '2001:db8:2::11', name: 'bank.example' },
  wwwBank: { v4: '192.0.2.12', v6: '2001:db8:2::12', name: 'www.bank.example' },
  stream: { v4: '192.0.2.13', v6: '2001:db8:2::13', name: 'stream.example' },
  /** In no name: for a CIDR rule (192.0.2.100/30, 2001:db8:2::100/126). */
  cidr: { v4: '192.0.2.101', v6: '2001:db8:2::101' },
  /** On 192.0.2.1 besides tcp 80 and udp 9000: a console's game port, tcp and udp. */
  gamePort: 3075,
  /** lan2: the router's second LAN subnet and its server, named nas.lan by the router's dnsmasq. */
  lan2: { v4: '192.168.2.0/24', v6: 'fd02::/64', router: '192.168.2.1', router6: 'fd02::1' },
  nas: { v4: '192.168.2.10', v6: 'fd02::10', name: 'nas.lan' },
  /** modem: its page, and the router's own address in its subnet (OpenWrt's modem access). */
  modem: { v4: '192.168.100.1', subnet: '192.168.100.0/24', router: '192.168.100.2' },
  /** The router's names for itself in its `lan` domain. */
  router: { v4: '192.168.50.1', v6: 'fd50::1', name: 'router.lan' },
} as const

/** Result of a command: a non-zero exit is a value, not an exception (unless `check` is set). */
export type ExecResult = { code: number; stdout: string; stderr: string }

export type ExecOptions = {
  input?: string
  timeoutMs?: number
  check?: boolean
  /** Do not log the command (for a command repeated every second, e.g. by a load test). */
  quiet?: boolean
}

/** One request the inet echo server saw; `port` is the service port that was hit, `sport` the
 * caller's. Sample:
 * `{ t: 1732255025000, proto: 'tcp', src: '198.51.100.2', port: 80, sport: 43120,
 *    dst: '192.0.2.1', path: '/' }` */
export type EchoEntry = {
  t: number
  proto: 'tcp' | 'udp'
  src: string
  port: number
  sport: number
  dst: string
  path?: string
}

/** A long-running process started with `Lab.spawn`; killed by `kill()` or by `Lab.down`. */
export type LabProcess = {
  pid: number
  ns: string
  argv: string[]
  /** stdout and stderr so far, interleaved. */
  output(): string
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>
  /** SIGTERM, SIGKILL after 2 s; resolves once the process is gone. Safe to call twice. */
  kill(): Promise<void>
}

/** Why the lab cannot run on this machine, or undefined when it can. Probes with a real
 * `ip netns add`, so it is computed once, synchronously, when this module is loaded. */
export const labUnavailableReason: string | undefined = probeLab()

/** True when this machine can run the lab (root, `ip netns add` works, tools installed). */
export const labAvailable: boolean = labUnavailableReason === undefined

function probeLab(): string | undefined {
  if (process.platform !== 'linux') return 'the lab needs Linux network namespaces'
  if (process.getuid?.() !== 0) return 'the lab needs root'
  const missing = TOOLS.filter((tool) => !hasCommand(tool))
  if (missing.length > 0) return `the lab needs ${missing.join(', ')} (see docs/lab.md)`
  const probe = `lvprobe${process.pid % 100_000}`
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe' })
  } catch (e) {
    return `ip netns add failed: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`
  }
  execFileSync('ip', ['netns', 'del', probe], { stdio: 'pipe' })
  return undefined
}

function hasCommand(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'pipe' })
    return true
  } catch {
    return false
  }
}

/** For `describe.runIf(labOrFail())`: true when the lab can run; false (skip) when it cannot,
 * except in CI (`CI=true`), where a lab spec must fail loudly instead of skipping. */
export function labOrFail(): boolean {
  if (labAvailable) return true
  if (process.env.CI === 'true') {
    throw new Error(`e2e lab unavailable in CI: ${labUnavailableReason}`)
  }
  return false
}

/** Resolves when the lab can run; otherwise throws an Error saying why. Use inside a spec that
 * has already decided to run (labOrFail decides whether to skip). */
export async function requireLab(): Promise<void> {
  if (!labAvailable) throw new Error(`e2e lab unavailable: ${labUnavailableReason}`)
}

/** Polls `probe` every 100 ms until it returns a truthy value, which it resolves with; rejects
 * with "waiting for <what>" after `timeoutMs` (default 10 s). */
export async function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  timeoutMs = 10_000
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) {
      throw new Error(`waiting for ${what}: timed out after ${timeoutMs} ms`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** `pid` as a number that names one process: never 0, 1 or a negative number, which kill(2) takes
 * as the caller's process group, init or a whole group. A daemon that published pid 0 must fail
 * its spec, not signal the test runner. Throws otherwise. */
export function singlePid(pid: unknown): number {
  const n = typeof pid === 'string' && /^\d+$/.test(pid.trim()) ? Number(pid) : pid
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 1)
    throw new Error(`refusing to signal pid ${JSON.stringify(pid)}: not one process`)
  return n
}

/** process.kill for one process of the lab (see singlePid). */
export function signalPid(pid: unknown, signal: NodeJS.Signals): void {
  process.kill(singlePid(pid), signal)
}

const liveLabs = new Set<Lab>()
let hasExitHooks = false

/** A running lab. Create with `Lab.up()`; always `await lab.down()` in afterAll. */
export class Lab {
  private readonly procs = new Set<{ child: ChildProcess; proc: LabProcess }>()
  private downing: Promise<void> | undefined

  private constructor(
    /** The LAB prefix: namespaces are `<name>-router`, wireguard-go servers `<name>srv`. */
    readonly name: string,
    /** LAB_STATE: keys, client configs, leases, pids, logs, echo.log. Gone after down(). */
    readonly stateDir: string,
    readonly devices: string[],
    readonly networks: LabNetwork[] = []
  ) {}

  /** Starts a fresh lab (tearing down any earlier one of the same name) and registers teardown
   * on process exit, SIGINT, SIGTERM and SIGHUP. Default name: `lv` + 5 random characters, so
   * concurrent specs and `make demo` (lvdemo) never collide. Names are ≤ 7 characters.
   * `networks` adds the optional networks (none by default: the lab every spec has known). */
  static async up(
    opts: { name?: string; devices?: string[]; networks?: LabNetwork[] } = {}
  ): Promise<Lab> {
    const name = opts.name ?? `lv${[...randomBytes(5)].map((b) => ALPHABET[b % 36]).join('')}`
    const devices = opts.devices ?? DEFAULT_DEVICES
    const lab = new Lab(name, `/run/lanvpn-lab/${name}`, devices, opts.networks ?? [])
    installExitHooks()
    liveLabs.add(lab)
    const started = Date.now()
    const result = await runCommand('bash', [LAB_SH, 'up'], {
      env: lab.env(),
      timeoutMs: 60_000,
    })
    if (process.env.LAB_VERBOSE) console.log(result.stderr)
    if (result.code !== 0) {
      liveLabs.delete(lab)
      const tail = result.stderr.trim().split('\n').slice(-15).join('\n')
      throw new Error(`starting lab ${name}: lab.sh up exited ${result.code}:\n${tail}`)
    }
    console.log(`[+] lab ${name} up in ${Date.now() - started} ms (${lab.stateDir})`)
    return lab
  }

  /** Runs argv in namespace `<name>-<ns>` (ns: router, inet, vpn, vpn2, vpn3, ovpn, nas, modem or a device) and logs
   * `[+] NS <ns>: <cmd>` (unless `quiet`). Default timeout 30 s (code 124 on timeout); `check` throws on
   * non-zero. */
  async exec(ns: string, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    // `kill` takes 0 and negative pids as process groups: only ever one process (singlePid).
    if (argv[0] === 'kill')
      argv
        .slice(1)
        .filter((a) => !a.startsWith('-'))
        .forEach(singlePid)
    if (!opts.quiet) console.log(`[+] NS ${ns}: ${quoteArgv(argv)}`)
    const result = await runCommand('ip', ['netns', 'exec', this.nsName(ns), ...argv], opts)
    if (opts.check && result.code !== 0) {
      throw new Error(
        `running ${quoteArgv(argv)} in ${ns}: exited ${result.code}: ${result.stderr.trim()}`
      )
    }
    return result
  }

  /** Starts a long-running process in namespace `<name>-<ns>`. It must stay in the foreground
   * (e.g. `wireguard-go -f`); it is killed by `kill()` or at the latest by `down()`. */
  spawn(ns: string, argv: string[], opts: { input?: string } = {}): LabProcess {
    console.log(`[+] NS ${ns}: ${quoteArgv(argv)} &`)
    const child = spawnChild('ip', ['netns', 'exec', this.nsName(ns), ...argv], {
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    // A process that exits without reading its stdin must not crash the test run with EPIPE.
    child.stdin?.on('error', () => {})
    child.stdin?.end(opts.input ?? '')
    const exited = new Promise<number | null>((resolve) => {
      child.once('error', () => resolve(-1))
      child.once('exit', (code) => resolve(code))
    })
    let killing: Promise<void> | undefined
    const proc: LabProcess = {
      pid: child.pid ?? -1,
      ns,
      argv,
      output: () => output,
      exited,
      kill: () => (killing ??= killChild(child, exited)),
    }
    const entry = { child, proc }
    this.procs.add(entry)
    void exited.then(() => this.procs.delete(entry))
    return proc
  }

  /** The IPv4 address the device's DHCP client applied (e.g. 192.168.50.183). Throws when the
   * device has no lease. */
  deviceIp(device: string): string {
    const file = `${this.stateDir}/lease-${device}.env`
    const ip = existsSync(file) ? /^ip=(.+)$/m.exec(readFileSync(file, 'utf8'))?.[1] : undefined
    if (!ip) throw new Error(`device ${device} of lab ${this.name} has no DHCP lease`)
    return ip
  }

  /** The device's fixed MAC: 02:00:00:00:50:0N for the Nth device (1-based). */
  deviceMac(device: string): string {
    const index = this.devices.indexOf(device)
    if (index < 0) throw new Error(`lab ${this.name} has no device ${device}`)
    return `02:00:00:00:50:${(index + 1).toString(16).padStart(2, '0')}`
  }

  /** The device's SLAAC address in fd50::/64, read from its eth0. */
  async deviceIp6(device: string): Promise<string> {
    const { stdout } = await this.exec(device, ['ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0'])
    const ip = /inet6 (fd50:[0-9a-f:]+)\//.exec(stdout)?.[1]
    if (!ip) throw new Error(`device ${device} of lab ${this.name} has no address in fd50::/64`)
    return ip
  }

  /** Every request an echo service has seen so far, oldest first: inet's (default), the nas's
   * or the modem's page's (when the lab has that network). */
  echoLog(service: EchoService = 'echo'): EchoEntry[] {
    const file = `${this.stateDir}/${service}.log`
    if (!existsSync(file)) return []
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as EchoEntry)
  }

  /** The router's network as OpenWrt describes it (lab.sh up): `network` and `firewall` (UCI, for
   * a daemon's etc/config/) and `netifd.json` (the ubus stand-in's map, for LAB_NETIFD), each
   * naming lan2 and the modem's interface when the lab has them. */
  openwrtFile(file: 'network' | 'firewall' | 'netifd.json'): string {
    return `${this.stateDir}/openwrt/${file}`
  }

  /** The WireGuard client config the provider issued for a server, as text (wg-quick format
   * with Address and DNS). */
  clientConf(server: 'vpn' | 'vpn2' | 'vpn3'): string {
    return readFileSync(`${this.stateDir}/client-${server}.conf`, 'utf8')
  }

  /** The OpenVPN profile the `ovpn` server's provider issues (inline <ca>, <cert>, <key>,
   * <tls-crypt>, `auth-user-pass`, and hostile lines an import must refuse: `up`, `script-security`,
   * `redirect-gateway`), with the user name and password the server accepts. Secret. */
  clientOvpn(): { text: string; username: string; password: string } {
    const [username = '', password = ''] = readFileSync(
      `${this.stateDir}/ovpn/credentials`,
      'utf8'
    ).split('\n')
    return { text: readFileSync(`${this.stateDir}/client-ovpn.ovpn`, 'utf8'), username, password }
  }

  /** The router's firewall as fw4 runs it (lab.sh firewall): `start`, `reload` and `restart` load
   * fw4's table and the includes under `root` (a daemon's LANVPN_PREFIX) in one transaction;
   * `stop` deletes every table. Throws when it fails. */
  async firewall(verb: 'start' | 'stop' | 'reload' | 'restart', root = ''): Promise<void> {
    await this.labSh('firewall', verb, root)
  }

  /** Moves the router's LAN to the device `name`, as netifd does when the LAN becomes a VLAN
   * device (`br-lan.1`); lab.sh lan-rename says how, on a kernel without VLANs. */
  async lanRename(name: string): Promise<void> {
    await this.labSh('lan-rename', name)
  }

  /** A second LAN bridge, br-guest 192.168.60.1/24 fd60::1/64, with one device `guest` at
   * 192.168.60.10 and fd60::10 (lab.sh guest). It goes with the lab. */
  async addGuest(): Promise<void> {
    await this.labSh('guest')
  }

  private async labSh(...args: string[]): Promise<void> {
    const result = await runCommand('bash', [LAB_SH, ...args], {
      env: this.env(),
      timeoutMs: 30_000,
    })
    if (result.code !== 0)
      throw new Error(`lab ${args[0]}: exited ${result.code}: ${result.stderr.slice(-2000)}`)
  }

  /** The full namespace name of a short one: `router` → `<name>-router`. */
  nsName(ns: string): string {
    return `${this.name}-${ns}`
  }

  /** Kills spawned processes, then runs lab.sh down. Safe to call twice (same promise). */
  down(): Promise<void> {
    this.downing ??= (async () => {
      await Promise.all([...this.procs].map(({ proc }) => proc.kill()))
      const result = await runCommand('bash', [LAB_SH, 'down'], {
        env: this.env(),
        timeoutMs: 60_000,
      })
      liveLabs.delete(this)
      if (result.code !== 0) {
        throw new Error(`tearing down lab ${this.name}: exited ${result.code}: ${result.stderr}`)
      }
    })()
    return this.downing
  }

  /** Synchronous teardown for process exit, where nothing async can run any more. */
  downSync(): void {
    for (const { child } of this.procs) child.kill('SIGKILL')
    try {
      execFileSync('bash', [LAB_SH, 'down'], { env: this.env(), stdio: 'ignore', timeout: 60_000 })
    } finally {
      liveLabs.delete(this)
    }
  }

  private env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      LAB: this.name,
      LAB_STATE: this.stateDir,
      LAB_DEVICES: this.devices.join(' '),
      LAB_NETWORKS: this.networks.join(' '),
    }
  }
}

function installExitHooks(): void {
  if (hasExitHooks) return
  hasExitHooks = true
  const downAll = () => {
    for (const lab of [...liveLabs]) {
      try {
        lab.downSync()
      } catch {
        // Best effort at exit: the next `up` of the same name cleans up what is left.
      }
    }
  }
  process.on('exit', downAll)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      downAll()
      process.off(signal, onSignal)
      // Re-raise only if nobody else (e.g. the test runner) handles the signal.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
    }
    process.on(signal, onSignal)
  }
}

async function killChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 2_000)
  await exited
  clearTimeout(timer)
}

function runCommand(
  file: string,
  argv: string[],
  opts: ExecOptions & { env?: NodeJS.ProcessEnv }
): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = spawnChild(file, argv, { env: opts.env ?? process.env, stdio: 'pipe' })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timeoutMs = opts.timeoutMs ?? 30_000
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.once('error', (e) => {
      clearTimeout(timer)
      resolve({ code: 127, stdout, stderr: `${stderr}${e.message}` })
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      if (timedOut) {
        resolve({ code: 124, stdout, stderr: `${stderr}timed out after ${timeoutMs} ms` })
      } else {
        resolve({ code: code ?? 128, stdout, stderr })
      }
    })
    // A command that exits without reading stdin (kill, nft list) must not fail the run with EPIPE.
    child.stdin.on('error', () => {})
    child.stdin.end(opts.input ?? '')
  })
}

function quoteArgv(argv: string[]): string {
  const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`
  return argv.map((arg) => (/^[\w@%+=:,./\[\]-]+$/.test(arg) ? arg : quote(arg))).join(' ')
}
