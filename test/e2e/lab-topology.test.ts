/*
 * The lab itself, before any lanvpn code runs on it (scripts/lab/lab.sh, docs/lab.md).
 *
 *   <lab>-laptop  <lab>-tv  <lab>-console    eth0 02:00:00:00:50:0N, DHCP .100-.199, SLAAC fd50::
 *          \          |          /
 *        [ br-lan 192.168.50.1/24 fd50::1/64 02:00:00:00:50:fe ]  <lab>-router: dnsmasq, table inet fw4 (masq on wan)
 *                     |  wan 198.51.100.2  2001:db8:100::2      (+ <lab>tst: this spec's WG client)
 *                     |
 *        198.51.100.1 |  <lab>-inet: echo 192.0.2.1:80 [2001:db8:2::1]:80 udp 192.0.2.1:9000,
 *                     |               DNS 192.0.2.53
 *        [ br-inet 203.0.113.1/24 ]
 *            /                 |                     \
 *   <lab>-vpn 203.0.113.10     <lab>-vpn2 203.0.113.20     <lab>-vpn3 203.0.113.40
 *   <lab>srv 10.64.0.1/24      <lab>srv2 10.65.0.1/24     <lab>srv3 10.67.0.1/24
 *   (wireguard-go :51820, NAT out, DNS; and <lab>-ovpn 203.0.113.30, OpenVPN, not checked here)
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Lab, labOrFail, waitFor, type LabProcess } from './lab'

const SERVERS = [
  { server: 'vpn', publicIp: '203.0.113.10', clientIp: '10.64.0.2', dnsIp: '10.64.0.1' },
  { server: 'vpn2', publicIp: '203.0.113.20', clientIp: '10.65.0.2', dnsIp: '10.65.0.1' },
  { server: 'vpn3', publicIp: '203.0.113.40', clientIp: '10.67.0.2', dnsIp: '10.67.0.1' },
] as const

describe.runIf(labOrFail())('the lab topology', () => {
  let lab: Lab

  beforeAll(async () => {
    lab = await Lab.up()
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
    const pids = [...daemons, 'dnsmasq-vpn3', 'wg-vpn', 'wg-vpn2', 'wg-vpn3'].map((name) =>
      Number(readFileSync(`${pidDir}/${name}`, 'utf8').trim())
    )
    expect(pids.every(isRunning)).toBe(true)
    const stray = lab.spawn('inet', ['sleep', '600'])

    await lab.down()
    await lab.down() // a second down is a no-op

    const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    expect(namespaces.split('\n').filter((line) => line.startsWith(`${lab.name}-`))).toEqual([])
    expect(pids.filter(isRunning)).toEqual([])
    expect(isRunning(stray.pid)).toBe(false)
    for (const iface of ['srv', 'srv2', 'srv3', 'tst']) {
      expect(existsSync(`/var/run/wireguard/${lab.name}${iface}.sock`)).toBe(false)
    }
    expect(existsSync(lab.stateDir)).toBe(false)
    expect(existsSync(`/etc/netns/${lab.name}-router`)).toBe(false)
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
