// The tunnel and the kill switch in the lab: a `vpn` device leaves from the VPN server's address,
// its DNS goes to the tunnel's resolver, and while it sends TCP, UDP (53 and another port), ICMP
// and IPv6 at ≥ 50 packets a second, the tunnel is killed, the VPN server stops answering (the
// daemon fails over to the second server), the daemon is killed with -9 and restarted, the
// firewall include is reloaded, the WAN goes down and up and a more specific route is pushed on the
// WAN — and a capture on the router's WAN sees ZERO packets of that device. A `direct` device keeps
// working throughout (positive control).
//
//   [lv…-laptop] vpn ─┐                                     ┌─ [lv…-vpn]  203.0.113.10 wg 10.64.0.1
//                     ├ br-lan [lv…-router] wan ── [lv…-inet]┤
//   [lv…-tv] direct ──┘   lanvpn daemon, <lab>tun (wg)      └─ [lv…-vpn2] 203.0.113.20 wg 10.65.0.1
//                          capture: tcpdump -i wan            echo 192.0.2.1, dns 192.0.2.53
//
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanupLabDaemon, startLabDaemon } from './daemon-lab'
import { Lab, labOrFail, waitFor, type LabProcess } from './lab'

const REPO = resolve(import.meta.dirname, '../..')
const BUNDLE = join(REPO, 'dist/lanvpn.js')
const TV_MAC = '02:00:00:00:50:02'

/** The parts of a provider's wg-quick file the profile keeps (the import does this for users). */
function profileFrom(conf: string) {
  const get = (k: string) => new RegExp(`^${k}\\s*=\\s*(.+)$`, 'm').exec(conf)?.[1].trim() ?? ''
  const [host, port] = get('Endpoint').split(':')
  return {
    privateKey: get('PrivateKey'),
    addresses: get('Address').split(/,\s*/),
    dns: get('DNS').split(/,\s*/),
    publicKey: get('PublicKey'),
    host,
    port,
  }
}

function profileSection(id: string, p: ReturnType<typeof profileFrom>): string {
  return [
    `config profile '${id}'`,
    `\toption label '${id}'`,
    "\toption type 'wireguard'",
    ...p.addresses.map((a) => `\tlist address '${a}'`),
    ...p.dns.map((d) => `\tlist dns '${d}'`),
    `\toption public_key '${p.publicKey}'`,
    `\toption endpoint_host '${p.host}'`,
    `\toption endpoint_port '${p.port}'`,
    "\tlist allowed_ips '0.0.0.0/0'",
    "\tlist allowed_ips '::/0'",
    "\toption persistent_keepalive '5'",
    '',
  ].join('\n')
}

describe.runIf(labOrFail())('the tunnel and its kill switch in the lab', () => {
  let lab: Lab
  let prefix: string
  let iface: string
  let daemon: LabProcess
  const background: LabProcess[] = []
  const statusFile = () => {
    try {
      return JSON.parse(readFileSync(join(prefix, 'var/run/lanvpn/status.json'), 'utf8'))
    } catch {
      return null
    }
  }
  const startDaemon = () => startLabDaemon(lab, prefix, { iface, bundle: BUNDLE })
  const echoFrom = async (device: string, url = 'http://192.0.2.1/') =>
    (await lab.exec(device, ['curl', '-sS', '-m', '4', url])).stdout
  const connectedTo = (profile: string) =>
    waitFor(
      `the tunnel connected to ${profile}`,
      () => statusFile()?.tunnel?.state === 'connected' && statusFile().tunnel.profile === profile,
      90_000
    )

  beforeAll(async () => {
    if (!existsSync(BUNDLE))
      throw new Error('run `npm run build` first (dist/lanvpn.js is missing)')
    lab = await Lab.up({ devices: ['laptop', 'tv'] })
    iface = `${lab.name}tun`
    prefix = mkdtempSync(join(tmpdir(), 'lanvpn-tunnel-'))
    mkdirSync(join(prefix, 'etc/config'), { recursive: true })
    mkdirSync(join(prefix, 'etc/lanvpn/secrets'), { recursive: true, mode: 0o700 })
    const home = profileFrom(lab.clientConf('vpn'))
    const backup = profileFrom(lab.clientConf('vpn2'))
    writeFileSync(join(prefix, 'etc/lanvpn/secrets/profile_home'), home.privateKey, { mode: 0o600 })
    writeFileSync(join(prefix, 'etc/lanvpn/secrets/profile_backup'), backup.privateKey, {
      mode: 0o600,
    })
    writeFileSync(
      join(prefix, 'etc/config/lanvpn'),
      [
        '',
        "config globals 'globals'",
        "\toption enabled '1'",
        "\toption connect '1'",
        "\toption active_profile 'home'",
        "\tlist fallback 'backup'",
        "\toption health_interval '2'",
        '',
        profileSection('home', home),
        profileSection('backup', backup),
        `config device 'd_020000005002'`,
        `\toption mac '${TV_MAC}'`,
        "\toption mode 'direct'",
        '',
      ].join('\n')
    )
    daemon = startDaemon()
    await connectedTo('home')
    // "connected" is published as the routing follows; give the first packet a moment.
    await waitFor(
      'the laptop through the tunnel',
      async () => (await echoFrom('laptop')) === '203.0.113.10',
      10_000
    )
  })

  afterAll(async () => {
    for (const p of background) await p.kill()
    await daemon?.kill()
    if (lab && prefix) await cleanupLabDaemon(lab, prefix, { iface, bundle: BUNDLE })
    await lab?.down()
    if (prefix) rmSync(prefix, { recursive: true, force: true })
  })

  it('sends a vpn device out from the VPN server and a direct one from the WAN', async () => {
    expect(await echoFrom('laptop')).toBe('203.0.113.10')
    expect(await echoFrom('laptop', 'http://[2001:db8:2::1]/')).toBe('2001:db8:113::10')
    expect(await echoFrom('tv')).toBe('198.51.100.2')
    const s = statusFile()
    expect(s.tunnel).toMatchObject({
      state: 'connected',
      profile: 'home',
      implementation: 'userspace',
    })
    expect(s.tunnel.since).toBeGreaterThan(0)
  })

  it("answers a vpn device's DNS from the tunnel's resolver, whatever server it asks", async () => {
    for (const server of ['192.168.50.1', '192.0.2.53', '8.8.8.8']) {
      const r = await lab.exec('laptop', [
        'busybox',
        'nslookup',
        '-type=TXT',
        'whoami.lab.test',
        server,
      ])
      expect(r.stdout).toContain('vpn')
      expect(r.stdout).not.toContain('inet')
    }
  })

  it('lets not one packet of the vpn device reach the WAN through every failure', async () => {
    const capture = `/tmp/${lab.name}-wan.pcap`
    const tcpdump = lab.spawn('router', ['tcpdump', '-i', 'wan', '-n', '-U', '-w', capture])
    background.push(tcpdump)
    await new Promise((r) => setTimeout(r, 1000))
    // The vpn device, ≥ 50 packets a second: ICMP, UDP to 53 and 9000, TCP to 53, IPv6.
    const load = [
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
    ].map((argv) => lab.spawn('laptop', argv))
    background.push(...load)
    // Wall-clock marks of each phase, printed with the capture when it finds a leak.
    const phases: string[] = []
    const phase = (n: number) => phases.push(`${new Date().toISOString().slice(11, 23)} phase ${n}`)
    const tvSeen = () =>
      lab.echoLog().filter((e) => e.src === '198.51.100.2' && e.proto === 'tcp').length
    const tvBefore = tvSeen()

    // 1. The tunnel interface dies: the daemon notices and brings it back.

    phase(1)
    const since = statusFile().tunnel.since
    await lab.exec('router', ['ip', 'link', 'del', 'dev', iface], { check: true })
    // Rebuilt at once: a new connected phase (a later `since`), not necessarily seen in between.
    await waitFor(
      'the tunnel rebuilt',
      () => statusFile()?.tunnel?.state === 'connected' && statusFile().tunnel.since > since,
      30_000
    )
    expect(await echoFrom('tv')).toBe('198.51.100.2')

    // 2. The VPN server stops answering: outage, then failover to the second server.

    phase(2)
    await lab.exec('vpn', ['nft', 'add', 'table', 'inet', 'blackhole'], { check: true })
    await lab.exec(
      'vpn',
      [
        'nft',
        'add',
        'chain',
        'inet',
        'blackhole',
        'input',
        '{ type filter hook input priority -300; policy accept; }',
      ],
      { check: true }
    )
    await lab.exec(
      'vpn',
      ['nft', 'add', 'rule', 'inet', 'blackhole', 'input', 'udp', 'dport', '51820', 'drop'],
      { check: true }
    )
    await waitFor(
      'an outage',
      () => ['reconnecting', 'failed'].includes(statusFile()?.tunnel?.state),
      20_000
    )
    await connectedTo('backup')
    expect(await echoFrom('laptop')).toBe('203.0.113.20')

    // 3. The daemon is killed with -9 and restarted (procd respawn).

    phase(3)
    await lab.exec('router', ['kill', '-9', String(daemon.pid)])
    await daemon.exited
    daemon = startDaemon()
    await waitFor(
      'the restarted daemon',
      () => statusFile()?.daemon?.state === 'running' && statusFile().daemon.pid !== 0,
      20_000
    )

    // 4. The firewall reloads its includes (fw4 re-declares what it loads).

    phase(4)
    const include = join(prefix, 'usr/share/nftables.d/ruleset-post/90-lanvpn.nft')
    await lab.exec('router', ['nft', '-f', include], { check: true })

    // 5. The WAN goes down and comes back (routes with it).

    phase(5)
    await lab.exec('router', ['ip', 'link', 'set', 'wan', 'down'], { check: true })
    await new Promise((r) => setTimeout(r, 1500))
    await lab.exec('router', ['ip', 'link', 'set', 'wan', 'up'], { check: true })
    await lab.exec('router', ['ip', 'route', 'replace', 'default', 'via', '198.51.100.1'], {
      check: true,
    })
    await lab.exec('router', ['ip', '-6', 'route', 'replace', 'default', 'via', '2001:db8:100::1'])

    // 6. The WAN's DHCP pushes more specific routes (option 121) into main.

    phase(6)
    await lab.exec(
      'router',
      ['ip', 'route', 'add', '192.0.2.0/24', 'via', '198.51.100.1', 'dev', 'wan'],
      { check: true }
    )
    await lab.exec('router', [
      'ip',
      '-6',
      'route',
      'add',
      '2001:db8:2::/64',
      'via',
      '2001:db8:100::1',
      'dev',
      'wan',
    ])
    await connectedTo('backup')
    expect(await echoFrom('laptop')).toBe('203.0.113.20')

    for (const p of load) await p.kill()
    await new Promise((r) => setTimeout(r, 500))
    await tcpdump.kill()
    // Every packet on the WAN counts, except: WireGuard's own UDP to the servers, the router's ICMP
    // errors about that UDP (a server still sending to a tunnel that was just deleted), the tv's
    // HTTP (the positive control), ARP, and the router's own link-local IPv6 (neighbour discovery,
    // MLD: link-local is never forwarded, so it cannot come from a LAN device).
    const filter = [
      'not (udp port 51820)',
      'not (icmp and icmp[icmptype] == icmp-unreach and icmp[28:2] == 51820)',
      'not (tcp port 80 and host 192.0.2.1)',
      'not arp',
      'not (ip6 and src net fe80::/10)',
    ].join(' and ')
    const leaked = await lab.exec('router', ['tcpdump', '-n', '-r', capture, filter])
    rmSync(capture, { force: true })
    const lines = leaked.stdout.trim().split('\n').filter(Boolean)
    if (lines.length) console.log([...phases, ...lines].join('\n'))
    expect(lines).toEqual([])
    // Positive control: the direct device was seen throughout.
    expect(tvSeen()).toBeGreaterThan(tvBefore)
  })

  it('measures the latency to every location over the WAN when asked through rpc', async () => {
    const plugin = join(REPO, 'dist/root/usr/libexec/rpcd/lanvpn')
    const reply = JSON.parse(
      execFileSync(plugin, ['call', 'testLatency'], {
        input: '{}',
        env: {
          ...process.env,
          LANVPN_PREFIX: prefix,
          LANVPN_BUNDLE: BUNDLE,
          LANVPN_RUNTIME: process.execPath,
          LANVPN_LOG: 'off',
        },
        encoding: 'utf8',
      })
    )
    expect(reply).toMatchObject({ daemonNotified: true })
    const done = await waitFor(
      'the latency results',
      () => {
        const l = statusFile()?.latency
        return l && !l.running && l.results.length === 2 && l
      },
      30_000
    )
    expect(done.results.map((r: { id: string }) => r.id).sort()).toEqual(['backup', 'home'])
    for (const r of done.results) expect(r.ms).toBeGreaterThan(0)
  })

  it("sends the router's own traffic through the tunnel when asked, but WAN-bound sockets by the WAN", async () => {
    const cfg = join(prefix, 'etc/config/lanvpn')
    const routerCurl = (extra: string[] = []) =>
      lab.exec('router', ['curl', '-sS', '-m', '4', ...extra, 'http://192.0.2.1/'])
    expect((await routerCurl()).stdout).toBe('198.51.100.2')
    writeFileSync(
      cfg,
      readFileSync(cfg, 'utf8').replace(
        "option enabled '1'",
        "option enabled '1'\n\toption router_via_vpn '1'"
      )
    )
    await lab.exec('router', ['kill', '-HUP', String(statusFile().daemon.pid)])
    await waitFor(
      'the router through the tunnel',
      async () => (await routerCurl()).stdout === '203.0.113.20',
      20_000
    )
    // What MediaStreamer does: bound to the WAN device, it must leave by the WAN.
    expect((await routerCurl(['--interface', 'wan'])).stdout).toBe('198.51.100.2')
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace("\n\toption router_via_vpn '1'", ''))
    await lab.exec('router', ['kill', '-HUP', String(statusFile().daemon.pid)])
    await waitFor(
      'the router on the WAN again',
      async () => (await routerCurl()).stdout === '198.51.100.2',
      20_000
    )
  })

  it('drops vpn devices and keeps direct ones online after a manual disconnect (kill switch always)', async () => {
    const cfg = join(prefix, 'etc/config/lanvpn')
    writeFileSync(
      cfg,
      readFileSync(cfg, 'utf8').replace("option connect '1'", "option connect '0'")
    )
    await lab.exec('router', ['kill', '-HUP', String(statusFile().daemon.pid)])
    await waitFor('disconnected', () => statusFile()?.tunnel?.state === 'disconnected', 20_000)
    expect(
      (await lab.exec('laptop', ['curl', '-sS', '-m', '3', 'http://192.0.2.1/'])).code
    ).not.toBe(0)
    expect(await echoFrom('tv')).toBe('198.51.100.2')
  })

  it('lets vpn devices use the WAN after a manual disconnect with the kill switch auto', async () => {
    const cfg = join(prefix, 'etc/config/lanvpn')
    writeFileSync(
      cfg,
      readFileSync(cfg, 'utf8').replace(
        "option connect '0'",
        "option connect '0'\n\toption kill_switch 'auto'"
      )
    )
    await lab.exec('router', ['kill', '-HUP', String(statusFile().daemon.pid)])
    await waitFor(
      'the laptop on the WAN',
      async () => (await echoFrom('laptop')) === '198.51.100.2',
      20_000
    )
  })
})
