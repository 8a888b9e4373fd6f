// What every page's actions share: one action at a time per page, a busy flag naming it (for the
// button's progress text), and the error it ended with (kept as an Error; the page translates).
import { signal, type Signal } from '../signals'
import type { Change } from '../api/lanvpn'
import { asError } from '../api/ubus'
import type { ApplyTracker } from './apply'
import { LoggedOutError } from './session'

/** A page's action runner. */
export type Actions = {
  /** The action under way (e.g. `connect:ams`), null when idle. */
  busy: Signal<string | null>
  /** Why the last action failed; cleared when the next one starts. */
  error: Signal<Error | null>
  /** The name of the action that failed, null when the last one did not. */
  failed: Signal<string | null>
  /** Runs `fn` as action `name`; resolves with its result, or undefined when it failed or another
   * action is still running. Never throws. */
  run<T>(name: string, fn: () => Promise<T>): Promise<T | undefined>
  /** Runs a read (a list, the settings) beside any action: it neither waits for nor blocks one,
   * and a failure lands in `error` like an action's. Never throws. */
  read<T>(fn: () => Promise<T>): Promise<T | undefined>
  /** Like run, for a change method: the answer goes to the tracker ("applying…"). */
  change(name: string, fn: () => Promise<Change>): Promise<Change | undefined>
  /** Like change, then `reload()` once it went through (the page's list follows the change);
   * true when it went through. */
  changeAndReload(
    name: string,
    fn: () => Promise<Change>,
    reload: () => Promise<unknown>
  ): Promise<boolean>
}

/** Creates a runner that reports changes to `tracker`. */
export function createActions(tracker: ApplyTracker): Actions {
  const busy = signal<string | null>(null)
  const error = signal<Error | null>(null)
  const failed = signal<string | null>(null)
  async function run<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
    if (busy.peek() !== null) return undefined
    busy.value = name
    error.value = null
    failed.value = null
    try {
      return await attempt(name, fn)
    } finally {
      busy.value = null
    }
  }
  /** fn's result, or undefined when it failed: its error then lands in `error` (as `name`'s). */
  async function attempt<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn()
    } catch (e) {
      // A logout ended it: there is nothing left to show it on.
      if (e instanceof LoggedOutError) return undefined
      error.value = asError(e)
      failed.value = name
      return undefined
    }
  }
  async function change(name: string, fn: () => Promise<Change>): Promise<Change | undefined> {
    const done = await run(name, fn)
    if (done) tracker.track(done)
    return done
  }
  return {
    busy,
    error,
    failed,
    run,
    read: (fn) => attempt('load', fn),
    change,
    async changeAndReload(name, fn, reload) {
      const done = await change(name, fn)
      if (done) await reload()
      return done !== undefined
    },
  }
}
