// When to read the WAN, ask an IP echo and register: a pure state machine,
// `step(state, event, nowMs) → { state, actions }`, driven by daemon/mediastreamer.ts.
//
// Every interval is on the MONOTONIC clock: a router's wall clock starts in 1970 and jumps when
// NTP syncs, which must neither fire a storm of checks nor silence them for 50 years.
//
// Rules it keeps (product.md, MediaStreamer; issue 5):
// - exactly one registration per real change of the public address (the same address seen again,
//   a config reload that changed nothing, or an ifupdate with nothing new sends nothing);
// - at most one echo per ECHO_INTERVAL_MS at steady state, never two within ECHO_MIN_GAP_MS;
//   none at all while the WAN address is public;
// - `stop` answers (badauth, abuse, nohost, …) stop everything until the settings change or the
//   user asks to register now; `wait` answers (911, dnserr, 5xx) pause at least 30 minutes and
//   "register now" does not override that; other failures retry after a growing pause;
// - results of requests made under older settings are ignored (each request carries a seq).
import { classifyWan, ipv4Scope, needsEcho, publicAddress } from './classify'
import type { WanKind } from './classify'
import type { RegisterOutcome } from './register'

/** Steady-state period of WAN reads and (for a non-public WAN) IP-echo queries. */
export const CHECK_INTERVAL_MS = 10 * 60_000
/** Echo queries are never closer than this, whatever events come in. */
export const ECHO_MIN_GAP_MS = 60_000
/** The provider's rule for 911, dnserr and 5xx: no sooner than 30 minutes. */
export const PROVIDER_WAIT_MS = 30 * 60_000
/** Pauses after failures that are probably ours (timeouts, network), growing, then staying. */
export const RETRY_PAUSES_MS: readonly number[] = [60_000, 5 * 60_000, 15 * 60_000, 30 * 60_000]

/** What the scheduler needs of the settings. `fingerprint` changes whenever anything the
 * registration depends on does (options, secrets, WAN interface); the driver computes it. */
export type MsSettings = { enabled: boolean; fingerprint: string; echoUrls: readonly string[] }

/** What happens to the scheduler.
 * - `start`: the daemon started (everything is forgotten: nothing about IPs is persisted);
 * - `settingsChanged`: a config load (enable, disable, change, or the same settings again);
 * - `wanEvent`: hotplug said the WAN went up or changed: read it now;
 * - `wanChanged`: the WAN as read (address null: none), answering a `readWan` action;
 * - `timer`: the timer of the last `timer` action fired;
 * - `echoResult`/`registerResult`: answers to `echo`/`register` actions (same seq);
 * - `registerNow`: the user asked (rpc/CLI). */
export type MsEvent =
  | { kind: 'start'; settings: MsSettings }
  | { kind: 'settingsChanged'; settings: MsSettings }
  | { kind: 'wanEvent' }
  | { kind: 'wanChanged'; address: string | null }
  | { kind: 'timer' }
  | { kind: 'echoResult'; seq: number; address: string | null; message: string }
  | { kind: 'registerResult'; seq: number; outcome: RegisterOutcome }
  | { kind: 'registerNow' }

/** What the driver must do. `timer` replaces any earlier timer (atMs: monotonic); `cancelTimer`
 * clears it. `readWan` is answered with `wanChanged`, `echo` with `echoResult`, `register` with
 * `registerResult`, each carrying the seq it was given. */
export type MsAction =
  | { kind: 'readWan' }
  | { kind: 'echo'; seq: number; url: string }
  | { kind: 'register'; seq: number; ip: string }
  | { kind: 'timer'; atMs: number }
  | { kind: 'cancelTimer' }

/** The state shown to the user (status.mediastreamer.state). */
export type MsStateName =
  'off' | 'checking' | 'registering' | 'registered' | 'backoff' | 'stopped' | 'cgnat' | 'error'

/** The last registration attempt: when (monotonic), how it went, in plain words. */
export type MsAttempt = {
  atMs: number
  result: 'ok' | 'refused' | 'wait' | 'failed'
  message: string
}

/** The scheduler's whole state: plain data, safe to keep and compare. Holds addresses in RAM only;
 * never written to a file or a log (see viewOf for what leaves it). */
export type MsSchedulerState = {
  settings: MsSettings | null
  /** `idle` runs normally; `stopped` waits for the user; `backoff` waits until backoffUntilMs. */
  phase: 'idle' | 'stopped' | 'backoff'
  backoffUntilMs: number
  /** Whether the backoff is the provider's rule ("register now" may not override it). */
  isProviderWait: boolean
  retries: number
  seq: number
  inflight: { kind: 'echo' | 'register' | 'wan'; seq: number; ip: string } | null
  /** The WAN address last read, and whether any read has happened yet. */
  wanAddress: string | null
  hasReadWan: boolean
  /** Echo answer for the current WAN address (null: none yet or it failed). */
  echoAddress: string | null
  lastEchoAtMs: number | null
  /** When the next echo is wanted (null: none needed). */
  echoDueAtMs: number | null
  echoIndex: number
  nextWanReadAtMs: number
  /** A read of the WAN is wanted as soon as nothing is in flight. */
  isWanReadWanted: boolean
  /** The address registered under the current settings. */
  registeredIp: string | null
  /** The pending WAN read was asked for by hotplug (an echo may be due even if nothing changed). */
  isEventRead: boolean
  /** "Register now": register once even if this address is registered already. */
  isForced: boolean
  lastAttempt: MsAttempt | null
  /** A plain-words note for a refused "register now" or an echo failure; cleared by progress. */
  note: string
  timerAtMs: number | null
}

/** The state before any event: off. */
export function initialState(): MsSchedulerState {
  return {
    settings: null,
    phase: 'idle',
    backoffUntilMs: 0,
    isProviderWait: false,
    retries: 0,
    seq: 0,
    inflight: null,
    wanAddress: null,
    hasReadWan: false,
    echoAddress: null,
    lastEchoAtMs: null,
    echoDueAtMs: null,
    echoIndex: 0,
    nextWanReadAtMs: 0,
    isWanReadWanted: false,
    isEventRead: false,
    registeredIp: null,
    isForced: false,
    lastAttempt: null,
    note: '',
    timerAtMs: null,
  }
}

const isOn = (s: MsSchedulerState): boolean => s.settings?.enabled === true

/** Forgets everything learned under earlier settings, keeping the clock-related echo spacing
 * (a settings change must not allow an echo storm). */
function reset(s: MsSchedulerState, settings: MsSettings, now: number): void {
  // seq keeps counting so a result of a request made before the reset can never match a new one.
  const { lastEchoAtMs, timerAtMs, seq } = s
  Object.assign(s, initialState(), { settings, lastEchoAtMs, timerAtMs, seq })
  if (settings.enabled) {
    s.isWanReadWanted = true
    s.nextWanReadAtMs = now
  }
}

function onWanChanged(s: MsSchedulerState, address: string | null, now: number): void {
  const changed = !s.hasReadWan || address !== s.wanAddress
  s.hasReadWan = true
  s.nextWanReadAtMs = now + CHECK_INTERVAL_MS
  if (changed) {
    s.wanAddress = address
    s.echoAddress = null
    s.echoIndex = 0
    s.echoDueAtMs = needsEcho(address) ? now : null
  } else if (needsEcho(address) && (s.isEventRead || s.echoDueAtMs === null)) {
    // Hotplug on a private WAN: the box in front may have a new public address. Ask now (the
    // ECHO_MIN_GAP_MS spacing still applies).
    s.echoDueAtMs = Math.min(s.echoDueAtMs ?? now, now)
  }
  s.isEventRead = false
}

function onRegisterResult(s: MsSchedulerState, ip: string, o: RegisterOutcome, now: number): void {
  const result = { ok: 'ok', stop: 'refused', wait: 'wait', retry: 'failed' } as const
  s.lastAttempt = { atMs: now, result: result[o.next], message: o.message }
  s.note = ''
  if (o.next === 'ok') {
    s.registeredIp = ip
    s.retries = 0
  } else if (o.next === 'stop') {
    s.phase = 'stopped'
  } else if (o.next === 'wait') {
    s.phase = 'backoff'
    s.isProviderWait = true
    s.backoffUntilMs = now + PROVIDER_WAIT_MS
  } else {
    s.phase = 'backoff'
    s.isProviderWait = false
    s.backoffUntilMs = now + RETRY_PAUSES_MS[Math.min(s.retries, RETRY_PAUSES_MS.length - 1)]
    s.retries += 1
  }
}

function onEchoResult(s: MsSchedulerState, address: string | null, message: string, now: number) {
  const urls = s.settings?.echoUrls ?? []
  if (address !== null && ipv4Scope(address) === 'public') {
    s.echoAddress = address
    s.echoDueAtMs = now + CHECK_INTERVAL_MS
    s.note = ''
    return
  }
  // No usable answer: try the next service after the minimum gap; after a full round, wait.
  s.note = `asking for the public address failed: ${message}`
  s.echoIndex += 1
  const roundDone = urls.length === 0 || s.echoIndex % urls.length === 0
  s.echoDueAtMs = now + (roundDone ? CHECK_INTERVAL_MS : ECHO_MIN_GAP_MS)
}

function onRegisterNow(s: MsSchedulerState, now: number): void {
  if (!isOn(s)) {
    s.note = 'MediaStreamer is off: turn it on first'
    return
  }
  if (s.phase === 'backoff' && s.isProviderWait) {
    s.note = 'the provider asked to wait; the next try is scheduled'
    return
  }
  s.phase = 'idle'
  s.retries = 0
  s.isForced = true
  s.isWanReadWanted = true
  s.note = ''
  if (needsEcho(s.wanAddress)) s.echoDueAtMs = now
}

function armTimer(s: MsSchedulerState, at: number | null, out: MsAction[]): void {
  if (at === s.timerAtMs) return
  s.timerAtMs = at
  out.push(at === null ? { kind: 'cancelTimer' } : { kind: 'timer', atMs: at })
}

// Decides the next request, if any, and the timer. Runs after every event.
function advance(s: MsSchedulerState, now: number, out: MsAction[]): void {
  if (!isOn(s) || s.phase === 'stopped') return armTimer(s, null, out)
  if (s.inflight) return armTimer(s, null, out)
  if (s.phase === 'backoff') {
    if (now < s.backoffUntilMs) return armTimer(s, s.backoffUntilMs, out)
    s.phase = 'idle'
    s.isWanReadWanted = true
  }
  if (now >= s.nextWanReadAtMs) s.isWanReadWanted = true
  if (s.isWanReadWanted) {
    s.isWanReadWanted = false
    s.seq += 1
    s.inflight = { kind: 'wan', seq: s.seq, ip: '' }
    out.push({ kind: 'readWan' })
    return armTimer(s, null, out)
  }
  const wake: number[] = [s.nextWanReadAtMs]
  const urls = s.settings?.echoUrls ?? []
  if (s.echoDueAtMs !== null && urls.length > 0) {
    // "Register now" may ask at once; anything else keeps the minimum gap between echoes.
    const gapEnd = s.isForced || s.lastEchoAtMs === null ? now : s.lastEchoAtMs + ECHO_MIN_GAP_MS
    const at = Math.max(s.echoDueAtMs, gapEnd)
    if (now >= at) {
      s.seq += 1
      s.inflight = { kind: 'echo', seq: s.seq, ip: '' }
      s.lastEchoAtMs = now
      out.push({ kind: 'echo', seq: s.seq, url: urls[s.echoIndex % urls.length] })
      return armTimer(s, null, out)
    }
    wake.push(at)
  }
  const ip = publicAddress(s.wanAddress, s.echoAddress)
  if (ip !== null && (ip !== s.registeredIp || s.isForced)) {
    s.isForced = false
    s.seq += 1
    s.inflight = { kind: 'register', seq: s.seq, ip }
    out.push({ kind: 'register', seq: s.seq, ip })
    return armTimer(s, null, out)
  }
  if (s.isForced && classifyWan(s.wanAddress, s.echoAddress) === 'cgnat') {
    s.isForced = false
    s.note = 'not registered: behind carrier-grade NAT registration cannot work'
  }
  armTimer(s, Math.min(...wake), out)
}

/** One step: the new state and what to do. Pure and total: every event is accepted in every
 * state (stale results and unexpected events change nothing). */
export function step(
  prev: MsSchedulerState,
  event: MsEvent,
  nowMs: number
): { state: MsSchedulerState; actions: MsAction[] } {
  const s: MsSchedulerState = { ...prev }
  const out: MsAction[] = []
  switch (event.kind) {
    case 'start':
      reset(s, event.settings, nowMs)
      break
    case 'settingsChanged': {
      const old = s.settings
      const same =
        old !== null &&
        old.enabled === event.settings.enabled &&
        old.fingerprint === event.settings.fingerprint
      if (!same) reset(s, event.settings, nowMs)
      else s.settings = event.settings
      break
    }
    case 'wanEvent':
      if (isOn(s)) {
        s.isWanReadWanted = true
        s.isEventRead = true
      }
      break
    case 'wanChanged':
      if (s.inflight?.kind === 'wan') s.inflight = null
      if (isOn(s)) onWanChanged(s, event.address, nowMs)
      break
    case 'timer':
      s.timerAtMs = null
      break
    case 'echoResult':
      if (s.inflight?.kind !== 'echo' || s.inflight.seq !== event.seq) break
      s.inflight = null
      onEchoResult(s, event.address, event.message, nowMs)
      break
    case 'registerResult': {
      if (s.inflight?.kind !== 'register' || s.inflight.seq !== event.seq) break
      const ip = s.inflight.ip
      s.inflight = null
      onRegisterResult(s, ip, event.outcome, nowMs)
      break
    }
    case 'registerNow':
      onRegisterNow(s, nowMs)
      break
  }
  advance(s, nowMs, out)
  return { state: s, actions: out }
}

/** What the user sees (status.mediastreamer, minus wall-clock conversion): no address. */
export type MsView = {
  enabled: boolean
  state: MsStateName
  wanKind: WanKind
  lastAttempt: MsAttempt | null
  /** Monotonic ms of the next planned check, or null. */
  nextCheckAtMs: number | null
  /** The state in words, without the WAN's kind when `explainsWan` (then '' or 'Registered.'). */
  message: string
  /** Whether the WAN's kind is what the state says (after `message`): the English is in
   * lanvpn-cli (wan-text.ts), the web UI has its own (ms.wan.*), so the daemon carries neither. */
  explainsWan: boolean
  /** A plain-words note on the last event ('' none), said after both. */
  note: string
}

/** The user's view of a state. */
export function viewOf(s: MsSchedulerState): MsView {
  const enabled = isOn(s)
  const wanKind = s.hasReadWan ? classifyWan(s.wanAddress, s.echoAddress) : 'unknown'
  const base = { enabled, wanKind, lastAttempt: s.lastAttempt, nextCheckAtMs: s.timerAtMs }
  const say = (state: MsStateName, message: string, explainsWan = false): MsView => ({
    ...base,
    state,
    message,
    explainsWan,
    note: s.note,
  })
  if (!enabled) return { ...say('off', 'MediaStreamer registration is off.'), nextCheckAtMs: null }
  if (s.phase === 'stopped')
    return say(
      'stopped',
      `Stopped: ${s.lastAttempt?.message ?? 'refused'}. Check the settings, then save them or press Register now.`
    )
  if (s.inflight?.kind === 'register') return say('registering', 'Registering the WAN address…')
  if (s.phase === 'backoff')
    return say('backoff', `Waiting before the next try: ${s.lastAttempt?.message ?? 'it failed'}.`)
  if (s.inflight || !s.hasReadWan) return say('checking', 'Checking the WAN address…')
  if (wanKind === 'cgnat') return say('cgnat', '', true)
  if (wanKind === 'unknown') return say('error', '', true)
  const ip = publicAddress(s.wanAddress, s.echoAddress)
  if (ip === null) return say('error', '', true)
  if (ip === s.registeredIp) return say('registered', 'Registered.', true)
  return say('checking', '', true)
}
