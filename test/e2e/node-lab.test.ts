// lanvpn under Node in the lab, the other runtime it supports (every other lab spec runs the
// router's, the native qjs): the daemon connects, one device's mode changes through the rpcd
// plugin (under Node too), and a capture on the router's WAN sees no packet of the vpn device
// meanwhile.
//
//   [lv…-laptop] vpn, sending ─┐                                      ┌─ [lv…-vpn] 203.0.113.10
//                              ├ br-lan [lv…-router] wan ── [lv…-inet]┘
//   [lv…-tv] direct → vpn ─────┘   lanvpn daemon (node)     echo 192.0.2.1
//                                  capture: tcpdump -i wan
//
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  cleanupLabDaemon,
  LAB_BUNDLE,
  labDeviceSection,
  labPlugin,
  labStatus,
  leakCapture,
  startLabDaemon,
  startLeakLoad,
  writeLabConfig,
  writeLabProfile,
} from './daemon-lab'
import { Lab, labOrFail, waitFor, type LabProcess } from './lab'

describe.runIf(labOrFail())('lanvpn under Node in the lab', () => {
  let lab: Lab
  let prefix: string
  let iface: string
  let daemon: LabProcess
  const status = () => labStatus(prefix)
  const echo = async (device: string) =>
    (await lab.exec(device, ['curl', '-sS', '-m', '4', 'http://192.0.2.1/'])).stdout

  beforeAll(async () => {
    if (!existsSync(LAB_BUNDLE)) throw new Error('run `npm run build` first (dist/root is missing)')
    lab = await Lab.up({ devices: ['laptop', 'tv'] })
    iface = `${lab.name}tun`
    prefix = mkdtempSync(join(tmpdir(), 'lanvpn-node-'))
    writeLabConfig(
      prefix,
      { connect: '1', active_profile: 'home', health_interval: '2' },
      writeLabProfile(prefix, 'home', lab.clientConf('vpn')),
      labDeviceSection(lab.deviceMac('tv'), 'direct')
    )
    daemon = startLabDaemon(lab, prefix, { iface, runtime: 'node' })
  })

  afterAll(async () => {
    await daemon?.kill()
    if (lab && prefix) await cleanupLabDaemon(lab, prefix, { iface, runtime: 'node' })
    await lab?.down()
    if (prefix) rmSync(prefix, { recursive: true, force: true })
  })

  it('connects, and sends the vpn device out from the VPN server, the direct one from the WAN', async () => {
    await waitFor('the tunnel', () => status()?.tunnel?.state === 'connected', 60_000)
    expect(status().daemon.runtime).toBe('node')
    // "connected" is published as the routing follows; give the first packet a moment.
    await waitFor(
      'the laptop through the tunnel',
      async () => (await echo('laptop')) === '203.0.113.10'
    )
    expect(await echo('tv')).toBe('198.51.100.2')
  })

  it('moves a device to vpn through the plugin while the vpn device sends, and nothing leaks', async () => {
    const wan = await leakCapture(lab)
    const load = startLeakLoad(lab, 'laptop')
    try {
      const result = labPlugin(
        prefix,
        'setDeviceMode',
        { mac: lab.deviceMac('tv'), mode: 'vpn' },
        'node'
      )
      expect(result).toMatchObject({ ok: true, daemonNotified: true })
      await waitFor('the change applied', () => status()?.configHash === result.configHash, 20_000)
      await waitFor('the tv through the tunnel', async () => (await echo('tv')) === '203.0.113.10')
      // The load keeps going a little after the change: the capture sees it all.
      await new Promise((r) => setTimeout(r, 2000))
    } finally {
      for (const p of load) await p.kill()
    }
    // Every packet on the WAN counts but WireGuard's own UDP to the server and the link's chatter.
    expect(await wan.leaks(['udp port 51820'])).toEqual([])
    // Positive control: the capture saw the tunnel carry the load.
    expect((await wan.packets('udp port 51820')).length).toBeGreaterThan(50)
    expect(status().apply).toEqual({ ok: true, errors: [] })
  })
})
