// The daemon through network faults in the lab: the router's WAN goes down and comes back, and
// the DNS that resolves the VPN server's name stops answering while the tunnel has to be set up
// again. Each time the status says what is wrong in plain words, the rules in force stay (the
// `inet lanvpn` table with the same applied hash), a capture on the WAN sees not one packet of the
// vpn device (which sends ≥ 50 packets a second throughout), and once the network is back the
// tunnel comes up again by itself.
//
//   [lv…-laptop] vpn ── br-lan [lv…-router] wan ── [lv…-inet] ──── [lv…-vpn] 203.0.113.10
//                       lanvpn daemon, <lab>tun     192.0.2.55: this spec's DNS     wg 10.64.0.1
//                       (endpoint vpn.lab.test)     (vpn.lab.test = 203.0.113.10;
//                       resolv.conf → 192.0.2.55     refused with ICMP to fail it)
//                       capture: tcpdump -i wan
//
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseAppliedHash } from '../../applet/src/core/render/nft'
import {
  cleanupLabDaemon,
  LAB_BUNDLE,
  labDaemonRejections,
  labDeviceSection,
  labStatus,
  leakCapture,
  startLabDaemon,
  startLeakLoad,
  writeLabConfig,
  writeLabProfile,
  type LeakCapture,
} from './daemon-lab'
import { Lab, labOrFail, waitFor, type LabProcess } from './lab'

/** The DNS server this spec runs in inet, on a lab address of its own: the lab's 192.0.2.53
 * knows no name for the VPN server. */
const DNS = '192.0.2.55'
const SERVER = '203.0.113.10'

/** What may cross the WAN besides the router's link chatter (leakCapture allows that): the
 * tunnel's own UDP, the router's ICMP errors about it (the server still sending to a tunnel that
 * was just deleted), and the router's own name lookups (and their refusals). */
const ALLOWED = [
  `udp port 51820 and host ${SERVER}`,
  'icmp and icmp[icmptype] == icmp-unreach and icmp[28:2] == 51820',
  `host ${DNS}`,
]

describe.runIf(labOrFail())('the daemon through WAN and DNS faults in the lab', () => {
  let lab: Lab
  let prefix: string
  let iface: string
  let daemon: LabProcess
  let capture: LeakCapture | undefined
  let load: LabProcess[] = []
  const status = () => labStatus(prefix)
  const echoFromLaptop = async () =>
    (await lab.exec('laptop', ['curl', '-sS', '-m', '3', 'http://192.0.2.1/'])).stdout
  const appliedHash = async () =>
    parseAppliedHash(
      (await lab.exec('router', ['nft', 'list', 'chain', 'inet', 'lanvpn', 'applied'])).stdout
    )
  /** Packets the spec's DNS refused so far (the fault below), from its nft counter. */
  const refusedLookups = async () => {
    const r = await lab.exec('inet', ['nft', 'list', 'table', 'inet', 'dnsfault'], { check: true })
    return [...r.stdout.matchAll(/counter packets ([0-9]+)/g)].reduce((n, m) => n + Number(m[1]), 0)
  }
  const connectedAgain = async () => {
    await waitFor('the tunnel connected', () => status()?.tunnel?.state === 'connected', 60_000)
    await waitFor(
      'the laptop through the tunnel',
      async () => (await echoFromLaptop()) === SERVER,
      15_000
    )
  }
  /** The vpn device at full load and a capture on the WAN, for one fault. */
  const startWatching = async () => {
    capture = await leakCapture(lab)
    load = startLeakLoad(lab, 'laptop')
  }
  /** Ends the load and the capture: what of the vpn device reached the WAN (nothing, or the test
   * fails), and whether the capture holds all of it (it saw a lookup the router made last). */
  const stopWatching = async () => {
    for (const p of load) await p.kill()
    await lab.exec('router', ['getent', 'ahostsv4', 'capture-check.lab.test'])
    const leaks = await capture!.leaks(ALLOWED)
    const lookups = await capture!.packets(`host ${DNS} and udp port 53`)
    await capture!.close()
    return { leaks, sawTheEnd: lookups.some((l) => l.includes('capture-check.lab.test')) }
  }

  beforeAll(async () => {
    if (!existsSync(LAB_BUNDLE)) throw new Error('run `npm run build` first (dist/root is missing)')
    lab = await Lab.up({ devices: ['laptop'] })
    iface = `${lab.name}tun`
    prefix = mkdtempSync(join(tmpdir(), 'lanvpn-faults-net-'))
    // A DNS server for the VPN server's name, and the router's resolver pointed at it (the file
    // `ip netns exec` binds over /etc/resolv.conf; written in place, so it is the same file).
    await lab.exec('inet', ['ip', 'addr', 'add', `${DNS}/32`, 'dev', 'lo'], { check: true })
    lab.spawn('inet', [
      'dnsmasq',
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--no-hosts',
      '--no-resolv',
      '--bind-interfaces',
      `--listen-address=${DNS}`,
      '--user=root',
      '--group=root',
      `--pid-file=${join(prefix, 'dnsmasq.pid')}`,
      `--address=/vpn.lab.test/${SERVER}`,
    ])
    writeFileSync(`/etc/netns/${lab.nsName('router')}/resolv.conf`, `nameserver ${DNS}\n`)
    await waitFor('the VPN server name in DNS', async () =>
      (await lab.exec('router', ['getent', 'ahostsv4', 'vpn.lab.test'])).stdout.includes(SERVER)
    )
    const section = writeLabProfile(prefix, 'home', lab.clientConf('vpn')).replace(
      `option endpoint_host '${SERVER}'`,
      "option endpoint_host 'vpn.lab.test'"
    )
    expect(section).toContain("option endpoint_host 'vpn.lab.test'")
    writeLabConfig(
      prefix,
      { enabled: '1', connect: '1', active_profile: 'home', health_interval: '2' },
      section,
      labDeviceSection(lab.deviceMac('laptop'), 'vpn')
    )
    daemon = startLabDaemon(lab, prefix, { iface })
    await connectedAgain()
  }, 120_000)

  afterAll(async () => {
    for (const p of load) await p.kill()
    await capture?.close()
    await daemon?.kill()
    if (lab && prefix) await cleanupLabDaemon(lab, prefix, { iface })
    // Also ends this spec's dnsmasq, its address and the DNS fault with the namespaces.
    await lab?.down()
    if (prefix) rmSync(prefix, { recursive: true, force: true })
  })

  it('says the internet connection is down while the WAN is, holds the kill switch, and reconnects by itself', async () => {
    const hash = await appliedHash()
    expect(hash).not.toBe('')
    await startWatching()
    await lab.exec('router', ['ip', 'link', 'set', 'wan', 'down'], { check: true })
    try {
      const down = await waitFor(
        'the outage in the status',
        () => status()?.tunnel?.state !== 'connected' && status()?.wan?.up === false && status(),
        30_000
      )
      console.log(`[+] tunnel with the WAN down: ${JSON.stringify(down.tunnel)}`)
      expect(down.tunnel.state).toBe('reconnecting')
      expect(down.tunnel.reason).toBe("the router's internet connection (WAN) is down")
      expect(await appliedHash()).toBe(hash)
      expect(
        (await lab.exec('laptop', ['curl', '-sS', '-m', '3', 'http://192.0.2.1/'])).code
      ).not.toBe(0)
    } finally {
      // The link comes back, and with it what netifd would restore: the IPv6 address the kernel
      // dropped with the link, and the default routes.
      await lab.exec('router', ['ip', 'link', 'set', 'wan', 'up'], { check: true })
      await lab.exec('router', [
        'ip',
        '-6',
        'addr',
        'add',
        '2001:db8:100::2/64',
        'dev',
        'wan',
        'nodad',
      ])
      await lab.exec('router', ['ip', 'route', 'replace', 'default', 'via', '198.51.100.1'], {
        check: true,
      })
      await lab.exec('router', [
        'ip',
        '-6',
        'route',
        'replace',
        'default',
        'via',
        '2001:db8:100::1',
      ])
    }
    await connectedAgain()
    expect(status().tunnel).toMatchObject({ state: 'connected', profile: 'home' })
    expect(await appliedHash()).toBe(hash)
    const { leaks, sawTheEnd } = await stopWatching()
    expect(leaks).toEqual([])
    expect(sawTheEnd).toBe(true)
  })

  it("says the VPN server's name cannot be looked up while DNS fails, retries, and connects once it answers", async () => {
    const hash = await appliedHash()
    await startWatching()
    // DNS stops answering (refused, as by a resolver that is down), and the tunnel has to be set
    // up again: its interface goes, as when wireguard-go dies.
    await lab.exec('inet', ['nft', '-f', '-'], {
      check: true,
      input: [
        'table inet dnsfault {',
        '  chain input {',
        '    type filter hook input priority -10; policy accept;',
        `    ip daddr ${DNS} udp dport 53 counter reject`,
        `    ip daddr ${DNS} tcp dport 53 counter reject with tcp reset`,
        '  }',
        '}',
        '',
      ].join('\n'),
    })
    try {
      await lab.exec('router', ['ip', 'link', 'del', 'dev', iface], { check: true })
      const failed = await waitFor(
        'the failed set-up in the status',
        () => status()?.tunnel?.state === 'failed' && status(),
        60_000
      )
      console.log(`[+] tunnel while DNS fails: ${JSON.stringify(failed.tunnel)}`)
      expect(failed.tunnel.reason).toBe(
        "the VPN server's name could not be looked up: DNS is not answering"
      )
      expect(JSON.stringify(failed)).not.toContain('vpn.lab.test')
      expect(await appliedHash()).toBe(hash)
      expect(
        (await lab.exec('laptop', ['curl', '-sS', '-m', '3', 'http://192.0.2.1/'])).code
      ).not.toBe(0)
      // It tries again by itself (after 5 s): another lookup reaches the DNS, and it still fails.
      const lookups = await refusedLookups()
      await waitFor('another attempt', async () => (await refusedLookups()) > lookups, 60_000)
      expect(status().tunnel.state).not.toBe('connected')
    } finally {
      await lab.exec('inet', ['nft', 'delete', 'table', 'inet', 'dnsfault'])
    }
    await connectedAgain()
    expect(await appliedHash()).toBe(hash)
    const { leaks, sawTheEnd } = await stopWatching()
    expect(leaks).toEqual([])
    expect(sawTheEnd).toBe(true)
  })

  it("left no promise rejection unhandled (under OpenWrt's qjs that kills the daemon)", () => {
    expect(labDaemonRejections()).toEqual([])
  })
})
