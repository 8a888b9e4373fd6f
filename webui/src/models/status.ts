// The daemon's status, polled from its status file through rpcd's `file.read` (no process is
// spawned per poll, product.md Budgets). Polls only while the page is visible and someone is
// logged in; an expired session parks the poll until the re-login, keeping the last status shown.
import { effect, signal, type ReadonlySignal } from '../signals'
import type { StatusSnapshot } from '../api/lanvpn'
import { asError } from '../api/ubus'
import { LoggedOutError, type LoginState } from './session'

/** Never poll faster than this: every poll renews the session and wakes rpcd. */
export const MIN_POLL_MS = 2000

/** The status and its polling. */
export type StatusModel = {
  /** The last status read; null before the first read and after logout. */
  status: ReadonlySignal<StatusSnapshot | null>
  /** Why the last read failed (UbusError 4: no status file yet); null after a good read. */
  lastError: ReadonlySignal<Error | null>
  /** Starts polling (idempotent): one read now if visible, then every interval while visible. */
  start(): void
  /** Stops polling and ignores any read still on its way. */
  stop(): void
  /** Stops the model for good: also detaches it from the login state. */
  dispose(): void
}

/** What the model needs; tests pass their own document and reader. */
export type StatusModelOptions = {
  /** Reads and parses the status file (`createLanvpnApi(session).readStatusFile`). */
  read: () => Promise<StatusSnapshot>
  /** Polling runs while logged in (or expired: the parked read resumes), stops when logged out. */
  loginState: ReadonlySignal<LoginState>
  /** Clamped to at least MIN_POLL_MS. */
  intervalMs?: number
  doc?: Document
}

/** Creates the model and ties it to the login state. */
export function createStatusModel(options: StatusModelOptions): StatusModel {
  const doc = options.doc ?? document
  const intervalMs = Math.max(MIN_POLL_MS, options.intervalMs ?? MIN_POLL_MS)
  const status = signal<StatusSnapshot | null>(null)
  const lastError = signal<Error | null>(null)
  let isRunning = false
  let isReading = false
  let timer: ReturnType<typeof setTimeout> | undefined
  // Bumped by stop(): a read that started before belongs to an old run and is dropped.
  let run = 0

  const isVisible = () => doc.visibilityState === 'visible'

  function schedule(): void {
    if (isRunning && isVisible() && timer === undefined && !isReading)
      timer = setTimeout(poll, intervalMs)
  }

  function cancelTimer(): void {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
  }

  async function poll(): Promise<void> {
    cancelTimer()
    if (!isRunning || !isVisible() || isReading) return
    const myRun = run
    isReading = true
    try {
      const next = await options.read()
      if (myRun !== run) return
      status.value = next
      lastError.value = null
    } catch (e) {
      if (myRun !== run || e instanceof LoggedOutError) return
      lastError.value = asError(e)
    } finally {
      if (myRun === run) {
        isReading = false
        schedule()
      }
    }
  }

  function onVisibilityChange(): void {
    // Back to the tab: show fresh data at once. Hidden: no timer, so no requests at all.
    if (isVisible()) void poll()
    else cancelTimer()
  }

  function start(): void {
    if (isRunning) return
    isRunning = true
    doc.addEventListener('visibilitychange', onVisibilityChange)
    void poll()
  }

  function stop(): void {
    if (!isRunning) return
    isRunning = false
    run++
    isReading = false
    cancelTimer()
    doc.removeEventListener('visibilitychange', onVisibilityChange)
  }

  const detach = effect(() => {
    const state = options.loginState.value
    if (state === 'loggedIn' || state === 'expired') start()
    else if (state === 'loggedOut') {
      stop()
      // Nothing of a logged-out session stays on screen.
      status.value = null
      lastError.value = null
    }
  })

  return {
    status,
    lastError,
    start,
    stop,
    dispose() {
      detach()
      stop()
    },
  }
}
