import type { ComponentChildren } from 'preact'
import type { ReadonlySignal } from '../signals'

/** One labelled value; a signal value updates only its own text node. */
export type Fact = { label: string; value: ComponentChildren | ReadonlySignal<string> }

/** Props of a fact list. */
export type FactsProps = { items: Fact[] }

/** Label/value pairs as a description list, two columns on wide screens, stacked on phones. */
export function Facts({ items }: FactsProps) {
  return (
    <dl class="facts">
      {items.map((item) => (
        <div class="fact" key={item.label}>
          <dt>{item.label}</dt>
          <dd>{item.value}</dd>
        </div>
      ))}
    </dl>
  )
}
