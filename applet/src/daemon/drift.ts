// Drift noticed by events (core/observe/monitor.ts): `nft monitor`, `ip monitor rule` and `ip
// monitor link` run for as long as the daemon does, and a change to what lanvpn owns, or to the
// network devices the LAN may be on, asks for a reconcile within a tenth of a second; one of
// lanvpn's tables changed in part by another hand is named to it, to be applied anew. A monitor
// that ends (nft or ip missing, killed) is started again with backoff; the periodic reconcile
// covers the time in between.
import {
  isLinkChange,
  isNftGeneration,
  isRuleDrift,
  newNftTransaction,
  readNftLine,
  tamperedTables,
} from '../core/observe/monitor'
import type { Host, LineWatch, TimerHandle } from '../host/host'

/** Events are gathered this long into one reconcile (a flush deletes dozens of objects). */
const GATHER_MS = 100
/** At most one drift reconcile a second: if something keeps rewriting the rules, lanvpn repairs
 * them once a second rather than fighting it in a tight loop. */
const MIN_GAP_MS = 1000
/** See watchDrift's `transaction`. */
const TRANSACTION_MAX = 100_000
const RESTART_MIN_MS = 1000
const RESTART_MAX_MS = 60_000

type Monitor = { argv: string[]; isDrift: (line: string) => boolean }

/** Starts the monitors; `onDrift` runs once for each burst of events, with the tables another hand
 * changed in part since the last (tamperedTables). `ownDevices`: lanvpn's own network devices,
 * whose coming and going is no drift. Returns stop(). */
export function watchDrift(
  host: Host,
  onDrift: (tampered: string[]) => void,
  ownDevices: string[] = []
): { stop(): void } {
  const tampered = new Set<string>()
  /** The current transaction as read so far, taken whole at its generation line (or, should an
   * nft print none, every TRANSACTION_MAX lines: a false alarm costs one apply). */
  let transaction = newNftTransaction()
  let lines = 0
  const nftLine = (line: string): boolean => {
    const drift = readNftLine(transaction, line)
    lines += 1
    if (!isNftGeneration(line) && lines < TRANSACTION_MAX) return drift
    const found = tamperedTables(transaction)
    transaction = newNftTransaction()
    lines = 0
    for (const t of found) tampered.add(t)
    return drift || found.length > 0
  }
  const monitors: Monitor[] = [
    { argv: ['nft', 'monitor'], isDrift: nftLine },
    { argv: ['ip', 'monitor', 'rule'], isDrift: isRuleDrift },
    { argv: ['ip', 'monitor', 'link'], isDrift: (line) => isLinkChange(line, ownDevices) },
  ]
  let stopped = false
  let pending: TimerHandle | null = null
  let lastRun = -Infinity
  const running: LineWatch[] = []
  const restarts = new Set<TimerHandle>()

  const drifted = (): void => {
    if (stopped || pending) return
    const wait = Math.max(GATHER_MS, lastRun + MIN_GAP_MS - host.monotonicMs())
    pending = host.setTimeout(() => {
      pending = null
      lastRun = host.monotonicMs()
      const tables = [...tampered]
      tampered.clear()
      onDrift(tables)
    }, wait)
  }

  const start = (m: Monitor, delay: number): void => {
    if (stopped) return
    const startedAt = host.monotonicMs()
    const watch = host.watch(
      m.argv,
      (line) => {
        if (m.isDrift(line)) drifted()
      },
      (code) => {
        running.splice(running.indexOf(watch), 1)
        if (m.isDrift === nftLine) [transaction, lines] = [newNftTransaction(), 0]
        // A monitor that ran a while failed afresh: start over from the shortest wait.
        const next = host.monotonicMs() - startedAt > RESTART_MAX_MS ? RESTART_MIN_MS : delay
        // Said once for a series of failures (an `ip` without monitor would say it every minute).
        if (next === RESTART_MIN_MS)
          host.log('warning', `${m.argv.join(' ')} ended (exit ${code}); trying again with backoff`)
        const timer = host.setTimeout(() => {
          restarts.delete(timer)
          start(m, Math.min(next * 2, RESTART_MAX_MS))
        }, next)
        restarts.add(timer)
        // What happened while it was not watching is unknown: look once.
        drifted()
      }
    )
    running.push(watch)
  }

  for (const m of monitors) start(m, RESTART_MIN_MS)
  return {
    stop() {
      stopped = true
      if (pending) host.clearTimeout(pending)
      for (const t of restarts) host.clearTimeout(t)
      restarts.clear()
      for (const w of running.splice(0)) w.stop()
    },
  }
}
