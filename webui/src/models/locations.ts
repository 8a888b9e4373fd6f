// Locations: the imported profiles, which one is chosen, the fallback order, the latency test and
// the import form. The latency results and progress come from the polled status (status.latency).
import { computed, signal, type ReadonlySignal } from '../signals'
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
import { asError } from '../api/ubus'
import {
  asksForCredentials,
  listZip,
  planArchive,
  type ArchiveFile,
  type ArchivePlan,
} from '../../../applet/src/core/tunnel/zip'
import { createActions, type Actions } from './action'
import type { ApplyTracker } from './apply'
import { LoggedOutError } from './session'

/** The import form's content. `fileName`: the text came from that file and is not shown (it
 * holds a private key). */
export type ImportDraft = {
  name: string
  text: string
  username: string
  password: string
  fileName: string
}

/** A provider's archive chosen for import, sorted into locations, certificates and the rest. */
export type ChosenArchive = { fileName: string; plan: ArchivePlan }

/** What happened to one file of an archive import. `message`: the location's name when
 * imported, the reason when refused or skipped. */
export type ArchiveOutcome = {
  file: string
  outcome: 'imported' | 'refused' | 'skipped'
  message: string
  notes: ImportNote[]
}

/** The locations page's state and actions. */
export type LocationsModel = {
  list: ReadonlySignal<ProfileList | null>
  actions: Actions
  draft: ReadonlySignal<ImportDraft>
  /** Notes of the last import (refused or ignored lines), by line; errors included. */
  notes: ReadonlySignal<ImportNote[]>
  /** The name of the location the last single-file import saved, '' after a failure. */
  imported: ReadonlySignal<string>
  /** The archive waiting to be imported, null when none. */
  archive: ReadonlySignal<ChosenArchive | null>
  /** Files of the archive done so far while it imports, null otherwise. */
  progress: ReadonlySignal<{ done: number; total: number } | null>
  /** What the last archive import did, file by file. */
  outcomes: ReadonlySignal<ArchiveOutcome[]>
  /** The latency test: running, and the milliseconds per profile id (null: no answer). */
  latency: ReadonlySignal<LatencyStatus | null>
  /** The location the tunnel uses now (a fallback after a failover) and its state; null while
   * there is no tunnel. */
  inUse: ReadonlySignal<{ id: string; isUp: boolean } | null>
  /** A test is running, or was asked for and no newer results have arrived yet. */
  isTesting: ReadonlySignal<boolean>
  load(): Promise<void>
  editDraft(patch: Partial<ImportDraft>): void
  /** Takes a chosen or dropped file: a profile into the draft (not shown), a .zip as the archive. */
  takeFile(file: File): Promise<void>
  /** Forgets the chosen file or archive. */
  clearFile(): void
  /** Imports every location of the archive, one at a time; each all or nothing. */
  importArchive(): Promise<void>
  /** Imports the draft; on success clears it and reloads the list. */
  importDraft(): Promise<ImportResult | undefined>
  rename(id: string, label: string): Promise<boolean>
  remove(id: string): Promise<boolean>
  connect(id: string): Promise<boolean>
  disconnect(): Promise<boolean>
  setFallback(ids: string[]): Promise<boolean>
  testLatency(): Promise<void>
}

const EMPTY_DRAFT: ImportDraft = { name: '', text: '', username: '', password: '', fileName: '' }

// NUL bytes never reach the router: rpcd hands arguments over as C strings, which end at the
// first NUL. So UTF-16 (with its byte-order mark) is decoded and binary refused here.
function readable(name: string, b: Uint8Array): ArchiveFile {
  const utf16 = b[0] + b[1] === 0x1fd && b[0] > 0xfd ? `utf-16${b[0] > 0xfe ? 'le' : 'be'}` : ''
  const text = new TextDecoder(utf16 || 'utf-8').decode(b)
  return text.includes('\0')
    ? { name, problem: 'the file holds NUL bytes: it is binary or corrupt' }
    : { name, text }
}

/** The files of a zip archive, inflated by the browser; a string says why it cannot be read. */
export async function readZip(bytes: Uint8Array<ArrayBuffer>): Promise<ArchiveFile[] | string> {
  const listing = listZip(bytes)
  if ('error' in listing) return listing.error
  return Promise.all(
    listing.entries.map(async ({ name, problem, method, start, compressedSize }) => {
      if (problem) return { name, problem }
      const data = bytes.subarray(start, start + compressedSize)
      try {
        const inflated = new Response(data).body!.pipeThrough(
          new DecompressionStream('deflate-raw')
        )
        return readable(
          name,
          method ? new Uint8Array(await new Response(inflated).arrayBuffer()) : data
        )
      } catch {
        return { name, problem: 'the archive is damaged' }
      }
    })
  )
}

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

/** importProfile's arguments for a location's text, with the form's user name and password when
 * the text asks for them. */
function importArgs(name: string, text: string, d: ImportDraft) {
  const credentials = asksForCredentials(text) ? { username: d.username, password: d.password } : {}
  return { name, text, ...credentials }
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
  const imported = signal('')
  const archive = signal<ChosenArchive | null>(null)
  const progress = signal<{ done: number; total: number } | null>(null)
  const outcomes = signal<ArchiveOutcome[]>([])
  const testAskedAt = signal<number | null>(null)
  const latency = computed(() => (status.value?.latency as LatencyStatus | undefined) ?? null)
  const inUse = computed(() => {
    const tunnel = status.value?.tunnel
    if (!tunnel?.profile || tunnel.state === 'disconnected') return null
    return { id: tunnel.profile, isUp: tunnel.state === 'connected' }
  })
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
    imported,
    archive,
    progress,
    outcomes,
    latency,
    inUse,
    isTesting,
    load,
    editDraft(patch) {
      draft.value = { ...draft.peek(), ...patch }
    },
    async takeFile(file) {
      notes.value = []
      outcomes.value = []
      imported.value = ''
      const bytes = new Uint8Array(await file.arrayBuffer())
      const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b
      const files = isZip ? await readZip(bytes) : [readable(file.name, bytes)]
      const problem = typeof files === 'string' ? files : !isZip && files[0].problem
      actions.error.value = problem ? new Error(`${file.name}: ${problem}`) : null
      actions.failed.value = problem ? 'import' : null
      if (problem || typeof files === 'string') return
      archive.value = isZip ? { fileName: file.name, plan: planArchive(files) } : null
      if (!isZip)
        draft.value = {
          ...draft.peek(),
          text: files[0].text!,
          fileName: file.name,
          name: nameFromFile(file.name),
        }
    },
    clearFile() {
      archive.value = null
      draft.value = { ...draft.peek(), text: '', fileName: '' }
    },
    async importDraft() {
      const d = draft.peek()
      notes.value = []
      imported.value = ''
      const result = await actions.run('import', () =>
        api.importProfile(importArgs(d.name.trim(), d.text, d))
      )
      const e = actions.error.peek()
      if (e instanceof LanvpnError) notes.value = e.notes
      // The bar must not go on saying an earlier change was applied next to this failure.
      if (!result) return void tracker.clear()
      tracker.track(result)
      notes.value = result.notes
      imported.value = d.name.trim()
      draft.value = EMPTY_DRAFT
      await load()
      return result
    },
    async importArchive() {
      const chosen = archive.peek()
      if (!chosen) return
      const { locations, companions, skipped } = chosen.plan
      const d = draft.peek()
      const done: ArchiveOutcome[] = []
      await actions.run('import', async () => {
        for (const l of locations) {
          progress.value = { done: done.length, total: locations.length }
          const args = importArgs(l.name, l.text, d)
          // Only the certificates it names: a request must stay under uhttpd's 64 KiB.
          const files = Object.entries(companions).filter(([n]) => l.text.includes(n))
          try {
            const r = await api.importProfile(
              files.length ? { ...args, files: Object.fromEntries(files) } : args
            )
            tracker.track(r)
            done.push({ file: l.file, outcome: 'imported', message: l.name, notes: r.notes })
          } catch (e) {
            if (e instanceof LoggedOutError) throw e
            const notes = e instanceof LanvpnError ? e.notes : []
            done.push({ file: l.file, outcome: 'refused', message: asError(e).message, notes })
          }
        }
      })
      progress.value = null
      if (!done.some((o) => o.outcome === 'imported')) tracker.clear()
      outcomes.value = [
        ...done,
        ...skipped.map((s) => ({
          file: s.file,
          outcome: 'skipped' as const,
          message: s.why,
          notes: [],
        })),
      ]
      if (done.length === locations.length) {
        archive.value = null
        draft.value = EMPTY_DRAFT
      }
      await load()
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
