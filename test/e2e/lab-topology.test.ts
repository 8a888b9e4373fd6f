/*
 * The lab itself, before any lanvpn code runs on it (scripts/lab/lab.sh, docs/lab.md), with both
 * optional networks (LAB_NETWORKS="lan2 modem").
 *
 *   <lab>-laptop  <lab>-tv  <lab>-console    eth0 02:00:00:00:50:0N, DHCP .100-.199, SLAAC fd50::
 *          \          |          /
 *        [ br-lan 192.168.50.1/24 fd50::1/64 02:00:00:00:50:fe ]  <lab>-router: dnsmasq (router.lan, nas.lan), table inet fw4 (masq on wan)
 *                     |                       [ br-lan2 192.168.2.1/24 fd02::1/64 ] ── <lab>-nas 192.168.2.10 fd02::10 (echo)
 *                     |  wan 198.51.100.2  2001:db8:100::2  192.168.100.2   (+ <lab>tst: this spec's WG client)
 *        <lab>-modem [ br-modem 192.168.100.1: its page (echo) ]  bridges the WAN link, routes nothing
 *                     |
 *        198.51.100.1 |  <lab>-inet: echo 192.0.2.1:80 [2001:db8:2::1]:80 udp 192.0.2.1:9000,
 *                     |               tcp/udp 3075, and :80 on .11 .12 .13 .101 (bank.example,
 *                     |               www.bank.example, stream.example, no name), DNS 192.0.2.53
 *        [ br-inet 203.0.113.1/24 ]
 *            /                 |                     \
 *   <lab>-vpn 203.0.113.10     <lab>-vpn2 203.0.113.20     <lab>-vpn3 203.0.113.40
 *   <lab>srv 10.64.0.1/24      <lab>srv2 10.65.0.1/24     <lab>srv3 10.67.0.1/24
 *   (wireguard-go :51820, NAT out, DNS; and <lab>-ovpn 203.0.113.30, OpenVPN, not checked here)
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lanSideNetworks, parseInterfaceDump } from '../../applet/src/core/observe/lan'
import { parseInterfaceStatus } from '../../applet/src/core/observe/wan'
import { parseUci } from '../../applet/src/core/uci/parse'
import { LAB_ADDR, Lab, labOrFail, waitFor, type LabProcess } from './lab'

/** The lab's netifd stand-in, as `ubus` (scripts/lab/bin/ubus). */
const LAB_UBUS = fileURLToPath(new URL('../../scripts/lab/bin/ubus', import.meta.url))

const SERVERS = [
  { server: 'vpn', publicIp: '203.0.113.10', clientIp: '10.64.0.2', dnsIp: '10.64.0.1' },
  { server: 'vpn2', publicIp: '203.0.113.20', clientIp: '10.65.0.2', dnsIp: '10.65.0.1' },
  { server: 'vpn3', publicIp: '203.0.113.40', clientIp: '10.67.0.2', dnsIp: '10.67.0.1' },
] as const

describe.runIf(labOrFail())('the lab topology', () => {
  let lab: Lab

  beforeAll(async () => {
    lab = await Lab.up({ networks: ['lan2', 'modem'] })
  })

  afterAll(async () => {
    await lab?.down()
  })

  it('leases every LAN device a stable MAC and an address in 192.168.50.100-199', async () => {
    const leases = readFileSync(`${lab.stateDir}/dhcp.leases`, 'utf8')
    for (const device of lab.devices) {
      const ip = lab.deviceIp(device)
      const host = Number(/^192\.168\.50\.(\d+)$/.exec(ip)?.[1])
      expect(host).toBeGreaterThanOrEqual(100)
      expect(host).toBeLessThanOrEqual(199)
      // The router's lease file (OpenWrt's format) names the device by MAC and hostname.
      expect(leases).toMatch(new RegExp(`^\\d+ ${lab.deviceMac(device)} ${ip} ${device} `, 'm'))
      expect(await lab.deviceIp6(device)).toMatch(/^fd50::/)
    }
  })

  it('shows a device to the internet as the router WAN address (NAT emulating fw4)', async () => {
    const before = lab.echoLog().length
    const v4 = await lab.exec('laptop', ['curl', '-sS', '-m', '5', 'http://192.0.2.1/'], {
      check: true,
    })
    expect(v4.stdout).toBe('198.51.100.2')
    const v6 = await lab.exec('tv', ['curl', '-sS', '-m', '5', 'http://[2001:db8:2::1]/'], {
      check: true,
    })
    expect(v6.stdout).toBe('2001:db8:100::2')
    // busybox nc has no UDP mode; bash's /dev/udp does one datagram each way.
    const udp = await lab.exec('console', [
      'bash',
      '-c',
      'exec 3<>/dev/udp/192.0.2.1/9000; echo ping >&3; timeout 3 dd bs=64 count=1 status=none <&3',
    ])
    expect(udp.stdout).toBe('198.51.100.2')
    expect(lab.echoLog().slice(before)).toMatchObject([
      { proto: 'tcp', src: '198.51.100.2', port: 80, dst: '192.0.2.1', path: '/' },
      { proto: 'tcp', src: '2001:db8:100::2', port: 80, dst: '2001:db8:2::1' },
      { proto: 'udp', src: '198.51.100.2', port: 9000 },
    ])
  })

  it('resolves lab.test for a device through the router dnsmasq and inet DNS', async () => {
    const txt = await lab.exec('laptop', ['busybox', 'nslookup', '-type=txt', 'whoami.lab.test'])
    expect(txt.stdout).toContain('"inet"')
  })

  it('reaches the nas on the second LAN subnet directly: it sees the laptop LAN address', async () => {
    const { nas } = LAB_ADDR
    const v4 = await lab.exec('laptop', ['curl', '-sS', '-m', '5', `http://${nas.v4}/`])
    expect(v4.stdout).toBe(lab.deviceIp('laptop'))
    const v6 = await lab.exec('laptop', ['curl', '-sS', '-m', '5', `http://[${nas.v6}]/`])
    expect(v6.stdout).toBe(await lab.deviceIp6('laptop'))
    expect(lab.echoLog('nas')).toMatchObject([
      { proto: 'tcp', src: lab.deviceIp('laptop'), port: 80, dst: nas.v4 },
      { proto: 'tcp', src: await lab.deviceIp6('laptop'), port: 80, dst: nas.v6 },
    ])
    // Nothing of it went to the internet.
    expect(lab.echoLog().filter((e) => e.dst === nas.v4 || e.dst === nas.v6)).toEqual([])
  })

  it("reaches the modem's page by the WAN from the router and a LAN device, as the router's modem-side address", async () => {
    const { modem } = LAB_ADDR
    const before = lab.echoLog('modem').length
    for (const ns of ['router', 'tv']) {
      const page = await lab.exec(ns, ['curl', '-sS', '-m', '5', `http://${modem.v4}/`])
      expect(page.stdout).toBe(modem.router)
    }
    expect(lab.echoLog('modem').slice(before)).toMatchObject([
      { proto: 'tcp', src: modem.router, dst: modem.v4 },
      { proto: 'tcp', src: modem.router, dst: modem.v4 },
    ])
    // Nothing routes to it but the WAN segment: not the internet, not a VPN server.
    for (const ns of ['inet', 'vpn']) {
      const far = await lab.exec(ns, ['curl', '-sS', '-m', '2', `http://${modem.v4}/`])
      expect(far.code).not.toBe(0)
    }
    expect(lab.echoLog('modem')).toHaveLength(before + 2)
  })

  it('answers the lan domain at the router dnsmasq: nas.lan, router.lan and a DHCP name', async () => {
    const lookup = async (name: string) =>
      (await lab.exec('laptop', ['busybox', 'nslookup', name], { check: true })).stdout
    const { nas, router } = LAB_ADDR
    for (const { name, v4, v6 } of [nas, router]) {
      const out = await lookup(name)
      expect(out).toMatch(/Server:\s+192\.168\.50\.1$/m)
      expect(out).toContain(`Address: ${v4}`)
      expect(out).toContain(`Address: ${v6}`)
    }
    expect(await lookup('tv.lan')).toContain(`Address: ${lab.deviceIp('tv')}`)
  })

  it('resolves the example domains to distinct echo addresses at inet and at a VPN server', async () => {
    const { bank, wwwBank, stream, cidr, echo } = LAB_ADDR
    for (const [ns, server] of [
      ['router', '192.0.2.53'],
      ['vpn', '10.64.0.1'],
    ]) {
      for (const { name, v4, v6 } of [bank, wwwBank, stream]) {
        const a = await lab.exec(ns, ['busybox', 'nslookup', '-type=a', name, server])
        expect(a.stdout).toMatch(new RegExp(`Address: ${v4.replaceAll('.', '\\.')}$`, 'm'))
        const aaaa = await lab.exec(ns, ['busybox', 'nslookup', '-type=aaaa', name, server])
        expect(aaaa.stdout).toMatch(new RegExp(`Address: ${v6}$`, 'm'))
      }
    }
    // A subdomain without a name of its own follows its parent's.
    const sub = await lab.exec('router', ['busybox', 'nslookup', '-type=a', 'login.bank.example'])
    expect(sub.stdout).toMatch(/Address: 192\.0\.2\.11$/m)
    // The echo service answers on each of them, and on the nameless CIDR target.
    const before = lab.echoLog().length
    for (const { v4, v6 } of [bank, wwwBank, stream, cidr]) {
      expect((await lab.exec('laptop', ['curl', '-sS', '-m', '5', `http://${v4}/`])).stdout).toBe(
        '198.51.100.2'
      )
      const six = await lab.exec('laptop', ['curl', '-sS', '-m', '5', `http://[${v6}]/`])
      expect(six.stdout).toBe('2001:db8:100::2')
    }
    const game = await lab.exec('laptop', [
      'curl',
      '-sS',
      '-m',
      '5',
      `http://${echo.v4}:${LAB_ADDR.gamePort}/`,
    ])
    expect(game.stdout).toBe('198.51.100.2')
    const udp = await lab.exec('console', [
      'bash',
      '-c',
      `exec 3<>/dev/udp/${echo.v4}/${LAB_ADDR.gamePort}; echo ping >&3; timeout 3 dd bs=64 count=1 status=none <&3`,
    ])
    expect(udp.stdout).toBe('198.51.100.2')
    expect(
      lab
        .echoLog()
        .slice(before)
        .map((e) => `${e.proto} ${e.dst} ${e.port}`)
    ).toEqual([
      ...[bank, wwwBank, stream, cidr].flatMap(({ v4, v6 }) => [`tcp ${v4} 80`, `tcp ${v6} 80`]),
      `tcp ${echo.v4} ${LAB_ADDR.gamePort}`,
      `udp ${echo.v4} ${LAB_ADDR.gamePort}`,
    ])
  })

  it('describes its networks as OpenWrt would, so that lanvpn reads lan2 as LAN and learns each network with its subnet', async () => {
    const firewall = parseUci(readFileSync(lab.openwrtFile('firewall'), 'utf8'))
    expect(lanSideNetworks(firewall, 'wan')).toEqual(['lan', 'lan2'])
    const ubus = (...args: string[]) =>
      lab.exec(
        'router',
        ['env', `LAB_NETIFD=${lab.openwrtFile('netifd.json')}`, LAB_UBUS, ...args],
        {
          check: true,
        }
      )
    const dump = parseInterfaceDump((await ubus('call', 'network.interface', 'dump')).stdout)
    expect(dump).toEqual(
      expect.arrayContaining([
        { name: 'lan', device: 'br-lan', up: true },
        { name: 'lan2', device: 'br-lan2', up: true },
        { name: 'modem', device: 'wan', up: true },
      ])
    )
    const wan = JSON.parse((await ubus('call', 'network.interface.wan', 'status')).stdout)
    expect(parseInterfaceStatus(JSON.stringify(wan))).toEqual({
      device: 'wan',
      address: '198.51.100.2',
      up: true,
    })
    expect(wan.route).toEqual([{ target: '0.0.0.0', mask: 0, nexthop: '198.51.100.1' }])
    const modem = JSON.parse((await ubus('call', 'network.interface.modem', 'status')).stdout)
    expect(modem['ipv4-address']).toEqual([{ address: LAB_ADDR.modem.router, mask: 24 }])
    // The LAN's networks with their addresses, as netifd reports them (the rules' local exceptions).
    const { router, lan2: second } = LAB_ADDR
    for (const [name, v4, v6] of [
      ['lan', router.v4, router.v6],
      ['lan2', second.router, second.router6],
    ]) {
      const lan = JSON.parse((await ubus('call', `network.interface.${name}`, 'status')).stdout)
      expect(lan['ipv4-address'], name).toEqual([{ address: v4, mask: 24 }])
      expect(lan['ipv6-address'], name).toEqual([{ address: v6, mask: 64 }])
    }
    // What the stand-in says is what the router has.
    const addrs = await lab.exec('router', ['ip', '-4', '-o', 'addr', 'show', 'dev', 'wan'])
    expect(addrs.stdout).toContain('inet 198.51.100.2/24')
    expect(addrs.stdout).toContain(`inet ${LAB_ADDR.modem.router}/24`)
    const lan2 = await lab.exec('router', ['ip', '-o', 'addr', 'show', 'dev', 'br-lan2'])
    expect(lan2.stdout).toContain(`inet ${LAB_ADDR.lan2.router}/24`)
    expect(lan2.stdout).toContain(`inet6 ${LAB_ADDR.lan2.router6}/64`)
  })

  for (const { server, publicIp, clientIp, dnsIp } of SERVERS) {
    it(`handshakes with ${server} and leaves the internet from ${publicIp}`, async () => {
      const tunnel = await openTestTunnel(lab, server)
      try {
        const ping = await lab.exec('router', ['ping', '-c', '3', '-i', '0.2', '-W', '2', dnsIp])
        expect(ping.code).toBe(0)
        const handshakes = await lab.exec('router', [
          'wg',
          'show',
          tunnel.iface,
          'latest-handshakes',
        ])
        expect(Number(handshakes.stdout.trim().split(/\s+/)[1])).toBeGreaterThan(0)

        const before = lab.echoLog().length
        const curl = await lab.exec('router', ['curl', '-sS', '-m', '5', 'http://192.0.2.1/'], {
          check: true,
        })
        expect(curl.stdout).toBe(publicIp)
        expect(lab.echoLog().slice(before)).toMatchObject([{ proto: 'tcp', src: publicIp }])

        const a = await lab.exec('router', ['busybox', 'nslookup', '-type=a', 'lab.test', dnsIp])
        expect(a.stdout).toMatch(/Address: 192\.0\.2\.1$/m)
        const txt = await lab.exec('router', [
          'busybox',
          'nslookup',
          '-type=txt',
          'whoami.lab.test',
          dnsIp,
        ])
        expect(txt.stdout).toContain(`"${server}"`)
        // The tunnel address the server sees is the one its client config was issued for.
        const serverIface = `${lab.name}${server.replace('vpn', 'srv')}`
        const peers = await lab.exec(server, ['wg', 'show', serverIface, 'allowed-ips'])
        expect(peers.stdout).toContain(`${clientIp}/32`)
      } finally {
        await tunnel.close()
      }
      expect(existsSync(`/var/run/wireguard/${tunnel.iface}.sock`)).toBe(false)
      const link = await lab.exec('router', ['ip', 'link', 'show', tunnel.iface])
      expect(link.code).not.toBe(0)
    })
  }

  it('leaves no namespace, process, socket or file after down', async () => {
    const pidDir = `${lab.stateDir}/pids`
    const daemons = ['dnsmasq-router', 'dnsmasq-inet', 'dnsmasq-vpn', 'dnsmasq-vpn2', 'echo']
    const extras = ['echo-nas', 'echo-modem']
    const pids = [...daemons, ...extras, 'dnsmasq-vpn3', 'wg-vpn', 'wg-vpn2', 'wg-vpn3'].map(
      (name) => Number(readFileSync(`${pidDir}/${name}`, 'utf8').trim())
    )
    expect(pids.every(isRunning)).toBe(true)
    const stray = lab.spawn('inet', ['sleep', '600'])
    const strays = [stray, lab.spawn('nas', ['sleep', '600']), lab.spawn('modem', ['sleep', '600'])]
    const namespacesBefore = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    for (const ns of ['nas', 'modem']) expect(namespacesBefore).toContain(`${lab.name}-${ns}`)

    await lab.down()
    await lab.down() // a second down is a no-op

    const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    expect(namespaces.split('\n').filter((line) => line.startsWith(`${lab.name}-`))).toEqual([])
    expect(pids.filter(isRunning)).toEqual([])
    expect(strays.filter((p) => isRunning(p.pid))).toEqual([])
    for (const iface of ['srv', 'srv2', 'srv3', 'tst']) {
      expect(existsSync(`/var/run/wireguard/${lab.name}${iface}.sock`)).toBe(false)
    }
    expect(existsSync(lab.stateDir)).toBe(false)
    for (const ns of ['router', 'nas', 'modem'])
      expect(existsSync(`/etc/netns/${lab.name}-${ns}`)).toBe(false)
  })
})

/** Brings up wireguard-go `<lab>tst` in the router with the issued client config (Address and
 * DNS stripped for `wg setconf`), routing only the server's tunnel /24 and 192.0.2.1 through it. */
async function openTestTunnel(lab: Lab, server: 'vpn' | 'vpn2' | 'vpn3') {
  const iface = `${lab.name}tst`
  const conf = lab.clientConf(server)
  const address = /^Address\s*=\s*([^,\s]+)/m.exec(conf)?.[1] ?? ''
  const dns = /^DNS\s*=\s*(\S+)/m.exec(conf)?.[1] ?? ''
  const wgConfFile = `${lab.stateDir}/tst.conf`
  writeFileSync(wgConfFile, conf.replace(/^(Address|DNS)\s*=.*\n/gm, ''), { mode: 0o600 })

  const daemon: LabProcess = lab.spawn('router', ['wireguard-go', '-f', iface])
  const close = async () => {
    await daemon.kill()
    await waitFor(`${iface} socket removal`, () => !existsSync(`/var/run/wireguard/${iface}.sock`))
  }
  try {
    await waitFor(`${iface} socket`, () => existsSync(`/var/run/wireguard/${iface}.sock`))
    const run = (argv: string[]) => lab.exec('router', argv, { check: true })
    await run(['wg', 'setconf', iface, wgConfFile])
    await run(['ip', 'addr', 'add', address, 'dev', iface])
    await run(['ip', 'link', 'set', iface, 'up'])
    await run(['ip', 'route', 'add', `${dns.replace(/\.\d+$/, '.0')}/24`, 'dev', iface])
    await run(['ip', 'route', 'add', '192.0.2.1/32', 'dev', iface])
  } catch (e) {
    await close()
    throw new Error(`opening a test tunnel to ${server}: ${(e as Error).message}`, { cause: e })
  }
  return { iface, close }
}

function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // A zombie has exited; the reaper may be late (PID 1 here reaps about once a second).
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}
