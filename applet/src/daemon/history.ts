// The connection-history recorder: fed the tunnel's phase and location on every tunnel change, it
// opens a session on the first 'connected' and closes it on disconnect, on a switch to another
// location (failover or the user's choice) and when the daemon stops. Records go to flash only at
// those moments (system/history.ts), never while idling. Nothing here knows an address: a record
// holds the location's label (address-like parts redacted), the protocol, lanvpn's version, times
// and how it ended.
//
// The 30-day limit holds on flash, not only in what is shown: the file is pruned when a record is
// written, at daemon start, once an hour, and when the wall clock steps (NTP). An hourly check
// only reads the file (a few hundred bytes); it is written only when a record has to go. Ages are
// judged by the wall clock when it is sane, and by the monotonic clock always (core/history.ts
// expireHistory), so neither a boot in 1970 (nothing looks old: nothing is wiped) nor a clock that
// is never set (the daemon's own uptime still proves records old) gets it wrong.
import { errorText } from '../core/errors'
import type { Profile } from '../core/config/types'
import {
  closeSession,
  expireHistory,
  restampRecords,
  CLOCK_STEP_MS,
  isWallClockSane,
  MAX_HISTORY_RECORDS,
  openSession,
  type HistoryClock,
  type HistoryRecord,
  type HistoryResult,
  type MonotonicAges,
  type OpenSession,
  type PendingRecord,
} from '../core/history'
import type { Paths } from '../core/paths'
import type { Host } from '../host/host'
import type { TunnelState } from '../core/api/status'
import { readHistory, removeHistory, withHistoryLock, writeHistory } from '../system/history'

/** How often the stored records are checked against the retention rules while nothing else
 * writes them (monotonic ms). A record thus outlives its 30 days by at most this. */
export const HISTORY_PRUNE_INTERVAL_MS = 3600_000

export type HistoryRecorder = {
  /** The tunnel's phase and the location in use now (null when none). Safe to call on every
   * change, repeated states included: only transitions count. */
  observe(phase: TunnelState, profile: Profile | null): void
  /** Call now and then (each reconcile): when the wall clock has stepped (NTP) since this daemon
   * saved records, they are restamped (one write, about once per boot). No I/O otherwise. */
  tick(): void
  /** The daemon stops: an open session ends as 'interrupted'. Resolves once saved. */
  stop(): Promise<void>
}

type Attempt = { profileId: string; session: OpenSession }

/** Creates the recorder. `version` is lanvpn's own version, stored in each record. */
export function createHistoryRecorder(host: Host, paths: Paths, version: string): HistoryRecorder {
  let open: Attempt | null = null
  let attempt: Attempt | null = null
  let lastPhase: TunnelState = 'disconnected'
  /** Locations that failed since the last successful connection: one record each, so a server
   * that stays down does not write to flash on every retry. */
  let failedSinceOk = new Set<string>()
  /** Records saved by this daemon that a later clock step would restamp. */
  let saved: PendingRecord[] = []
  let pending: Promise<void> = Promise.resolve()
  const daemonStartMonoMs = host.monotonicMs()
  /** What was stored before this daemon started: at least as old as the daemon's uptime. */
  let atStart: HistoryRecord[] | null = null
  /** Monotonic ms of the next retention check; the first tick (the daemon's start) does one. */
  let nextPruneMonoMs = 0

  const clock = (): HistoryClock => ({ monoMs: host.monotonicMs(), wallMs: host.wallMs() })
  const ages = (): MonotonicAges => ({ daemonStartMonoMs, atStart: atStart ?? [], saved })

  /** Adds `record` (when given), restamps after a clock step and applies the retention rules,
   * all under the history lock; writes only when that changed what is stored. */
  const save = (record: HistoryRecord | null, startMonoMs: number) => {
    pending = pending
      .then(() =>
        withHistoryLock(host, paths, () => {
          const now = clock()
          const stored = readHistory(host, paths)
          atStart ??= stored
          const fixed = restampRecords(stored, saved, now)
          saved = fixed.pending
          if (record) {
            const offsetMs = now.wallMs - now.monoMs
            saved = [{ record, startMonoMs, offsetMs }, ...saved].slice(0, MAX_HISTORY_RECORDS)
          }
          const records = expireHistory(
            record ? [record, ...fixed.records] : fixed.records,
            now,
            ages()
          )
          // Nothing restamped or dropped (the usual hourly check): nothing is written.
          if (records.length === stored.length && records.every((r, i) => r === stored[i])) return
          // The last record gone: the file goes, so nothing of it is left on flash.
          if (records.length === 0) return removeHistory(host, paths)
          writeHistory(host, paths, records)
        })
      )
      .catch((e: unknown) => {
        host.log('err', `saving the connection history: ${errorText(e)}`)
      })
  }

  /** Ends `session` as `result` and saves its record. */
  const end = (session: OpenSession, result: HistoryResult) =>
    save(closeSession(session, result, clock()), session.startMonoMs)

  const close = (result: HistoryResult) => {
    if (!open) return
    end(open.session, result)
    open = null
  }

  const fail = (a: Attempt) => {
    if (failedSinceOk.has(a.profileId)) return
    failedSinceOk.add(a.profileId)
    end(a.session, 'failed')
  }

  const begin = (profile: Profile): OpenSession =>
    openSession(profile.label || profile.id, profile.type, version, clock())

  return {
    observe(phase, profile) {
      const id = profile?.id ?? ''
      // A session ends when the tunnel is taken down or another location takes over. Leaving a
      // working tunnel is the user's choice ('ok'); leaving a broken one is a loss.
      if (open && (phase === 'disconnected' || id !== open.profileId))
        close(lastPhase === 'connected' ? 'ok' : 'lost')
      if (!open && phase === 'connected' && profile) {
        open = {
          profileId: id,
          session: attempt?.profileId === id ? attempt.session : begin(profile),
        }
        attempt = null
        failedSinceOk = new Set()
      }
      if (!open && attempt && (phase === 'failed' || (id !== attempt.profileId && profile)))
        fail(attempt)
      if (!open && phase === 'disconnected') attempt = null
      else if (!open && profile && phase !== 'failed' && attempt?.profileId !== id)
        attempt = { profileId: id, session: begin(profile) }
      else if (!open && phase === 'failed') attempt = null
      lastPhase = phase
      this.tick()
    },
    tick() {
      const offset = host.wallMs() - host.monotonicMs()
      const stepped = saved.some(
        (p) => p.record.startWallMs === 0 || Math.abs(offset - p.offsetMs) > CLOCK_STEP_MS
      )
      const due = host.monotonicMs() >= nextPruneMonoMs
      if (due) nextPruneMonoMs = host.monotonicMs() + HISTORY_PRUNE_INTERVAL_MS
      if (due || (stepped && isWallClockSane(host.wallMs()))) save(null, 0)
    },
    stop() {
      close('interrupted')
      return pending
    },
  }
}
