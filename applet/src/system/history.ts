// The connection history file (product.md, Privacy rules): `<stateDir>/history.json`, root-only,
// on flash. It is written only when a session ends or the user clears it, never while idling, so
// it costs the flash a few writes a day at most. What goes in is decided in core/history.ts and
// daemon/history.ts; this file only reads, writes and removes it.
import { parseHistory, renderHistory, type HistoryRecord } from '../core/history'
import type { Paths } from '../core/paths'
import type { Host } from '../host/host'
import { withFileLock } from './files'

/** Where the history lives. */
export function historyPath(paths: Paths): string {
  return `${paths.stateDir}/history.json`
}

/** The history lock (RAM): the daemon's read-add-write and the user's clear never interleave, so
 * a clear is never undone by a session ending at the same moment. */
export function historyLockPath(paths: Paths): string {
  return `${paths.runDir}/history.lock`
}

/** The stored records, newest first; a missing or damaged file reads as none. */
export function readHistory(host: Host, paths: Paths): HistoryRecord[] {
  return parseHistory(host.readFile(historyPath(paths)))
}

/** Saves the records atomically and durably, 0600 in a 0700 directory (the records are not secret,
 * but nobody but root has a reason to read when someone was connected). */
export function writeHistory(host: Host, paths: Paths, records: HistoryRecord[]): void {
  host.mkdirp(paths.stateDir, 0o700)
  host.writeFileAtomic(historyPath(paths), renderHistory(records), { mode: 0o600, durable: true })
}

/** Deletes every record: the file goes, so nothing of it is left on flash. */
export function removeHistory(host: Host, paths: Paths): void {
  host.removeFile(historyPath(paths))
}

/** Runs `fn` holding the history lock. */
export function withHistoryLock<T>(host: Host, paths: Paths, fn: () => T | Promise<T>): Promise<T> {
  return withFileLock(host, historyLockPath(paths), fn)
}
