// Live throughput from the tunnel's byte counters in the status file: rates between two status
// writes, kept for a chart of the last minutes. No extra request: it rides on the status poll.
// Kept for the tab's life in sessionStorage (aggregate rates only, in the browser's memory, never
// on the router), so a page load continues the chart; logging out forgets it.
import { signal, effect, type ReadonlySignal } from '../signals'
import type { StatusSnapshot } from '../api/lanvpn'
import type { LoginState } from './session'

/** The time the chart spans. */
export const WINDOW_MS = 5 * 60_000

/** Bits per second in each direction over the interval that ended at `atMs` (a status write). */
export type Rate = { atMs: number; rx: number; tx: number }

/** The counters last seen (with the location that counted them), the rates within the window, and
 * the time of the newest status. */
export type Throughput = {
  last: { atMs: number; rx: number; tx: number; profile: string } | null
  rates: Rate[]
  nowMs: number
}

/** No rates yet. */
export const NO_THROUGHPUT: Throughput = { last: null, rates: [], nowMs: 0 }

const STORAGE_KEY = 'lanvpn.traffic'

/** The next throughput after a status. A status without counters (no tunnel: disconnected, or
 * between two locations) adds a zero, so the line goes on at zero; counters that went back or
 * another location (a new tunnel restarts its counters) only set a new baseline, so there is no
 * spike. The same status twice, or none, changes nothing. Pure. */
export function nextThroughput(prev: Throughput, s: StatusSnapshot | null): Throughput {
  const nowMs = s?.updatedAt
  if (typeof nowMs !== 'number' || nowMs <= prev.nowMs) return prev
  const rates = prev.rates.filter((r) => r.atMs > nowMs - WINDOW_MS)
  const rx = s?.tunnel?.rxBytes
  const tx = s?.tunnel?.txBytes
  if (typeof rx !== 'number' || typeof tx !== 'number')
    return { last: null, rates: [...rates, { atMs: nowMs, rx: 0, tx: 0 }], nowMs }
  const last = prev.last
  const profile = s?.tunnel?.profile ?? ''
  const next = { last: { atMs: nowMs, rx, tx, profile }, rates, nowMs }
  if (!last || rx < last.rx || tx < last.tx || profile !== last.profile) return next
  const k = 8000 / (nowMs - last.atMs)
  rates.push({ atMs: nowMs, rx: (rx - last.rx) * k, tx: (tx - last.tx) * k })
  return next
}

/** Follows `status` into a throughput signal for as long as the page lives, starting from what
 * this tab kept before a reload. */
export function createThroughput(
  status: ReadonlySignal<StatusSnapshot | null>,
  loginState: ReadonlySignal<LoginState>
): ReadonlySignal<Throughput> {
  let saved = NO_THROUGHPUT
  try {
    saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY)!) ?? saved
  } catch {
    // nothing kept, or storage disabled
  }
  const out = signal(saved)
  effect(() => {
    const next =
      loginState.value === 'loggedOut' ? NO_THROUGHPUT : nextThroughput(out.peek(), status.value)
    if (next === out.peek()) return
    out.value = next
    try {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next))
    } catch {
      // not kept across a reload; the chart itself still works
    }
  })
  return out
}
