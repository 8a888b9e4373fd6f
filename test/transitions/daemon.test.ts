// The daemon through a sequence of (config, observed) steps on a FakeHost; each step asserts the
// command transcript: what lanvpn would run on a router, and nothing more.
import { beforeEach, describe, expect, it } from 'vitest'
import { fnv1a } from '../../applet/src/core/hash'
import { resolvePaths } from '../../applet/src/core/paths'
import { runDaemon } from '../../applet/src/daemon/daemon'
import { FakeHost } from '../../applet/src/host/fake'
import type { Status } from '../../applet/src/core/api/status'
import { withLogLevel } from '../../applet/src/system/log'
import { FakeRouter } from './fake-router'
import { parseAppliedHash } from '../../applet/src/core/render/nft'

const paths = resolvePaths('')
const GLOBALS = "\nconfig globals 'globals'\n\toption enabled '1'\n"
const device = (n: number, mode: string) =>
  `\nconfig device 'd_02000000500${n}'\n\toption mac '02:00:00:00:50:0${n}'\n\toption mode '${mode}'\n`

let host: FakeHost
let router: FakeRouter
let exitCode: Promise<number>

function setConfig(text: string) {
  host.files.set(paths.config, { content: text, mode: 0o600, mtimeMs: 0 })
}
const status = (): Status => JSON.parse(host.readFile(paths.status)!)
/** The commands that change something (observation is the same every time). */
const changesOf = (h: FakeHost) =>
  h.transcript
    .map((c) => c.argv.join(' '))
    .filter((c) => !/ (show|list)( |$)|neigh|^ubus call|^dnsmasq --version$/.test(c))
const changes = () => changesOf(host)
/** Runs every queued promise callback and timer-free continuation. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

/** A second daemon on a FakeHost of its own: after the first one (a restart: the same files and
 * router state), or on a fresh router whose config file is `config` (a first start). */
async function startSecond(config?: string, prepare?: (h: FakeHost) => void) {
  const second = new FakeHost()
  second.strictExec = true
  const r = new FakeRouter(second)
  prepare?.(second)
  if (config === undefined) {
    second.files = host.files
    second.dirs = host.dirs
    r.table = router.table
    r.rulesTable = router.rulesTable
    r.rules = router.rules
    r.routes = router.routes
  } else {
    for (const d of ['/etc', '/etc/config']) second.dirs.add(d)
    second.files.set(paths.config, { content: config, mode: 0o600, mtimeMs: 0 })
  }
  void runDaemon(withLogLevel(second), paths)
  await settle()
  const status = (): Status => JSON.parse(second.readFile(paths.status)!)
  return { host: second, router: r, changes: () => changesOf(second), status }
}

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
  for (const d of ['/etc', '/etc/config']) host.dirs.add(d)
  host.setWallMs(1_763_800_000_000)
  setConfig(GLOBALS + device(1, 'vpn'))
  exitCode = runDaemon(withLogLevel(host), paths)
  await settle()
})

describe('daemon transitions', () => {
  it('first start: the table in one transaction, the routing, the checked boot-time include', () => {
    expect(changes()).toEqual(['nft -f -', 'ip -4 -batch -', 'ip -6 -batch -', 'nft -c -f -'])
    expect(host.transcript.find((c) => c.argv.join(' ') === 'nft -f -')?.stdin).toContain(
      'set vpn_devices {\n\t\ttype ether_addr\n\t\telements = { 02:00:00:00:50:01 }'
    )
    expect([...router.rules]).toEqual([[5210, '0x1000000/0xf000000 5201']])
    expect(router.routes).toEqual(['unreachable default metric 4278198272'])
    expect(host.readFile(paths.fw4Include)).toContain('table inet lanvpn {')
    const s = status()
    expect(s).toMatchObject({ daemon: { state: 'running', pid: 4242, runtime: 'fake' } })
    expect(s.configHash).toBe(fnv1a(GLOBALS + device(1, 'vpn')))
    expect(s.devices.vpn).toBe(1)
    expect(host.readFile(paths.pidFile)).toBe('4242\n')
  })

  it('device added: one transaction of set changes, no table rebuild, and the include follows', async () => {
    await step(GLOBALS + device(1, 'vpn') + device(2, 'direct'))
    expect(changes()).toEqual(['nft -f -', 'nft -c -f -'])
    const tx = host.transcript.find((c) => c.argv.join(' ') === 'nft -f -')!.stdin!
    expect(tx).toContain('flush set inet lanvpn direct_devices')
    expect(tx).toContain('02:00:00:00:50:02')
    expect(tx).not.toContain('delete table')
    expect(status().devices).toMatchObject({ vpn: 1, direct: 1 })
  })

  it('nothing changed: a reload only observes', async () => {
    const before = status().generation
    await step(null)
    expect(changes()).toEqual([])
    expect(status().generation).toBe(before + 1)
  })

  it('device removed: the set loses it', async () => {
    await step(GLOBALS + device(1, 'vpn') + device(2, 'direct'))
    await step(GLOBALS + device(2, 'direct'))
    expect(host.transcript.find((c) => c.argv.join(' ') === 'nft -f -')!.stdin).not.toContain(
      '02:00:00:00:50:01'
    )
    expect(status().devices).toEqual({ vpn: 0, direct: 1, mediastreamer: 0, blocked: 0 })
  })

  it('config disabled: table, rules, routes and include go, and stay gone', async () => {
    await step("\nconfig globals 'globals'\n\toption enabled '0'\n")
    expect(changes()).toEqual(['nft -f -', 'ip -4 -batch -', 'ip -6 -batch -'])
    expect(router.table).toBe('')
    expect(router.rules.size).toBe(0)
    expect(router.routes).toEqual([])
    expect(host.readFile(paths.fw4Include)).toBeNull()
    await step(null)
    expect(changes()).toEqual([])
  })

  it('table deleted behind its back (firewall stop): the periodic reconcile puts it back', async () => {
    router.table = ''
    host.transcript = []
    host.advance(30_000)
    await settle()
    expect(changes()).toEqual(['nft -f -'])
    expect(router.table).not.toBe('')
  })

  it('table deleted behind its back: nft monitor tells, and it is back within a tenth of a second', async () => {
    const monitor = host.watches.find((w) => w.argv.join(' ') === 'nft monitor')!
    expect(monitor.running).toBe(true)
    router.table = ''
    host.transcript = []
    monitor.line('delete set inet lanvpn vpn_devices')
    monitor.line('delete table inet lanvpn')
    monitor.line('delete table inet fw4')
    await settle()
    expect(changes()).toEqual([])
    host.advance(100)
    await settle()
    expect(changes()).toEqual(['nft -f -'])
    expect(router.table).not.toBe('')
    // Element changes are the daemon's own membership updates: no reconcile for them.
    host.transcript = []
    monitor.line('add element inet lanvpn vpn_devices { 02:00:00:00:50:09 }')
    host.advance(2000)
    await settle()
    expect(host.transcript).toEqual([])
  })

  it('one kill-switch rule deleted by its handle (its hash still matches): nft monitor tells, and the table is applied whole', async () => {
    const monitor = host.watches.find((w) => w.argv.join(' ') === 'nft monitor')!
    const table = router.table
    host.transcript = []
    monitor.line('delete rule inet lanvpn killswitch handle 12')
    host.advance(2000)
    await settle()
    // Nothing before its transaction's end: it may yet turn out a whole table replaced.
    expect(changes()).toEqual([])
    monitor.line('# new generation 41 by process 5150 (nft)')
    host.advance(2000)
    await settle()
    expect(changes()).toEqual(['nft -f -'])
    expect(router.table).toBe(table)
    expect(host.logs.some((l) => l.message.includes('inet lanvpn was changed in part'))).toBe(true)
    // The next reconcile finds the table as wanted again.
    host.transcript = []
    host.advance(30_000)
    await settle()
    expect(changes()).toEqual([])
    // A device taken out of its set (no new hash with it): applied whole as well.
    monitor.line('delete element inet lanvpn vpn_devices { 02:00:00:00:50:01 }')
    monitor.line('# new generation 42 by process 5151 (nft)')
    host.advance(2000)
    await settle()
    expect(changes()).toEqual(['nft -f -'])
  })

  it('a rule of its window deleted: ip monitor tells; a monitor that ends is started again', async () => {
    const rules = host.watches.find((w) => w.argv.join(' ') === 'ip monitor rule')!
    router.rules.clear()
    host.transcript = []
    rules.line('Deleted 30000:\tfrom all lookup main')
    host.advance(2000)
    await settle()
    expect(changes()).toEqual([])
    rules.line('Deleted 5210:\tfrom all fwmark 0x1000000/0xf000000 lookup 5201')
    host.advance(100)
    await settle()
    expect(changes()).toEqual(['ip -4 -batch -', 'ip -6 -batch -'])
    rules.exit(1)
    host.advance(1000)
    await settle()
    expect(
      host.watches.filter((w) => w.argv.join(' ') === 'ip monitor rule' && w.running)
    ).toHaveLength(1)
  })

  it('the LAN moved by netifd (a VLAN device): ip monitor link tells, and the rules follow', async () => {
    let lanDevice = 'br-lan'
    host.onExec(['ubus', 'call', 'network.interface', 'dump'], () => ({
      stdout: JSON.stringify({ interface: [{ interface: 'lan', up: true, l3_device: lanDevice }] }),
    }))
    for (const dev of ['br-lan', 'br-lan.1'])
      host.files.set(`/sys/class/net/${dev}/ifindex`, { content: '7\n', mode: 0o444, mtimeMs: 0 })
    const link = host.watches.find((w) => w.argv.join(' ') === 'ip monitor link')!
    const applied = () => host.transcript.find((c) => c.argv.join(' ') === 'nft -f -')?.stdin
    await step(null)
    expect(status().lan).toEqual({
      interfaces: [{ name: 'lan', device: 'br-lan', up: true, policy: 'managed' }],
      problems: [],
    })
    lanDevice = 'br-lan.1'
    host.transcript = []
    link.line('7: br-lan.1@br-lan: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue')
    host.advance(100)
    await settle()
    expect(applied()).toContain('iifname != "br-lan.1" return')
    expect(host.readFile(paths.fw4Include)).toContain('iifname != "br-lan.1" return')
    // Its device gone (nothing on it can send): said in the status.
    lanDevice = ''
    host.transcript = []
    link.line('Deleted 7: br-lan.1@br-lan: <BROADCAST,MULTICAST> mtu 1500 qdisc noop')
    host.advance(1000)
    await settle()
    expect(status().lan?.problems).toEqual([
      'the LAN (network interface lan) has no device now: no device on it reaches anything; VPN devices stay closed',
    ])
  })

  it("rules by destination (issue 22): local exceptions from netifd, a rule change as one transaction of the rules' table, its connections dropped", async () => {
    host.onExec(['ubus', 'call', 'network.interface', 'dump'], () => ({
      stdout: JSON.stringify({
        interface: [
          {
            interface: 'lan',
            up: true,
            l3_device: 'br-lan',
            'ipv4-address': [{ address: '192.168.1.1', mask: 24 }],
          },
          {
            interface: 'modem',
            up: true,
            l3_device: 'wan',
            'ipv4-address': [{ address: '192.168.100.2', mask: 24 }],
          },
        ],
      }),
    }))
    host.files.set('/sys/class/net/br-lan/ifindex', { content: '7\n', mode: 0o444, mtimeMs: 0 })
    host.onExec(['conntrack'], () => ({
      code: 1,
      stderr: 'conntrack v1.4.7 (conntrack-tools): 0 flow entries have been deleted.\n',
    }))
    const applied = () => host.transcript.find((c) => c.argv.join(' ') === 'nft -f -')?.stdin ?? ''
    await step(null)
    expect(applied()).toContain('elements = { 192.168.1.1/24, 192.168.100.2/24 }')
    expect(router.rules.get(5205)).toBe('0xe000000/0xf000000 main')
    expect(status().lan).toEqual({
      interfaces: [{ name: 'lan', device: 'br-lan', up: true, policy: 'managed' }],
      problems: [],
    })
    // For explainDestination (RAM only).
    expect(status().localNets).toEqual(['192.168.1.1/24', '192.168.100.2/24'])
    // Nothing observed goes to flash: the include has no local exception.
    expect(host.readFile(paths.fw4Include)).not.toContain('192.168.100.2/24')
    await step(
      GLOBALS +
        device(1, 'vpn') +
        "\nconfig rule 'bank'\n\tlist dest '198.51.100.0/24'\n\toption via 'direct'\n"
    )
    // The rules' table alone; both includes, since the boot-time main table now waits for a rules'
    // table too (it has a rule at boot).
    expect(changes().filter((c) => /^(nft|conntrack|fw4|\/etc)/.test(c))).toEqual([
      'nft -f -',
      'nft -c -f -',
      'nft -c -f -',
      'conntrack -D -s 198.51.100.0/24',
      'conntrack -D -d 198.51.100.0/24',
    ])
    expect(applied()).toMatch(/^table inet lanvpn_rules\ndelete table inet lanvpn_rules\n/)
    expect(applied()).toContain('ip daddr @rule1_net4 meta mark set')
    expect(host.readFile(paths.fw4RulesInclude)).toContain('ip daddr @rule1_net4 meta mark set')
    // Root-only, as the main include: it names the rules' destinations (and devices, for some).
    expect(host.stat(paths.fw4RulesInclude)?.mode).toBe(0o600)
    expect(host.readFile(paths.fw4Include)).toContain('meta mark & 0x10000000 == 0x00000000 drop')
    await step(null)
    expect(changes().filter((c) => /^(nft|conntrack)/.test(c))).toEqual([])
    // Another rule: the rules' table and its include, nothing of the main table's.
    const main = host.readFile(paths.fw4Include)
    await step(
      GLOBALS +
        device(1, 'vpn') +
        "\nconfig rule 'bank'\n\tlist dest '198.51.100.0/24'\n\toption via 'direct'\n" +
        "\nconfig rule 'nas'\n\tlist dest '192.0.2.0/24'\n\toption via 'direct'\n"
    )
    expect(changes().filter((c) => /^nft/.test(c))).toEqual(['nft -f -', 'nft -c -f -'])
    expect(applied()).toMatch(/^table inet lanvpn_rules\n/)
    expect(host.readFile(paths.fw4Include)).toBe(main)
    // Someone deletes the rules' table (the main table then stops the LAN's traffic): the next
    // reconcile puts it back, and it alone.
    router.rulesTable = ''
    await step(null)
    expect(changes().filter((c) => /^nft/.test(c))).toEqual(['nft -f -'])
    expect(applied()).toMatch(/^table inet lanvpn_rules\ndelete table inet lanvpn_rules\n/)
  })

  it("domain sets across a new rules' table: an unchanged domain rule's sets stay as they are over the table the daemon applied, or what they held is read by one nft and goes into the new table's transaction", async () => {
    const bank = "\nconfig rule 'bank'\n\tlist domain 'bank.example'\n\toption via 'direct'\n"
    const cidr = "\nconfig rule 'nas'\n\tlist dest '192.0.2.0/24'\n\toption via 'direct'\n"
    let listed = 0
    host.onExec(['nft', '-j', 'list', 'sets', 'table', 'inet', 'lanvpn_rules'], () => {
      listed += 1
      return {
        stdout: JSON.stringify({
          nftables: [
            {
              set: {
                name: 'rule1_dns4',
                table: 'lanvpn_rules',
                comment: fnv1a('bank.example'),
                elem: [{ elem: { val: '198.51.100.12', expires: 3599 } }],
              },
            },
          ],
        }),
      }
    })
    // nft's commands but the hash's read, every reconcile's.
    const nft = () =>
      host.transcript.map((c) => c.argv.join(' ')).filter((c) => /^nft (-|list sets)/.test(c))
    const applied = () => host.transcript.find((c) => c.argv.join(' ') === 'nft -f -')?.stdin ?? ''
    const kept = 'add element inet lanvpn_rules rule1_dns4 { 198.51.100.12 timeout 3599s }\n'
    // The first rules' table: nothing to keep yet, nothing read; the main table now holds to it.
    await step(GLOBALS + device(1, 'vpn') + bank)
    expect(nft()).toEqual(['nft -f -', 'nft -f -', 'nft -c -f -', 'nft -c -f -'])
    // Another rule (the rules' table anew) over the one the daemon applied: one transaction drops
    // its rules and every chain and set but rule 1's, which keep what they hold; nothing read.
    await step(GLOBALS + device(1, 'vpn') + bank + cidr)
    expect(nft()).toEqual(['nft -f -', 'nft -c -f -'])
    expect(applied()).toMatch(/^table inet lanvpn_rules\nflush table inet lanvpn_rules\n/)
    expect(applied()).toContain('delete chain inet lanvpn_rules applied\n')
    expect(applied()).toContain('delete chain inet lanvpn_rules dest_rules\n')
    expect(applied()).not.toContain('delete set inet lanvpn_rules rule1_dns')
    expect(applied()).not.toContain('delete table')
    // Nothing changed: not even the read.
    await step(null)
    expect(nft()).toEqual([])
    // nft refusing that (the table is not quite as the daemon left it), then the addresses read:
    // the table goes in without them, and the log names no address.
    host.onExec(['nft', '-f', '-'], (_argv, opts) =>
      opts.stdin?.includes(kept) || opts.stdin?.includes('flush table')
        ? { code: 1, stderr: `Error: Could not process rule\n${kept}` }
        : ((router.rulesTable = parseAppliedHash(opts.stdin ?? '')), {})
    )
    await step(GLOBALS + device(1, 'vpn') + bank)
    expect(nft()).toEqual([
      'nft -f -',
      'nft -j list sets table inet lanvpn_rules',
      'nft -f -',
      'nft -f -',
      'nft -c -f -',
    ])
    expect(applied()).toContain('flush table inet lanvpn_rules')
    const last = host.transcript.filter((c) => c.argv.join(' ') === 'nft -f -').pop()?.stdin ?? ''
    expect(last).toContain('delete table inet lanvpn_rules')
    expect(last).not.toContain(kept)
    expect(status().apply.ok).toBe(true)
    expect(host.logs.filter((l) => l.message.includes('198.51.100.12'))).toEqual([])
    // Only its domains changed: a new table all the same (their hash is in it), rule 1's sets
    // start empty, nothing read.
    await step(GLOBALS + device(1, 'vpn') + bank.replace('bank.example', 'bank.example.net'))
    expect(nft()).toEqual(['nft -f -', 'nft -c -f -'])
    expect(applied()).not.toContain('add element')
    expect(listed).toBe(1)
  })

  it('a daemon restarted with the rules changed meanwhile (or upgraded): what the live domain sets hold is read, and kept where their comment says the same domains', async () => {
    const rules =
      "\nconfig rule 'bank'\n\tlist domain 'bank.example'\n\toption via 'direct'\n" +
      "\nconfig rule 'tv'\n\tlist domain 'stream.example'\n\toption via 'vpn'\n"
    await step(GLOBALS + device(1, 'vpn') + rules)
    const set = (name: string, domains: string, val: string) => ({
      set: {
        name,
        table: 'lanvpn_rules',
        comment: fnv1a(domains),
        elem: [{ elem: { val, expires: 600 } }],
      },
    })
    // Rule 2's domains changed while no daemon ran, and a third rule came.
    setConfig(
      GLOBALS +
        device(1, 'vpn') +
        rules.replace('stream.example', 'other.example') +
        "\nconfig rule 'nas'\n\tlist dest '192.0.2.0/24'\n\toption via 'direct'\n"
    )
    const second = await startSecond(undefined, (h) =>
      h.onExec(['nft', '-j', 'list', 'sets', 'table', 'inet', 'lanvpn_rules'], () => ({
        stdout: JSON.stringify({
          nftables: [
            set('rule1_dns4', 'bank.example', '198.51.100.12'),
            set('rule2_dns4', 'stream.example', '198.51.100.13'),
          ],
        }),
      }))
    )
    const tx = second.host.transcript.find((c) => c.argv.join(' ') === 'nft -f -')?.stdin ?? ''
    expect(tx).toMatch(/^table inet lanvpn_rules\ndelete table inet lanvpn_rules\n/)
    expect(tx).toContain('add element inet lanvpn_rules rule1_dns4 { 198.51.100.12 timeout 600s }')
    expect(tx).not.toContain('198.51.100.13')
    expect(second.status().apply.ok).toBe(true)
  })

  it('nft failing: the rules in force are not touched and the status says why', async () => {
    router.nftFails = 'Error: Could not process rule: No such file or directory'
    const before = router.table
    await step(GLOBALS + device(1, 'blocked'))
    expect(router.table).toBe(before)
    const s = status()
    expect(s.apply.ok).toBe(false)
    expect(s.apply.errors[0]).toBe(
      'applying the device sets: nft exited 1: Error: Could not process rule: No such file or directory'
    )
    router.nftFails = ''
    await step(null)
    expect(status().apply.ok).toBe(true)
    expect(router.table).not.toBe(before)
  })

  it('restart after a crash: a new daemon finds its table as it wants it and changes nothing', async () => {
    expect((await startSecond()).changes()).toEqual([])
  })

  it('a new problem holds the file back: the config in force stays, the status names it and its line', async () => {
    const applied = status().configHash
    const text = GLOBALS + "\toption kill_switch 'sometimes'\n" + device(1, 'direct')
    await step(text)
    expect(changes()).toEqual([])
    const s = status()
    expect(s.problems).toEqual([
      {
        section: 'globals',
        option: 'kill_switch',
        reason: 'must be one of always, auto',
        line: 4,
        // The same words by code, for the web UI's languages.
        code: 'oneOf',
        args: { values: 'always, auto' },
      },
    ])
    expect(s.configHeld).toEqual({ hash: fnv1a(text) })
    expect(s.configHash).toBe(applied)
    expect(s.devices.vpn).toBe(1)
    expect(
      host.logs.some(
        (l) => l.level === 'warning' && l.message.includes('config line 4: globals.kill_switch: ')
      )
    ).toBe(true)
  })

  it('a file that cannot be read changes nothing, and a fixed one applies', async () => {
    const table = router.table
    await step(GLOBALS + device(1, 'vpn') + "config device\n\toption mac 'unterminated\n")
    expect(changes()).toEqual([])
    expect(router.table).toBe(table)
    expect(status().problems[0]).toMatchObject({ line: 9 })
    expect(status().problems[0].reason).toMatch(/^the file cannot be read: line 9:/)
    expect(status().configHeld).toBeDefined()
    await step(GLOBALS + device(1, 'vpn') + device(2, 'blocked'))
    expect(changes()).toEqual(['nft -f -', 'nft -c -f -'])
    expect(status().configHeld).toBeUndefined()
    expect(status().problems).toEqual([])
  })

  it('a problem the config in force already had does not freeze later changes', async () => {
    // A daemon that started with it (nothing applied before) takes it, as before.
    const bad = GLOBALS + "\toption kill_switch 'sometimes'\n"
    const second = await startSecond(bad + device(1, 'vpn'))
    expect(second.status().configHeld).toBeUndefined()
    const more = bad + device(1, 'vpn') + device(2, 'direct')
    second.host.files.set(paths.config, { content: more, mode: 0o600, mtimeMs: 0 })
    second.host.raise('HUP')
    await settle()
    expect(second.status().configHeld).toBeUndefined()
    expect(second.status().devices).toMatchObject({ vpn: 1, direct: 1 })
  })

  it('a restart finds the copy of the config in force, and still holds a file broken meanwhile', async () => {
    expect(host.files.get(paths.appliedConfig)?.mode).toBe(0o600)
    setConfig('config globals\n\toption enabled "1\n')
    const second = await startSecond()
    expect(second.changes()).toEqual([])
    expect(second.router.table).toBe(router.table)
    expect(second.status().configHeld).toBeDefined()
  })

  it('an unreadable file at the first start (nothing applied yet) changes nothing', async () => {
    const fresh = await startSecond('config globals\n\tbogus\n')
    expect(fresh.changes()).toEqual([])
    expect(fresh.router.table).toBe('')
    expect(fresh.status().daemon.state).toBe('running')
    expect(fresh.status().problems[0]).toMatchObject({ line: 2 })
  })

  it('SIGTERM: clean exit with status stopped, pid file gone, rules left in force', async () => {
    host.transcript = []
    host.raise('TERM')
    expect(await exitCode).toBe(0)
    expect(status().daemon.state).toBe('stopped')
    expect(host.readFile(paths.pidFile)).toBeNull()
    expect(changes()).toEqual([])
    expect(router.table).not.toBe('')
    expect(host.pendingTimers()).toBe(0)
  })

  it('logs no command lines at the default level', () => {
    expect(host.logs.filter((l) => l.message.startsWith('[#]'))).toEqual([])
  })
})
