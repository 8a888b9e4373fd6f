// Connection history (product.md, Privacy rules): at most the last 20 records of {start, duration,
// location, protocol, version, result}, no address of any kind, nothing older than 30 days, and
// one action deletes all of it. Pure: both clocks come in as arguments.
//
// Routers have no real-time clock: the wall clock starts at boot in 1970, or (OpenWrt's
// sysfixtime) at the newest mtime under /etc, which can be weeks old, and steps forward when NTP
// syncs. So durations use the monotonic clock, a record's start is computed from its end (wall now
// − monotonic elapsed: the later reading is the likelier to be right), and the daemon restamps the
// records it saved if the clock steps afterwards (`restampRecords`). A record saved while the clock
// read 1970 carries startWallMs 0 ("date unknown") until then; one nobody can date any more (the
// daemon restarted first) is dropped under a sane clock, since it cannot be shown to be younger
// than 30 days.
import type { ProfileType } from './config/types'
import { redactText } from './redact'

/** How a session ended.
 * - `ok`: the user disconnected or chose another location.
 * - `lost`: the tunnel failed while in use (outage, failover to the next location).
 * - `failed`: it never connected.
 * - `interrupted`: lanvpn stopped while connected (the tunnel itself kept running). */
export type HistoryResult = 'ok' | 'lost' | 'failed' | 'interrupted'

/** One record. Sample: `{ "startWallMs": 1763800000000, "durationS": 5400, "location": "Amsterdam",
 * "protocol": "wireguard", "version": "0.4.0", "result": "ok" }` */
export type HistoryRecord = {
  /** Wall-clock ms the session began; 0 while its date is unknown (clock not yet set). */
  startWallMs: number
  /** Whole seconds, from the monotonic clock. */
  durationS: number
  /** The location's label as the user named it (never its endpoint). */
  location: string
  protocol: ProfileType
  /** lanvpn's version. */
  version: string
  result: HistoryResult
}

/** Both clocks at one moment. */
export type HistoryClock = { monoMs: number; wallMs: number }

/** A session in progress (RAM only). */
export type OpenSession = {
  startMonoMs: number
  /** 0 when the wall clock was not yet sane at the start. */
  startWallMs: number
  location: string
  protocol: ProfileType
  version: string
}

/** A record this process saved, with what restamps it if the wall clock steps later: its monotonic
 * start and the wall − monotonic offset the clock had when it was saved. */
export type PendingRecord = { record: HistoryRecord; startMonoMs: number; offsetMs: number }

/** At most this many records are kept. */
export const MAX_HISTORY_RECORDS = 20
/** Records whose start is older than this are dropped. */
export const MAX_HISTORY_AGE_MS = 30 * 24 * 3600 * 1000
/** A wall clock before 2020-01-01 has not been set by NTP yet (no router ships with such a build
 * date, and OpenWrt's sysfixtime only moves the clock to the newest file's mtime at best). */
export const SANE_WALL_MS = 1_577_836_800_000
/** Records dated further ahead than this were made with a wrong clock and are dropped. */
const FUTURE_SLACK_MS = 24 * 3600 * 1000
/** Location labels are cut here in a record (a label is user text, up to the config's limit). */
const MAX_LOCATION_CHARS = 64

const RESULTS: ReadonlyArray<HistoryResult> = ['ok', 'lost', 'failed', 'interrupted']

/** Whether the wall clock has been set (NTP or a real-time clock). */
export function isWallClockSane(wallMs: number): boolean {
  return wallMs >= SANE_WALL_MS
}

/** The location as a record names it: the user's label, with any address-like part (an IP, a MAC,
 * a host or domain name, an e-mail) replaced by a `[redacted-…]` marker, so a location named
 * after its server never puts an address on flash. A profile id is no way out: it is made from
 * the label ("10.0.0.1" gives `10_0_0_1`). */
export function historyLabel(label: string): string {
  return redactText(label, { secrets: [], names: [] }).slice(0, MAX_LOCATION_CHARS)
}

/** Starts a session now. */
export function openSession(
  location: string,
  protocol: ProfileType,
  version: string,
  clock: HistoryClock
): OpenSession {
  return {
    startMonoMs: clock.monoMs,
    startWallMs: isWallClockSane(clock.wallMs) ? clock.wallMs : 0,
    location: historyLabel(location),
    protocol,
    version,
  }
}

/** Ends a session now. The start is dated back from now with the monotonic elapsed time when the
 * wall clock is sane now, else it is the start's own wall reading when that was sane, else 0
 * (unknown: see `restampRecords`). */
export function closeSession(
  open: OpenSession,
  result: HistoryResult,
  clock: HistoryClock
): HistoryRecord {
  const elapsedMs = Math.max(0, clock.monoMs - open.startMonoMs)
  const startWallMs = isWallClockSane(clock.wallMs) ? clock.wallMs - elapsedMs : open.startWallMs
  return {
    startWallMs: Math.round(startWallMs),
    durationS: Math.floor(elapsedMs / 1000),
    location: open.location,
    protocol: open.protocol,
    version: open.version,
    result,
  }
}

function sameRecord(a: HistoryRecord, b: HistoryRecord): boolean {
  return (
    a.startWallMs === b.startWallMs &&
    a.durationS === b.durationS &&
    a.location === b.location &&
    a.protocol === b.protocol &&
    a.version === b.version &&
    a.result === b.result
  )
}

/** A step of the wall clock against the monotonic one larger than this is NTP setting the time
 * (drift between two reads is milliseconds). */
export const CLOCK_STEP_MS = 60_000

/** Restamps the records this process saved when the wall clock has stepped since (NTP sync after
 * a boot in 1970 or at sysfixtime's stale time): the monotonic clock ran on, so start = monotonic
 * start + today's wall − monotonic offset is exact. Records saved undated are dated as soon as the
 * clock is sane. Returns the records (new objects where restamped) and the entries still pending;
 * entries whose record is gone (cleared, pruned) are dropped. */
export function restampRecords(
  records: HistoryRecord[],
  pending: PendingRecord[],
  clock: HistoryClock
): { records: HistoryRecord[]; pending: PendingRecord[] } {
  if (!isWallClockSane(clock.wallMs) || pending.length === 0) return { records, pending }
  const offset = clock.wallMs - clock.monoMs
  let left = pending.slice()
  const still: PendingRecord[] = []
  const out = records.map((r) => {
    const i = left.findIndex((p) => sameRecord(p.record, r))
    if (i < 0) return r
    const p = left[i]
    left = left.filter((_, j) => j !== i)
    if (r.startWallMs !== 0 && Math.abs(offset - p.offsetMs) <= CLOCK_STEP_MS) {
      still.push(p)
      return r
    }
    return { ...r, startWallMs: Math.round(p.startMonoMs + offset) }
  })
  return { records: out, pending: still }
}

/** Applies the retention rules to records listed newest first: at most 20, nothing older than 30 days. Under a sane
 * clock, undated records and records dated in the future are dropped as well; under an unset clock
 * ages cannot be judged, so only the count limit applies. Same input, same output. */
export function pruneHistory(records: HistoryRecord[], nowWallMs: number): HistoryRecord[] {
  let kept = records.slice()
  if (isWallClockSane(nowWallMs)) {
    kept = kept.filter(
      (r) =>
        r.startWallMs > 0 &&
        r.startWallMs >= nowWallMs - MAX_HISTORY_AGE_MS &&
        r.startWallMs <= nowWallMs + FUTURE_SLACK_MS
    )
  }
  // Records are kept in the order they were saved (newest first), which is also start order for
  // every dated record: sorting by date would misplace undated ones.
  return kept.slice(0, MAX_HISTORY_RECORDS)
}

/** What the monotonic clock proves about ages, whatever the wall clock says (it may read 1970, a
 * stale sysfixtime, or have been set wrongly): every record that was in the file when this daemon
 * started began before `daemonStartMonoMs`, and a record this daemon saved began at its own
 * monotonic start. */
export type MonotonicAges = {
  daemonStartMonoMs: number
  /** The records in the file when this daemon started. */
  atStart: HistoryRecord[]
  /** The records this daemon saved (see PendingRecord). */
  saved: PendingRecord[]
}

/** The retention rules on what is stored: `pruneHistory` by the wall clock (when it is sane), and
 * whatever the monotonic clock proves older than 30 days dropped too, so a router whose clock is
 * never set still forgets. A wall clock in 1970 never makes a record look old (no age is judged
 * under it), so a boot before NTP wipes nothing. Same input, same output. */
export function expireHistory(
  records: HistoryRecord[],
  clock: HistoryClock,
  ages: MonotonicAges
): HistoryRecord[] {
  const provenOld = (r: HistoryRecord) => {
    const mine = ages.saved.find((p) => sameRecord(p.record, r))
    if (mine) return clock.monoMs - mine.startMonoMs > MAX_HISTORY_AGE_MS
    return (
      ages.atStart.some((a) => sameRecord(a, r)) &&
      clock.monoMs - ages.daemonStartMonoMs > MAX_HISTORY_AGE_MS
    )
  }
  return pruneHistory(
    records.filter((r) => !provenOld(r)),
    clock.wallMs
  )
}

/** Adds a finished record (as the newest) and applies the retention rules. */
export function addRecord(
  records: HistoryRecord[],
  record: HistoryRecord,
  nowWallMs: number
): HistoryRecord[] {
  return pruneHistory([record, ...records], nowWallMs)
}

function isRecord(v: unknown): v is HistoryRecord {
  if (typeof v !== 'object' || v === null) return false
  const r = v as Record<string, unknown>
  return (
    typeof r.startWallMs === 'number' &&
    Number.isFinite(r.startWallMs) &&
    r.startWallMs >= 0 &&
    typeof r.durationS === 'number' &&
    Number.isFinite(r.durationS) &&
    r.durationS >= 0 &&
    typeof r.location === 'string' &&
    (r.protocol === 'wireguard' || r.protocol === 'openvpn') &&
    typeof r.version === 'string' &&
    RESULTS.includes(r.result as HistoryResult)
  )
}

/** Parses the history file. Anything unreadable reads as no records, and a malformed record is
 * dropped, so a damaged file never stops the daemon. Only the known fields survive. */
export function parseHistory(text: string | null): HistoryRecord[] {
  if (!text) return []
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return []
  }
  const list = (parsed as { records?: unknown } | null)?.records
  if (!Array.isArray(list)) return []
  return list.filter(isRecord).map((r) => ({
    startWallMs: r.startWallMs,
    durationS: Math.floor(r.durationS),
    location: historyLabel(r.location),
    protocol: r.protocol,
    version: r.version.slice(0, 32),
    result: r.result,
  }))
}

/** The file's text: `{ "version": 1, "records": [...] }`, newest first. */
export function renderHistory(records: HistoryRecord[]): string {
  return JSON.stringify({ version: 1, records }) + '\n'
}
