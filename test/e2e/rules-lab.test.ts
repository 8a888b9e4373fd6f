// Rules by destination in the lab (issue 22), observed from outside: the echo services' logs (who
// reached them, from which address) and a capture on the router's WAN. One lab with both optional
// networks (a second LAN subnet with the nas, the ISP's modem in bridge mode on the WAN link), one
// daemon, four rules written as a household would:
//
//   1 My bank    dest 192.0.2.100/30, 2001:db8:2::100/126  via direct   for the laptop (vpn)
//   2 Console    port 3075 (tcp and udp)                   via direct   for the console (vpn)
//   3 Streaming  dest stream.example's addresses           via vpn      for the TV (direct)
//   4 Ads        dest www.bank.example's addresses         via blocked  for everyone
//
// and the local exceptions on by default (the nas, the modem's page; off, the nas is out of a vpn
// device's reach). explainDestination says what decided each; a rule changed through the rpc
// applies to the next connection. The rules live in a table of their own, `inet lanvpn_rules`:
// deleted while the daemon is held (SIGSTOP), not a packet of any LAN device is forwarded, by the
// WAN or the tunnel (the main table's kill switch drops what the rules' chain did not see), and
// let go, the daemon puts it back (nft monitor) and the rules work again; a firewall reload loads
// both boot includes, the rules' first, with which alone the rules work and the vpn devices stay
// off the WAN, and the daemon's live tables come back. Then the tunnel goes down (its server stops
// answering, then the user disconnects under the kill switch): not one packet of the vpn devices
// on the WAN but what rules 1 and 2 and the modem's page allow, and the TV's `via vpn` destination
// dropped, never sent by the WAN; explainDestination says what goes to the tunnel is held.
// (Domain rules and `.lan` names: rules-dns-lab.test.ts.)
//
//   [lv…-laptop]  vpn ─┐                                  ┌─ [lv…-vpn] 203.0.113.10 wg
//   [lv…-console] vpn ─┼ br-lan [lv…-router] wan ─ [modem] ─ [lv…-inet] echo 192.0.2.1, .12,
//   [lv…-tv]   direct ─┘ br-lan2 ── [lv…-nas]  192.168.100.1     .13, .101, tcp/udp 3075
//                        lanvpn daemon (inet lanvpn, inet lanvpn_rules), capture: tcpdump -i wan
//
import { copyFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  labDaemonRejections,
  labDeviceSection,
  labNetifdEnv,
  LAB_PLUGIN,
  labPlugin,
  labPluginEnv,
  labSection,
  labStatus,
  leakCapture,
  newLabPrefix,
  type LeakCapture,
  startConnectedLabDaemon,
  startLeakLoad,
  tearDownLabDaemon,
  writeLabConfig,
  writeLabProfile,
} from './daemon-lab'
import { LAB_ADDR, Lab, labOrFail, signalPid, singlePid, waitFor, type LabProcess } from './lab'

const { echo, cidr, stream, wwwBank: ads, nas, modem, gamePort } = LAB_ADDR
/** Where traffic is seen from: the tunnel's exit (the VPN server) or the router's WAN. */
const EXIT = { v4: '203.0.113.10', v6: '2001:db8:113::10' }
const WAN = { v4: '198.51.100.2', v6: '2001:db8:100::2' }
/** The tunnel's own packets on the WAN: its UDP to the server, and the ICMP errors about it. */
const TUNNEL_OWN = [
  `udp port 51820 and host ${EXIT.v4}`,
  'icmp and icmp[icmptype] == icmp-unreach and icmp[28:2] == 51820',
]
/** What may cross the WAN while the tunnel is down: the tunnel's own UDP and the ICMP errors
 * about it, rule 1's destination, rule 2's port, and the modem's page (a local exception). */
const ALLOWED_DOWN = [
  ...TUNNEL_OWN,
  `host ${cidr.v4} or host ${cidr.v6}`,
  `port ${gamePort}`,
  `host ${modem.v4}`,
]
/** Where fw4 finds the boot includes, under the daemon's prefix. */
const RULESET_POST = 'usr/share/nftables.d/ruleset-post'
/** A table's `applied` hash in `nft list` output or an include. */
const APPLIED = /chain applied \{\s+meta mark (0x[0-9a-f]+)/

describe.runIf(labOrFail())('rules by destination in the lab', () => {
  let lab: Lab
  let prefix: string
  let iface: string
  let daemon: LabProcess
  const status = () => labStatus(prefix)
  const url = (addr: string, port = 80) =>
    `http://${addr.includes(':') ? `[${addr}]` : addr}:${port}/`
  /** What the service at `addr` answered `device` over HTTP: the address it saw it come from
   * ('' when nothing answered). */
  const get = async (device: string, addr: string, port = 80) =>
    (await lab.exec(device, ['curl', '-sS', '-m', '3', url(addr, port)])).stdout
  /** The same over one UDP datagram each way (the echo answers the sender's address). */
  const udp = async (device: string, addr: string, port: number) =>
    (
      await lab.exec(device, [
        'bash',
        '-c',
        `exec 3<>/dev/udp/${addr}/${port}; echo ping >&3; timeout 3 dd bs=64 count=1 status=none <&3`,
      ])
    ).stdout
  /** A failed wait shows the status and the daemon's last words. */
  const explained = async <T>(wait: Promise<T>): Promise<T> =>
    wait.catch((e: unknown) => {
      console.log(JSON.stringify(status(), null, 1), daemon?.output().slice(-8000))
      throw e
    })
  /** How long the echo services' logs are now: what a test saw is what comes after. */
  const marks = () => ({ echo: lab.echoLog().length, nas: lab.echoLog('nas').length })
  /** The `applied` hash of lanvpn's table `table` as the kernel has it now ('' while there is no
   * such table). */
  const appliedNow = async (table: 'lanvpn' | 'lanvpn_rules') =>
    APPLIED.exec(
      (await lab.exec('router', ['nft', 'list', 'chain', 'inet', table, 'applied'])).stdout
    )?.[1] ?? ''
  /** The `applied` hash of the boot include `file` (ruleset-post), what fw4 loads. */
  const appliedIn = (file: string) =>
    APPLIED.exec(readFileSync(join(prefix, RULESET_POST, file), 'utf8'))?.[1] ?? ''
  /** Runs `held` with the daemon stopped (SIGSTOP): nothing it does can put anything back until
   * it is let go (SIGCONT), which happens whatever `held` did. Its `nft monitor` (a process of
   * its own) goes on: what it reported meanwhile waits in the pipe. */
  const whileHeld = async <T>(held: () => Promise<T>): Promise<T> => {
    const pid = singlePid(status().daemon.pid)
    signalPid(pid, 'SIGSTOP')
    try {
      return await held()
    } finally {
      signalPid(pid, 'SIGCONT')
    }
  }

  beforeAll(async () => {
    prefix = newLabPrefix('rules')
    lab = await Lab.up({ networks: ['lan2', 'modem'] })
    iface = `${lab.name}tun`
    const mac = (d: string) => lab.deviceMac(d)
    writeLabConfig(
      prefix,
      { enabled: '1', connect: '1', active_profile: 'home', health_interval: '2' },
      writeLabProfile(prefix, 'home', lab.clientConf('vpn')),
      labDeviceSection(mac('laptop'), 'vpn'),
      labDeviceSection(mac('console'), 'vpn'),
      labDeviceSection(mac('tv'), 'direct'),
      labSection('rule', 'bank', {
        label: 'My bank',
        dest: ['192.0.2.100/30', '2001:db8:2::100/126'],
        via: 'direct',
        device: [mac('laptop')],
      }),
      labSection('rule', 'console', {
        label: 'Console',
        port: [String(gamePort)],
        via: 'direct',
        device: [mac('console')],
      }),
      labSection('rule', 'stream', {
        label: 'Streaming',
        dest: [stream.v4, stream.v6],
        via: 'vpn',
        device: [mac('tv')],
      }),
      labSection('rule', 'ads', { label: 'Ads', dest: [ads.v4, ads.v6], via: 'blocked' })
    )
    // The router's networks as OpenWrt describes them: lan and lan2 in the lan zone, wan, wan6
    // and the modem's interface in the masquerading one; netifd (the stand-in) reports each.
    for (const file of ['network', 'firewall'] as const)
      copyFileSync(lab.openwrtFile(file), join(prefix, 'etc/config', file))
    daemon = await startConnectedLabDaemon(lab, prefix, { iface })
    await explained(
      waitFor(
        'the laptop through the tunnel',
        async () => (await get('laptop', echo.v4)) === EXIT.v4,
        30_000
      )
    )
  }, 150_000)

  afterAll(() => tearDownLabDaemon(lab, prefix, daemon, { iface }))

  it('reads the four rules without a problem and applies them', () => {
    expect(status().problems).toEqual([])
    expect(status().apply.ok).toBe(true)
  })

  it("a CIDR rule: the laptop (vpn) reaches the bank's CIDR by the WAN, everything else by its tunnel; the console, not in the rule, by its tunnel", async () => {
    const before = marks()
    expect(await get('laptop', cidr.v4)).toBe(WAN.v4)
    expect(await get('laptop', cidr.v6)).toBe(WAN.v6)
    expect(await get('laptop', echo.v4)).toBe(EXIT.v4)
    expect(await get('laptop', echo.v6)).toBe(EXIT.v6)
    expect(await get('console', cidr.v4)).toBe(EXIT.v4)
    expect(lab.echoLog().slice(before.echo)).toMatchObject([
      { dst: cidr.v4, src: WAN.v4 },
      { dst: cidr.v6, src: WAN.v6 },
      { dst: echo.v4, src: EXIT.v4 },
      { dst: echo.v6, src: EXIT.v6 },
      { dst: cidr.v4, src: EXIT.v4 },
    ])
  })

  it('only these through it: the TV (direct) reaches the streaming addresses from the tunnel’s exit, everything else from the WAN address', async () => {
    const before = marks()
    expect(await get('tv', stream.v4)).toBe(EXIT.v4)
    expect(await get('tv', stream.v6)).toBe(EXIT.v6)
    expect(await get('tv', echo.v4)).toBe(WAN.v4)
    expect(await get('tv', echo.v6)).toBe(WAN.v6)
    expect(await get('tv', cidr.v4)).toBe(WAN.v4)
    expect(lab.echoLog().slice(before.echo)).toMatchObject([
      { dst: stream.v4, src: EXIT.v4 },
      { dst: stream.v6, src: EXIT.v6 },
      { dst: echo.v4, src: WAN.v4 },
      { dst: echo.v6, src: WAN.v6 },
      { dst: cidr.v4, src: WAN.v4 },
    ])
  })

  it("a port rule: the console's (vpn) tcp and udp 3075 leave by the WAN, its other ports by the tunnel; the laptop's 3075 by its tunnel", async () => {
    const before = marks()
    expect(await get('console', echo.v4, gamePort)).toBe(WAN.v4)
    expect(await udp('console', echo.v4, gamePort)).toBe(WAN.v4)
    expect(await get('console', echo.v4)).toBe(EXIT.v4)
    expect(await udp('console', echo.v4, 9000)).toBe(EXIT.v4)
    expect(await get('laptop', echo.v4, gamePort)).toBe(EXIT.v4)
    expect(
      lab
        .echoLog()
        .slice(before.echo)
        .map((e) => `${e.proto} ${e.port} ${e.src}`)
    ).toEqual([
      `tcp ${gamePort} ${WAN.v4}`,
      `udp ${gamePort} ${WAN.v4}`,
      `tcp 80 ${EXIT.v4}`,
      `udp 9000 ${EXIT.v4}`,
      `tcp ${gamePort} ${EXIT.v4}`,
    ])
  })

  it("local exceptions by default: the laptop (vpn) reaches the nas on the second LAN subnet and the modem's page directly", async () => {
    const before = marks()
    const modemBefore = lab.echoLog('modem').length
    const laptop = { v4: lab.deviceIp('laptop'), v6: await lab.deviceIp6('laptop') }
    // The nas sees the laptop's own LAN addresses: routed by the router, not by any tunnel.
    expect(await get('laptop', nas.v4)).toBe(laptop.v4)
    expect(await get('laptop', nas.v6)).toBe(laptop.v6)
    expect(lab.echoLog('nas').slice(before.nas)).toMatchObject([
      { dst: nas.v4, src: laptop.v4 },
      { dst: nas.v6, src: laptop.v6 },
    ])
    // The modem is reached by the WAN link only (no VPN server can), as the router's address in
    // its subnet (OpenWrt's modem access: the wan zone masquerades).
    expect(await get('laptop', modem.v4)).toBe(modem.router)
    expect(lab.echoLog('modem').slice(modemBefore)).toMatchObject([
      { dst: modem.v4, src: modem.router },
    ])
    // Nothing of it went to the internet.
    expect(lab.echoLog().slice(before.echo)).toEqual([])
  })

  it('a blocked rule: nothing of it reaches anywhere, from a vpn device or a direct one, not a packet on the WAN', async () => {
    const wan = await leakCapture(lab)
    const before = marks()
    const tries = ['laptop', 'tv'].flatMap((device) =>
      [ads.v4, ads.v6].map(async (addr) => ({
        to: `${device} → ${addr}`,
        ...(await lab.exec(device, ['curl', '-sS', '-m', '2', url(addr)])),
      }))
    )
    for (const r of await Promise.all(tries)) {
      expect(r.code, r.to).not.toBe(0)
      expect(r.stdout, r.to).toBe('')
    }
    expect(lab.echoLog().slice(before.echo)).toEqual([])
    expect(await wan.packets(`host ${ads.v4} or host ${ads.v6}`)).toEqual([])
    await wan.close()
    // The device itself is not blocked: the rule is about that destination only.
    expect(await get('tv', echo.v4)).toBe(WAN.v4)
  })

  it('local exceptions turned off (local_direct 0): the nas is out of the laptop’s reach (its traffic goes to the tunnel); on again, reached again', async () => {
    const nasFromLaptop = async () => get('laptop', nas.v4)
    const setLocalDirect = (on: boolean) =>
      expect(labPlugin(prefix, 'setConfig', { globals: { local_direct: on } })).toMatchObject({
        ok: true,
      })
    setLocalDirect(false)
    try {
      await explained(waitFor('the nas out of reach', async () => (await nasFromLaptop()) === ''))
      // Not a request of the laptop's reaches the nas any more.
      const before = lab.echoLog('nas').length
      expect(await nasFromLaptop()).toBe('')
      expect(lab.echoLog('nas').length).toBe(before)
    } finally {
      setLocalDirect(true)
    }
    await explained(
      waitFor(
        'the nas reached again',
        async () => (await nasFromLaptop()) === lab.deviceIp('laptop')
      )
    )
  })

  /** explainDestination as rpcd calls it, in the router's namespace (where netifd's stand-in
   * sees the router's interfaces up). */
  const explain = async (device: string, dest: string, port?: string) => {
    const env = labPluginEnv(prefix)
    const vars = ['LANVPN_PREFIX', 'LANVPN_BUNDLE', 'LANVPN_RUNTIME', 'LANVPN_LOG']
    const argv = [
      'env',
      ...vars.map((k) => `${k}=${env[k]}`),
      ...labNetifdEnv(lab),
      LAB_PLUGIN,
      'call',
      'explainDestination',
    ]
    const args = { mac: lab.deviceMac(device), dest, ...(port ? { port } : {}) }
    const r = await lab.exec('router', argv, { input: JSON.stringify(args), check: true })
    return JSON.parse(r.stdout)
  }

  it('explains each destination as it was observed: by rule n, by a local exception, by the device', async () => {
    expect(await explain('laptop', cidr.v4)).toMatchObject({
      via: 'direct',
      by: 'rule',
      rule: 1,
      label: 'My bank',
    })
    // The tunnel is connected: nothing is held.
    expect(await explain('laptop', echo.v4)).toEqual({ via: 'vpn', group: '', by: 'device' })
    expect(await explain('console', echo.v4, `tcp:${gamePort}`)).toMatchObject({
      via: 'direct',
      by: 'rule',
      rule: 2,
    })
    expect(await explain('tv', stream.v6)).toMatchObject({ via: 'vpn', by: 'rule', rule: 3 })
    expect(await explain('tv', stream.v6)).not.toHaveProperty('held')
    expect(await explain('tv', echo.v4)).toMatchObject({ via: 'direct', by: 'device' })
    expect(await explain('laptop', ads.v4)).toMatchObject({ via: 'blocked', by: 'rule', rule: 4 })
    expect(await explain('laptop', nas.v4)).toMatchObject({ via: 'direct', by: 'local' })
    expect(await explain('laptop', modem.v4)).toMatchObject({ via: 'direct', by: 'local' })
  })

  it("a rule changed through the rpc (setRule) applies to the next connection: the console added to rule 1 reaches the bank's CIDR by the WAN, taken out again by its tunnel", async () => {
    const bank = (devices: string[]) =>
      expect(
        labPlugin(prefix, 'setRule', {
          id: 'bank',
          label: 'My bank',
          enabled: true,
          domains: [],
          dests: ['192.0.2.100/30', '2001:db8:2::100/126'],
          ports: [],
          via: 'direct',
          devices: devices.map((d) => lab.deviceMac(d)),
          groups: [],
        })
      ).toMatchObject({ ok: true, id: 'bank' })
    bank(['laptop', 'console'])
    await explained(
      waitFor('the console by the WAN', async () => (await get('console', cidr.v4)) === WAN.v4)
    )
    expect(await get('laptop', cidr.v4)).toBe(WAN.v4)
    bank(['laptop'])
    await explained(
      waitFor('the console by its tunnel', async () => (await get('console', cidr.v4)) === EXIT.v4)
    )
    expect(status().problems).toEqual([])
  })

  it("the rules' table deleted while the daemon is held (SIGSTOP): not a packet of any LAN device is forwarded, by the WAN or by the tunnel; let go, the daemon puts the table back within 5 s and the rules work again", async () => {
    const live = await appliedNow('lanvpn_rules')
    expect(live).not.toBe('')
    const load: LabProcess[] = []
    let wan: LeakCapture | undefined
    let gap: { echo: number; nas: number; modem: number } | undefined
    try {
      const tries = await whileHeld(async () => {
        const r = await lab.exec('router', ['nft', 'delete', 'table', 'inet', 'lanvpn_rules'])
        expect(r.stderr).toBe('')
        expect(r.code).toBe(0)
        // From here until the daemon is let go: the capture, the services' logs, and every LAN
        // device sending at full load (vpn, vpn, direct) for about 5 s.
        wan = await leakCapture(lab)
        gap = { ...marks(), modem: lab.echoLog('modem').length }
        for (const device of ['laptop', 'console', 'tv']) load.push(...startLeakLoad(lab, device))
        await new Promise((r) => setTimeout(r, 1000))
        // What a rule, a local exception or a device's mode would send somewhere, at once.
        const tries = await Promise.all([
          get('laptop', cidr.v4), // rule 1: direct
          get('laptop', cidr.v6),
          get('laptop', echo.v4), // the laptop's mode: its tunnel
          get('console', echo.v4, gamePort), // rule 2: direct
          udp('console', echo.v4, gamePort),
          get('tv', echo.v4), // the TV's mode: direct
          get('tv', echo.v6),
          get('tv', stream.v4), // rule 3: its tunnel
          get('laptop', nas.v4), // local exceptions
          get('laptop', modem.v4),
        ])
        // Nobody put it back meanwhile.
        const table = await lab.exec('router', ['nft', 'list', 'table', 'inet', 'lanvpn_rules'])
        expect(table.code).not.toBe(0)
        // The load and the capture end before the daemon is let go: from then on the rules
        // send what they should by the WAN.
        for (const p of load) await p.kill()
        await wan.stop()
        return tries
      })
      expect(tries).toEqual(Array(tries.length).fill(''))
      // Not one request reached a service by any way, and not one packet but the tunnel's own
      // was on the WAN.
      expect(lab.echoLog().slice(gap?.echo)).toEqual([])
      expect(lab.echoLog('nas').slice(gap?.nas)).toEqual([])
      expect(lab.echoLog('modem').slice(gap?.modem)).toEqual([])
      expect(await wan?.leaks(TUNNEL_OWN)).toEqual([])
    } finally {
      for (const p of load) await p.kill()
      await wan?.close()
    }
    // Let go: nft monitor told it (the line waited in the pipe), well before its 30 s timer.
    await explained(
      waitFor(
        'the rules’ table back',
        async () => (await appliedNow('lanvpn_rules')) === live,
        5000
      )
    )
    expect(await get('laptop', cidr.v4)).toBe(WAN.v4)
    expect(await get('laptop', echo.v4)).toBe(EXIT.v4)
    expect(await get('console', echo.v4, gamePort)).toBe(WAN.v4)
    expect(await get('tv', stream.v4)).toBe(EXIT.v4)
    expect(await get('tv', echo.v4)).toBe(WAN.v4)
    expect(await get('laptop', nas.v4)).toBe(lab.deviceIp('laptop'))
    expect(status().apply.ok).toBe(true)
  })

  it('a firewall reload with rules in force: fw4 loads both includes, the rules’ first, and with them alone (the daemon held) the rules work and nothing else of the vpn devices is on the WAN; let go, and reloaded again with the daemon running, its live tables are back within 5 s', async () => {
    const live = { rules: await appliedNow('lanvpn_rules'), main: await appliedNow('lanvpn') }
    const boot = { rules: appliedIn('90-lanvpn-rules.nft'), main: appliedIn('90-lanvpn.nft') }
    // The includes are not the live tables: the main one closed, the rules' without what the
    // daemon observed (the LAN's other subnets, the modem's), so each reload shows.
    expect(boot.rules).not.toBe('')
    expect(boot.rules).not.toBe(live.rules)
    expect(boot.main).not.toBe(live.main)
    const tablesLive = () =>
      explained(
        waitFor(
          'the live tables back',
          async () =>
            (await appliedNow('lanvpn_rules')) === live.rules &&
            (await appliedNow('lanvpn')) === live.main,
          5000
        )
      )
    const wan = await leakCapture(lab)
    const load = [...startLeakLoad(lab, 'laptop'), ...startLeakLoad(lab, 'console')]
    try {
      await whileHeld(async () => {
        await lab.firewall('reload', prefix)
        const includes = readFileSync(`${lab.stateDir}/fw4-load.nft`, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('include '))
        expect(includes).toEqual([
          `include "${join(prefix, RULESET_POST, '90-lanvpn-rules.nft')}"`,
          `include "${join(prefix, RULESET_POST, '90-lanvpn.nft')}"`,
        ])
        expect({
          rules: await appliedNow('lanvpn_rules'),
          main: await appliedNow('lanvpn'),
        }).toEqual(boot)
        // The includes alone: rules 1 and 2 by the WAN; the laptop's other traffic and the
        // TV's `via vpn` destination anywhere but the WAN. The first IPv6 request right after the
        // reload was sometimes lost (1 run in 3 here, the cause not found): asked again for up to
        // 5 s, it must come by the WAN, and the capture below still holds every packet to it.
        expect(await get('laptop', cidr.v4)).toBe(WAN.v4)
        await waitFor(
          "the bank's IPv6 address by the WAN",
          async () => (await get('laptop', cidr.v6)) === WAN.v6,
          5000
        )
        expect(await get('console', echo.v4, gamePort)).toBe(WAN.v4)
        expect(await udp('console', echo.v4, gamePort)).toBe(WAN.v4)
        expect([EXIT.v4, '']).toContain(await get('laptop', echo.v4))
        expect([EXIT.v4, '']).toContain(await get('tv', stream.v4))
      })
      await tablesLive()
      expect(await get('laptop', nas.v4)).toBe(lab.deviceIp('laptop'))
      expect(await get('laptop', echo.v4)).toBe(EXIT.v4)
      // A reload as fw4 does it on any firewall change, the daemon running.
      await lab.firewall('reload', prefix)
      await tablesLive()
      expect(await get('laptop', cidr.v4)).toBe(WAN.v4)
      expect(await get('laptop', echo.v4)).toBe(EXIT.v4)
      expect(await get('console', echo.v4, gamePort)).toBe(WAN.v4)
      expect(await get('tv', stream.v4)).toBe(EXIT.v4)
      expect(await get('laptop', nas.v4)).toBe(lab.deviceIp('laptop'))
    } finally {
      for (const p of load) await p.kill()
    }
    expect(await wan.packets(`host ${stream.v4} or host ${stream.v6}`)).toEqual([])
    expect(await wan.leaks(ALLOWED_DOWN)).toEqual([])
    await wan.close()
    // The TV (direct) by the WAN, as its mode says (after the capture: it is not a vpn device).
    expect(await get('tv', echo.v4)).toBe(WAN.v4)
    expect(status().apply.ok).toBe(true)
  })

  it("the kill switch with rules in force: tunnel down, nothing of the vpn devices on the WAN but what rules 1 and 2 and the modem's page allow; the TV's `via vpn` destination dropped", async () => {
    const wan = await leakCapture(lab)
    const load = [...startLeakLoad(lab, 'laptop'), ...startLeakLoad(lab, 'console')]
    /** While the tunnel is down: the direct rules and the local exceptions still work, the rest
     * of the vpn devices' traffic and the TV's streaming get nowhere. */
    const probeDown = async (when: string) => {
      expect(await get('laptop', cidr.v4), when).toBe(WAN.v4)
      expect(await get('console', echo.v4, gamePort), when).toBe(WAN.v4)
      expect(await udp('console', echo.v4, gamePort), when).toBe(WAN.v4)
      expect(await get('laptop', nas.v4), when).toBe(lab.deviceIp('laptop'))
      expect(await get('laptop', modem.v4), when).toBe(modem.router)
      // What must get nowhere, tried at once.
      const nowhere = await Promise.all([
        get('laptop', echo.v4),
        get('console', echo.v4),
        get('tv', stream.v4),
        get('tv', stream.v6),
      ])
      expect(nowhere, when).toEqual(['', '', '', ''])
    }
    try {
      // 1. The VPN server stops answering (its WireGuard port dropped in its own namespace).
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
      await explained(waitFor('an outage', () => status()?.tunnel?.state !== 'connected', 30_000))
      await probeDown('server not answering')
      // And says so: what goes to the tunnel is held, what a rule sends direct is not.
      expect(await explain('laptop', echo.v4)).toMatchObject({ via: 'vpn', held: true })
      expect(await explain('tv', stream.v6)).toMatchObject({ rule: 3, held: true })
      expect(await explain('laptop', cidr.v4)).toEqual({
        via: 'direct',
        group: '',
        by: 'rule',
        rule: 1,
        label: 'My bank',
      })
      // 2. The user disconnects (the kill switch is `always`): the tunnel's interface is gone.
      expect(labPlugin(prefix, 'disconnect')).toMatchObject({ ok: true })
      await explained(
        waitFor('disconnected', () => status()?.tunnel?.state === 'disconnected', 20_000)
      )
      // Taken down after what the tunnel was doing (a probe, a set-up try) ends: said as
      // disconnected at once, the kill switch closed already, the interface gone a moment later.
      await explained(
        waitFor(
          'the tunnel interface gone',
          async () => (await lab.exec('router', ['ip', 'link', 'show', 'dev', iface])).code !== 0,
          10_000
        )
      )
      await probeDown('disconnected')
    } finally {
      for (const p of load) await p.kill()
    }
    expect(await wan.packets(`host ${stream.v4} or host ${stream.v6}`)).toEqual([])
    expect(await wan.leaks(ALLOWED_DOWN)).toEqual([])
    await wan.close()
  })

  it('ran without an unhandled rejection', () => {
    expect(labDaemonRejections()).toEqual([])
  })
})
