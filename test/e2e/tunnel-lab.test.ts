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
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  cleanupLabDaemon,
  LAB_BUNDLE,
  labDaemonRejections,
  labDeviceSection,
  labPlugin,
  labRuntimeArgv,
  labStatus,
  leakCapture,
  startLabDaemon,
  startLeakLoad,
  writeLabConfig,
  writeLabProfile,
} from './daemon-lab'
import { Lab, labOrFail, waitFor, type LabProcess } from './lab'

const TV_MAC = '02:00:00:00:50:02'

describe.runIf(labOrFail())('the tunnel and its kill switch in the lab', () => {
  let lab: Lab
  let prefix: string
  let iface: string
  let daemon: LabProcess
  const background: LabProcess[] = []
  const statusFile = () => labStatus(prefix)
  // The lab CA: the exit-IP check asks the provider fixture's IP echo over HTTPS.
  const startDaemon = () =>
    startLabDaemon(lab, prefix, {
      iface,
      env: [`CURL_CA_BUNDLE=${lab.stateDir}/provider/ca.pem`],
    })
  const echoFrom = async (device: string, url = 'http://192.0.2.1/') =>
    (await lab.exec(device, ['curl', '-sS', '-m', '4', url])).stdout
  const connectedTo = (profile: string) =>
    waitFor(
      `the tunnel connected to ${profile}`,
      () => statusFile()?.tunnel?.state === 'connected' && statusFile().tunnel.profile === profile,
      90_000
    )
  /** Edits the config in place and has the daemon reload it, as `/etc/init.d/lanvpn reload` does
   * (SIGHUP). */
  const reconfigure = async (from: string, to: string) => {
    const cfg = join(prefix, 'etc/config/lanvpn')
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace(from, to))
    await lab.exec('router', ['kill', '-HUP', String(statusFile().daemon.pid)])
  }

  beforeAll(async () => {
    if (!existsSync(LAB_BUNDLE)) throw new Error('run `npm run build` first (dist/root is missing)')
    lab = await Lab.up({ devices: ['laptop', 'tv'] })
    iface = `${lab.name}tun`
    prefix = mkdtempSync(join(tmpdir(), 'lanvpn-tunnel-'))
    writeLabConfig(
      prefix,
      {
        enabled: '1',
        connect: '1',
        active_profile: 'home',
        fallback: ['backup'],
        health_interval: '2',
      },
      writeLabProfile(prefix, 'home', lab.clientConf('vpn'), { keepalive: 5 }),
      writeLabProfile(prefix, 'backup', lab.clientConf('vpn2'), { keepalive: 5 }),
      labDeviceSection(TV_MAC, 'direct')
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
    if (lab && prefix) await cleanupLabDaemon(lab, prefix, { iface })
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

  it('finds the exit IP through the tunnel when asked (lanvpn exit-ip), beside the WAN IP', async () => {
    const echoes = () =>
      readFileSync(`${lab.stateDir}/provider/requests.jsonl`, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"/ip"'))
        .map((l) => JSON.parse(l))
    const set = labPlugin(prefix, 'setConfig', {
      mediastreamer: { ip_echo_url: ['https://192.0.2.2/ip'] },
    })
    expect(set).toMatchObject({ ok: true })
    // Asked once the daemon runs with it (a request served before would use the old list).
    await waitFor('the new list applied', () => statusFile()?.configHash === set.configHash)
    const r = await lab.exec('router', [
      'env',
      `LANVPN_PREFIX=${prefix}`,
      ...labRuntimeArgv(),
      LAB_BUNDLE,
      'exit-ip',
    ])
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe('exit IP: 203.0.113.10 (through home)\nWAN IP:  198.51.100.2\n')
    expect(statusFile().tunnel.exitIp).toBe('203.0.113.10')
    // One request, the one asked for, and through the tunnel: the service saw the VPN server.
    expect(echoes()).toMatchObject([{ path: '/ip', src: '203.0.113.10' }])
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
    const wan = await leakCapture(lab)
    // The vpn device, ≥ 50 packets a second: ICMP, UDP to 53 and 9000, TCP to 53, IPv6.
    const load = startLeakLoad(lab, 'laptop')
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
    // Seen as reconnecting (or failed), or already past it: with a second location, the failover
    // can take less than one look at the status.
    await waitFor(
      'an outage',
      () =>
        ['reconnecting', 'failed'].includes(statusFile()?.tunnel?.state) ||
        statusFile()?.tunnel?.profile === 'backup',
      20_000
    )
    await connectedTo('backup')
    expect(await echoFrom('laptop')).toBe('203.0.113.20')
    // The exit found through home is not the backup's: not shown until asked again.
    expect(statusFile().tunnel.exitIp).toBeUndefined()

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
    // Every packet on the WAN counts, except: WireGuard's own UDP to the servers, the router's ICMP
    // errors about that UDP (a server still sending to a tunnel that was just deleted), the tv's
    // HTTP (the positive control) and the link's own chatter (ARP, the router's link-local IPv6).
    const leaked = await wan.leaks([
      'udp port 51820',
      'icmp and icmp[icmptype] == icmp-unreach and icmp[28:2] == 51820',
      'tcp port 80 and host 192.0.2.1',
    ])
    if (leaked.length) console.log([...phases, ...leaked].join('\n'))
    expect(leaked).toEqual([])
    // Positive control: the direct device was seen throughout.
    expect(tvSeen()).toBeGreaterThan(tvBefore)
  })

  it('goes back to the chosen location once it answers steadily again, says so, and lets nothing leak meanwhile', async () => {
    const wan = await leakCapture(lab)
    const load = startLeakLoad(lab, 'laptop')
    background.push(...load)
    const logged = daemon.output().length
    await lab.exec('vpn', ['nft', 'delete', 'table', 'inet', 'blackhole'], { check: true })
    // Asked every 20 s here (10 health intervals), three answers in a row: about a minute.
    await waitFor(
      'home carrying the traffic again',
      () => statusFile()?.tunnel?.state === 'connected' && statusFile().tunnel.profile === 'home',
      120_000
    )
    expect(await echoFrom('laptop')).toBe('203.0.113.10')
    expect(daemon.output().slice(logged)).toContain(
      'tunnel reconnecting: the chosen location answers again: going back to it'
    )
    for (const p of load) await p.kill()
    expect(
      await wan.leaks([
        'udp port 51820',
        'icmp and icmp[icmptype] == icmp-unreach and icmp[28:2] == 51820',
      ])
    ).toEqual([])
    // The side interface that asked is gone.
    expect((await lab.exec('router', ['ip', 'link', 'show', 'dev', `${iface}b`])).code).not.toBe(0)
  })

  it('measures the latency to every location over the WAN when asked through rpc', async () => {
    expect(labPlugin(prefix, 'testLatency')).toMatchObject({ daemonNotified: true })
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
    const routerCurl = (extra: string[] = []) =>
      lab.exec('router', ['curl', '-sS', '-m', '4', ...extra, 'http://192.0.2.1/'])
    expect((await routerCurl()).stdout).toBe('198.51.100.2')
    await reconfigure("option enabled '1'", "option enabled '1'\n\toption router_via_vpn '1'")
    await waitFor(
      'the router through the tunnel',
      async () => (await routerCurl()).stdout === '203.0.113.10',
      20_000
    )
    // What MediaStreamer does: bound to the WAN device, it must leave by the WAN.
    expect((await routerCurl(['--interface', 'wan'])).stdout).toBe('198.51.100.2')
    await reconfigure("\n\toption router_via_vpn '1'", '')
    await waitFor(
      'the router on the WAN again',
      async () => (await routerCurl()).stdout === '198.51.100.2',
      20_000
    )
  })

  it('drops vpn devices and keeps direct ones online after a manual disconnect (kill switch always)', async () => {
    await reconfigure("option connect '1'", "option connect '0'")
    await waitFor('disconnected', () => statusFile()?.tunnel?.state === 'disconnected', 20_000)
    expect(
      (await lab.exec('laptop', ['curl', '-sS', '-m', '3', 'http://192.0.2.1/'])).code
    ).not.toBe(0)
    expect(await echoFrom('tv')).toBe('198.51.100.2')
  })

  it('lets vpn devices use the WAN after a manual disconnect with the kill switch auto', async () => {
    await reconfigure("option connect '0'", "option connect '0'\n\toption kill_switch 'auto'")
    await waitFor(
      'the laptop on the WAN',
      async () => (await echoFrom('laptop')) === '198.51.100.2',
      20_000
    )
  })

  it("left no promise rejection unhandled (under OpenWrt's qjs that kills the daemon)", () => {
    expect(labDaemonRejections()).toEqual([])
  })
})
