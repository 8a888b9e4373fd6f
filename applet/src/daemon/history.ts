// The connection-history recorder: fed the tunnel's phase and location on every tunnel change, it
// opens a session on the first 'connected' and closes it on disconnect, on a switch to another
// location (failover or the user's choice) and when the daemon stops. Records go to flash only at
// those moments (system/history.ts), never while idling. Nothing here knows an address: a record
// holds the location's label, the protocol, lanvpn's version, times and how it ended.
import type { Profile } from '../core/config/types'
import {
  addRecord,
  closeSession,
  restampRecords,
  CLOCK_STEP_MS,
  isWallClockSane,
  MAX_HISTORY_RECORDS,
  openSession,
  type HistoryClock,
  type HistoryRecord,
  type HistoryResult,
  type OpenSession,
  type PendingRecord,
} from '../core/history'
import type { Paths } from '../core/paths'
import type { Host } from '../host/host'
import type { TunnelState } from '../rpc/types'
import { readHistory, withHistoryLock, writeHistory } from '../system/history'

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
  let open: { profileId: string; session: OpenSession } | null = null
  let attempt: Attempt | null = null
  let lastPhase: TunnelState = 'disconnected'
  /** Locations that failed since the last successful connection: one record each, so a server
   * that stays down does not write to flash on every retry. */
  let failedSinceOk = new Set<string>()
  /** Records saved by this daemon that a later clock step would restamp. */
  let saved: PendingRecord[] = []
  let pending: Promise<void> = Promise.resolve()

  const clock = (): HistoryClock => ({ monoMs: host.monotonicMs(), wallMs: host.wallMs() })

  const save = (record: HistoryRecord | null, startMonoMs: number) => {
    pending = pending
      .then(() =>
        withHistoryLock(host, paths, () => {
          const now = clock()
          const stored = readHistory(host, paths)
          const fixed = restampRecords(stored, saved, now)
          saved = fixed.pending
          // A restamp that found nothing to change (already done, or cleared) writes nothing.
          if (!record && fixed.records.every((r, i) => r === stored[i])) return
          const records = record ? addRecord(fixed.records, record, now.wallMs) : fixed.records
          if (record) {
            const offsetMs = now.wallMs - now.monoMs
            saved = [{ record, startMonoMs, offsetMs }, ...saved].slice(0, MAX_HISTORY_RECORDS)
          }
          writeHistory(host, paths, records)
        })
      )
      .catch((e: unknown) => {
        host.log('err', `saving the connection history: ${e instanceof Error ? e.message : e}`)
      })
  }

  const close = (result: HistoryResult) => {
    if (!open) return
    save(closeSession(open.session, result, clock()), open.session.startMonoMs)
    open = null
  }

  const fail = (a: Attempt) => {
    if (failedSinceOk.has(a.profileId)) return
    failedSinceOk.add(a.profileId)
    save(closeSession(a.session, 'failed', clock()), a.session.startMonoMs)
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
      if (stepped && isWallClockSane(host.wallMs())) save(null, 0)
    },
    stop() {
      close('interrupted')
      return pending
    },
  }
}
