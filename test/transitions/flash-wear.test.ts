// No flash wear (issue 8): a simulated day of idling with the tunnel connected and devices joining
// and leaving writes nothing outside /var/run (tmpfs); only a user's change writes to flash: the
// config, and the firewall include when the rules change. FakeHost records every write.
import { describe, expect, it } from 'vitest'
import { resolvePaths } from '../../applet/src/core/paths'
import { runDaemon } from '../../applet/src/daemon/daemon'
import { FakeHost } from '../../applet/src/host/fake'
import { methods } from '../../applet/src/rpc/methods'
import { handleCall } from '../../applet/src/rpc/protocol'
import { withLogLevel } from '../../applet/src/system/log'
import { FakeRouter } from './fake-router'

const paths = resolvePaths('')
const LEASES = '/tmp/dhcp.leases'
const CONFIG = `
config globals 'globals'
\toption enabled '1'
\toption connect '1'
\toption active_profile 'ams'

config profile 'ams'
\toption label 'Amsterdam'
\toption type 'wireguard'
\tlist address '10.64.0.2/32'
\tlist dns '10.64.0.1'
\toption public_key 'o3+LdGXKA4fu5I1xAIJ/SJ/pQ9nPt/ukL0lND9Wigkk='
\toption endpoint_host '203.0.113.10'
\toption endpoint_port '51820'
\tlist allowed_ips '0.0.0.0/0'

config device 'd_020000005001'
\toption mac '02:00:00:00:50:01'
\toption mode 'vpn'
`

/** A WireGuard interface that comes up and answers probes. */
function fakeTunnel(host: FakeHost) {
  let exists = false
  host.onExec(['ip', 'link', 'add'], () => ((exists = true), {}))
  host.onExec(['ip', 'link', 'del'], () => ((exists = false), {}))
  host.onExec(['ip', 'link', 'show'], () => (exists ? {} : { code: 1 }))
  host.onExec(['wg', 'show'], () => ({
    stdout: `priv\tpub\t51820\toff\nPEER\t(none)\t203.0.113.10:51820\t0.0.0.0/0\t${Math.floor(host.wallMs() / 1000) - 10}\t1000\t2000\t25\n`,
  }))
  host.onExec(['ping'], {})
}

const leases = (host: FakeHost, n: number) =>
  host.files.set(LEASES, {
    content: Array.from(
      { length: n },
      (_, i) =>
        `${Math.floor(host.wallMs() / 1000) + 3600} 02:00:00:00:51:${String(i).padStart(2, '0')} 192.168.50.${100 + i} host${i} *\n`
    ).join(''),
    mode: 0o644,
    mtimeMs: host.wallMs(),
  })
const settle = () => new Promise((resolve) => setTimeout(resolve, 0))
const onFlash = (w: { path: string }) => !w.path.startsWith('/var/run/')

describe('flash wear', () => {
  it('idles a whole day with the tunnel up and devices coming and going without writing to flash', async () => {
    const host = new FakeHost()
    new FakeRouter(host)
    fakeTunnel(host)
    host.env.LANVPN_LEASE_FILE = LEASES
    host.mkdirp('/etc/config')
    host.mkdirp('/tmp')
    host.mkdirp(paths.secretsDir)
    host.files.set(paths.config, { content: CONFIG, mode: 0o600, mtimeMs: 0 })
    host.files.set(`${paths.secretsDir}/profile_ams`, {
      content: 'hgmjOfYHhTfELt1rVkoDJcQL3WH2PeqcmEO+j0LWDX8=\n',
      mode: 0o600,
      mtimeMs: 0,
    })
    host.setWallMs(1_763_800_000_000)
    leases(host, 3)
    const done = runDaemon(withLogLevel(host), paths)
    for (let i = 0; i < 20; i++) {
      host.advance(1000)
      await settle()
    }
    expect(JSON.parse(host.readFile(paths.status)!).tunnel.state).toBe('connected')
    const startup = host.writes.filter(onFlash).map((w) => w.path)
    // The boot-time rules, and the list that puts the secrets in backups (backup_secrets is on by
    // default): once each, the first start after the install.
    expect(startup).toEqual([paths.fw4Include, paths.backupSecretsList])

    host.writes = []
    // 24 h in 30 s steps (every probe and reconcile timer fires); every minute a device joins
    // or leaves.
    for (let t = 0; t < 24 * 120; t++) {
      if (t % 2 === 0) leases(host, 1 + ((t / 2) % 7))
      host.advance(30_000)
      await settle()
    }
    expect(JSON.parse(host.readFile(paths.status)!).tunnel.state).toBe('connected')
    expect(host.writes.length).toBeGreaterThan(1000) // status and device list, in RAM
    expect(host.writes.filter(onFlash)).toEqual([])
    expect(host.writes.every((w) => !w.durable)).toBe(true)

    // One user change: the config, then (the daemon reloads) the include, since the rules moved.
    host.writes = []
    const r = await handleCall(
      methods,
      { host, paths },
      'setDeviceMode',
      JSON.stringify({ mac: '02:00:00:00:50:02', mode: 'vpn' })
    )
    expect(r).toHaveProperty('ok', true)
    host.raise('HUP')
    for (let i = 0; i < 5; i++) {
      host.advance(1000)
      await settle()
    }
    expect(host.writes.filter(onFlash).map((w) => w.path)).toEqual([paths.config, paths.fw4Include])

    // A change that moves no rule (a new name) writes the config alone.
    host.writes = []
    await handleCall(
      methods,
      { host, paths },
      'renameDevice',
      JSON.stringify({ mac: '02:00:00:00:50:02', label: 'TV' })
    )
    host.raise('HUP')
    for (let i = 0; i < 5; i++) {
      host.advance(1000)
      await settle()
    }
    expect(host.writes.filter(onFlash).map((w) => w.path)).toEqual([paths.config])
    host.raise('TERM')
    await done
  }, 60_000)
})
