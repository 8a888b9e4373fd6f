// The tunnel driver with an OpenVPN location on a FakeHost: an openvpn that cannot start, or that
// exits before the server accepted the connection, is a failed set-up like WireGuard's — the
// status says why in plain words and it is started again after 5 s, then 10 s, 20 s… — while one
// that dies after it was up is started again at once. The DNS servers the VPN server pushes (as
// lanvpn's up hook records them) reach routing in the same change that brings the tunnel up, and go
// with openvpn's other run files. Without the lanvpn-openvpn package an OpenVPN location is a
// failed set-up too: the kill switch holds and the status names the package and its command.
import { beforeEach, describe, expect, it } from 'vitest'
import { defaultConfig } from '../../applet/src/core/config/defaults'
import type { Config, Profile } from '../../applet/src/core/config/types'
import { resolvePaths } from '../../applet/src/core/paths'
import { SENTENCES } from '../../applet/src/core/messages'
import { desiredState } from '../../applet/src/core/plan/plan'
import { openvpnFiles } from '../../applet/src/core/tunnel/openvpn-run'
import { createTunnelDriver, type TunnelDriver } from '../../applet/src/daemon/tunnel'
import type { SignalName } from '../../applet/src/host/host'
import { FakeHost } from '../../applet/src/host/fake'
import { withLogLevel } from '../../applet/src/system/log'
import * as openvpnAddon from '../../applet/src/openvpn'
import { openvpnInstallCommand } from '../../applet/src/system/openvpn-addon'

const paths = resolvePaths('')
const files = openvpnFiles(paths.runDir)
const DNS_FILE = openvpnFiles(paths.runDir).dns
const FLAGS = `/sys/class/net/${paths.tunnelIface}/flags`
const EXITED = 'openvpn exited before the VPN server accepted the connection'

/** A router where `openvpn --daemon` forks a process that lives in /proc until it exits or is
 * killed; its pid file goes with it, as openvpn 2.6 removes it on exit. */
class OpenvpnHost extends FakeHost {
  ovpnPid = 0
  exitProcess(): void {
    if (!this.ovpnPid) return
    for (const f of [
      `/proc/${this.ovpnPid}/cmdline`,
      `/proc/${this.ovpnPid}/stat`,
      files.pid,
      FLAGS,
    ])
      this.files.delete(f)
    this.ovpnPid = 0
  }
  override kill(pid: number, sig: SignalName | 'KILL' | 0): boolean {
    const isOurs = pid === this.ovpnPid
    if (isOurs && sig !== 0) this.exitProcess()
    return isOurs || super.kill(pid, sig)
  }
}

function profile(id: string): Profile {
  return {
    id,
    label: id,
    type: 'openvpn',
    addresses: [],
    dns: ['10.66.0.1'],
    dnsSearch: [],
    mtu: 0,
    peers: [],
    remotes: [{ host: '203.0.113.30', port: 1194, proto: 'udp' }],
  }
}

function config(): Config {
  const c = defaultConfig()
  c.profiles = [profile('ovpn')]
  c.globals.activeProfile = 'ovpn'
  c.globals.connect = true
  return c
}

let host: OpenvpnHost
let driver: TunnelDriver
/** What the next `openvpn` does: refuse its options, exit before connecting, or connect. */
let next: 'refuse' | 'exit' | 'connect'
/** What the next openvpn's up hook writes when it connects (the pushed DNS, one a line), or null:
 * it connects but has not run the hook yet (openvpn sets its device up just before). */
let hookWrites: string | null
/** Every routing change the driver asked for, with the tunnel as routing sees it then. */
let changes: Array<ReturnType<TunnelDriver['context']>>
/** Monotonic ms of every openvpn start. */
let starts: number[]
/** What the driver's load of lanvpn-openvpn gives: its code (at once, as the module is already
 * loaded; the lab and test/quickjs load the real file), or why it is missing. */
let addon: typeof openvpnAddon | string
const settle = () => new Promise((resolve) => setTimeout(resolve, 0))
const WALL0 = 1_763_800_000_000
const secret = (content: string) => ({ content, mode: 0o600, mtimeMs: 0 })

/** Moves the clock a `step` at a time for `ms`, letting the driver run after each step. */
async function run(ms: number, step = 1000) {
  for (let i = 0; i < ms; i += step) {
    host.advance(step)
    await settle()
  }
}

/** The pauses between openvpn starts. */
const gaps = () => starts.slice(1).map((at, i) => at - starts[i])

beforeEach(() => {
  host = new OpenvpnHost()
  host.strictExec = true
  for (const d of ['/etc', '/etc/lanvpn', '/etc/lanvpn/secrets', '/var', '/var/run'])
    host.dirs.add(d)
  host.files.set('/etc/lanvpn/secrets/profile_ovpn.ovpn', secret('remote 203.0.113.30 1194\n'))
  host.files.set('/etc/lanvpn/secrets/profile_ovpn.auth', secret('user\npassword\n'))
  next = 'connect'
  hookWrites = ''
  changes = []
  starts = []
  addon = openvpnAddon
  host.onExec(['openvpn'], () => {
    starts.push(host.monotonicMs())
    if (next === 'refuse')
      return {
        code: 1,
        stderr: 'Options error: Unrecognized option or missing parameter(s) in openvpn.conf:3\n',
      }
    host.ovpnPid = 7000 + starts.length
    host.files.set(files.pid, secret(`${host.ovpnPid}\n`))
    host.files.set(`/proc/${host.ovpnPid}/cmdline`, secret(`openvpn\0--config\0${files.config}\0`))
    host.files.set(`/proc/${host.ovpnPid}/stat`, secret(`${host.ovpnPid} (openvpn) S 1 0 0`))
    // The server accepted us at once (its device is up, the up hook ran), or openvpn is still
    // talking to it.
    if (next === 'connect') host.files.set(FLAGS, secret('0x1091\n'))
    if (next === 'connect' && hookWrites !== null) host.files.set(DNS_FILE, secret(hookWrites))
    return {}
  })
  host.onExec(['ping'], () => (host.files.has(FLAGS) ? {} : { code: 1 }))
  host.onExec(['ip', 'route', 'get'], { stdout: '203.0.113.30 via 198.51.100.1 dev wan\n' })
  host.setWallMs(WALL0)
  driver = createTunnelDriver(withLogLevel(host), paths, {
    onChange: () => changes.push(driver.context()),
    loadOpenvpn: () => Promise.resolve(addon),
  })
})

describe('an OpenVPN location that does not come up', () => {
  it('says why openvpn could not start, and starts it again after 5 s, 10 s, 20 s', async () => {
    next = 'refuse'
    driver.setConfig(config())
    await settle()
    expect(driver.status()).toMatchObject({ state: 'failed', profile: 'ovpn' })
    expect(driver.status().reason).toMatch(
      /^openvpn could not be started \(.*openvpn exited 1: Options error: Unrecognized option/
    )
    await run(36_000)
    expect(gaps()).toEqual([5_000, 10_000, 20_000])
    expect(driver.context().up).toBe(false)
    // It can start again (a package upgrade finished): connected at the next attempt.
    next = 'connect'
    await run(40_000)
    expect(starts).toHaveLength(5)
    expect(driver.status().state).toBe('connected')
    expect(driver.status().reason).toBeUndefined()
  })

  it('treats an openvpn that exits at once as a failed set-up, with the same backoff', async () => {
    next = 'exit'
    const c = config()
    c.globals.healthInterval = 2
    driver.setConfig(c)
    await settle()
    const pauses: number[] = []
    for (let i = 0; i < 4; i++) {
      // openvpn is gone within a second, before its device came (a key it cannot load, say).
      host.exitProcess()
      await run(1_000, 250)
      expect(driver.status()).toMatchObject({ state: 'failed', reason: EXITED })
      // Nothing of it is left in the run directory (its config holds the keys).
      expect(host.readFile(files.config)).toBeNull()
      const failedAt = driver.status().since - WALL0
      while (starts.length === i + 1) await run(250, 250)
      pauses.push(starts[i + 1] - failedAt)
    }
    // Each retry comes with the first probe (every 2 s) after a pause of 5 s, 10 s, 20 s, 40 s.
    const expected = [5_000, 10_000, 20_000, 40_000]
    expect(pauses.map((p, i) => p >= expected[i] && p < expected[i] + 2_500)).toEqual(
      expected.map(() => true)
    )
  })

  it('treats an openvpn that exits while still connecting, after bring-up returned, the same way', async () => {
    next = 'exit'
    driver.setConfig(config())
    await run(12_000)
    // Past bring-up's 10 s wait for the device: the probe follows openvpn from here.
    expect(driver.status().state).toBe('connecting')
    expect(starts).toHaveLength(1)
    host.exitProcess()
    await run(5_000)
    expect(driver.status()).toMatchObject({ state: 'failed', reason: EXITED })
    const failedAt = host.monotonicMs()
    next = 'connect'
    await run(10_000)
    expect(starts).toHaveLength(2)
    expect(starts[1] - failedAt).toBeLessThanOrEqual(5_000)
    expect(driver.status()).toMatchObject({ state: 'connected' })
  })

  it('starts an openvpn that died after it was up again at once, not after a pause', async () => {
    driver.setConfig(config())
    await settle()
    expect(driver.status().state).toBe('connected')
    const diedAt = host.monotonicMs()
    host.exitProcess()
    await run(5_000)
    expect(starts).toHaveLength(2)
    expect(starts[1] - diedAt).toBe(5_000) // the next probe, with no pause added
    expect(driver.status().state).toBe('connected')
  })

  it('starts from 5 s again after a connection that came up', async () => {
    next = 'refuse'
    driver.setConfig(config())
    await settle()
    await run(16_000)
    expect(gaps()).toEqual([5_000, 10_000])
    next = 'connect'
    await run(20_000)
    expect(driver.status().state).toBe('connected')
    next = 'refuse'
    host.exitProcess()
    const diedAt = host.monotonicMs()
    await run(20_000)
    // Died: started again at the next probe (and refused), then after 5 s and 10 s: the rounds
    // failed before the connection no longer count (a third would have waited 20 s).
    const after = starts.filter((at) => at > diedAt)
    expect(after[0] - diedAt).toBeLessThanOrEqual(5_000)
    expect(after.slice(1).map((at, i) => at - after[i])).toEqual([5_000, 10_000])
  })
})

describe('the DNS an OpenVPN server pushes', () => {
  /** A location whose provider file names no DNS, as most do. */
  function noDnsConfig(): Config {
    const c = config()
    c.profiles = [{ ...profile('ovpn'), dns: [] }]
    return c
  }

  it("runs openvpn with lanvpn's up hook, whose file the run dir keeps", async () => {
    driver.setConfig(noDnsConfig())
    await settle()
    expect(host.readFile(files.config)).toContain(
      `script-security 2\nup "/usr/libexec/lanvpn/ovpn-up ${DNS_FILE}"\n`
    )
  })

  it("routes vpn devices' DNS to the pushed resolver in the change that brings the tunnel up", async () => {
    hookWrites = '10.8.0.1\n'
    const c = noDnsConfig()
    driver.setConfig(c)
    await settle()
    expect(driver.status().state).toBe('connected')
    const firstUp = changes.find((t) => t.up)!
    expect(firstUp.pushedDns).toEqual(['10.8.0.1'])
    expect(desiredState(c, firstUp, paths.tunnelIface).model.tunnelDns.v4).toEqual(['10.8.0.1'])
    // The probe pings through the tunnel to the resolver the server pushed.
    expect(host.transcript.some((t) => t.argv[0] === 'ping' && t.argv.includes('10.8.0.1'))).toBe(
      true
    )
  })

  it("keeps the file's own DNS when the server pushed none", async () => {
    driver.setConfig(config())
    await settle()
    const ctx = driver.context()
    expect(ctx).toMatchObject({ up: true, pushedDns: [] })
    expect(desiredState(config(), ctx, paths.tunnelIface).model.tunnelDns.v4).toEqual(['10.66.0.1'])
  })

  it('does not route through the device before the up hook has run', async () => {
    hookWrites = null
    driver.setConfig(noDnsConfig())
    await run(12_000)
    expect(driver.status().state).toBe('connecting')
    expect(changes.some((t) => t.up)).toBe(false)
    host.files.set(DNS_FILE, secret('10.8.0.1\n'))
    await run(5_000)
    expect(driver.status().state).toBe('connected')
    expect(changes.find((t) => t.up)?.pushedDns).toEqual(['10.8.0.1'])
  })

  it('removes the pushed DNS with the rest of openvpn on disconnect', async () => {
    hookWrites = '10.8.0.1\n'
    driver.setConfig(noDnsConfig())
    await settle()
    expect(host.readFile(DNS_FILE)).toBe('10.8.0.1\n')
    const off = noDnsConfig()
    off.globals.connect = false
    driver.setConfig(off)
    await run(5_000)
    expect(driver.status().state).toBe('disconnected')
    for (const f of [DNS_FILE, files.config, files.pid, files.status])
      expect(host.readFile(f)).toBeNull()
    expect(driver.context()).toMatchObject({ up: false, pushedDns: [] })
  })
})

describe('an OpenVPN location without the lanvpn-openvpn package', () => {
  const missing = () => SENTENCES.openvpnMissing.replace('{command}', openvpnInstallCommand(host))

  it('fails closed: no openvpn, the kill switch in force, and the status says what to install', async () => {
    addon = missing()
    const c = config()
    c.globals.armed = true
    driver.setConfig(c)
    await run(36_000)
    expect(driver.status()).toMatchObject({ state: 'failed', profile: 'ovpn' })
    expect(driver.status().reason).toBe(
      'OpenVPN profiles need the lanvpn-openvpn package: opkg install lanvpn-openvpn'
    )
    expect(starts).toEqual([])
    expect(changes.some((t) => t.up)).toBe(false)
    expect(desiredState(c, driver.context(), paths.tunnelIface).model.vpnBypassed).toBe(false)
  })

  it('names apk on a router that has it (OpenWrt 25.12)', async () => {
    host.files.set('/usr/bin/apk', secret(''))
    addon = missing()
    driver.setConfig(config())
    await settle()
    expect(driver.status().reason).toBe(
      'OpenVPN profiles need the lanvpn-openvpn package: apk add lanvpn-openvpn'
    )
  })

  it('connects at the next attempt once the package is there, without a restart', async () => {
    addon = missing()
    driver.setConfig(config())
    await settle()
    expect(driver.status().state).toBe('failed')
    addon = openvpnAddon
    await run(6_000)
    expect(driver.status().state).toBe('connected')
    expect(starts).toHaveLength(1)
  })
})
