/** A problem as shown: where it is (may be empty) and what is wrong. */
export type ProblemItem = { where: string; reason: string }

/** Props of a problem list. */
export type ProblemListProps = { title: string; emptyText: string; items: ProblemItem[] }

/** A titled list of problems, or a one-line "no problems" so the section never jumps away. */
export function ProblemList({ title, emptyText, items }: ProblemListProps) {
  return (
    <section class="problems" aria-label={title}>
      <h2>{title}</h2>
      {items.length === 0 ? (
        <p class="muted">{emptyText}</p>
      ) : (
        <ul>
          {items.map((p, i) => (
            <li key={i}>
              {p.where && <code>{p.where}</code>} {p.reason}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
