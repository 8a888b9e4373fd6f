// Live throughput from the tunnel's byte counters in the status file: rates between two status
// writes, kept for a small chart. No extra request: it rides on the status poll.
import { signal, effect, type ReadonlySignal } from '@preact/signals'
import type { StatusSnapshot } from '../api/lanvpn'

/** Rates kept for the chart: about a minute at the 2 s poll. */
export const MAX_RATES = 30

/** Bytes per second in each direction over one interval. */
export type Rate = { rxBps: number; txBps: number }

/** The counters last seen and the rates so far. */
export type Throughput = { last: { atMs: number; rx: number; tx: number } | null; rates: Rate[] }

/** The next throughput after a status. A status without counters, or with counters that went
 * backwards (a new tunnel), starts over; the same status written twice changes nothing. Pure. */
export function nextThroughput(prev: Throughput, s: StatusSnapshot | null): Throughput {
  const rx = s?.tunnel?.rxBytes
  const tx = s?.tunnel?.txBytes
  const atMs = s?.updatedAt
  if (typeof rx !== 'number' || typeof tx !== 'number' || typeof atMs !== 'number')
    return prev.last === null && prev.rates.length === 0 ? prev : { last: null, rates: [] }
  const last = prev.last
  if (last && atMs === last.atMs) return prev
  if (!last || atMs < last.atMs || rx < last.rx || tx < last.tx)
    return { last: { atMs, rx, tx }, rates: last ? [] : prev.rates }
  const seconds = (atMs - last.atMs) / 1000
  const rate = { rxBps: (rx - last.rx) / seconds, txBps: (tx - last.tx) / seconds }
  return { last: { atMs, rx, tx }, rates: [...prev.rates, rate].slice(-MAX_RATES) }
}

/** Follows `status` into a throughput signal for as long as the page lives. */
export function createThroughput(
  status: ReadonlySignal<StatusSnapshot | null>
): ReadonlySignal<Throughput> {
  const out = signal<Throughput>({ last: null, rates: [] })
  effect(() => {
    const s = status.value
    out.value = nextThroughput(out.peek(), s)
  })
  return out
}
