import type { ReadonlySignal } from '../signals'

/** Props of a progress line. */
export type ProgressProps = { label: string | ReadonlySignal<string> }

/** Something slow is under way: an indeterminate bar and its words, announced politely. The
 * element keeps its height whatever the words, so nothing below it jumps. */
export function Progress({ label }: ProgressProps) {
  return (
    <div class="progress" role="status">
      <span class="bar" aria-hidden="true" />
      <span>{label}</span>
    </div>
  )
}
