import type { ComponentChildren } from 'preact'
import type { ReadonlySignal } from '../signals'

/** How a state reads at a glance: good, in progress, bad, or not known. */
export type Tone = 'ok' | 'busy' | 'bad' | 'unknown'

/** Props of a state badge. */
export type BadgeProps = { tone: Tone | ReadonlySignal<Tone>; children: ComponentChildren }

/** A state word on a coloured pill. The colour repeats the word, never replaces it. */
export function Badge({ tone, children }: BadgeProps) {
  const value = typeof tone === 'string' ? tone : tone.value
  return <span class={`badge badge-${value}`}>{children}</span>
}
