// Locations: the imported profiles, which one is chosen, the fallback order, the latency test and
// the import form. The latency results and progress come from the polled status (status.latency).
import { computed, signal, type ReadonlySignal } from '@preact/signals'
import type {
  Change,
  ImportNote,
  ImportResult,
  LanvpnApi,
  LatencyStatus,
  ProfileList,
  StatusSnapshot,
} from '../api/lanvpn'
import { LanvpnError } from '../api/lanvpn'
import { createActions, type Actions } from './action'
import type { ApplyTracker } from './apply'

/** The import form's content. */
export type ImportDraft = { name: string; text: string; username: string; password: string }

/** The locations page's state and actions. */
export type LocationsModel = {
  list: ReadonlySignal<ProfileList | null>
  actions: Actions
  draft: ReadonlySignal<ImportDraft>
  /** Notes of the last import (refused or ignored lines), by line; errors included. */
  notes: ReadonlySignal<ImportNote[]>
  /** The latency test: running, and the milliseconds per profile id (null: no answer). */
  latency: ReadonlySignal<LatencyStatus | null>
  /** A test is running, or was asked for and no newer results have arrived yet. */
  isTesting: ReadonlySignal<boolean>
  load(): Promise<void>
  editDraft(patch: Partial<ImportDraft>): void
  /** Imports the draft; on success clears it and reloads the list. */
  importDraft(): Promise<ImportResult | undefined>
  rename(id: string, label: string): Promise<boolean>
  remove(id: string): Promise<boolean>
  connect(id: string): Promise<boolean>
  disconnect(): Promise<boolean>
  setFallback(ids: string[]): Promise<boolean>
  testLatency(): Promise<void>
}

const EMPTY_DRAFT: ImportDraft = { name: '', text: '', username: '', password: '' }

/** A location name from a file name: the name without its extension, at most 64 characters. */
export function nameFromFile(fileName: string): string {
  return fileName.replace(/\.(conf|ovpn)$/i, '').slice(0, 64)
}

/** Whether pasted text looks like an OpenVPN config (which may need a user name and password). */
export function looksLikeOpenvpn(text: string): boolean {
  return /^\s*(client|remote\s|dev\s+tun|<ca>)/m.test(text)
}

/** Moves `id` one place up (-1) or down (+1) in `ids`; unchanged at the ends. Pure. */
export function move(ids: string[], id: string, by: -1 | 1): string[] {
  const i = ids.indexOf(id)
  const j = i + by
  if (i < 0 || j < 0 || j >= ids.length) return ids
  const out = ids.slice()
  out[i] = ids[j]
  out[j] = id
  return out
}

/** Creates the model. */
export function createLocationsModel(deps: {
  api: LanvpnApi
  tracker: ApplyTracker
  status: ReadonlySignal<StatusSnapshot | null>
}): LocationsModel {
  const { api, tracker, status } = deps
  const list = signal<ProfileList | null>(null)
  const actions = createActions(tracker)
  const draft = signal<ImportDraft>(EMPTY_DRAFT)
  const notes = signal<ImportNote[]>([])
  const testAskedAt = signal<number | null>(null)
  const latency = computed(() => (status.value?.latency as LatencyStatus | undefined) ?? null)
  const isTesting = computed(() => {
    const l = latency.value
    if (l?.running) return true
    const asked = testAskedAt.value
    return asked !== null && (l?.atWallMs ?? 0) <= asked
  })

  async function load(): Promise<void> {
    const next = await actions.read(() => api.listProfiles())
    if (next) list.value = next
  }

  const changed = (name: string, fn: () => Promise<Change>) =>
    actions.changeAndReload(name, fn, load)

  return {
    list,
    actions,
    draft,
    notes,
    latency,
    isTesting,
    load,
    editDraft: (patch) => (draft.value = { ...draft.peek(), ...patch }),
    async importDraft() {
      const d = draft.peek()
      notes.value = []
      const isOvpn = looksLikeOpenvpn(d.text)
      const result = await actions.run('import', () =>
        api.importProfile({
          name: d.name.trim(),
          text: d.text,
          ...(isOvpn && d.username ? { username: d.username, password: d.password } : {}),
        })
      )
      const e = actions.error.peek()
      if (e instanceof LanvpnError) notes.value = e.notes
      if (!result) return undefined
      tracker.track(result)
      notes.value = result.notes
      draft.value = EMPTY_DRAFT
      await load()
      return result
    },
    rename: (id, label) => changed(`rename:${id}`, () => api.renameProfile(id, label)),
    remove: (id) => changed(`delete:${id}`, () => api.deleteProfile(id)),
    connect: (id) => changed(`connect:${id}`, () => api.connect(id)),
    disconnect: () => changed('disconnect', () => api.disconnect()),
    setFallback: (ids) => changed('fallback', () => api.setFallback(ids)),
    async testLatency() {
      // The router's clock, not the browser's: results newer than the last ones are the answer.
      const asked = latency.peek()?.atWallMs ?? 0
      const done = await actions.run('latency', () => api.testLatency())
      if (done) testAskedAt.value = asked
    },
  }
}
