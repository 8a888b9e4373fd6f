// The daemon's history recorder (daemon/history.ts) on a FakeHost: sessions follow tunnel phases,
// the flash is written only when a session ends (or the user clears it), and a router that boots
// with its clock in 1970 still gets correct dates once NTP sets the clock.
import { beforeEach, describe, expect, it } from 'vitest'
import type { Profile } from '../../applet/src/core/config/types'
import { resolvePaths } from '../../applet/src/core/paths'
import { createHistoryRecorder, type HistoryRecorder } from '../../applet/src/daemon/history'
import { FakeHost } from '../../applet/src/host/fake'
import { methods } from '../../applet/src/rpc/methods'
import { handleCall } from '../../applet/src/rpc/protocol'
import { historyPath } from '../../applet/src/system/history'
import { runCli } from '../../applet/src/cli/cli'
import { withLogLevel } from '../../applet/src/system/log'

const paths = resolvePaths('')
const NOW = 1_763_800_000_000
const profile = (id: string, label: string): Profile =>
  ({
    id,
    label,
    type: 'wireguard',
    addresses: ['10.64.0.2/32'],
    dns: ['10.64.0.1'],
    dnsSearch: [],
    mtu: 0,
    peers: [],
  }) as Profile
const AMS = profile('ams', 'Amsterdam')
const STO = profile('sto', 'Stockholm')

let host: FakeHost
let rec: HistoryRecorder
const settle = () => new Promise((resolve) => setTimeout(resolve, 0))
const stored = () => JSON.parse(host.readFile(historyPath(paths)) ?? '{"records":[]}').records
const historyWrites = () => host.writes.filter((w) => w.path === historyPath(paths))

beforeEach(() => {
  host = new FakeHost()
  rec = createHistoryRecorder(host, paths, '1.2.3')
})

describe('history recorder', () => {
  it('records one session from the first connected to the disconnect, written once', async () => {
    host.setWallMs(NOW)
    rec.observe('connecting', AMS)
    host.advance(2000)
    rec.observe('connected', AMS)
    for (let i = 0; i < 100; i++) {
      host.advance(60_000)
      rec.observe('connected', AMS)
      rec.tick()
    }
    await settle()
    expect(historyWrites()).toEqual([])
    rec.observe('disconnected', null)
    await settle()
    expect(stored()).toEqual([
      {
        startWallMs: NOW,
        durationS: 6002,
        location: 'Amsterdam',
        protocol: 'wireguard',
        version: '1.2.3',
        result: 'ok',
      },
    ])
    expect(historyWrites()).toEqual([{ path: historyPath(paths), durable: true }])
    expect(host.stat(historyPath(paths))?.mode).toBe(0o600)
    expect(host.readFile(historyPath(paths))).not.toMatch(/10\.64|endpoint|address/)
  })

  it('dates a session that began in 1970 from its end after the NTP jump', async () => {
    host.advance(30_000) // boot: the wall clock reads 1970-01-01 00:00:30
    rec.observe('connected', AMS)
    host.advance(30_000)
    host.setWallMs(NOW) // NTP sync, 30 s into the session
    host.advance(3600_000)
    rec.observe('disconnected', null)
    await settle()
    expect(stored()[0]).toMatchObject({ startWallMs: NOW + 3600_000 - 3630_000, durationS: 3630 })
  })

  it('saves a session that ended before NTP undated, then dates it once the clock is set', async () => {
    host.advance(20_000)
    rec.observe('connected', AMS)
    host.advance(40_000)
    rec.observe('disconnected', null)
    await settle()
    expect(stored()[0]).toMatchObject({ startWallMs: 0, durationS: 40 })
    rec.tick() // still 1970: nothing to do, nothing written
    await settle()
    expect(historyWrites()).toHaveLength(1)
    host.advance(100_000)
    host.setWallMs(NOW)
    rec.tick()
    rec.tick()
    await settle()
    expect(stored()[0]).toMatchObject({ startWallMs: NOW - 140_000, durationS: 40 })
    expect(historyWrites()).toHaveLength(2)
    const got = (await handleCall(methods, { host, paths }, 'getHistory', '{}')) as {
      records: unknown[]
    }
    expect(got.records).toHaveLength(1)
  })

  it("restamps a session saved under sysfixtime's stale clock once NTP steps it", async () => {
    host.setWallMs(NOW - 10 * 24 * 3600_000) // boot: the newest mtime under /etc
    host.advance(5000)
    rec.observe('connected', AMS)
    host.advance(60_000)
    rec.observe('disconnected', null)
    await settle()
    expect(stored()[0].startWallMs).toBe(NOW - 10 * 24 * 3600_000 + 5000)
    host.advance(30_000)
    rec.tick() // no step yet: nothing written
    await settle()
    expect(historyWrites()).toHaveLength(1)
    host.setWallMs(NOW) // NTP
    rec.tick()
    await settle()
    expect(stored()[0]).toMatchObject({ startWallMs: NOW - 90_000, durationS: 60 })
    expect(historyWrites()).toHaveLength(2)
    rec.tick()
    await settle()
    expect(historyWrites()).toHaveLength(2)
  })

  it('ends a session as lost on failover and records a failing location only once', async () => {
    host.setWallMs(NOW)
    rec.observe('connected', AMS)
    host.advance(600_000)
    rec.observe('reconnecting', AMS)
    host.advance(30_000)
    rec.observe('reconnecting', STO) // failover to the next location
    host.advance(20_000)
    rec.observe('reconnecting', AMS) // Stockholm never answered: back to Amsterdam …
    for (let i = 0; i < 10; i++) {
      host.advance(20_000)
      rec.observe('reconnecting', STO)
      host.advance(20_000)
      rec.observe('reconnecting', AMS)
    }
    await settle()
    const results = stored().map(
      (r: { location: string; result: string }) => `${r.location} ${r.result}`
    )
    expect(results).toEqual(['Amsterdam failed', 'Stockholm failed', 'Amsterdam lost'])
  })

  it('ends an open session as interrupted when the daemon stops', async () => {
    host.setWallMs(NOW)
    rec.observe('connected', STO)
    host.advance(5000)
    await rec.stop()
    expect(stored()[0]).toMatchObject({
      location: 'Stockholm',
      result: 'interrupted',
      durationS: 5,
    })
  })

  it('deletes every record with one clearHistory call, and lanvpn history shows none', async () => {
    host.setWallMs(NOW)
    rec.observe('connected', AMS)
    rec.observe('disconnected', null)
    await settle()
    expect(stored()).toHaveLength(1)
    expect(await handleCall(methods, { host, paths }, 'clearHistory', '{}')).toEqual({ ok: true })
    expect(host.readFile(historyPath(paths))).toBeNull()
    expect(await handleCall(methods, { host, paths }, 'getHistory', '{}')).toEqual({ records: [] })
    const cli = withLogLevel(host)
    expect(await runCli(cli, paths, ['history'])).toBe(0)
    expect(host.stdout).toBe('no connections recorded\n')
  })

  it('refuses unknown arguments to the history methods and changes nothing', async () => {
    host.setWallMs(NOW)
    rec.observe('connected', AMS)
    rec.observe('disconnected', null)
    await settle()
    const r = await handleCall(methods, { host, paths }, 'clearHistory', '{"all":true}')
    expect(r).toMatchObject({ error: { code: 'invalid_argument', field: 'all' } })
    expect(stored()).toHaveLength(1)
  })

  it('prunes the file at start when the router was off for 31 days, and writes nothing more while idling', async () => {
    // Written by an earlier boot: one record 29½ days old, one 31 days old (by today's clock).
    host.setWallMs(NOW)
    const old = (days: number, location: string) => ({
      startWallMs: NOW - days * 24 * 3600_000,
      durationS: 60,
      location,
      protocol: 'wireguard',
      version: '1.2.3',
      result: 'ok',
    })
    host.mkdirp(paths.stateDir)
    host.writeFileAtomic(
      historyPath(paths),
      JSON.stringify({ version: 1, records: [old(29.5, 'Amsterdam'), old(31, 'Stockholm')] }),
      { mode: 0o600 }
    )
    host.writes.length = 0
    rec = createHistoryRecorder(host, paths, '1.2.3')
    rec.tick() // the daemon's first reconcile
    await settle()
    expect(stored().map((r: { location: string }) => r.location)).toEqual(['Amsterdam'])
    expect(historyWrites()).toHaveLength(1)
    // A day of reconciles: the hourly checks only read, until the last record turns 30 days
    // old and the file goes (a removal, not a write).
    for (let i = 0; i < 24 * 120; i++) {
      host.advance(30_000)
      rec.tick()
    }
    await settle()
    expect(stored().map((r: { location: string }) => r.location)).toEqual([])
    expect(host.readFile(historyPath(paths))).toBeNull()
    expect(historyWrites()).toHaveLength(1)
  })

  it('keeps the records through a boot in 1970, and drops the old one at the NTP step', async () => {
    const old = (days: number, location: string) => ({
      startWallMs: NOW - days * 24 * 3600_000,
      durationS: 60,
      location,
      protocol: 'wireguard',
      version: '1.2.3',
      result: 'ok',
    })
    host.mkdirp(paths.stateDir)
    host.writeFileAtomic(
      historyPath(paths),
      JSON.stringify({ version: 1, records: [old(1, 'Amsterdam'), old(31, 'Stockholm')] }),
      { mode: 0o600 }
    )
    rec = createHistoryRecorder(host, paths, '1.2.3')
    host.advance(30_000) // the clock reads 1970: no age can be judged
    rec.tick()
    rec.observe('connected', AMS)
    host.advance(60_000)
    rec.observe('disconnected', null)
    await settle()
    expect(stored().map((r: { location: string }) => r.location)).toEqual([
      'Amsterdam',
      'Amsterdam',
      'Stockholm',
    ])
    host.setWallMs(NOW) // NTP
    rec.tick()
    await settle()
    expect(stored().map((r: { startWallMs: number }) => r.startWallMs)).toEqual([
      NOW - 60_000,
      NOW - 24 * 3600_000,
    ])
  })

  it('forgets on a router whose clock is never set, once the daemon has run 30 days', async () => {
    host.advance(10_000) // 1970 throughout
    rec.observe('connected', AMS)
    host.advance(60_000)
    rec.observe('disconnected', null)
    await settle()
    expect(stored()).toHaveLength(1)
    for (let day = 0; day < 31; day++) {
      host.advance(24 * 3600_000)
      rec.tick()
    }
    await settle()
    expect(host.readFile(historyPath(paths))).toBeNull()
  })

  it('removes expired records from the file when getHistory finds them (the daemon stopped)', async () => {
    host.setWallMs(NOW)
    rec.observe('connected', AMS)
    rec.observe('disconnected', null)
    await settle()
    host.setWallMs(NOW + 31 * 24 * 3600_000)
    expect(await handleCall(methods, { host, paths }, 'getHistory', '{}')).toEqual({ records: [] })
    expect(host.readFile(historyPath(paths))).toBeNull()
  })
})
