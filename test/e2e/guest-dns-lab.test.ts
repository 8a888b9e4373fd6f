// vpn devices' DNS on a guest network whose firewall zone rejects input (issue 22), in the lab,
// observed from outside. The guest bridge (lab.sh guest) is its own zone with `input REJECT` and
// rules for DNS and DHCP only, as OpenWrt's guest-network guide has it; the lab's fw4 stand-in
// gets that zone's input chains as fw4 renders them (openwrt/firewall4 templates/ruleset.uc: no
// `ct status dnat accept` in a zone without port redirects). The laptop on the LAN (input ACCEPT)
// and the guest are both vpn:
//
//   laptop  br-lan    its lookups go to lanvpn's own dnsmasq: router.lan answered
//   guest   br-guest  its lookups go to the tunnel's resolver, as before lanvpn's dnsmasq: a
//                     redirect to port 5330 would be rejected by the zone
//
// What is seen: the answers (whoami.lab.test names the resolver that answered: `vpn`, the VPN
// server's), fw4's reject counter for the guest zone, the echo service (the tunnel's exit) and a
// capture on the router's WAN (no lookup on it).
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  labDeviceSection,
  labStatus,
  leakCapture,
  newLabPrefix,
  startConnectedLabDaemon,
  tearDownLabDaemon,
  writeLabConfig,
  writeLabProfile,
} from './daemon-lab'
import { LAB_ADDR, Lab, labOrFail, waitFor, type LabProcess } from './lab'

const { echo, router } = LAB_ADDR
const EXIT = '203.0.113.10'
const GUEST_ROUTER = '192.168.60.1'

/** fw4's input for a guest zone (input REJECT; Allow-DNS-Guest and Allow-DHCP-Guest), in the
 * stand-in's `inet fw4` table. */
const GUEST_ZONE = `table inet fw4 {
  chain input {
    type filter hook input priority filter; policy accept;
    ct state established,related accept
    iifname "br-guest" jump input_guest
  }
  chain input_guest {
    meta l4proto { tcp, udp } th dport 53 accept
    udp dport 67 accept
    jump reject_from_guest
  }
  chain reject_from_guest {
    iifname "br-guest" counter reject
  }
}
`

describe.runIf(labOrFail())('vpn devices on a guest network whose zone rejects input', () => {
  let lab: Lab
  let prefix: string
  let iface: string
  let daemon: LabProcess
  const status = () => labStatus(prefix)
  /** What busybox nslookup answered `device` (addresses or TXT strings); [] when it failed. */
  const lookup = async (device: string, name: string, server: string, type = 'A') => {
    const r = await lab.exec(device, ['busybox', 'nslookup', `-type=${type}`, name, server])
    const after = r.stdout
      .split(/\nName:|\n\n/)
      .slice(1)
      .join('\n')
    return [...after.matchAll(/(?:Address: |text = ")([^"\s]+)/g)].map((m) => m[1])
  }
  const get = async (device: string, addr: string) =>
    (await lab.exec(device, ['curl', '-sS', '-m', '3', `http://${addr}/`])).stdout
  /** Packets fw4's guest zone rejected so far. */
  const rejected = async () => {
    const r = await lab.exec('router', ['nft', 'list', 'chain', 'inet', 'fw4', 'reject_from_guest'])
    return Number(/packets (\d+)/.exec(r.stdout)?.[1] ?? NaN)
  }
  const explained = async <T>(wait: Promise<T>): Promise<T> =>
    wait.catch((e: unknown) => {
      console.log(JSON.stringify(status(), null, 1), daemon?.output().slice(-8000))
      throw e
    })

  beforeAll(async () => {
    prefix = newLabPrefix('guest-dns')
    lab = await Lab.up()
    await lab.addGuest()
    iface = `${lab.name}tun`
    const zone = join(prefix, 'guest-zone.nft')
    writeFileSync(zone, GUEST_ZONE)
    await lab.exec('router', ['nft', '-f', zone], { check: true })
    writeLabConfig(
      prefix,
      { enabled: '1', connect: '1', active_profile: 'home', health_interval: '2' },
      writeLabProfile(prefix, 'home', lab.clientConf('vpn')),
      labDeviceSection(lab.deviceMac('laptop'), 'vpn'),
      labDeviceSection('02:00:00:00:60:01', 'vpn')
    )
    copyFileSync(lab.openwrtFile('network'), join(prefix, 'etc/config/network'))
    writeFileSync(
      join(prefix, 'etc/config/firewall'),
      readFileSync(lab.openwrtFile('firewall'), 'utf8') +
        "\nconfig zone\n\toption name 'guest'\n\tlist network 'guest'\n\toption input 'REJECT'\n"
    )
    const netifd = JSON.parse(readFileSync(lab.openwrtFile('netifd.json'), 'utf8')) as object
    const map = { ...netifd, guest: { device: 'br-guest', ipv4: [`${GUEST_ROUTER}/24`] } }
    writeFileSync(join(prefix, 'netifd.json'), JSON.stringify(map))
    daemon = await startConnectedLabDaemon(lab, prefix, {
      iface,
      netifd: join(prefix, 'netifd.json'),
    })
    await explained(
      waitFor(
        'the guest through the tunnel',
        async () => (await get('guest', echo.v4)) === EXIT,
        30_000
      )
    )
  }, 150_000)

  afterAll(() => tearDownLabDaemon(lab, prefix, daemon, { iface }))

  it('status marks the guest network closed', () => {
    expect(status().apply.ok).toBe(true)
    expect(status().lan.interfaces).toEqual([
      { name: 'lan', device: 'br-lan', up: true, policy: 'managed' },
      { name: 'guest', device: 'br-guest', up: true, policy: 'managed', closed: true },
    ])
  })

  it("the vpn guest resolves a public name through the tunnel's resolver, fw4 rejects none of it, and no lookup is on the WAN; the laptop on the LAN still gets router.lan", async () => {
    const wan = await leakCapture(lab)
    const before = await rejected()
    await explained(
      waitFor(
        'the guest answered by the VPN server',
        async () => (await lookup('guest', 'whoami.lab.test', GUEST_ROUTER, 'TXT'))[0] === 'vpn',
        20_000
      )
    )
    expect(await lookup('guest', 'lab.test', GUEST_ROUTER)).toEqual([echo.v4])
    // Asked of any server: the same resolver.
    expect(await lookup('guest', 'whoami.lab.test', '192.0.2.53', 'TXT')).toEqual(['vpn'])
    expect(await rejected()).toBe(before)
    // The LAN's zone accepts input: the laptop's lookups go to lanvpn's own dnsmasq.
    expect(await lookup('laptop', router.name, router.v4)).toEqual([router.v4])
    expect(await lookup('laptop', 'whoami.lab.test', router.v4, 'TXT')).toEqual(['vpn'])
    expect(await wan.packets('port 53')).toEqual([])
    await wan.close()
  })
})
