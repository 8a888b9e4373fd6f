// The MediaStreamer driver the daemon owns: feeds config loads, hotplug events, "register now"
// and its own timer into the pure scheduler (core/mediastreamer/scheduler.ts) and carries out the
// actions it returns — WAN reads, IP echoes and registrations, all through the WAN device.
//
// Privacy: addresses live only in the scheduler's RAM state. Nothing here logs or publishes an
// address, a host name or a token (product.md, Privacy rules).
import { errorText } from '../core/errors'
import { ipv4Scope } from '../core/mediastreamer/classify'
import { buildRegistration, judgeRegistration } from '../core/mediastreamer/register'
import { REQUEST_MAX_TIME_S, type MsSecrets } from '../core/mediastreamer/register'
import { initialState, step, viewOf } from '../core/mediastreamer/scheduler'
import type { MsAction, MsEvent, MsSchedulerState } from '../core/mediastreamer/scheduler'
import type { Config, Mediastreamer } from '../core/config/types'
import { fnv1a } from '../core/hash'
import type { HttpOutcome } from '../core/observe/curl'
import type { WanObservation } from '../core/observe/wan'
import type { Paths } from '../core/paths'
import type { HttpRequest } from '../core/render/curl'
import type { Host, TimerHandle } from '../host/host'
import type { MediastreamerStatus } from '../core/api/status'
import { readSecret } from '../system/files'
import { echoRequest, httpRequest } from '../system/http'
import { observeWan } from '../system/wan'

/** What the driver uses of the outside world; tests replace parts. */
export type MediastreamerDeps = {
  observeWan?: (host: Host, iface: string) => Promise<WanObservation | null>
  request?: (host: Host, req: HttpRequest) => Promise<HttpOutcome>
  /** Called whenever status() would answer differently, so the daemon can publish it. */
  onStatusChange?: () => void
}

/** The driver's face to the daemon. Every method returns at once; work continues on timers and
 * exec callbacks. Safe to call onConfig with the same config again (nothing is sent). */
export type MediastreamerDriver = {
  /** Every config load (start and each reload). The first call is the start. */
  onConfig(config: Config): void
  /** The WAN interface went up or changed (hotplug ifup/ifupdate): re-read it now. */
  onWanEvent(): void
  /** A daemon request (system/requests.ts) for MediaStreamer. */
  onRequest(kind: 'register-now'): void
  /** The status for status.mediastreamer: no address in it. */
  status(): MediastreamerStatus
  /** Cancels the timer and ignores every later answer. */
  stop(): void
}

/** Creates the driver; it does nothing until the first onConfig. */
export function createMediastreamer(
  host: Host,
  paths: Paths,
  deps: MediastreamerDeps = {}
): MediastreamerDriver {
  const readWan = deps.observeWan ?? observeWan
  const request = deps.request ?? httpRequest
  let state: MsSchedulerState = initialState()
  let settings: Mediastreamer | null = null
  let wanInterface = 'wan'
  let device = ''
  let timer: TimerHandle | null = null
  let isStarted = false
  let isStopped = false

  const secrets = (): MsSecrets => ({
    token: readSecret(host, paths, 'ms_token') ?? '',
    password: readSecret(host, paths, 'ms_password') ?? '',
  })

  const dispatch = (event: MsEvent): void => {
    if (isStopped) return
    const before = JSON.stringify(viewOf(state))
    const next = step(state, event, host.monotonicMs())
    state = next.state
    for (const action of next.actions) perform(action)
    if (JSON.stringify(viewOf(state)) !== before) deps.onStatusChange?.()
  }

  // Answers always come back as events, even when something throws: the scheduler waits for them.
  const later = (work: () => Promise<MsEvent>, fallback: (e: unknown) => MsEvent): void => {
    work().then(dispatch, (e: unknown) => dispatch(fallback(e)))
  }

  const cancelTimer = () => {
    if (timer) host.clearTimeout(timer)
    timer = null
  }

  const perform = (action: MsAction): void => {
    switch (action.kind) {
      case 'timer': {
        cancelTimer()
        const delay = Math.max(0, action.atMs - host.monotonicMs())
        timer = host.setTimeout(() => {
          timer = null
          dispatch({ kind: 'timer' })
        }, delay)
        return
      }
      case 'cancelTimer':
        return cancelTimer()
      case 'readWan':
        return later(
          async () => {
            const wan = await readWan(host, wanInterface)
            device = wan?.device ?? ''
            return { kind: 'wanChanged', address: wan?.address ?? null }
          },
          () => ({ kind: 'wanChanged', address: null })
        )
      case 'echo': {
        const answer = (address: string | null, message: string): MsEvent => ({
          kind: 'echoResult',
          seq: action.seq,
          address,
          message,
        })
        return later(
          async () => {
            const res = await request(host, echoRequest(action.url, device, REQUEST_MAX_TIME_S))
            if (!res.ok) return answer(null, res.message)
            const text = res.body.trim()
            return res.status === 200 && ipv4Scope(text) !== 'invalid'
              ? answer(text, '')
              : answer(null, 'the IP-echo service gave no address')
          },
          (e) => answer(null, errorText(e))
        )
      }
      case 'register': {
        const ms = settings
        if (!ms) return
        host.log('info', 'mediastreamer: registering the WAN address')
        return later(
          async () => {
            const req = buildRegistration(ms, secrets(), action.ip, device)
            const outcome = judgeRegistration(ms, await request(host, req))
            const level = outcome.next === 'ok' ? 'notice' : 'warning'
            host.log(level, `mediastreamer: ${outcome.message}`)
            return { kind: 'registerResult', seq: action.seq, outcome }
          },
          (e) => ({
            kind: 'registerResult',
            seq: action.seq,
            outcome: { next: 'retry', message: `registering: ${errorText(e)}` },
          })
        )
      }
    }
  }

  return {
    onConfig(config) {
      settings = config.mediastreamer
      wanInterface = config.globals.wanInterface
      const s = secrets()
      // The secrets count as settings: a new password must lift a `badauth` stop. Only their hash
      // is kept, in RAM.
      const fingerprint = fnv1a(
        JSON.stringify([settings, wanInterface, fnv1a(s.token), fnv1a(s.password)])
      )
      const ms = { enabled: settings.enabled, fingerprint, echoUrls: settings.ipEchoUrls.slice() }
      dispatch({ kind: isStarted ? 'settingsChanged' : 'start', settings: ms })
      isStarted = true
    },
    onWanEvent() {
      dispatch({ kind: 'wanEvent' })
    },
    onRequest(kind) {
      if (kind === 'register-now') dispatch({ kind: 'registerNow' })
    },
    status() {
      const { lastAttempt: last, nextCheckAtMs: next, ...view } = viewOf(state)
      const mono = host.monotonicMs()
      // Monotonic times become wall times at the moment of reading, so an NTP jump between the
      // event and now cannot show a date in 1970.
      const toWall = (atMs: number) => host.wallMs() - (mono - atMs)
      return {
        ...view,
        lastAttempt: last && {
          atWallMs: toWall(last.atMs),
          result: last.result,
          message: last.message,
        },
        nextCheckWallMs: next === null ? 0 : toWall(next),
      }
    },
    stop() {
      isStopped = true
      cancelTimer()
    },
  }
}
