import type { ComponentChildren } from 'preact'

/** Props of a card section with a heading and an optional muted intro line under it. */
export type CardProps = { title: string; id: string; intro?: string; children?: ComponentChildren }

/** A card that is a labelled region, so screen-reader users can jump between sections. */
export function Card({ title, id, intro, children }: CardProps) {
  return (
    <section class="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {intro && <p class="muted">{intro}</p>}
      {children}
    </section>
  )
}
