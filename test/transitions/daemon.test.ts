// The daemon through a sequence of (config, observed) steps on a FakeHost; each step asserts the
// command transcript: what lanvpn would run on a router, and nothing more.
import { beforeEach, describe, expect, it } from 'vitest'
import { fnv1a } from '../../applet/src/core/hash'
import { resolvePaths } from '../../applet/src/core/paths'
import { runDaemon } from '../../applet/src/daemon/daemon'
import { FakeHost } from '../../applet/src/host/fake'
import type { Status } from '../../applet/src/rpc/types'
import { withLogLevel } from '../../applet/src/system/log'

const paths = resolvePaths('')
const GLOBALS = "\nconfig globals 'globals'\n\toption enabled '1'\n"
const device = (n: number, mode: string) =>
  `\nconfig device 'd_02000000500${n}'\n\toption mac '02:00:00:00:50:0${n}'\n\toption mode '${mode}'\n`

/** A router as far as nft is concerned: the tables that exist, changed by `nft -f`. */
class FakeRouter {
  tables = new Set(['inet fw4'])
  nftFails = ''
  constructor(readonly host: FakeHost) {
    host.onExec(['nft', 'list', 'tables'], () => ({
      stdout: [...this.tables].map((t) => `table ${t}\n`).join(''),
    }))
    host.onExec(['nft', '-c', '-f', '-'], () =>
      this.nftFails ? { code: 1, stderr: this.nftFails } : {}
    )
    host.onExec(['nft', '-f', '-'], (_argv, opts) => {
      if (this.nftFails) return { code: 1, stderr: this.nftFails }
      if (opts.stdin?.includes('table inet lanvpn {')) this.tables.add('inet lanvpn')
      else if (opts.stdin?.includes('delete table inet lanvpn')) this.tables.delete('inet lanvpn')
      return {}
    })
  }
}

let host: FakeHost
let router: FakeRouter
let exitCode: Promise<number>

function setConfig(text: string) {
  host.files.set(paths.config, { content: text, mode: 0o600, mtimeMs: 0 })
}
const status = (): Status => JSON.parse(host.readFile(paths.status)!)
const commands = () => host.transcript.map((c) => c.argv.join(' '))
/** Runs every queued promise callback and timer-free continuation. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

async function step(config: string | null, signal: 'HUP' | null = 'HUP') {
  if (config !== null) setConfig(config)
  host.transcript = []
  if (signal) host.raise(signal)
  await settle()
}

beforeEach(async () => {
  host = new FakeHost()
  host.strictExec = true
  router = new FakeRouter(host)
  host.dirs.add('/etc')
  host.dirs.add('/etc/config')
  host.setWallMs(1_763_800_000_000)
  setConfig(GLOBALS + device(1, 'vpn'))
  exitCode = runDaemon(withLogLevel(host), paths)
  await settle()
})

describe('daemon transitions', () => {
  it('first start: checks then applies the whole table in one transaction and publishes status', () => {
    expect(commands()).toEqual(['nft list tables', 'nft -c -f -', 'nft -f -'])
    expect(host.transcript[2].stdin).toContain('elements = { 02:00:00:00:50:01 }')
    expect(host.transcript[1].stdin).toBe(host.transcript[2].stdin)
    const s = status()
    expect(s).toMatchObject({
      generation: 1,
      daemon: { state: 'running', pid: 4242, runtime: 'fake' },
    })
    expect(s.configHash).toBe(fnv1a(GLOBALS + device(1, 'vpn')))
    expect(s.devices.vpn).toBe(1)
    expect(host.readFile(paths.pidFile)).toBe('4242\n')
  })

  it('device added: one new transaction with both devices', async () => {
    await step(GLOBALS + device(1, 'vpn') + device(2, 'direct'))
    expect(commands()).toEqual(['nft list tables', 'nft -c -f -', 'nft -f -'])
    expect(host.transcript[2].stdin).toMatch(
      /direct_devices \{\n\t\ttype ether_addr\n\t\telements = \{ 02:00:00:00:50:02 \}/
    )
    expect(status()).toMatchObject({ generation: 2, devices: { vpn: 1, direct: 1 } })
  })

  it('nothing changed: a reload only observes', async () => {
    await step(null)
    expect(commands()).toEqual(['nft list tables'])
    expect(status().generation).toBe(2)
  })

  it('device removed: the set loses it', async () => {
    await step(GLOBALS + device(1, 'vpn') + device(2, 'direct'))
    await step(GLOBALS + device(2, 'direct'))
    expect(host.transcript[2].stdin).not.toContain('02:00:00:00:50:01')
    expect(status().devices).toEqual({ vpn: 0, direct: 1, mediastreamer: 0, blocked: 0 })
  })

  it('config disabled: the table is deleted, and stays deleted', async () => {
    await step("\nconfig globals 'globals'\n\toption enabled '0'\n")
    expect(commands()).toEqual(['nft list tables', 'nft -f -'])
    expect(host.transcript[1].stdin).toBe('delete table inet lanvpn\n')
    expect(router.tables.has('inet lanvpn')).toBe(false)
    await step(null)
    expect(commands()).toEqual(['nft list tables'])
  })

  it('table deleted behind its back (firewall stop): the periodic reconcile puts it back', async () => {
    router.tables.delete('inet lanvpn')
    host.transcript = []
    host.advance(60_000)
    await settle()
    expect(commands()).toEqual(['nft list tables', 'nft -c -f -', 'nft -f -'])
    expect(router.tables.has('inet lanvpn')).toBe(true)
  })

  it('nft failing: the rules in force are not touched and the status says why', async () => {
    router.nftFails = 'Error: Could not process rule: No such file or directory'
    await step(GLOBALS + device(1, 'blocked'))
    expect(commands()).toEqual(['nft list tables', 'nft -c -f -'])
    const s = status()
    expect(s.apply.ok).toBe(false)
    expect(s.apply.errors[0]).toBe(
      'applying nft-apply: nft exited 1: Error: Could not process rule: No such file or directory'
    )
    expect(
      host.logs.some((l) => l.level === 'err' && l.message.startsWith('reconciling: applying'))
    ).toBe(true)
    router.nftFails = ''
    await step(null)
    expect(commands()).toEqual(['nft list tables', 'nft -c -f -', 'nft -f -'])
    expect(status().apply.ok).toBe(true)
  })

  it('restart after a crash: a new daemon re-applies, since it cannot know what the table holds', async () => {
    const second = new FakeHost()
    second.strictExec = true
    second.files = host.files
    second.dirs = host.dirs
    const r2 = new FakeRouter(second)
    r2.tables = router.tables
    void runDaemon(withLogLevel(second), paths)
    await settle()
    expect(second.transcript.map((c) => c.argv.join(' '))).toEqual([
      'nft list tables',
      'nft -c -f -',
      'nft -f -',
    ])
  })

  it('reports config problems in the status and still applies the rest', async () => {
    await step(GLOBALS + "\toption kill_switch 'sometimes'\n" + device(1, 'vpn'))
    expect(status().problems).toEqual([
      { section: 'globals', option: 'kill_switch', reason: 'must be one of always, auto' },
    ])
    expect(status().apply.ok).toBe(true)
    expect(host.logs.some((l) => l.level === 'warning' && l.message.includes('kill_switch'))).toBe(
      true
    )
  })

  it('SIGTERM: clean exit with status stopped, pid file gone, rules left in force', async () => {
    host.transcript = []
    host.raise('TERM')
    expect(await exitCode).toBe(0)
    expect(status().daemon.state).toBe('stopped')
    expect(host.readFile(paths.pidFile)).toBeNull()
    expect(commands()).toEqual([])
    expect(router.tables.has('inet lanvpn')).toBe(true)
    expect(host.pendingTimers()).toBe(0)
  })

  it('logs no command lines at the default level', () => {
    expect(host.logs.filter((l) => l.message.startsWith('[#]'))).toEqual([])
  })
})
