// Connection history rules (core/history.ts): at most 20 records, none older than 30 days, no
// address, and sane dates on a router whose clock starts in 1970 and jumps at NTP sync.
import { describe, expect, it } from 'vitest'
import {
  addRecord,
  closeSession,
  expireHistory,
  historyLabel,
  MAX_HISTORY_AGE_MS,
  openSession,
  parseHistory,
  pruneHistory,
  renderHistory,
  restampRecords,
  SANE_WALL_MS,
  type HistoryRecord,
} from '../../applet/src/core/history'

const NOW = 1_763_800_000_000
const DAY = 24 * 3600 * 1000
const rec = (startWallMs: number, location = 'Amsterdam'): HistoryRecord => ({
  startWallMs,
  durationS: 60,
  location,
  protocol: 'wireguard',
  version: '1.0.0',
  result: 'ok',
})

describe('connection history records', () => {
  it('keeps at most the 20 newest records', () => {
    let records: HistoryRecord[] = []
    for (let i = 0; i < 25; i++) records = addRecord(records, rec(NOW - DAY + i * 1000), NOW)
    expect(records).toHaveLength(20)
    expect(records[0].startWallMs).toBe(NOW - DAY + 24_000)
    expect(records[19].startWallMs).toBe(NOW - DAY + 5_000)
  })

  it('drops records that started more than 30 days ago', () => {
    const kept = pruneHistory([rec(NOW - DAY), rec(NOW - MAX_HISTORY_AGE_MS - 1)], NOW)
    expect(kept).toEqual([rec(NOW - DAY)])
  })

  it('drops records dated in the future, which a wrong clock made', () => {
    expect(pruneHistory([rec(NOW + 3 * DAY), rec(NOW)], NOW)).toEqual([rec(NOW)])
  })

  it('measures duration on the monotonic clock and dates the start from the end across an NTP step', () => {
    const open = openSession('Amsterdam', 'wireguard', '1.0.0', { monoMs: 1000, wallMs: NOW })
    const r = closeSession(open, 'ok', { monoMs: 1000 + 90_000, wallMs: NOW + 5 * DAY })
    expect(r).toEqual({ ...rec(NOW + 5 * DAY - 90_000), durationS: 90 })
  })

  it('dates a session that began before NTP from its end once the clock is set', () => {
    // Boot: the wall clock reads 1970 + 40 s; NTP sets it 100 s into the session.
    const open = openSession('Amsterdam', 'wireguard', '1.0.0', { monoMs: 40_000, wallMs: 40_000 })
    expect(open.startWallMs).toBe(0)
    const r = closeSession(open, 'ok', { monoMs: 340_000, wallMs: NOW })
    expect(r.startWallMs).toBe(NOW - 300_000)
    expect(r.durationS).toBe(300)
  })

  it('saves a session that ended before NTP undated, and dates it when the clock jumps', () => {
    const open = openSession('Amsterdam', 'wireguard', '1.0.0', { monoMs: 10_000, wallMs: 10_000 })
    const r = closeSession(open, 'failed', { monoMs: 20_000, wallMs: 20_000 })
    expect(r.startWallMs).toBe(0)
    // Under the unset clock ages cannot be judged: the record stays.
    expect(addRecord([], r, 20_000)).toEqual([r])
    const dated = restampRecords([r], [{ record: r, startMonoMs: 10_000, offsetMs: 10_000 }], {
      monoMs: 70_000,
      wallMs: NOW,
    })
    expect(dated.records[0].startWallMs).toBe(NOW - 60_000)
    expect(dated.pending).toEqual([])
  })

  it("restamps a record saved under sysfixtime's stale clock when NTP steps it", () => {
    // OpenWrt boots with the clock at the newest mtime under /etc: ten days behind.
    const stale = NOW - 10 * DAY
    const open = openSession('Amsterdam', 'wireguard', '1.0.0', { monoMs: 5000, wallMs: stale })
    const r = closeSession(open, 'lost', { monoMs: 65_000, wallMs: stale + 60_000 })
    expect(r.startWallMs).toBe(stale)
    const pending = [{ record: r, startMonoMs: 5000, offsetMs: stale + 60_000 - 65_000 }]
    // No step yet: nothing changes and the entry stays pending.
    const same = restampRecords([r], pending, { monoMs: 80_000, wallMs: stale + 75_000 })
    expect(same.records[0]).toBe(r)
    expect(same.pending).toHaveLength(1)
    // NTP: the wall clock jumps ten days forward at monotonic 100 s.
    const fixed = restampRecords([r], pending, { monoMs: 100_000, wallMs: NOW })
    expect(fixed.records[0].startWallMs).toBe(NOW - 95_000)
    expect(fixed.pending).toEqual([])
  })

  it('drops an undated record nobody can date once the clock is sane', () => {
    expect(pruneHistory([rec(0), rec(NOW)], NOW)).toEqual([rec(NOW)])
    expect(pruneHistory([rec(0)], SANE_WALL_MS - 1)).toEqual([rec(0)])
  })

  it('reads a damaged file as no records and drops malformed or unknown fields', () => {
    expect(parseHistory('{not json')).toEqual([])
    expect(parseHistory(null)).toEqual([])
    const text = JSON.stringify({
      version: 1,
      records: [
        { ...rec(NOW), endpoint: '198.51.100.1' },
        { ...rec(NOW), result: 'exploded' },
        { ...rec(NOW), startWallMs: -5 },
        'junk',
      ],
    })
    expect(parseHistory(text)).toEqual([rec(NOW)])
  })

  it('round-trips through its file format and holds no address', () => {
    const text = renderHistory([rec(NOW)])
    expect(parseHistory(text)).toEqual([rec(NOW)])
    expect(Object.keys(parseHistory(text)[0]).sort()).toEqual([
      'durationS',
      'location',
      'protocol',
      'result',
      'startWallMs',
      'version',
    ])
  })

  it('stores a location named after an address with that part redacted', () => {
    expect(historyLabel('Amsterdam #2')).toBe('Amsterdam #2')
    expect(historyLabel('198.51.100.7')).toBe('[redacted-ip]')
    expect(historyLabel('Home se1.vpn.example.net')).toBe('Home [redacted-domain]')
    const open = openSession('nl 203.0.113.4', 'wireguard', '1.0.0', { monoMs: 0, wallMs: NOW })
    expect(open.location).toBe('nl [redacted-ip]')
    // A file written before this rule is cleaned as it is read.
    const old = renderHistory([rec(NOW, 'fd00::1')])
    expect(parseHistory(old)[0].location).toBe('[redacted-ip]')
  })
})

describe('history retention on flash, whatever the wall clock says', () => {
  const MONO_30D = MAX_HISTORY_AGE_MS
  it('drops what the daemon found at start once it has itself run for 30 days, with the clock never set', () => {
    // A router that never reached NTP: every record is undated, the wall clock reads 1970.
    const old = [rec(0, 'Amsterdam'), rec(0, 'Stockholm')]
    const ages = { daemonStartMonoMs: 5000, atStart: old, saved: [] }
    expect(expireHistory(old, { monoMs: 5000 + MONO_30D, wallMs: 90_000 }, ages)).toEqual(old)
    expect(expireHistory(old, { monoMs: 5001 + MONO_30D, wallMs: 90_000 }, ages)).toEqual([])
  })

  it("drops a record this daemon saved 30 days after its monotonic start, not the daemon's", () => {
    const mine = rec(0, 'Mine')
    const ages = {
      daemonStartMonoMs: 0,
      atStart: [],
      saved: [{ record: mine, startMonoMs: 10 * 86_400_000, offsetMs: 0 }],
    }
    const clock = (monoMs: number) => ({ monoMs, wallMs: 1000 })
    expect(expireHistory([mine], clock(35 * 86_400_000), ages)).toEqual([mine])
    expect(expireHistory([mine], clock(40 * 86_400_000 + 1), ages)).toEqual([])
  })

  it('wipes nothing while the clock reads 1970 (a boot before NTP)', () => {
    const kept = [rec(NOW - DAY), rec(NOW - 2 * DAY)]
    const ages = { daemonStartMonoMs: 1000, atStart: kept, saved: [] }
    expect(expireHistory(kept, { monoMs: 60_000, wallMs: 60_000 }, ages)).toEqual(kept)
  })

  it('drops by the wall clock once it is sane: a router off for 31 days forgets at the first check', () => {
    const records = [rec(NOW - DAY), rec(NOW - 29 * DAY)]
    const ages = { daemonStartMonoMs: 1000, atStart: records, saved: [] }
    expect(expireHistory(records, { monoMs: 2000, wallMs: NOW + 2 * DAY }, ages)).toEqual([
      rec(NOW - DAY),
    ])
  })
})
