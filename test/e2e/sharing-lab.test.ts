// Per-device sharing with the real daemon in the lab: four DHCP devices in four modes, what the
// internet sees of each, a live mode change while traffic flows (with a capture on the WAN), a new
// device getting the default mode, and 500 configured devices.
//
//   [lv…-laptop]  (not configured → default mode vpn) ─┐
//   [lv…-tv]      mediastreamer ──────────────────────┤ br-lan [lv…-router] wan ── [lv…-inet] ── [lv…-vpn]
//   [lv…-console] direct → vpn (live) ────────────────┤   lanvpn daemon          echo 192.0.2.1
//   [lv…-guest]   blocked ────────────────────────────┘   capture on wan         smart DNS 192.0.2.54
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
  labSection,
  labStatus,
  leakCapture,
  startLabDaemon,
  writeLabConfig,
  writeLabProfile,
} from './daemon-lab'
import { Lab, labOrFail, waitFor, type LabProcess } from './lab'

describe.runIf(labOrFail())('sharing: every device in its mode, changed live', () => {
  let lab: Lab
  let prefix: string
  let iface: string
  let daemon: LabProcess
  const status = () => labStatus(prefix)
  const echo = async (device: string) =>
    (await lab.exec(device, ['curl', '-sS', '-m', '4', 'http://192.0.2.1/'])).stdout
  const applied = (hash: string) =>
    waitFor('the daemon to apply the change', () => status()?.configHash === hash, 20_000)

  beforeAll(async () => {
    if (!existsSync(LAB_BUNDLE)) throw new Error('run `npm run build` first (dist/root is missing)')
    lab = await Lab.up({ devices: ['laptop', 'tv', 'console', 'guest'] })
    iface = `${lab.name}tun`
    prefix = mkdtempSync(join(tmpdir(), 'lanvpn-sharing-'))
    writeLabConfig(
      prefix,
      { connect: '1', active_profile: 'home', health_interval: '2' },
      writeLabProfile(prefix, 'home', lab.clientConf('vpn')),
      labDeviceSection(lab.deviceMac('tv'), 'mediastreamer'),
      labDeviceSection(lab.deviceMac('console'), 'direct'),
      labDeviceSection(lab.deviceMac('guest'), 'blocked'),
      labSection('mediastreamer', 'mediastreamer', {
        enabled: '1',
        url: 'https://192.0.2.2/activate?ip={ip}&token={token}',
        dns_server: ['192.0.2.54'],
      })
    )
    daemon = startLabDaemon(lab, prefix, { iface, labServices: true })
    await waitFor('the tunnel', () => status()?.tunnel.state === 'connected', 60_000)
    // "connected" is published as the routing follows; give the first packet a moment.
    await waitFor(
      'the laptop through the tunnel',
      async () => (await echo('laptop')) === '203.0.113.10',
      10_000
    )
  })

  afterAll(async () => {
    await daemon?.kill()
    if (lab && prefix) await cleanupLabDaemon(lab, prefix, { iface })
    await lab?.down()
    if (prefix) rmSync(prefix, { recursive: true, force: true })
  })

  it('shows each device to the internet as its mode says', async () => {
    expect(await echo('laptop')).toBe('203.0.113.10') // never configured: the default mode, vpn
    expect(await echo('tv')).toBe('198.51.100.2')
    expect(await echo('console')).toBe('198.51.100.2')
    expect(
      (await lab.exec('guest', ['curl', '-sS', '-m', '3', 'http://192.0.2.1/'])).code
    ).not.toBe(0)
  })

  it("answers the mediastreamer device's DNS from the smart DNS, whatever server it asks", async () => {
    for (const server of ['192.168.50.1', '192.0.2.53']) {
      const r = await lab.exec('tv', ['busybox', 'nslookup', 'stream.lab.test', server])
      expect(r.stdout).toContain('192.0.2.80')
    }
    // A direct device asks the router's resolver, which asks the normal DNS.
    expect(
      (await lab.exec('console', ['busybox', 'nslookup', 'stream.lab.test', '192.168.50.1'])).stdout
    ).toContain('192.0.2.1')
  })

  it('gives a blocked device DHCP and nothing past the router', async () => {
    const renew = await lab.exec('guest', [
      'busybox',
      'udhcpc',
      '-i',
      'eth0',
      '-q',
      '-n',
      '-t',
      '3',
      '-s',
      '/bin/true',
    ])
    expect(renew.code).toBe(0)
    expect((await lab.exec('guest', ['ping', '-c', '1', '-W', '1', '192.0.2.1'])).code).not.toBe(0)
    expect(
      (await lab.exec('guest', ['busybox', 'nslookup', 'lab.test', '192.168.50.1'])).code
    ).not.toBe(0)
  })

  it('moves a device from direct to vpn while it sends, and none of its packets take the WAN after', async () => {
    const before = lab.echoLog().length
    const load = lab.spawn('console', [
      'bash',
      '-c',
      'while :; do echo x >/dev/udp/192.0.2.1/9000; sleep 0.02; done',
    ])
    await waitFor(
      'the console on the WAN',
      () =>
        lab
          .echoLog()
          .slice(before)
          .some((e) => e.proto === 'udp' && e.src === '198.51.100.2'),
      10_000
    )
    const result = labPlugin(prefix, 'setDeviceMode', {
      mac: lab.deviceMac('console'),
      mode: 'vpn',
    })
    expect(result).toMatchObject({ ok: true, daemonNotified: true })
    await applied(result.configHash)
    const wan = await leakCapture(lab)
    const switched = lab.echoLog().length
    await waitFor(
      'the console through the tunnel',
      () =>
        lab
          .echoLog()
          .slice(switched)
          .some((e) => e.proto === 'udp' && e.src === '203.0.113.10'),
      10_000
    )
    await new Promise((r) => setTimeout(r, 3000))
    await load.kill()
    expect(await wan.packets('udp port 9000')).toEqual([])
    expect(await echo('console')).toBe('203.0.113.10')
    expect(
      lab
        .echoLog()
        .slice(switched)
        .filter((e) => e.src === '198.51.100.2' && e.proto === 'udp')
    ).toEqual([])
  })

  it('applies 500 configured devices and a change among them', async () => {
    const cfg = join(prefix, 'etc/config/lanvpn')
    const macs = Array.from(
      { length: 500 },
      (_, i) =>
        `02:aa:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`
    )
    writeFileSync(
      cfg,
      readFileSync(cfg, 'utf8') +
        macs.map((m, i) => labDeviceSection(m, i % 2 ? 'direct' : 'vpn')).join('')
    )
    await lab.exec('router', ['kill', '-HUP', String(status().daemon.pid)])
    await waitFor('500 devices', () => status().devices.vpn >= 250, 20_000)
    const set = async (name: string) =>
      (await lab.exec('router', ['nft', 'list', 'set', 'inet', 'lanvpn', name])).stdout
    expect((await set('vpn_devices')).match(/02:aa:/g)?.length).toBe(250)
    expect((await set('direct_devices')).match(/02:aa:/g)?.length).toBe(250)
    const r = labPlugin(prefix, 'setDeviceMode', { macs: macs.slice(0, 10), mode: 'blocked' })
    await applied(r.configHash)
    expect((await set('blocked_devices')).match(/02:aa:/g)?.length).toBe(10)
    expect(status().apply).toEqual({ ok: true, errors: [] })
  })

  it("left no promise rejection unhandled (under OpenWrt's qjs that kills the daemon)", () => {
    expect(labDaemonRejections()).toEqual([])
  })
})
