// Device groups in the lab (issue 21): four tunnels at once, WireGuard and OpenVPN mixed, each
// device leaving by its own group's exit. The laptop is in the default group (location home, the
// vpn server), the TV in group `tv` (vpn2), the console in group `games` (the OpenVPN server), the
// phone (a fourth LAN device, this spec's own) in group `kids` (vpn3). Each device's DNS, whatever
// server it asks, is answered by its own group's tunnel resolver, none of it on the WAN. Then, with
// all four devices sending every kind of packet a leak could take: the tv group's server stops
// answering → the TV reaches nothing, the laptop, the console and the phone keep their own exits;
// the server answers again → the TV is back on vpn2; and a capture on the router's WAN sees ZERO
// packets of any of them through all of it. A device moved between groups in one change leaves by
// its new group's exit at its next connection; a group with a fallback location moves to it when
// its own stops answering (and a group removed from the config takes its tunnel with it), and back
// once it answers steadily again. MediaStreamer, on all along, registers the WAN address, never a
// tunnel's exit.
//
// Each WireGuard server knows one client key (lab.sh make_vpn) and a location serves one group
// only (one key, one session): four tunnels take the lab's four servers.
//
//   [lv…-laptop] vpn (default) ─┐                                  ┌─ [lv…-vpn]  203.0.113.10 wg
//   [lv…-tv]     vpn (tv)      ─┤                                  ├─ [lv…-vpn2] 203.0.113.20 wg
//   [lv…-console] vpn (games)  ─┼ br-lan [lv…-router] wan ─ [lv…-inet] ┼─ [lv…-ovpn] 203.0.113.30 udp 1194
//   [lv…-phone]  vpn (kids)    ─┘  lanvpn daemon:                   ├─ [lv…-vpn3] 203.0.113.40 wg
//                                  <lab>tun (home), <lab>tun1 (tv),  └─ echo 192.0.2.1
//                                  <lab>tun2 (games, openvpn), <lab>tun3 (kids)
//                                  capture: tcpdump -i wan
//
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolvePaths, type Paths } from '../../applet/src/core/paths'
import {
  labDaemonRejections,
  labDeviceSection,
  labPlugin,
  labSection,
  labStatus,
  leakCapture,
  newLabPrefix,
  startConnectedLabDaemon,
  startLeakLoad,
  tearDownLabDaemon,
  writeLabConfig,
  writeLabProfile,
} from './daemon-lab'
import { Lab, labOrFail, waitFor, type LabProcess } from './lab'

const LAB_UP_HOOK = resolve(import.meta.dirname, '../../dist/root/usr/libexec/lanvpn/ovpn-up')
const EXIT = {
  vpn: '203.0.113.10',
  vpn2: '203.0.113.20',
  ovpn: '203.0.113.30',
  vpn3: '203.0.113.40',
}
/** The router's WAN address (lab.md): what MediaStreamer must register. */
const WAN = '198.51.100.2'
const DEVICES = ['laptop', 'tv', 'console', 'phone']

describe.runIf(labOrFail())('device groups in the lab: a tunnel per group', () => {
  let lab: Lab
  let prefix: string
  let paths: Paths
  let daemon: LabProcess
  let ovpnId: string
  let profiles: string[] = []
  const background: LabProcess[] = []
  const statusFile = () => labStatus(prefix)
  const groupTunnel = (id: string) =>
    statusFile()?.groups?.find((g: { id: string }) => g.id === id)?.tunnel
  const echoFrom = async (device: string) =>
    (await lab.exec(device, ['curl', '-sS', '-m', '3', 'http://192.0.2.1/'])).stdout
  /** Waits until `device`'s next connection leaves from `exit` (a tunnel that just came up). */
  const leavesFrom = (device: string, exit: string, ms = 30_000) =>
    waitFor(`${device} leaving from ${exit}`, async () => (await echoFrom(device)) === exit, ms)
  const connected = (group: string, profile: string, ms = 90_000) =>
    explained(
      waitFor(
        `group ${group || 'default'} connected to ${profile}`,
        () => {
          const t = group ? groupTunnel(group) : statusFile()?.tunnel
          return t?.state === 'connected' && t.profile === profile
        },
        ms
      )
    )
  /** A failed wait shows the status and the daemon's last words. */
  const explained = async <T>(wait: Promise<T>): Promise<T> =>
    wait.catch((e: unknown) => {
      console.log(JSON.stringify(statusFile(), null, 1), daemon?.output().slice(-8000))
      throw e
    })

  /** The config: home for the default group, `groups` as given, each device in `members`' group
   * (absent: the default group). Written whole, then the daemon reloads it (SIGHUP). */
  const configure = async (
    groups: Array<{ id: string; profile: string; fallback?: string[] }>,
    members: Record<string, string>
  ) => {
    writeLabConfig(
      prefix,
      {
        enabled: '1',
        connect: '1',
        active_profile: 'home',
        health_interval: '2',
        log_level: 'debug',
      },
      ...profiles,
      ...groups.map((g) =>
        labSection('group', g.id, {
          label: g.id,
          profile: g.profile,
          ...(g.fallback ? { fallback: g.fallback } : {}),
        })
      ),
      ...DEVICES.map((d) =>
        labDeviceSection(lab.deviceMac(d), 'vpn', members[d] ? { group: members[d] } : {})
      ),
      // With the lab's provider fixture in inet (as mediastreamer-lab registers with it).
      labSection('mediastreamer', 'mediastreamer', {
        enabled: '1',
        method: 'http',
        url: 'https://192.0.2.2/activate?ip={ip}&token={token}',
        success_match: 'OK',
        dns_server: ['192.0.2.54'],
        ip_echo_url: ['https://192.0.2.2/ip'],
      })
    )
    if (statusFile()?.daemon?.pid)
      await lab.exec('router', ['kill', '-HUP', String(statusFile().daemon.pid)], { check: true })
  }
  /** Has the daemon reload (SIGHUP) and returns what it logged until that reconcile ended. */
  const reload = async () => {
    const logged = daemon.output().length
    await lab.exec('router', ['kill', '-HUP', String(statusFile().daemon.pid)], { check: true })
    await waitFor('a reconcile', () => daemon.output().slice(logged).includes('reconcile: '))
    // Nothing else publishes while a reconcile runs: the next status is this one's end.
    const generation = statusFile().generation
    await waitFor('its end', () => statusFile().generation > generation, 10_000)
    return daemon.output().slice(logged)
  }
  /** vpn2 stops answering its WireGuard clients (its UDP dropped in its own namespace), or
   * answers again. */
  const vpn2Answers = async (answers: boolean) => {
    if (!answers) {
      await lab.exec('vpn2', ['nft', 'add', 'table', 'inet', 'blackhole'], { check: true })
      await lab.exec(
        'vpn2',
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
        'vpn2',
        ['nft', 'add', 'rule', 'inet', 'blackhole', 'input', 'udp', 'dport', '51820', 'drop'],
        { check: true }
      )
    } else await lab.exec('vpn2', ['nft', 'delete', 'table', 'inet', 'blackhole'], { check: true })
  }

  beforeAll(async () => {
    prefix = newLabPrefix('groups')
    lab = await Lab.up({ devices: DEVICES })
    paths = resolvePaths(prefix, `${lab.name}tun`)
    mkdirSync(dirname(paths.ovpnUpHook), { recursive: true })
    cpSync(LAB_UP_HOOK, paths.ovpnUpHook)
    const home = writeLabProfile(prefix, 'home', lab.clientConf('vpn'), { keepalive: 5 })
    const uk = writeLabProfile(prefix, 'uk', lab.clientConf('vpn2'), { keepalive: 5 })
    const us = writeLabProfile(prefix, 'us', lab.clientConf('vpn3'), { keepalive: 5 })
    profiles = [home, uk, us]
    writeFileSync(`${prefix}/etc/lanvpn/secrets/ms_token`, 'lab-token', { mode: 0o600 })
    await configure([], {})
    daemon = await startConnectedLabDaemon(lab, prefix, {
      iface: paths.tunnelIface,
      env: [`CURL_CA_BUNDLE=${lab.stateDir}/provider/ca.pem`],
      netifd: null,
      until: 'running',
    })
    // The OpenVPN location through the real rpc, as a household imports one.
    const creds = lab.clientOvpn()
    const imported = labPlugin(prefix, 'importProfile', {
      name: 'Lab OpenVPN',
      text: creds.text,
      username: creds.username,
      password: creds.password,
    })
    if (!imported.ok) throw new Error(`import failed: ${JSON.stringify(imported)}`)
    ovpnId = imported.id
    const text = readFileSync(paths.config, 'utf8')
    const section = new RegExp(`config profile '${ovpnId}'\\n(\\t.*\\n)+`).exec(text)
    if (!section) throw new Error(`no profile section ${ovpnId} in ${paths.config}`)
    profiles.push(section[0])
    await configure(
      [
        { id: 'tv', profile: 'uk' },
        { id: 'games', profile: ovpnId },
        { id: 'kids', profile: 'us' },
      ],
      { tv: 'tv', console: 'games', phone: 'kids' }
    )
    await connected('', 'home')
    await connected('tv', 'uk')
    await connected('games', ovpnId)
    await connected('kids', 'us')
  }, 180_000)

  afterAll(async () => {
    for (const p of background) await p.kill()
    await tearDownLabDaemon(lab, prefix, daemon, { iface: paths?.tunnelIface })
  })

  it("sends each device out by its own group's tunnel: four exits at once, WireGuard and OpenVPN", async () => {
    await leavesFrom('laptop', EXIT.vpn)
    await leavesFrom('tv', EXIT.vpn2)
    await leavesFrom('console', EXIT.ovpn)
    await leavesFrom('phone', EXIT.vpn3)
    const s = statusFile()
    expect(s.groups.map((g: { id: string; devices: number }) => [g.id, g.devices])).toEqual([
      ['tv', 1],
      ['games', 1],
      ['kids', 1],
    ])
    expect(s.groups[1].tunnel).toMatchObject({ implementation: 'openvpn' })
    expect(s.groups[2].tunnel).toMatchObject({ implementation: 'userspace', profile: 'us' })
    for (const i of ['', '1', '2', '3']) {
      const link = await lab.exec('router', [
        'ip',
        'link',
        'show',
        'dev',
        `${paths.tunnelIface}${i}`,
      ])
      expect(link.code, `${paths.tunnelIface}${i}`).toBe(0)
    }
    // Every owned table read back: a reload with nothing changed runs no ip -batch (before, a
    // group's routes were set again on every reconcile).
    const defaults = (
      await lab.exec('router', ['ip', '-4', 'route', 'show', 'table', 'all'])
    ).stdout
      .split('\n')
      .filter((l) => /^default dev .* table 520[1-5]/.test(l))
    expect(defaults.length).toBe(4)
    await reload() // a tunnel's reconcile may still be under way: let it end first
    expect(await reload()).not.toContain('[#] ip -4 -batch')
  })

  it("registers the WAN address with MediaStreamer, never a tunnel's exit, while four tunnels run", async () => {
    const file = `${lab.stateDir}/provider/requests.jsonl`
    const activations = () =>
      (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [])
        .map((l) => JSON.parse(l) as { path: string; src: string; ip?: string })
        .filter((r) => r.path === '/activate')
    await waitFor('a registration', () => activations().length > 0, 30_000)
    await waitFor('status registered', () => statusFile()?.mediastreamer?.state === 'registered')
    expect(statusFile().groups.map((g: { tunnel: { state: string } }) => g.tunnel.state)).toEqual([
      'connected',
      'connected',
      'connected',
    ])
    for (const a of activations()) expect(a).toMatchObject({ src: WAN, ip: WAN })
  })

  it("answers each group's DNS from its own tunnel's resolver, whatever server a device asks, and none of it reaches the WAN", async () => {
    const wan = await leakCapture(lab)
    // Each lab VPN server's resolver names itself (TXT whoami.lab.test, lab.sh dnsmasq_simple);
    // the OpenVPN server's is the one it pushes (10.66.0.1).
    const resolver = { laptop: 'vpn', tv: 'vpn2', console: 'ovpn', phone: 'vpn3' }
    for (const [device, name] of Object.entries(resolver)) {
      const answers: string[] = []
      // The router, the WAN's own resolver, a public address nobody in the lab has.
      for (const server of ['192.168.50.1', '192.0.2.53', '8.8.8.8']) {
        const r = await lab.exec(device, [
          'busybox',
          'nslookup',
          '-type=TXT',
          'whoami.lab.test',
          server,
        ])
        answers.push(/text = "([^"]*)"/.exec(r.stdout)?.[1] ?? `none (${r.stdout}${r.stderr})`)
      }
      expect(answers, device).toEqual([name, name, name])
    }
    expect(await wan.packets('port 53')).toEqual([])
    await wan.close()
  })

  it('blocks only the group whose tunnel is down; the other three keep their exits and nothing reaches the WAN', async () => {
    const wan = await leakCapture(lab)
    for (const d of DEVICES) background.push(...startLeakLoad(lab, d))
    await vpn2Answers(false)
    await waitFor('the tv group noticed', () => groupTunnel('tv')?.state !== 'connected', 30_000)
    const tv = await lab.exec('tv', ['curl', '-sS', '-m', '3', 'http://192.0.2.1/'])
    expect(tv.code).not.toBe(0)
    expect(tv.stdout).toBe('')
    expect(await echoFrom('laptop')).toBe(EXIT.vpn)
    expect(await echoFrom('console')).toBe(EXIT.ovpn)
    expect(await echoFrom('phone')).toBe(EXIT.vpn3)
    await vpn2Answers(true)
    await connected('tv', 'uk', 60_000)
    await leavesFrom('tv', EXIT.vpn2)
    for (const p of background.splice(0)) await p.kill()
    const leaked = await wan.leaks([
      'udp port 51820',
      'udp port 1194',
      'icmp and icmp[icmptype] == icmp-unreach and (icmp[28:2] == 51820 or icmp[28:2] == 1194)',
    ])
    expect(leaked).toEqual([])
    await wan.close()
  })

  it("moves a device between groups in one change: its next connection leaves by the new group's exit", async () => {
    await configure(
      [
        { id: 'tv', profile: 'uk' },
        { id: 'games', profile: ovpnId },
        { id: 'kids', profile: 'us' },
      ],
      { tv: 'tv', console: 'tv', phone: 'kids' }
    )
    await leavesFrom('console', EXIT.vpn2, 10_000)
    await waitFor('the status to count 2 devices in tv, none in games, 1 in kids', () =>
      /^2,0,1$/.test(String(statusFile().groups.map((g: { devices: number }) => g.devices)))
    )
  })

  it('fails over inside a group when its location stops answering, goes back once it answers steadily again, and a removed group takes its tunnel with it', async () => {
    // games is removed (its OpenVPN location free again) and becomes tv's fallback.
    await configure(
      [
        { id: 'tv', profile: 'uk', fallback: [ovpnId] },
        { id: 'kids', profile: 'us' },
      ],
      { tv: 'tv', phone: 'kids' }
    )
    await waitFor(
      'the games tunnel gone',
      async () =>
        (
          await lab.exec('router', ['ip', 'link', 'show', 'dev', `${paths.tunnelIface}2`], {
            quiet: true,
          })
        ).code !== 0,
      20_000
    )
    await leavesFrom('console', EXIT.vpn, 10_000)
    await vpn2Answers(false)
    try {
      await connected('tv', ovpnId, 60_000)
      await leavesFrom('tv', EXIT.ovpn)
      expect(await echoFrom('laptop')).toBe(EXIT.vpn)
      expect(await echoFrom('phone')).toBe(EXIT.vpn3)
    } finally {
      await vpn2Answers(true)
    }
    // Failback inside the group: asked every 20 s, three answers in a row, about a minute.
    await connected('tv', 'uk', 120_000)
    await leavesFrom('tv', EXIT.vpn2)
    expect(await echoFrom('laptop')).toBe(EXIT.vpn)
  }, 300_000)

  it('ran without an unhandled rejection', () => {
    expect(labDaemonRejections()).toEqual([])
  })
})
