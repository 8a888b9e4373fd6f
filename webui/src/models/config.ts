// The validated config (getConfig), shared by the overview, Settings and Privacy. Reloaded whenever
// the polled status reports a config hash it has not read yet (a change from this page, another tab
// or the `lanvpn` command alike), and after a change saved while no daemon runs.
import { effect, signal, type ReadonlySignal } from '../signals'
import type { ConfigView, LanvpnApi, StatusSnapshot } from '../api/lanvpn'
import { asError } from '../api/ubus'
import type { ApplyTracker } from './apply'
import type { LoginState } from './session'

/** The config and how to refresh it. */
export type ConfigModel = {
  /** The last config read; null before the first read. */
  config: ReadonlySignal<ConfigView | null>
  /** Why the last read failed; null after a good one. */
  error: ReadonlySignal<Error | null>
  /** Reads the config again. Never throws (failures land in `error`). */
  load(): Promise<void>
}

/** Creates the model: loads at login, then once per new status config hash. */
export function createConfigModel(
  api: Pick<LanvpnApi, 'getConfig'>,
  tracker: ApplyTracker,
  loginState: ReadonlySignal<LoginState>,
  status: ReadonlySignal<StatusSnapshot | null>
): ConfigModel {
  const config = signal<ConfigView | null>(null)
  const error = signal<Error | null>(null)
  let seq = 0
  // The status hash last read for; cleared by a failed read so the next poll tries again.
  let seenHash = ''
  async function load(): Promise<void> {
    const mine = ++seq
    try {
      const next = await api.getConfig()
      if (mine !== seq) return
      config.value = next
      error.value = null
    } catch (e) {
      if (mine !== seq) return
      error.value = asError(e)
      seenHash = ''
    }
  }
  effect(() => {
    const state = loginState.value
    if (state === 'loggedIn') void load()
    if (state === 'loggedOut') config.value = null
  })
  effect(() => {
    const hash = status.value?.configHash
    if (!hash || hash === seenHash || loginState.peek() !== 'loggedIn') return
    seenHash = hash
    if (config.peek()?.configHash !== hash) void load()
  })
  effect(() => {
    if (tracker.phase.value === 'notRunning') void load()
  })
  return { config, error, load }
}
