// The tunnel driver on a FakeHost: the commands it runs to bring a WireGuard location up (kernel
// first, wireguard-go when the kernel has none), where the keys go (never argv), how it notices an
// outage, fails over and recovers, all on the monotonic clock; and what it says when the VPN
// server's name cannot be looked up or the router's WAN is down.
import { beforeEach, describe, expect, it } from 'vitest'
import { defaultConfig } from '../../applet/src/core/config/defaults'
import type { Config, Profile } from '../../applet/src/core/config/types'
import { groupPaths, resolvePaths } from '../../applet/src/core/paths'
import {
  createTunnelDriver,
  wantedCandidates,
  type TunnelDriver,
} from '../../applet/src/daemon/tunnel'
import { FakeHost } from '../../applet/src/host/fake'
import { withLogLevel } from '../../applet/src/system/log'
import { PROFILE } from '../unit/connected-config'

const paths = resolvePaths('')
const KEY = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk='
const PSK = 'FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE='

/** connected-config's location under another id and server (`home` with a preshared key). */
function profile(id: string, host: string): Profile {
  const peer = { ...PROFILE.peers[0], endpointHost: host, hasPresharedKey: id === 'home' }
  return { ...PROFILE, id, label: id, peers: [peer] }
}

function config(): Config {
  const c = defaultConfig()
  c.profiles = [profile('home', 'vpn.example'), profile('backup', '203.0.113.20')]
  c.globals.activeProfile = 'home'
  c.globals.fallback = ['backup']
  c.globals.connect = true
  return c
}

let host: FakeHost
let driver: TunnelDriver
let linkExists: boolean
let serverAnswers: boolean
let wanUp: boolean
let dnsAnswers: boolean
let setconfFile: { path: string; content: string; mode: number } | null
let changes: number
const settle = () => new Promise((resolve) => setTimeout(resolve, 0))
/** Connects to `home` with no fallback location, and lets the first set-up finish. */
async function connectHomeOnly(): Promise<void> {
  const c = config()
  c.globals.fallback = []
  driver.setConfig(c)
  await settle()
}
/** Lets `n` seconds pass one at a time, the driver's work settling after each. */
async function seconds(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    host.advance(1000)
    await settle()
  }
}
const argvs = () => host.transcript.map((c) => c.argv.join(' '))

beforeEach(() => {
  host = new FakeHost()
  host.strictExec = true
  for (const d of [
    '/etc',
    '/etc/lanvpn',
    '/etc/lanvpn/secrets',
    '/var',
    '/var/run',
    '/var/run/lanvpn',
  ])
    host.dirs.add(d)
  host.files.set('/etc/lanvpn/secrets/profile_home', { content: KEY, mode: 0o600, mtimeMs: 0 })
  host.files.set('/etc/lanvpn/secrets/profile_home.psk0', { content: PSK, mode: 0o600, mtimeMs: 0 })
  host.files.set('/etc/lanvpn/secrets/profile_backup', { content: KEY, mode: 0o600, mtimeMs: 0 })
  linkExists = false
  serverAnswers = true
  wanUp = true
  dnsAnswers = true
  setconfFile = null
  changes = 0
  host.onExec(['ip', 'link', 'show'], () =>
    linkExists ? {} : { code: 1, stderr: 'Device "lanvpn0" does not exist.' }
  )
  host.onExec(['ip', 'link', 'add'], { code: 2, stderr: 'Error: Unknown device type.' })
  host.onExec(['wireguard-go'], () => {
    linkExists = true
    return {}
  })
  host.onExec(['wg', 'setconf'], (argv) => {
    const f = host.files.get(argv[3])!
    setconfFile = { path: argv[3], content: f.content, mode: f.mode }
    if (!dnsAnswers && f.content.includes('Endpoint = vpn.example:'))
      return {
        code: 1,
        stderr:
          "Temporary failure in name resolution: `vpn.example:51820'\nConfiguration parsing error\n",
      }
    return {}
  })
  host.onExec(['ip', 'route', 'get'], () =>
    wanUp
      ? { stdout: '203.0.113.10 via 198.51.100.1 dev wan src 198.51.100.2 mark 0x2000000\n' }
      : { code: 2, stderr: 'RTNETLINK answers: Network is unreachable\n' }
  )
  host.onExec(['ip', '-4', 'route', 'show', 'default'], () => ({
    stdout: wanUp ? 'default via 198.51.100.1 dev wan\n' : '',
  }))
  host.onExec(['ip', '-6', 'route', 'show', 'default'], {})
  host.onExec(['wg', 'set'], {})
  host.onExec(['wg', 'show'], {
    stdout:
      'priv\tpub\t0\toff\npeer\t(none)\t203.0.113.10:51820\t0.0.0.0/0\t1763800000\t100\t200\t25\n',
  })
  host.onExec(['ip', '-batch', '-'], {})
  host.onExec(['ip', 'link', 'del'], () => {
    linkExists = false
    return {}
  })
  host.onExec(['ping'], () => (serverAnswers && wanUp ? {} : { code: 1 }))
  host.setWallMs(1_763_800_000_000)
  driver = createTunnelDriver(withLogLevel(host), paths, { onChange: () => changes++ })
})

describe('the tunnel driver', () => {
  it("runs a device group's location on the group's own interface and run directory, and takes it down when the group goes", async () => {
    const c = config()
    c.globals.fallback = []
    c.groups = [
      {
        id: 'tv',
        index: 1,
        label: 'TV',
        profile: 'backup',
        fallback: [],
        killSwitch: 'always',
        connect: true,
      },
    ]
    const tv = createTunnelDriver(withLogLevel(host), groupPaths(paths, 1), {
      group: 'tv',
      onChange: () => changes++,
    })
    tv.setConfig(c)
    await settle()
    expect(argvs().slice(0, 4)).toEqual([
      'ip link show dev lanvpn1',
      'ip link add dev lanvpn1 type wireguard',
      'wireguard-go lanvpn1',
      'wg setconf lanvpn1 /var/run/lanvpn/group1/wg-lanvpn1.conf',
    ])
    expect(setconfFile!.content).toContain('Endpoint = 203.0.113.20:51820')
    expect(tv.status()).toMatchObject({ state: 'connected', profile: 'backup' })
    expect(tv.context()).toMatchObject({ up: true, profile: { id: 'backup' } })
    host.transcript = []
    await tv.close()
    expect(argvs()).toEqual(['ip link del dev lanvpn1'])
    expect(tv.context().up).toBe(false)
    // The group is no more: its candidates are none; the default group's are the globals'.
    c.groups = []
    expect(wantedCandidates(c, 'tv')).toEqual([])
    expect(wantedCandidates(c)).toEqual(['home'])
  })

  it("a group's candidates are its location then its fallbacks, none when it does not connect", () => {
    const c = config()
    c.globals.fallback = []
    const tv = { id: 'tv', index: 1, label: 'TV', profile: 'backup', fallback: ['home'] }
    c.groups = [{ ...tv, killSwitch: 'always', connect: true }]
    expect(wantedCandidates(c, 'tv')).toEqual(['backup', 'home'])
    c.groups = [{ ...tv, killSwitch: 'always', connect: false }]
    expect(wantedCandidates(c, 'tv')).toEqual([])
    c.globals.enabled = false
    c.groups = [{ ...tv, killSwitch: 'always', connect: true }]
    expect(wantedCandidates(c, 'tv')).toEqual([])
  })

  it('falls back to wireguard-go when the kernel has no WireGuard, and keys never reach argv', async () => {
    driver.setConfig(config())
    await settle()
    expect(argvs()).toEqual([
      'ip link show dev lanvpn0',
      'ip link add dev lanvpn0 type wireguard',
      'wireguard-go lanvpn0',
      'wg setconf lanvpn0 /var/run/lanvpn/wg-lanvpn0.conf',
      'ip -batch -',
      'ip link show dev lanvpn0',
      'wg show lanvpn0 dump',
      'ping -c 1 -W 2 -I lanvpn0 10.64.0.1',
    ])
    expect(
      host.transcript.every(
        (c) => !c.argv.join(' ').includes(KEY) && !c.argv.join(' ').includes(PSK)
      )
    ).toBe(true)
    // The keys went through a root-only file in RAM that is gone afterwards.
    expect(setconfFile).toMatchObject({ mode: 0o600 })
    expect(setconfFile!.content).toContain(`PrivateKey = ${KEY}`)
    expect(setconfFile!.content).toContain(`PresharedKey = ${PSK}`)
    expect(setconfFile!.content).toContain('FwMark = 0x2000000')
    expect(setconfFile!.content).toContain('Endpoint = vpn.example:51820')
    expect(host.readFile(setconfFile!.path)).toBeNull()
    expect(host.transcript[4].stdin).toBe(
      'address replace 10.64.0.2/32 dev lanvpn0\naddress replace fd64::2/128 dev lanvpn0\nlink set dev lanvpn0 mtu 1420 up\n'
    )
    expect(driver.status()).toMatchObject({
      state: 'connected',
      profile: 'home',
      implementation: 'userspace',
      rxBytes: 100,
      txBytes: 200,
    })
    expect(driver.context()).toMatchObject({ up: true, profile: { id: 'home' } })
  })

  it('declares an outage within 15 s of silence and fails over at once: connected through the next location within 20 s', async () => {
    driver.setConfig(config())
    await settle()
    serverAnswers = false
    let failoverAt = -1
    for (let t = 0; t < 60_000 && failoverAt < 0; t += 1000) {
      host.advance(1000)
      await settle()
      if (driver.status().profile === 'backup') failoverAt = t + 1000
    }
    expect(failoverAt).toBeGreaterThan(0)
    expect(failoverAt).toBeLessThanOrEqual(15_000)
    expect(driver.status().state).toBe('reconnecting')
    serverAnswers = true
    host.advance(5000)
    await settle()
    expect(driver.status()).toMatchObject({ state: 'connected', profile: 'backup' })
  })

  it('asks the name again when the only location stops answering, rather than tearing down', async () => {
    await connectHomeOnly()
    serverAnswers = false
    await seconds(12)
    expect(driver.status().state).toBe('reconnecting')
    // WireGuard retries on its own; lanvpn asked the name again.
    expect(argvs()).toContain(
      'wg set lanvpn0 peer o3+LdGXKA4fu5I1xAIJ/SJ/pQ9nPt/ukL0lND9Wigkk= endpoint vpn.example:51820'
    )
  })

  it('recovers at the first answer, adding no delay', async () => {
    await connectHomeOnly()
    serverAnswers = false
    await seconds(12)
    expect(driver.status().state).toBe('reconnecting')
    serverAnswers = true
    host.advance(5000)
    await settle()
    expect(driver.status()).toMatchObject({ state: 'connected', profile: 'home' })
  })

  it('builds the interface again at once when it disappears', async () => {
    driver.setConfig(config())
    await settle()
    linkExists = false
    host.transcript = []
    host.advance(5000)
    await settle()
    expect(argvs()).toContain('wireguard-go lanvpn0')
    expect(driver.status()).toMatchObject({ state: 'connected', profile: 'home' })
  })

  it('tears down on disconnect and says so', async () => {
    driver.setConfig(config())
    await settle()
    const c = config()
    c.globals.connect = false
    host.transcript = []
    driver.setConfig(c)
    await settle()
    expect(argvs()).toEqual(['ip link del dev lanvpn0'])
    expect(driver.status()).toMatchObject({ state: 'disconnected', profile: '' })
    expect(driver.context().up).toBe(false)
  })

  it('says in plain words why a location cannot connect', async () => {
    host.files.delete('/etc/lanvpn/secrets/profile_home')
    host.files.delete('/etc/lanvpn/secrets/profile_backup')
    await connectHomeOnly()
    expect(driver.status()).toMatchObject({
      state: 'failed',
      reason: 'the private key of this location is missing: import it again',
    })
  })

  it('says in plain words that the server name could not be looked up, and tries again after 5 s', async () => {
    dnsAnswers = false
    await connectHomeOnly()
    expect(driver.status()).toMatchObject({
      state: 'failed',
      reason: "the VPN server's name could not be looked up: DNS is not answering",
    })
    // The status holds no endpoint; the half-made interface is gone, so routing fails closed.
    expect(JSON.stringify(driver.status())).not.toContain('vpn.example')
    expect(argvs()).toContain('ip link del dev lanvpn0')
    expect(driver.context().up).toBe(false)
    host.transcript = []
    host.advance(4_999)
    await settle()
    expect(argvs()).not.toContain('wg setconf lanvpn0 /var/run/lanvpn/wg-lanvpn0.conf')
    dnsAnswers = true
    host.advance(1)
    await settle()
    expect(argvs()).toContain('wg setconf lanvpn0 /var/run/lanvpn/wg-lanvpn0.conf')
    expect(driver.status()).toMatchObject({ state: 'connected', profile: 'home' })
  })

  it('keeps the tunnel it finds after a restart when the server name cannot be looked up', async () => {
    linkExists = true
    dnsAnswers = false
    host.onExec(['wg', 'show'], {
      stdout:
        'priv\tpub\t0\toff\no3+LdGXKA4fu5I1xAIJ/SJ/pQ9nPt/ukL0lND9Wigkk=\t(none)\t203.0.113.10:51820\t0.0.0.0/0\t1763800000\t100\t200\t25\n',
    })
    driver.setConfig(config())
    await settle()
    expect(argvs()).toContain('wg setconf lanvpn0 /var/run/lanvpn/wg-lanvpn0.conf')
    expect(argvs()).not.toContain('ip link del dev lanvpn0')
    expect(driver.context().up).toBe(true)
    expect(driver.status()).toMatchObject({ state: 'connected', profile: 'home' })
  })

  it('says the WAN is down, not DNS, when a set-up finds no name server because the router has no way out', async () => {
    dnsAnswers = false
    wanUp = false
    await connectHomeOnly()
    expect(driver.status()).toMatchObject({
      state: 'failed',
      reason: "the router's internet connection (WAN) is down",
    })
    wanUp = true
    dnsAnswers = true
    await seconds(5)
    expect(driver.status()).toMatchObject({ state: 'connected', profile: 'home' })
  })

  it('says the WAN is down, and neither fails over nor looks names up, while the router has no route out', async () => {
    driver.setConfig(config())
    await settle()
    wanUp = false
    await seconds(15)
    expect(driver.status()).toMatchObject({
      state: 'reconnecting',
      profile: 'home',
      reason: "the router's internet connection (WAN) is down",
    })
    expect(argvs()).toContain('ip route get 203.0.113.10 mark 0x2000000')
    host.transcript = []
    await seconds(120)
    expect(argvs().filter((a) => a.startsWith('wg set') || a.startsWith('wg setconf'))).toEqual([])
    expect(driver.status()).toMatchObject({ state: 'reconnecting', profile: 'home' })
    // The WAN is back (its route with it): the same location answers again.
    wanUp = true
    host.advance(5000)
    await settle()
    expect(driver.status()).toMatchObject({ state: 'connected', profile: 'home' })
    expect(driver.status().reason).toBeUndefined()
  })
})
