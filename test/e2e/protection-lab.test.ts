// "Is this device protected?" in the lab: the router's own counters for one device, asked through
// the `lanvpn protected` command and the rpcd plugin (checkProtection). The first question starts
// the counting; after the laptop (vpn) fetches pages and looks a name up, its packets went through
// the tunnel, its lookup to the tunnel's resolver, and none left by the WAN; the TV (direct) sent
// by the WAN. Nothing of it stays in a file.
//
//   [lv…-laptop] vpn ─┐                                      ┌─ [lv…-vpn] 203.0.113.10 wg 10.64.0.1
//                     ├ br-lan [lv…-router] wan ── [lv…-inet] ┤
//   [lv…-tv] direct ──┘   lanvpn daemon, <lab>tun (wg)        └─ echo 192.0.2.1, dns 192.0.2.53
//
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  cleanupLabDaemon,
  LAB_BUNDLE,
  labDeviceSection,
  labPlugin,
  labRuntimeArgv,
  labStatus,
  startLabDaemon,
  writeLabConfig,
  writeLabProfile,
} from './daemon-lab'
import { Lab, labOrFail, waitFor, type LabProcess } from './lab'

const LAPTOP_MAC = '02:00:00:00:50:01'
const TV_MAC = '02:00:00:00:50:02'

describe.runIf(labOrFail())('is this device protected? (the router’s own counters)', () => {
  let lab: Lab
  let prefix: string
  let iface: string
  let daemon: LabProcess
  const statusFile = () => labStatus(prefix)
  const echoFrom = async (device: string) =>
    (await lab.exec(device, ['curl', '-sS', '-m', '4', 'http://192.0.2.1/'])).stdout
  /** `lanvpn protected …` in the router, as a person on SSH runs it. */
  const protectedCli = (...args: string[]) =>
    lab.exec('router', [
      'env',
      `LANVPN_PREFIX=${prefix}`,
      ...labRuntimeArgv(),
      LAB_BUNDLE,
      'protected',
      ...args,
    ])

  beforeAll(async () => {
    if (!existsSync(LAB_BUNDLE)) throw new Error('run `npm run build` first (dist/root is missing)')
    lab = await Lab.up({ devices: ['laptop', 'tv'] })
    iface = `${lab.name}tun`
    prefix = mkdtempSync(join(tmpdir(), 'lanvpn-protection-'))
    writeLabConfig(
      prefix,
      { enabled: '1', connect: '1', active_profile: 'home' },
      writeLabProfile(prefix, 'home', lab.clientConf('vpn'), { keepalive: 5 }),
      labDeviceSection(LAPTOP_MAC, 'vpn', { label: 'Laptop' }),
      labDeviceSection(TV_MAC, 'direct', { label: 'TV' })
    )
    daemon = startLabDaemon(lab, prefix, { iface })
    await waitFor('the tunnel connected', () => statusFile()?.tunnel?.state === 'connected', 90_000)
    await waitFor(
      'the laptop through the tunnel',
      async () => (await echoFrom('laptop')) === '203.0.113.10',
      10_000
    )
  })

  afterAll(async () => {
    await daemon?.kill()
    if (lab && prefix) await cleanupLabDaemon(lab, prefix, { iface })
    await lab?.down()
    if (prefix) rmSync(prefix, { recursive: true, force: true })
  })

  it('starts counting the laptop at the first question, by its name, with every counter at 0', async () => {
    const r = await protectedCli('laptop', '--json')
    expect(r.stderr).toBe('')
    const a = JSON.parse(r.stdout)
    expect(a).toMatchObject({
      mac: LAPTOP_MAC,
      name: 'Laptop',
      mode: 'vpn',
      started: true,
      verdict: 'quiet',
      counters: { tunnel: 0, wan: 0, stopped: 0, dns: 0, ipv6: 0 },
    })
    expect(a.untilWallMs - a.sinceWallMs).toBe(600_000)
    // The kernel forgets the device by itself: its element carries the timeout.
    const set = await lab.exec('router', ['nft', 'list', 'set', 'inet', 'lanvpn', 'proof'])
    expect(set.stdout).toMatch(new RegExp(`${LAPTOP_MAC} timeout 10m expires`))
  })

  it('shows the laptop’s pages and lookup went through the tunnel, and nothing by the WAN', async () => {
    for (let i = 0; i < 3; i++) expect(await echoFrom('laptop')).toBe('203.0.113.10')
    const dns = await lab.exec('laptop', [
      'busybox',
      'nslookup',
      '-type=TXT',
      'whoami.lab.test',
      '192.0.2.53',
    ])
    expect(dns.stdout).toContain('vpn')
    const r = await protectedCli(LAPTOP_MAC)
    expect(r.stderr).toBe('')
    const first = r.stdout.split('\n')[0]
    expect(first).toMatch(
      /^Laptop \(02:00:00:00:50:01\), mode vpn: protected: [\d,]+ packets through the tunnel, 0 left by the WAN$/
    )
    // Through the rpcd plugin, as the web UI asks: the same counting, read again.
    const a = labPlugin(prefix, 'checkProtection', { device: LAPTOP_MAC })
    expect(a).toMatchObject({ verdict: 'protected', started: false, counters: { wan: 0 } })
    expect(a.counters.tunnel).toBeGreaterThan(10)
    expect(a.counters.dns).toBeGreaterThan(0)
  })

  it('shows the direct TV’s packets left by the WAN, none through the tunnel', async () => {
    expect(labPlugin(prefix, 'checkProtection', { device: 'tv' })).toMatchObject({ started: true })
    expect(await echoFrom('tv')).toBe('198.51.100.2')
    const a = labPlugin(prefix, 'checkProtection', { device: 'TV' })
    expect(a).toMatchObject({ mac: TV_MAC, mode: 'direct', verdict: 'wan' })
    expect(a.counters.wan).toBeGreaterThan(0)
    expect(a.counters.tunnel).toBe(0)
  })

  it('names the field and the problem for a device it does not know', async () => {
    expect(labPlugin(prefix, 'checkProtection', { device: 'fridge' })).toMatchObject({
      error: { code: 'not_found', field: 'device' },
    })
    const r = await protectedCli('fridge')
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('"fridge" is no device\'s MAC or name')
  })

  it('keeps no answer in a file once it was read', () => {
    expect(readdirSync(join(prefix, 'var/run/lanvpn/answers'))).toEqual([])
  })
})
