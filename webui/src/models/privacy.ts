// Privacy: what lanvpn stores, from the real config; the connection history and the diagnostics
// bundle when the router offers them (feature-detected with ubus `list`, never faked).
import { signal, type ReadonlySignal } from '../signals'
import type { HistoryRecord, LanvpnApi } from '../api/lanvpn'
import { createActions, type Actions } from './action'
import type { ApplyTracker } from './apply'

/** Which optional methods the router has; null until `list` answered. */
export type PrivacyFeatures = { history: boolean; clearHistory: boolean; diagnostics: boolean }

/** The features a method list offers. Pure. */
export function privacyFeatures(methods: string[]): PrivacyFeatures {
  return {
    history: methods.includes('getHistory'),
    clearHistory: methods.includes('clearHistory'),
    diagnostics: methods.includes('getDiagnostics'),
  }
}

/** The privacy page's state and actions. */
export type PrivacyModel = {
  features: ReadonlySignal<PrivacyFeatures | null>
  history: ReadonlySignal<HistoryRecord[] | null>
  actions: Actions
  load(): Promise<void>
  clearHistory(): Promise<boolean>
  /** The diagnostics bundle's text, or undefined when it failed. */
  diagnostics(): Promise<string | undefined>
  /** Puts the secrets into router backups or leaves them out (`backup_secrets`), then `reload`s
   * the config; true when it went through. */
  setBackupSecrets(on: boolean, reload: () => Promise<unknown>): Promise<boolean>
}

/** Creates the model. */
export function createPrivacyModel(deps: { api: LanvpnApi; tracker: ApplyTracker }): PrivacyModel {
  const { api, tracker } = deps
  const actions = createActions(tracker)
  const features = signal<PrivacyFeatures | null>(null)
  const history = signal<HistoryRecord[] | null>(null)
  async function loadHistory(): Promise<void> {
    const records = await actions.run('history', () => api.getHistory())
    if (records) history.value = records.slice(0, 20)
  }
  return {
    features,
    history,
    actions,
    async load() {
      const methods = await actions.run('list', () => api.listMethods())
      features.value = privacyFeatures(methods ?? [])
      if (features.peek()?.history) await loadHistory()
    },
    async clearHistory() {
      const ok = await actions.run('clear', async () => (await api.clearHistory(), true))
      if (ok) await loadHistory()
      return ok === true
    },
    diagnostics: () => actions.run('diagnostics', () => api.getDiagnostics()),
    setBackupSecrets: (on, reload) =>
      actions.changeAndReload(
        'backup',
        () => api.setConfig({ globals: { backup_secrets: on } }),
        reload
      ),
  }
}
