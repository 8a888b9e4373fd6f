// Privacy over a whole workload in the lab: the real daemon and the real rpc plugin import two
// profiles, connect, change devices, turn MediaStreamer on with a token, register, fail over and
// disconnect, while tcpdump watches the router's WAN. Then every file lanvpn keeps, the status
// file after the disconnect and every line the daemon logged at the default level are scanned for
// the lab's addresses, MACs, host names, keys and the token, and the capture for any request the
// user did not configure. Then the daemon is started again 31 days later (its clock moved on by
// a preload, as a router's would be by NTP after a month switched off), and everything is
// scanned again: every persisted byte, every world-readable file, the RAM files (the device list
// too) and the new daemon's log, and the history holds no record older than 30 days.
//
//   [lv…-laptop] vpn ─┐                                      ┌─ [lv…-vpn]  203.0.113.10 wg 10.64.0.1
//   [lv…-tv]     vpn ─┼ br-lan [lv…-router] wan ── [lv…-inet]┤
//   [lv…-console]vpn ─┘   lanvpn daemon, <lab>tun (wg)       └─ [lv…-vpn2] 203.0.113.20 wg 10.65.0.1
//                         rpc plugin; capture: tcpdump -i wan    provider https://192.0.2.2
//                                                                smart DNS 192.0.2.54
//
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs'
import { statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  cleanupLabDaemon,
  LAB_BUNDLE,
  labDaemonRejections,
  labPlugin,
  labStatus,
  leakCapture,
  startLabDaemon,
  writeLabConfig,
  type LeakCapture,
} from './daemon-lab'
import { Lab, labOrFail, waitFor, type LabProcess } from './lab'

const TOKEN = 'privacy-T0ken-9f3e'
const HOSTNAMES = ['laptop', 'tv', 'console']
/** The labels the workload gives devices: names only their own config section may hold. */
const LABELS = ['Work machine', 'Living room']
const DAY_MS = 24 * 3600 * 1000
/** How far the second daemon's clock is ahead: a router switched off for a month. */
const LATER_MS = 31 * DAY_MS

/** What must never appear outside a device's section and the secrets: the lab's addresses. */
const ADDRESS_PATTERNS: Array<[string, RegExp]> = [
  ['a LAN address', /192\.168\.50\.\d/],
  ['the WAN address', /198\.51\.100\.\d/],
  ['a VPN server address', /203\.0\.113\.\d/],
  ['a tunnel address', /\b10\.6[45]\.\d/],
  ['an IPv6 address of the lab', /\b(fd50|fd64|fd65|2001:db8):/i],
  ['a device MAC', /02:00:00:00:50:0\d/i],
]

/** Every file under `dir`, recursively, as paths relative to it. */
function walk(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? walk(path, base) : [relative(base, path)]
  })
}

/** The UCI text without its `config device` sections (a configured device's own section is the
 * one place product.md allows its MAC and the label the user gave it). */
function withoutDeviceSections(uci: string): string {
  return uci
    .split(/\n(?=config )/)
    .filter((s) => !s.trimStart().startsWith('config device'))
    .join('\n')
}

/** The UCI text without the devices a `config rule` is for, when each is a configured device (it
 * names them by MAC, as their own sections do: what the user set, nothing the router saw). */
function withoutRuleDevices(uci: string): string {
  const sections = uci.split(/\n(?=config )/)
  const configured = sections.filter((s) => s.trimStart().startsWith('config device')).join('\n')
  return sections
    .map((s) =>
      s.trimStart().startsWith('config rule')
        ? s
            .split('\n')
            .filter((l) => {
              const mac = /^\s*list device '([0-9a-f:]+)'$/i.exec(l)?.[1]
              return !mac || !configured.toLowerCase().includes(mac.toLowerCase())
            })
            .join('\n')
        : s
    )
    .join('\n')
}

/** The UCI text without its `config profile` sections: an imported profile's endpoint, tunnel
 * addresses and the server's public key are the configuration the user imported, not a session
 * detail; they are checked separately (no private key, no token). */
function withoutProfileSections(uci: string): string {
  return uci
    .split(/\n(?=config )/)
    .filter((s) => !s.trimStart().startsWith('config profile'))
    .join('\n')
}

describe.runIf(labOrFail())('privacy over a whole workload in the lab', () => {
  let lab: Lab
  let prefix: string
  let daemon: LabProcess
  let wan: LeakCapture
  const keys: string[] = []
  const publicKeys: string[] = []
  /** The tunnel addresses the servers gave (the clients' `Address` lines, no prefix length). */
  const tunnelAddresses: string[] = []
  const statusFile = () => labStatus(prefix)
  const rpc = (method: string, args: object = {}) => {
    const reply = labPlugin(prefix, method, args)
    if (reply.error) throw new Error(`${method}: ${JSON.stringify(reply.error)}`)
    return reply
  }
  const connectedTo = (profile: string) =>
    waitFor(
      `the tunnel connected to ${profile}`,
      () => statusFile()?.tunnel?.state === 'connected' && statusFile().tunnel.profile === profile,
      90_000
    )
  const providerRequests = () => {
    const file = `${lab.stateDir}/provider/requests.jsonl`
    return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []
  }
  /** Every secret-ish string that must not leave the secrets dir, with what it is. */
  const secrets = (): Array<[string, string]> => [
    ...keys.map((k): [string, string] => ['a private key', k]),
    ['the MediaStreamer token', TOKEN],
  ]
  /** What a text holds of what must stay private, as readable findings. */
  const findings = (
    where: string,
    text: string,
    opts: { publicKeys?: boolean; labels?: boolean } = {}
  ) => {
    const found: string[] = []
    for (const [what, re] of ADDRESS_PATTERNS) {
      const m = re.exec(text)
      if (m) found.push(`${where}: ${what} (${m[0]})`)
    }
    for (const name of HOSTNAMES) {
      if (new RegExp(`\\b${name}\\b`).test(text)) found.push(`${where}: the host name ${name}`)
    }
    if (opts.labels !== false)
      for (const label of LABELS)
        if (text.includes(label)) found.push(`${where}: the device label ${label}`)
    for (const [what, value] of secrets()) if (text.includes(value)) found.push(`${where}: ${what}`)
    if (opts.publicKeys !== false)
      for (const k of publicKeys)
        if (text.includes(k)) found.push(`${where}: a server's public key`)
    return found
  }

  /** Every file lanvpn keeps under the prefix (flash and RAM), scanned for what must not be
   * there; an empty list when all is well. */
  const scanPersisted = (): string[] => {
    const found: string[] = []
    const files = walk(prefix)
    expect(files).toContain('etc/config/lanvpn')
    expect(files).toContain('usr/share/nftables.d/ruleset-post/90-lanvpn-rules.nft')
    console.log(`[+] files under the prefix: ${files.join(', ')}`)
    for (const file of files) {
      if (file.startsWith('etc/lanvpn/secrets/')) continue
      // The LAN device list the UI shows (RAM, root-only): the devices on the LAN now, their
      // addresses and names, and nothing else (scanned on its own: scanRam).
      if (file === 'var/run/lanvpn/devices.json') continue
      const text = readFileSync(join(prefix, file), 'utf8')
      if (file === 'var/run/lanvpn/status.json') continue // scanned on its own below
      if (file.endsWith('90-lanvpn.nft') || file.endsWith('90-lanvpn-rules.nft')) {
        // The firewall includes are the config rendered as rules for the boot-time kill switch and
        // the rules by destination: they may hold the configured devices' MACs, the configured
        // location's addresses and the rules' destinations, exactly what the config holds, and
        // nothing else (no session detail, no name, no secret).
        const configText = readFileSync(join(prefix, 'etc/config/lanvpn'), 'utf8')
        for (const [what, re] of ADDRESS_PATTERNS)
          for (const m of text.matchAll(new RegExp(`${re.source}[0-9a-f:.]*`, 'gi')))
            if (!configText.toLowerCase().includes(m[0].toLowerCase()))
              found.push(`${file}: ${what} the config does not hold (${m[0]})`)
        found.push(...findings(file, text.replace(/[0-9a-f]*[.:][0-9a-f.:]+/gi, '')))
        // The tunnel's own addresses (the provider's identifier of this account) are not needed
        // at boot and stay out of it.
        for (const address of tunnelAddresses)
          if (text.includes(address)) found.push(`${file}: the tunnel address ${address}`)
        continue
      }
      // The config, and the daemon's copy of the version it applied (RAM, 0600; see
      // core/config/guard.ts): the same text, under the same rules.
      if (file === 'etc/config/lanvpn' || file === 'var/run/lanvpn/config.applied') {
        if (file.startsWith('var/')) expect(statSync(join(prefix, file)).mode & 0o777).toBe(0o600)
        found.push(
          ...findings(file, withoutProfileSections(withoutDeviceSections(withoutRuleDevices(text))))
        )
        // Profile sections: the imported endpoint is configuration, but never a secret.
        for (const [what, value] of secrets())
          if (text.includes(value)) found.push(`${file}: ${what}`)
        continue
      }
      found.push(...findings(file, text))
    }
    return found
  }

  /** Files any local user can read: they must hold nothing of the household at all. */
  const scanWorldReadable = (): string[] =>
    walk(prefix)
      .filter((file) => (lstatSync(join(prefix, file)).mode & 0o004) !== 0)
      .flatMap((file) => findings(file, readFileSync(join(prefix, file), 'utf8')))

  /** The RAM files: root-only but the status file (root and rpcd's group), and the device list
   * holds the LAN's devices alone (no WAN, server or tunnel address, no secret). */
  const scanRam = (): string[] => {
    const found: string[] = []
    const run = join(prefix, 'var/run/lanvpn')
    for (const name of readdirSync(run)) {
      const path = join(run, name)
      const st = lstatSync(path)
      if (!st.isFile()) continue
      const mode = st.mode & 0o777
      const allowed = name === 'status.json' ? 0o640 : name === 'lanvpnd.pid' ? 0o644 : 0o600
      if ((mode & ~allowed) !== 0) found.push(`var/run/lanvpn/${name}: mode ${mode.toString(8)}`)
      if (name !== 'devices.json') continue
      const text = readFileSync(path, 'utf8')
      // The LAN's own addresses (192.168.50.x, fd50::) and the devices' MACs are what it is for.
      for (const [what, re] of ADDRESS_PATTERNS)
        if (
          what !== 'a LAN address' &&
          what !== 'a device MAC' &&
          re.test(text.replace(/fd50:/gi, ''))
        )
          found.push(`devices.json: ${what}`)
      found.push(
        ...findings(
          'devices.json',
          text.replace(/"hostname":"[^"]*"/g, '').replace(/[0-9a-f]*[.:][0-9a-f.:]+/gi, '')
        )
      )
    }
    return found
  }

  beforeAll(async () => {
    if (!existsSync(LAB_BUNDLE)) throw new Error('run `npm run build` first (dist/root is missing)')
    lab = await Lab.up({ devices: HOSTNAMES })
    prefix = mkdtempSync(join(tmpdir(), 'lanvpn-privacy-'))
    mkdirSync(join(prefix, 'etc/lanvpn/secrets'), { recursive: true, mode: 0o700 })
    for (const server of ['vpn', 'vpn2'] as const) {
      const conf = lab.clientConf(server)
      for (const k of ['PrivateKey', 'PresharedKey']) {
        const v = new RegExp(`^${k}\\s*=\\s*(.+)$`, 'm').exec(conf)?.[1].trim()
        if (v) keys.push(v)
      }
      const address = /^Address\s*=\s*(.+)$/m.exec(conf)?.[1] ?? ''
      tunnelAddresses.push(...address.split(',').map((a) => a.trim().replace(/\/\d+$/, '')))
      const pub = /^PublicKey\s*=\s*(.+)$/m.exec(conf)?.[1].trim()
      if (pub) publicKeys.push(pub)
    }
    // Nothing configured yet but the basics: everything else comes through the rpc plugin.
    writeLabConfig(prefix, { health_interval: '2' })
    wan = await leakCapture(lab)
    daemon = startLabDaemon(lab, prefix, { iface: `${lab.name}tun`, labServices: true })
    await waitFor('the daemon running', () => statusFile()?.daemon?.state === 'running', 20_000)
  })

  afterAll(async () => {
    await daemon?.kill()
    if (lab && prefix) await cleanupLabDaemon(lab, prefix, { iface: `${lab.name}tun` })
    await lab?.down()
    if (prefix) rmSync(prefix, { recursive: true, force: true })
  })

  it('runs imports, a connect, device changes, a registration, a failover and a disconnect', async () => {
    const home = rpc('importProfile', { name: 'Home', text: lab.clientConf('vpn') })
    const backup = rpc('importProfile', { name: 'Backup', text: lab.clientConf('vpn2') })
    rpc('setFallback', { ids: [backup.id] })
    rpc('connect', { id: home.id })
    await connectedTo(home.id)

    // Device changes: every device stays in vpn mode (or blocked) so that none of them sends
    // anything out of the WAN by itself; what the capture sees is the router's own doing.
    const laptop = lab.deviceMac('laptop')
    rpc('setDeviceMode', { mac: laptop, mode: 'blocked' })
    rpc('renameDevice', { mac: laptop, label: 'Work machine' })
    rpc('setDeviceMode', { macs: [lab.deviceMac('tv'), lab.deviceMac('console')], mode: 'vpn' })
    rpc('setDeviceMode', { mac: laptop, mode: 'vpn' })
    rpc('renameDevice', { mac: lab.deviceMac('tv'), label: 'Living room' })

    // A rule by destination for the laptop: its own boot include (90-lanvpn-rules.nft) is then on
    // flash too, scanned below as the main one is. No device of the lab sends to that network.
    rpc('setRule', { label: 'Bank', via: 'direct', dests: ['192.0.2.64/26'], devices: [laptop] })

    // MediaStreamer on, with a token, and a registration asked for now.
    rpc('setConfig', {
      mediastreamer: {
        enabled: true,
        url: 'https://192.0.2.2/activate?ip={ip}&token={token}',
        dns_server: ['192.0.2.54'],
        token: TOKEN,
      },
    })
    rpc('registerNow')
    await waitFor(
      'a registration',
      () => providerRequests().some((l) => l.includes('/activate')),
      30_000
    )
    await waitFor(
      'status registered',
      () => statusFile()?.mediastreamer?.state === 'registered',
      20_000
    )

    // Failover: the first server stops answering (its UDP 51820 is dropped).
    await lab.exec('vpn', ['nft', '-f', '-'], {
      check: true,
      input:
        'table inet blackhole {\n  chain input {\n    type filter hook input priority -300; policy accept;\n    udp dport 51820 drop\n  }\n}\n',
    })
    await connectedTo(backup.id)

    rpc('disconnect')
    await waitFor('disconnected', () => statusFile()?.tunnel?.state === 'disconnected', 30_000)
    // One more health interval, so that anything the disconnect would trigger is captured too.
    await new Promise((r) => setTimeout(r, 3000))
    await wan.stop()
    expect(statusFile().tunnel.state).toBe('disconnected')
  })

  it('keeps no address, MAC, host name, key or token in any file but device sections and secrets', () => {
    expect(walk(prefix)).toContain('etc/config/lanvpn')
    console.log(`[+] files under the prefix: ${walk(prefix).join(', ')}`)
    expect(scanPersisted()).toEqual([])
    expect(scanWorldReadable()).toEqual([])
    expect(scanRam()).toEqual([])
  })

  it('holds no endpoint, exit or tunnel address in the status file after the disconnect', () => {
    // The WAN address (`wan.ip`) is allowed there: RAM only, it is the router's own current
    // address the UI shows, not a session detail (product decision).
    const status = statusFile()
    const rest = JSON.stringify({ ...status, wan: { ...status.wan, ip: undefined } })
    expect(findings('status.json', rest)).toEqual([])
  })

  it('logs no address, MAC, host name, key or token at the default level', () => {
    const lines = daemon.output().split('\n').filter(Boolean)
    expect(lines.length).toBeGreaterThan(0)
    const found = lines.flatMap((line) => findings('log', line).map((f) => `${f}: ${line}`))
    expect(found).toEqual([])
  })

  it('sends nothing out of the WAN but the tunnel, its ICMP errors and the provider', async () => {
    // Allowed: WireGuard to the two servers, the router's ICMP errors about it (a server still
    // sending to a tunnel that was just torn down), the provider's registration and IP echo,
    // and the link's own chatter (ARP, IPv6 link-local neighbour discovery).
    const leaked = await wan.leaks([
      'udp port 51820 and (host 203.0.113.10 or host 203.0.113.20)',
      'icmp and icmp[icmptype] == icmp-unreach and icmp[28:2] == 51820',
      'tcp port 443 and host 192.0.2.2',
    ])
    expect(leaked).toEqual([])
    // Positive control: the capture saw the tunnel and the provider.
    const provider = await wan.packets('tcp port 443')
    expect(provider.join('\n')).toContain('192.0.2.2.443')
  })

  it('starts again 31 days later, and the history on flash holds nothing older than 30 days', async () => {
    const historyFile = join(prefix, 'etc/lanvpn/state/history.json')
    const recorded = JSON.parse(readFileSync(historyFile, 'utf8')).records as Array<{
      startWallMs: number
      location: string
    }>
    expect(recorded.map((r) => r.location).sort()).toEqual(['Backup', 'Home'])
    expect((lstatSync(historyFile).mode & 0o777).toString(8)).toBe('600')
    // A clean stop takes the device list with it: nobody keeps it current while lanvpn is down.
    await daemon.kill()
    expect(existsSync(join(prefix, 'var/run/lanvpn/devices.json'))).toBe(false)
    daemon = startLabDaemon(lab, prefix, {
      iface: `${lab.name}tun`,
      labServices: true,
      runtime: 'node',
      runtimeFlags: [
        '--import',
        `data:text/javascript,const%20now=Date.now;Date.now=()=>now()+${LATER_MS}`,
      ],
    })
    await waitFor(
      'the daemon running 31 days later',
      () =>
        statusFile()?.daemon?.state === 'running' && statusFile().updatedAt > Date.now() + DAY_MS,
      30_000
    )
    await waitFor('the history pruned on flash', () => !existsSync(historyFile), 10_000)
    await waitFor(
      'the device list back',
      () => existsSync(join(prefix, 'var/run/lanvpn/devices.json')),
      30_000
    )
  })

  it('31 days later: nothing it should not keep, anywhere it keeps something, nor in the log', () => {
    expect(scanPersisted()).toEqual([])
    expect(scanWorldReadable()).toEqual([])
    expect(scanRam()).toEqual([])
    const lines = daemon.output().split('\n').filter(Boolean)
    expect(lines.length).toBeGreaterThan(0)
    expect(lines.flatMap((line) => findings('log', line).map((f) => `${f}: ${line}`))).toEqual([])
  })

  it("left no promise rejection unhandled (under OpenWrt's qjs that kills the daemon)", () => {
    expect(labDaemonRejections()).toEqual([])
  })
})
