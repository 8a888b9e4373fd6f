// The tunnel's life as a pure state machine: connect, probe, declare an outage, recover, fail over
// down the ordered list. Time is the monotonic clock, passed in (the wall clock jumps at NTP sync).
// The kill switch does not live here: it holds whatever state this is in.
import type { TunnelState } from '../api/status'
import { SENTENCES } from '../messages'

export type HealthState = {
  phase: TunnelState
  /** Profile ids to try, in order: the active one, then the fallback list. */
  candidates: string[]
  /** Index into candidates of the profile in use. */
  index: number
  /** When the phase began (monotonic ms). */
  sinceMs: number
  /** Consecutive failed probes. */
  failures: number
  /** Why the tunnel is not connected, in plain words ('' when it is). */
  reason: string
  /** Bring-up attempts of the current candidate that failed in a row (for backoff). */
  attempts: number
  /** Set-ups that failed in a row over every location (a missing tool fails them all): once
   * each location has failed, the list is tried again only after `setupRetryMs(setupRounds)`. */
  setupFailures: number
  /** Rounds of the whole list that failed to set up in a row: the retry pause grows with them. */
  setupRounds: number
  /** When a probe last succeeded (monotonic ms). */
  lastOkMs: number
  /** When a probe last found the router offline (monotonic ms): the failover clock starts again
   * from there, since no location could have answered before. */
  offlineAtMs: number
  /** On a fallback: when the first location was last asked whether it answers again, and how
   * many times in a row it did. */
  checkedAtMs: number
  preferredAnswers: number
}

export type HealthEvent =
  | { kind: 'want'; candidates: string[] }
  | { kind: 'up-result'; ok: boolean; reason?: string }
  /** `isDown`: the tunnel is not set up at all (its last set-up failed), so there was nothing to
   * probe. `isOffline`: the router has no route to the VPN server (its WAN is down). */
  | { kind: 'probe'; ok: boolean; isDown?: boolean; isOffline?: boolean }
  /** The interface vanished underneath us (deleted, module unloaded, wireguard-go killed). */
  | { kind: 'lost' }
  /** Whether the first location's server completed a handshake, asked on the side while a
   * fallback carries the traffic. */
  | { kind: 'preferred'; ok: boolean }

export type HealthAction =
  | { kind: 'bring-up'; profile: string }
  | { kind: 'tear-down' }
  | { kind: 'reresolve'; profile: string }
  | { kind: 'check-preferred'; profile: string }

/** Tuning, from the health interval the user chose (2–60 s). */
export type HealthTuning = {
  intervalMs: number
  /** Silence after the last good probe that makes an outage. A probe takes up to its 2 s timeout
   * plus the interval, so 10 s keeps detection within the 15 s budget (product.md) for the
   * default 5 s interval. */
  outageAfterMs: number
  /** Failed probes in a row needed as well, so one lost packet is no outage. */
  minFailures: number
  /** How long a location that stopped answering (the only one), or one failed over to, may stay
   * silent before it is asked again or the next location is tried. */
  failoverAfterMs: number
  /** How long a connection attempt may take before it counts as failed. */
  connectTimeoutMs: number
  /** On a fallback, how often the first location is asked whether it answers again, and how many
   * answers in a row bring the traffic back to it (hysteresis: no flapping on one answer). */
  failbackCheckMs: number
  failbackAnswers: number
}

/** Detection within 15 s, and failover once WireGuard has had a few handshake retries (every 5 s
 * on its own) without us fighting them. */
export function tuning(intervalSeconds: number): HealthTuning {
  return {
    intervalMs: intervalSeconds * 1000,
    outageAfterMs: 10_000,
    minFailures: 2,
    failoverAfterMs: 30_000,
    connectTimeoutMs: 20_000,
    failbackCheckMs: Math.max(20_000, intervalSeconds * 10_000),
    failbackAnswers: 3,
  }
}

/** The reason while the router itself has no way out: said apart from a silent server, so that a
 * household looks at its internet connection rather than at the VPN provider. */
export const OFFLINE_REASON = SENTENCES.wanDown

/** The reason while the traffic goes back to the first location, which answers again. */
export const BACK_REASON = SENTENCES.goingBack

/** The pause before the locations are set up again after every one of them failed to (a tool
 * missing during an upgrade, a module still loading), by rounds failed in a row: 5 s, doubling to
 * at most 2 minutes, so a lasting fault costs a failed spawn now and then and a passing one is
 * over within seconds. */
export function setupRetryMs(rounds: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, rounds - 1), 120_000)
}

/** A tunnel that is not wanted. */
export function initialHealth(nowMs: number): HealthState {
  return {
    phase: 'disconnected',
    candidates: [],
    index: 0,
    sinceMs: nowMs,
    failures: 0,
    reason: '',
    attempts: 0,
    setupFailures: 0,
    setupRounds: 0,
    lastOkMs: nowMs,
    offlineAtMs: nowMs,
    checkedAtMs: nowMs,
    preferredAnswers: 0,
  }
}

/** The profile in use, or null. */
export function currentProfile(s: HealthState): string | null {
  return s.phase === 'disconnected' ? null : (s.candidates[s.index] ?? null)
}

function enter(s: HealthState, phase: TunnelState, nowMs: number, reason = ''): HealthState {
  return { ...s, phase, sinceMs: phase === s.phase ? s.sinceMs : nowMs, reason }
}

function next(
  s: HealthState,
  nowMs: number,
  reason: string
): { state: HealthState; actions: HealthAction[] } {
  // Move down the list (wrapping) while the kill switch holds; with one location, retry it.
  const index = s.candidates.length > 1 ? (s.index + 1) % s.candidates.length : s.index
  const moved = index !== s.index
  const state = {
    ...enter(s, 'reconnecting', nowMs, reason),
    index,
    failures: 0,
    attempts: moved ? 0 : s.attempts + 1,
    checkedAtMs: nowMs,
    preferredAnswers: 0,
  }
  state.sinceMs = nowMs
  return { state, actions: [{ kind: 'bring-up', profile: state.candidates[index] }] }
}

/** One step. Same input, same output. */
export function stepHealth(
  s: HealthState,
  e: HealthEvent,
  nowMs: number,
  t: HealthTuning
): { state: HealthState; actions: HealthAction[] } {
  switch (e.kind) {
    case 'want': {
      if (e.candidates.length === 0) {
        if (s.phase === 'disconnected') return { state: { ...s, candidates: [] }, actions: [] }
        return { state: { ...initialHealth(nowMs), reason: '' }, actions: [{ kind: 'tear-down' }] }
      }
      const sameFirst = s.candidates[0] === e.candidates[0]
      if (sameFirst && s.phase !== 'disconnected') {
        // Fallback list edits do not interrupt a working tunnel; keep using the current profile.
        const keep = e.candidates.indexOf(s.candidates[s.index])
        return {
          state: { ...s, candidates: e.candidates, index: keep >= 0 ? keep : 0 },
          actions: [],
        }
      }
      const state: HealthState = {
        ...initialHealth(nowMs),
        phase: 'connecting',
        candidates: e.candidates,
      }
      return { state, actions: [{ kind: 'bring-up', profile: e.candidates[0] }] }
    }
    case 'up-result': {
      if (s.phase === 'disconnected') return { state: s, actions: [] }
      if (e.ok)
        return { state: { ...s, failures: 0, setupFailures: 0, setupRounds: 0 }, actions: [] }
      const setupFailures = s.setupFailures + 1
      const rounds = Math.floor(setupFailures / Math.max(1, s.candidates.length))
      if (setupFailures % Math.max(1, s.candidates.length) !== 0)
        return next({ ...s, setupFailures }, nowMs, e.reason ?? SENTENCES.setupFailed)
      // Every location failed to set up: wait before the next round (see `isDown` below), on
      // the next location, instead of spinning through the list. The pause counts from now, not
      // from when the set-up began (a name lookup may take its time to fail).
      return {
        state: {
          ...enter(s, 'failed', nowMs, e.reason ?? SENTENCES.setupFailed),
          sinceMs: nowMs,
          index: (s.index + 1) % Math.max(1, s.candidates.length),
          attempts: s.attempts + 1,
          setupFailures,
          setupRounds: rounds,
        },
        actions: [],
      }
    }
    case 'preferred': {
      if (s.phase !== 'connected' || s.index === 0) return { state: s, actions: [] }
      const preferredAnswers = e.ok ? s.preferredAnswers + 1 : 0
      if (preferredAnswers < t.failbackAnswers)
        return { state: { ...s, preferredAnswers }, actions: [] }
      // It answered steadily: back to it. Should it fail to connect after all, the usual failover
      // takes the traffic down the list again.
      const state = {
        ...enter(s, 'reconnecting', nowMs, BACK_REASON),
        index: 0,
        failures: 0,
        attempts: 0,
        preferredAnswers: 0,
      }
      return { state, actions: [{ kind: 'bring-up', profile: s.candidates[0] }] }
    }
    case 'lost': {
      if (s.phase === 'disconnected') return { state: s, actions: [] }
      // Build the same location again at once; failover stays for servers that do not answer.
      const state = {
        ...enter(s, 'reconnecting', nowMs, SENTENCES.interfaceGone),
        failures: 0,
      }
      return { state, actions: [{ kind: 'bring-up', profile: s.candidates[s.index] }] }
    }
    case 'probe': {
      if (s.phase === 'disconnected') return { state: s, actions: [] }
      if (e.isDown) {
        // Nothing was set up: only a failed set-up is tried again, after its pause.
        if (s.phase !== 'failed' || nowMs - s.sinceMs < setupRetryMs(s.setupRounds))
          return { state: s, actions: [] }
        return {
          state: { ...s, sinceMs: nowMs },
          actions: [{ kind: 'bring-up', profile: s.candidates[s.index] }],
        }
      }
      if (e.ok) {
        // Recovery adds no delay: the first answer means connected.
        const state = {
          ...enter(s, 'connected', nowMs),
          failures: 0,
          attempts: 0,
          lastOkMs: nowMs,
        }
        // On a fallback: ask now and then whether the first location answers again.
        if (s.index === 0 || nowMs - s.checkedAtMs < t.failbackCheckMs)
          return { state, actions: [] }
        return {
          state: { ...state, checkedAtMs: nowMs },
          actions: [{ kind: 'check-preferred', profile: s.candidates[0] }],
        }
      }
      const failures = s.failures + 1
      const base = { ...s, failures }
      if (s.phase === 'connected') {
        if (failures < t.minFailures || nowMs - s.lastOkMs < t.outageAfterMs)
          return { state: base, actions: [] }
        if (e.isOffline)
          return { state: enter(base, 'reconnecting', nowMs, OFFLINE_REASON), actions: [] }
        const why = SENTENCES.serverStopped
        // With another location to go to, go at once: traffic through it within 20 s of the
        // last answer (product.md), and the vpn devices closed off no longer than that.
        if (s.candidates.length > 1) return next(base, nowMs, why)
        const state = enter(base, 'reconnecting', nowMs, why)
        return { state, actions: [{ kind: 'reresolve', profile: s.candidates[s.index] }] }
      }
      // Offline, no location can answer and no name can be looked up: neither failover nor
      // re-resolving helps, and the tunnel sends again by itself once the WAN is back.
      if (e.isOffline)
        return {
          state: { ...enter(base, s.phase, nowMs, OFFLINE_REASON), offlineAtMs: nowMs },
          actions: [],
        }
      if (s.reason === OFFLINE_REASON) base.reason = SENTENCES.serverNotAnswering
      const limit = s.phase === 'connecting' ? t.connectTimeoutMs : t.failoverAfterMs
      if (nowMs - Math.max(s.sinceMs, s.offlineAtMs) >= limit) {
        const why = s.phase === 'connecting' ? SENTENCES.serverDidNotAnswer : SENTENCES.serverSilent
        if (s.candidates.length > 1) return next(base, nowMs, why)
        // One location: keep trying it (WireGuard retries by itself); re-resolve now and then.
        const state = {
          ...enter(base, 'failed', nowMs, why),
          sinceMs: nowMs,
          attempts: s.attempts + 1,
        }
        return { state, actions: [{ kind: 'reresolve', profile: s.candidates[s.index] }] }
      }
      return { state: base, actions: [] }
    }
  }
}
