import type { ReadonlySignal } from '../signals'
import { t } from '../i18n'
import type { ApplyPhase } from '../models/apply'

/** Props of the apply bar. */
export type ApplyBarProps = { phase: ReadonlySignal<ApplyPhase> }

/** Where the last change stands, fixed at the bottom of the screen so it never pushes the page
 * around; a live region, so screen readers hear "applying…" and then "applied". */
export function ApplyBar({ phase }: ApplyBarProps) {
  const p = phase.value
  return (
    <div class={`apply-bar apply-${p}`} role="status" aria-live="polite">
      {p === 'applying' && <span class="spinner" aria-hidden="true" />}
      {p === 'idle' ? '' : t(`apply.${p}`)}
    </div>
  )
}
