// "Applying…": every change method answers with the hash of the config it saved; the daemon writes
// that hash into the status file once the change is in force. The page shows "applying…" from the
// answer until a status carries the hash (product.md Web UI; Status.generation in applet/src/core/api/status.ts).
import { computed, signal, type ReadonlySignal } from '../signals'
import type { Change, StatusSnapshot } from '../api/lanvpn'

/** Where the last change stands: none, on its way, in force, refused by the system (the previous
 * rules stay), or saved with no service running to apply it. */
export type ApplyPhase = 'idle' | 'applying' | 'applied' | 'failed' | 'notRunning'

/** The phase of `pending` given the latest status. Pure; same input, same output. */
export function applyPhase(pending: Change | null, status: StatusSnapshot | null): ApplyPhase {
  if (!pending) return 'idle'
  if (status?.configHash === pending.configHash)
    return status.apply?.ok === false ? 'failed' : 'applied'
  return pending.daemonNotified ? 'applying' : 'notRunning'
}

/** The last change and its phase, shared by every page. */
export type ApplyTracker = {
  /** The change waited for; null before the first change. */
  pending: ReadonlySignal<Change | null>
  phase: ReadonlySignal<ApplyPhase>
  /** Starts waiting for `change` (a later change replaces an earlier one: its hash covers both). */
  track(change: Change): void
  /** Stops showing the last change (a later action failed: its "Applied." would mislead). */
  clear(): void
}

/** Creates the tracker over the polled status. */
export function createApplyTracker(status: ReadonlySignal<StatusSnapshot | null>): ApplyTracker {
  const pending = signal<Change | null>(null)
  return {
    pending,
    phase: computed(() => applyPhase(pending.value, status.value)),
    track(change) {
      pending.value = change
    },
    clear() {
      pending.value = null
    },
  }
}
