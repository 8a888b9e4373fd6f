// An OpenVPN location in the lab: the provider's .ovpn (inline certificates, tls-crypt, user and
// password, plus hostile `up`/`script-security`/`redirect-gateway` lines, and no `dhcp-option DNS`
// line: as most providers' files, it leaves the DNS to the server's push) is imported through the
// real rpc, connected, and then: a `vpn` device leaves from the OpenVPN server's address and its
// DNS is answered by the resolver the server pushed (lanvpn's up hook); openvpn's argv holds no
// secret and the secret files are root-only; while the device sends TCP, UDP and ICMP at ≥ 50
// packets a second, openvpn is killed with -9 (the daemon starts it again) and the daemon is killed
// and restarted (it keeps the running openvpn and finds the pushed DNS again) — and a capture on
// the router's WAN sees ZERO packets of that device. A disconnect leaves no openvpn process, pid
// file, run config or pushed DNS behind.
//
//   [lv…-laptop] vpn ─┐                                      ┌─ [lv…-ovpn] 203.0.113.30 udp 1194
//                     ├ br-lan [lv…-router] wan ── [lv…-inet] ┤   ovpnsrv 10.66.0.1 (dnsmasq: ovpn)
//   [lv…-tv] direct ──┘   lanvpn daemon, openvpn on <lab>tun  └─ echo 192.0.2.1, dns 192.0.2.53
//                          capture: tcpdump -i wan
//
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolvePaths, type Paths } from '../../applet/src/core/paths'
import {
  cleanupLabDaemon,
  LAB_BUNDLE,
  labDaemonRejections,
  labDeviceSection,
  labPlugin,
  labStatus,
  leakCapture,
  startLabDaemon,
  startLeakLoad,
  writeLabConfig,
} from './daemon-lab'
import { Lab, labOrFail, waitFor, type LabProcess } from './lab'

const TV_MAC = '02:00:00:00:50:02'
const SERVER = '203.0.113.30'
/** lanvpn's openvpn up hook as the package installs it (needs `npm run build`). */
const LAB_UP_HOOK = resolve(import.meta.dirname, '../../dist/root/usr/libexec/lanvpn/ovpn-up')

describe.runIf(labOrFail())('an OpenVPN location in the lab', () => {
  let lab: Lab
  let prefix: string
  let paths: Paths
  let daemon: LabProcess
  let id: string
  let creds: { text: string; username: string; password: string }
  let importNotes: Array<{ line: number; level: string; message: string }> = []
  const background: LabProcess[] = []

  const call = (method: string, args: object = {}) => labPlugin(prefix, method, args)
  const statusFile = () => labStatus(prefix)
  const startDaemon = () => startLabDaemon(lab, prefix, { iface: paths.tunnelIface })
  const echoFrom = async (device: string) =>
    (await lab.exec(device, ['curl', '-sS', '-m', '4', 'http://192.0.2.1/'])).stdout
  const connected = () =>
    waitFor(
      'the OpenVPN location connected',
      () => statusFile()?.tunnel?.state === 'connected' && statusFile().tunnel.profile === id,
      90_000
    )
  /** The laptop's DNS question to `server`, answered with the name of the resolver that got it. */
  const whoAnswers = async (server: string) =>
    (await lab.exec('laptop', ['busybox', 'nslookup', '-type=TXT', 'whoami.lab.test', server]))
      .stdout
  const runFile = (name: string) => join(paths.runDir, name)
  const openvpnPid = () => Number(readFileSync(runFile('openvpn.pid'), 'utf8').trim())
  const isAlive = (pid: number) => {
    try {
      return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
    } catch {
      return false
    }
  }
  // Every process whose argv names our run config: openvpns lanvpn started for this prefix.
  const openvpnProcesses = () =>
    readdirSync('/proc')
      .filter((d) => /^[0-9]+$/.test(d))
      .filter((d) => {
        try {
          return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(runFile('openvpn.conf'))
        } catch {
          return false
        }
      })
      .map(Number)
      .filter(isAlive)

  beforeAll(async () => {
    if (!existsSync(LAB_BUNDLE)) throw new Error('run `npm run build` first (dist/root is missing)')
    lab = await Lab.up({ devices: ['laptop', 'tv'] })
    prefix = mkdtempSync(join(tmpdir(), 'lanvpn-openvpn-'))
    paths = resolvePaths(prefix, `${lab.name}tun`)
    // The daemon finds its shipped files under the prefix, as on a router under /.
    mkdirSync(dirname(paths.ovpnUpHook), { recursive: true })
    cpSync(LAB_UP_HOOK, paths.ovpnUpHook)
    writeLabConfig(
      prefix,
      { enabled: '1', health_interval: '2' },
      labDeviceSection(TV_MAC, 'direct')
    )
    daemon = startDaemon()
    await waitFor('the daemon', () => statusFile()?.daemon?.state === 'running', 20_000)
    creds = lab.clientOvpn()
    // The provider's file without its DNS line: the resolver is known from the server's push only.
    const text = creds.text.replace(/^dhcp-option DNS .*\n/m, '')
    expect(text).not.toContain('dhcp-option')
    const imported = call('importProfile', {
      name: 'Lab OpenVPN',
      text,
      username: creds.username,
      password: creds.password,
    })
    if (!imported.ok) throw new Error(`import failed: ${JSON.stringify(imported)}`)
    id = imported.id
    importNotes = imported.notes
    expect(call('connect', { id })).toMatchObject({ ok: true, daemonNotified: true })
    await connected()
  }, 150_000)

  afterAll(async () => {
    for (const p of background) await p.kill()
    await daemon?.kill()
    if (lab && prefix) await cleanupLabDaemon(lab, prefix, { iface: paths.tunnelIface })
    await lab?.down()
    if (prefix) rmSync(prefix, { recursive: true, force: true })
  })

  it("refused the provider file's scripts and redirect-gateway at import", () => {
    const refused = importNotes.filter((n) => n.level === 'refused').map((n) => n.message)
    for (const d of ['up', 'down', 'script-security', 'redirect-gateway'])
      expect(refused.some((m) => m.startsWith(`${d} refused`))).toBe(true)
    const sanitised = readFileSync(join(paths.secretsDir, `profile_${id}.ovpn`), 'utf8')
    expect(sanitised).not.toMatch(/^(up|down|script-security|redirect-gateway)\b/m)
  })

  it('sends a vpn device out from the OpenVPN server and a direct one from the WAN', async () => {
    expect(await echoFrom('laptop')).toBe(SERVER)
    expect(await echoFrom('tv')).toBe('198.51.100.2')
    expect(statusFile().tunnel).toMatchObject({ state: 'connected', profile: id })
  })

  it("answers a vpn device's DNS from the resolver the OpenVPN server pushed, whatever server it asks", async () => {
    // The imported location names no DNS of its own.
    expect(readFileSync(paths.config, 'utf8')).not.toMatch(/\b(list|option) dns\b/)
    for (const server of ['192.168.50.1', '192.0.2.53']) {
      const answer = await whoAnswers(server)
      expect(answer).toContain('ovpn')
      expect(answer).not.toContain('inet')
    }
  })

  it('keeps the password and keys out of openvpn’s argv and in root-only files', () => {
    const pid = openvpnPid()
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    expect(argv.split('\0')[0]).toBe('openvpn')
    const keyLine = /<key>\n-----BEGIN [A-Z ]+-----\n(.+)\n/.exec(creds.text)![1]
    const tlsLine = /<tls-crypt>[\s\S]*?-----BEGIN OpenVPN Static key V1-----\n(.+)\n/.exec(
      creds.text
    )![1]
    for (const secret of [creds.password, creds.username, keyLine, tlsLine])
      expect(argv).not.toContain(secret)
    const mode = (f: string) => statSync(f).mode & 0o777
    expect(mode(join(paths.secretsDir, `profile_${id}.ovpn`))).toBe(0o600)
    expect(mode(join(paths.secretsDir, `profile_${id}.auth`))).toBe(0o600)
    expect(mode(runFile('openvpn.conf'))).toBe(0o600)
    // The run config points at the password file; it does not carry the password.
    expect(readFileSync(runFile('openvpn.conf'), 'utf8')).not.toContain(creds.password)
  })

  it('lets not one packet of the vpn device reach the WAN while openvpn or the daemon dies', async () => {
    const wan = await leakCapture(lab)
    // The vpn device's every kind of packet, IPv6 included (which this v4-only location must drop).
    const load = startLeakLoad(lab, 'laptop')
    background.push(...load)
    const tvSeen = () =>
      lab.echoLog().filter((e) => e.src === '198.51.100.2' && e.proto === 'tcp').length
    const tvBefore = tvSeen()

    // 1. openvpn is killed with -9: the daemon notices and starts it again.
    const first = openvpnPid()
    await lab.exec('router', ['kill', '-9', String(first)], { check: true })
    await waitFor(
      'the outage to be noticed',
      () => statusFile()?.tunnel?.state !== 'connected',
      20_000
    )
    await connected()
    const second = openvpnPid()
    expect(second).not.toBe(first)
    expect(await echoFrom('laptop')).toBe(SERVER)
    expect(await echoFrom('tv')).toBe('198.51.100.2')

    // 2. The daemon is killed with -9 and restarted (procd respawn): it keeps the running openvpn.
    await lab.exec('router', ['kill', '-9', String(daemon.pid)])
    await daemon.exited
    daemon = startDaemon()
    await waitFor(
      'the restarted daemon',
      () => statusFile()?.daemon?.state === 'running' && statusFile().daemon.pid === daemon.pid,
      20_000
    )
    await connected()
    expect(openvpnPid()).toBe(second)
    expect(openvpnProcesses()).toEqual([second])
    expect(await echoFrom('laptop')).toBe(SERVER)
    // The restarted daemon found the pushed resolver in the run dir (openvpn runs no hook again).
    expect(await whoAnswers('192.0.2.53')).toContain('ovpn')

    for (const p of load) await p.kill()
    // Every packet on the WAN counts, except: OpenVPN's own UDP to the server, the router's ICMP
    // errors about it (the server still sending to a client port that just died), the tv's HTTP
    // (the positive control), and the link's own chatter (ARP, the router's link-local IPv6).
    const leaked = await wan.leaks([
      `udp and host ${SERVER} and port 1194`,
      'icmp and icmp[icmptype] == icmp-unreach and icmp[28:2] == 1194',
      'tcp port 80 and host 192.0.2.1',
    ])
    expect(leaked).toEqual([])
    expect(tvSeen()).toBeGreaterThan(tvBefore)
  })

  it('a firewall reload or restart puts the pushed resolver back at once (the include fw4 loads knows none)', async () => {
    for (const verb of ['reload', 'restart'] as const) {
      await lab.firewall(verb, prefix)
      expect(readFileSync(`${lab.stateDir}/fw4-load.nft`, 'utf8')).toContain(
        `include "${prefix}/usr/share/nftables.d/ruleset-post/90-lanvpn.nft"`
      )
      await waitFor(
        'the pushed resolver answering again',
        async () => (await whoAnswers('192.0.2.53')).includes('ovpn'),
        5000
      )
    }
  })

  it('stops openvpn on disconnect and leaves no process, pid file, run config or pushed DNS behind', async () => {
    const pid = openvpnPid()
    expect(call('disconnect')).toMatchObject({ ok: true, daemonNotified: true })
    await waitFor('disconnected', () => statusFile()?.tunnel?.state === 'disconnected', 20_000)
    // The status turns `disconnected` first; the tear-down (TERM, wait, remove files) follows.
    const files = ['openvpn.pid', 'openvpn.conf', 'openvpn.status', 'openvpn.dns'].map(runFile)
    await waitFor(
      'openvpn to stop and its files to go',
      () => !isAlive(pid) && !files.some((f) => existsSync(f)),
      10_000
    )
    expect(openvpnProcesses()).toEqual([])
    const link = await lab.exec('router', ['ip', 'link', 'show', 'dev', paths.tunnelIface])
    expect(link.code).not.toBe(0)
    // Kill switch `always`: the vpn device stays offline, the direct one does not.
    expect(
      (await lab.exec('laptop', ['curl', '-sS', '-m', '3', 'http://192.0.2.1/'])).code
    ).not.toBe(0)
    expect(await echoFrom('tv')).toBe('198.51.100.2')
  })

  it("left no promise rejection unhandled (under OpenWrt's qjs that kills the daemon)", () => {
    expect(labDaemonRejections()).toEqual([])
  })
})
