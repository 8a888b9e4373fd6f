// The kill switch when what it stands on breaks behind lanvpn's back (issue 15): a config file a
// hand edit or a torn write left broken, read on a SIGHUP while connected, and the nft ruleset
// flushed or lanvpn's own table deleted while connected (`/etc/init.d/firewall stop` does the
// first: fw4 flush deletes every table), which `nft monitor` reports to the daemon at once, and
// one kill-switch rule deleted, an accept inserted or a device taken out of its set (the table's
// hash unchanged: the daemon tells by the transaction's lines). Each time a vpn laptop sends steady ICMP, UDP, DNS, TCP
// and IPv6 at full rate, and a capture on the router's WAN must see not one of its packets: the
// broken file is never applied, and without nft the source rules still lead the laptop's traffic
// into the VPN table (the tunnel or its unreachable default), never to the WAN.
// Then the LAN as the router has it: netifd (the lab's stand-in, scripts/lab/netifd-ubus.mjs)
// names the LAN's device and a guest bridge in its own firewall zone, and lanvpn follows both.
//
//   [lv…-laptop] vpn ── br-lan [lv…-router] wan ── [lv…-inet] ──── [lv…-vpn] 203.0.113.10
//   [lv…-guest]  ─── br-guest  lanvpn daemon (native qjs)   192.0.2.1 echo    wg 10.64.0.1
//                              <lab>tun                     capture: tcpdump -i wan
//
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  LAB_BUNDLE,
  labDaemonRejections,
  labDeviceSection,
  labPlugin,
  labRuntimeArgv,
  labStatus,
  leakCapture,
  newLabPrefix,
  startConnectedLabDaemon,
  startLeakLoad,
  tearDownLabDaemon,
  writeLabConfig,
  writeLabProfile,
} from './daemon-lab'
import { Lab, labOrFail, signalPid, waitFor, type LabProcess } from './lab'

const SERVER = '203.0.113.10'
/** What may cross the WAN: the tunnel's own UDP, and the router's ICMP errors about it. */
const ALLOWED = [
  `udp port 51820 and host ${SERVER}`,
  'icmp and icmp[icmptype] == icmp-unreach and icmp[28:2] == 51820',
]
/** How long each fault is watched under load. */
const WATCH_MS = 6000
/** The router's /etc/config/firewall: lan, wan (masquerading), and a guest zone. */
const FIREWALL = [
  "config zone\n\toption name 'lan'\n\tlist network 'lan'\n\toption input 'ACCEPT'",
  "config zone\n\toption name 'wan'\n\tlist network 'wan'\n\tlist network 'wan6'\n\toption masq '1'",
  "config zone\n\toption name 'guest'\n\tlist network 'guest'\n\toption input 'REJECT'",
].join('\n\n')

describe.runIf(labOrFail())('the kill switch when its ground breaks, in the lab', () => {
  let lab: Lab
  let prefix: string
  let iface: string
  let daemon: LabProcess
  const status = () => labStatus(prefix)
  /** What netifd says: interface → device. */
  const setNetifd = (map: Record<string, string>) =>
    writeFileSync(join(prefix, 'netifd.json'), JSON.stringify(map))
  const lanvpnStatus = async () =>
    (
      await lab.exec('router', [
        'env',
        `LANVPN_PREFIX=${prefix}`,
        ...labRuntimeArgv(),
        LAB_BUNDLE,
        'status',
      ])
    ).stdout
  const echoFromGuest = async () =>
    (await lab.exec('guest', ['curl', '-sS', '-m', '3', 'http://192.0.2.1/'])).stdout
  const setGlobals = (globals: Record<string, string[]>) =>
    expect(labPlugin(prefix, 'setConfig', { globals })).toMatchObject({ ok: true })
  const configFile = () => join(prefix, 'etc/config/lanvpn')
  const nft = async (...args: string[]) => lab.exec('router', ['nft', ...args])
  const echoFromLaptop = async () =>
    (await lab.exec('laptop', ['curl', '-sS', '-m', '3', 'http://192.0.2.1/'])).stdout
  const throughTunnel = (ms = 30_000) =>
    waitFor('the laptop through the tunnel', async () => (await echoFromLaptop()) === SERVER, ms)

  /** The table back: nft monitor tells the daemon at once (a liveness bound well below the 30 s
   * timer that repaired it before; the bench measures how fast). */
  const tableBack = () =>
    waitFor(
      'the table back',
      async () => (await nft('list', 'table', 'inet', 'lanvpn')).code === 0,
      5000
    )

  /** Runs `fault` while `device` sends at full load; returns what of it reached the WAN. */
  async function leaksDuring(fault: () => Promise<void>, device = 'laptop'): Promise<string[]> {
    const capture = await leakCapture(lab)
    const load = startLeakLoad(lab, device)
    try {
      await new Promise((r) => setTimeout(r, 1000))
      await fault()
      await new Promise((r) => setTimeout(r, WATCH_MS))
    } finally {
      for (const p of load) await p.kill()
    }
    const leaks = await capture.leaks(ALLOWED)
    await capture.close()
    return leaks
  }

  beforeAll(async () => {
    prefix = newLabPrefix('killswitch')
    lab = await Lab.up({ devices: ['laptop'] })
    await lab.addGuest()
    iface = `${lab.name}tun`
    writeLabConfig(
      prefix,
      {
        enabled: '1',
        connect: '1',
        active_profile: 'home',
        health_interval: '2',
        lan_blocked: ['guest'],
      },
      writeLabProfile(prefix, 'home', lab.clientConf('vpn')),
      labDeviceSection(lab.deviceMac('laptop'), 'vpn')
    )
    writeFileSync(join(prefix, 'etc/config/firewall'), FIREWALL)
    setNetifd({ lan: 'br-lan', guest: 'br-guest' })
    daemon = await startConnectedLabDaemon(lab, prefix, {
      iface,
      netifd: join(prefix, 'netifd.json'),
    })
    await throughTunnel()
  }, 120_000)

  afterAll(() => tearDownLabDaemon(lab, prefix, daemon, { iface }))

  it('a config broken while connected, and a SIGHUP: not applied, said with its line, no leak', async () => {
    const good = readFileSync(configFile(), 'utf8')
    const lines = good.split('\n').length
    const leaks = await leaksDuring(async () => {
      appendFileSync(configFile(), "config device\n\toption mac 'torn")
      signalPid(status().daemon.pid, 'SIGHUP')
      await waitFor('the status to say the file is held', () => status()?.configHeld, 10_000)
    })
    expect(leaks).toEqual([])
    const s = status()
    expect(s.apply.ok).toBe(true)
    expect(s.tunnel.state).toBe('connected')
    expect(s.problems[0].line).toBe(lines + 1)
    expect(s.problems[0].reason).toMatch(/^the file cannot be read: line \d+: /)
    const text = await lanvpnStatus()
    expect(text).toContain('NOT APPLIED')
    expect(text).toContain(`line ${lines + 1}: `)
    await throughTunnel()
    // Mended: the file applies again.
    writeFileSync(configFile(), good)
    signalPid(status().daemon.pid, 'SIGHUP')
    await waitFor('the held state to end', () => status() && !status().configHeld, 10_000)
  })

  it('the whole nft ruleset flushed while connected: no leak, and the table comes back', async () => {
    const leaks = await leaksDuring(async () => {
      expect((await nft('flush', 'ruleset')).code).toBe(0)
      expect((await nft('list', 'table', 'inet', 'lanvpn')).code).not.toBe(0)
    })
    expect(leaks).toEqual([])
    await tableBack()
    await throughTunnel()
  })

  it("lanvpn's own table deleted while connected: no leak, and it comes back", async () => {
    const leaks = await leaksDuring(async () => {
      const r = await nft('delete', 'table', 'inet', 'lanvpn')
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
    })
    expect(leaks).toEqual([])
    await tableBack()
    await throughTunnel()
  })

  it("lanvpn's own table flushed while connected (its rules gone, its sets and chains kept): no leak, and its rules come back", async () => {
    const killswitch = async () =>
      (await nft('list', 'chain', 'inet', 'lanvpn', 'killswitch')).stdout.includes('drop')
    expect(await killswitch()).toBe(true)
    const leaks = await leaksDuring(async () => {
      const r = await nft('flush', 'table', 'inet', 'lanvpn')
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
    })
    expect(leaks).toEqual([])
    // The hash went with the rules (it is one, in the chain `applied`): the daemon applies anew.
    await waitFor('the kill switch back', killswitch, 5000)
    await throughTunnel()
  })

  it("one kill-switch rule deleted by its handle, then an accept inserted before the rest, then the laptop taken out of its set (the table's hash still matches): each undone within 5 s, no leak", async () => {
    /** The kill switch's rules as the kernel has them, with their handles. */
    const chain = async () =>
      (await nft('-a', 'list', 'chain', 'inet', 'lanvpn', 'killswitch')).stdout
    const guard = (text: string) =>
      text.split('\n').find((l) => l.includes(`oifname != "${iface}"`) && l.includes('drop'))
    const handle = (line: string | undefined) => /# handle (\d+)/.exec(line ?? '')?.[1] ?? ''
    const before = handle(guard(await chain()))
    expect(before).not.toBe('')
    const leaks = await leaksDuring(async () => {
      const r = await nft('delete', 'rule', 'inet', 'lanvpn', 'killswitch', 'handle', before)
      expect(r.stderr).toBe('')
      // Applied anew: the guard is back (a table declared anew numbers its rules as before, so
      // the same handle: its being there at all is what shows it was put back).
      await waitFor('the guard back', async () => handle(guard(await chain())) !== '', 5000)
      const inserted = await nft('insert', 'rule', 'inet', 'lanvpn', 'killswitch', 'accept')
      expect(inserted.stderr).toBe('')
      await waitFor(
        'the accept gone',
        async () => !/^\s*accept # handle/m.test(await chain()),
        5000
      )
      // The laptop taken out of the vpn devices' set: put back.
      const mac = lab.deviceMac('laptop')
      const vpnSet = async () =>
        (await nft('list', 'set', 'inet', 'lanvpn', 'vpn_devices')).stdout.includes(mac)
      const out = await nft('delete', 'element', 'inet', 'lanvpn', 'vpn_devices', `{ ${mac} }`)
      expect(out.stderr).toBe('')
      await waitFor('the laptop back in its set', vpnSet, 5000)
    })
    expect(leaks).toEqual([])
    expect(daemon.output()).toContain('inet lanvpn was changed in part by another hand')
    await throughTunnel()
  })

  it('a firewall stop, then start: no leak throughout, and the live table holds', async () => {
    const leaks = await leaksDuring(async () => {
      await lab.firewall('stop')
      await new Promise((r) => setTimeout(r, 2000))
      await lab.firewall('start', prefix)
    })
    expect(leaks).toEqual([])
    await tableBack()
    await throughTunnel(5000)
  })

  it('under "unless I disconnect", a firewall reload or restart after a disconnect: the closed include is replaced by the live table within 5 s', async () => {
    expect(labPlugin(prefix, 'setConfig', { globals: { kill_switch: 'auto' } })).toMatchObject({
      ok: true,
    })
    expect(labPlugin(prefix, 'disconnect')).toMatchObject({ ok: true })
    const direct = () =>
      waitFor(
        'the laptop on the WAN, as the user chose',
        async () => !['', SERVER].includes(await echoFromLaptop()),
        5000
      )
    await waitFor('disconnected', () => status()?.tunnel?.state === 'disconnected', 20_000)
    await direct()
    for (const verb of ['reload', 'restart'] as const) {
      await lab.firewall(verb, prefix)
      // lanvpn's include was loaded with fw4's table (closing the laptop off until the repair).
      expect(readFileSync(`${lab.stateDir}/fw4-load.nft`, 'utf8')).toContain(
        `include "${prefix}/usr/share/nftables.d/ruleset-post/90-lanvpn.nft"`
      )
      await direct()
    }
    // Connect again while the laptop pings on: its flow made on the WAN ends with the Connect
    // (with the firewall's flow offloading it would go on there), and the next one is the tunnel's.
    const ping = lab.spawn('laptop', ['ping', '-q', '-i', '0.1', '192.0.2.1'])
    const pingFlows = async () =>
      (await lab.exec('router', ['conntrack', '-L', '-p', 'icmp', '-s', lab.deviceIp('laptop')]))
        .stdout
    try {
      await waitFor('the ping on the WAN', async () =>
        (await pingFlows()).includes('dst=198.51.100.2')
      )
      labPlugin(prefix, 'setConfig', { globals: { kill_switch: 'always' } })
      labPlugin(prefix, 'connect')
      await throughTunnel()
      await waitFor('the ping in the tunnel', async () =>
        (await pingFlows()).includes('dst=10.64.0.2')
      )
      expect(await pingFlows()).not.toContain('dst=198.51.100.2')
    } finally {
      await ping.kill()
    }
  })

  it('a guest bridge the user blocked (lan_blocked): its device reaches nothing, not a packet on the WAN', async () => {
    expect(status().lan).toEqual({
      interfaces: [
        { name: 'lan', device: 'br-lan', up: true, policy: 'managed' },
        { name: 'guest', device: 'br-guest', up: true, policy: 'blocked', closed: true },
      ],
      problems: [],
    })
    expect(await leaksDuring(async () => {}, 'guest')).toEqual([])
    expect(await echoFromGuest()).toBe('')
    expect(await lanvpnStatus()).toContain(
      'lan:     lan br-lan (each device by its mode), guest br-guest (blocked)'
    )
  })

  it('the same bridge direct (lan_direct): its device leaves by the WAN, as the user chose', async () => {
    setGlobals({ lan_blocked: [], lan_direct: ['guest'] })
    await waitFor('the guest on the WAN', async () => (await echoFromGuest()) === '198.51.100.2')
  })

  it("a LAN-side bridge the user said nothing of is lanvpn's: the default mode (vpn), never silently the WAN", async () => {
    setGlobals({ lan_direct: [] })
    await waitFor('the guest in the tunnel', async () => (await echoFromGuest()) === SERVER)
    expect(await leaksDuring(async () => {}, 'guest')).toEqual([])
  })

  it('the LAN moved to br-lan.1 (a VLAN device, as netifd names it): the rules follow at once, no leak', async () => {
    setNetifd({ lan: 'br-lan.1', guest: 'br-guest' })
    const marking = async () =>
      (await nft('list', 'chain', 'inet', 'lanvpn', 'mark_devices')).stdout
    const leaks = await leaksDuring(async () => {
      await lab.lanRename('br-lan.1')
      // ip monitor link tells the daemon (a second event within a second waits for the next
      // reconcile; how fast is the bench's to measure, not this test's: a loaded CI machine took
      // more than 3 s). Meanwhile the kill switch holds: the leak capture runs throughout.
      await waitFor(
        'the rules on br-lan.1',
        async () => {
          const rules = await marking()
          return rules.includes('"br-lan.1"') && !rules.includes('"br-lan"')
        },
        15_000
      )
    })
    expect(leaks).toEqual([])
    await throughTunnel(5000)
    expect(status().lan.interfaces[0]).toEqual({
      name: 'lan',
      device: 'br-lan.1',
      up: true,
      policy: 'managed',
    })
    expect(
      readFileSync(join(prefix, 'usr/share/nftables.d/ruleset-post/90-lanvpn.nft'), 'utf8')
    ).toContain('"br-lan.1"')
  })

  it("the LAN's device missing: said by the status and lanvpn status, and vpn devices stay closed", async () => {
    setNetifd({ lan: 'br-nope', guest: 'br-guest' })
    const said =
      'the LAN (network interface lan) has no device now (br-nope is missing): no device on it reaches anything; VPN devices stay closed'
    // The laptop also sends from addresses no source rule knows (a new IPv6 privacy address, a
    // new lease): only the marking can close those.
    for (const addr of [['192.168.50.77/24'], ['fd50::77/64', 'nodad']])
      await lab.exec('laptop', ['ip', 'addr', 'add', ...addr, 'dev', 'eth0'], { check: true })
    const fresh = [
      lab.spawn('laptop', ['ping', '-q', '-i', '0.05', '-I', '192.168.50.77', '192.0.2.1']),
      lab.spawn('laptop', ['ping', '-6', '-q', '-i', '0.05', '-I', 'fd50::77', '2001:db8:2::1']),
    ]
    const leaks = await leaksDuring(async () => {
      signalPid(status().daemon.pid, 'SIGHUP')
      await waitFor('the status to say so', () => status()?.lan?.problems?.[0] === said, 5000)
    }).finally(async () => {
      for (const p of fresh) await p.kill()
    })
    expect(leaks).toEqual([])
    expect(await lanvpnStatus()).toContain(`lan:     lan br-nope down (each device by its mode)`)
    expect(await lanvpnStatus()).toContain(`  ${said}`)
    setNetifd({ lan: 'br-lan.1', guest: 'br-guest' })
    signalPid(status().daemon.pid, 'SIGHUP')
    await waitFor('the problem gone', () => status()?.lan?.problems?.length === 0, 5000)
    await throughTunnel(5000)
  })

  it("left no promise rejection unhandled (under OpenWrt's qjs that kills the daemon)", () => {
    expect(labDaemonRejections()).toEqual([])
  })
})
