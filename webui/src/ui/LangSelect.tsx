/** Props of the language switcher. */
export type LangSelectProps<L extends string> = {
  label: string
  value: L
  options: Array<{ value: L; label: string }>
  onChange: (value: L) => void
}

/** A labelled native select: keyboard and screen-reader friendly without any script of its own. */
export function LangSelect<L extends string>({
  label,
  value,
  options,
  onChange,
}: LangSelectProps<L>) {
  return (
    <label class="lang">
      <span class="visually-hidden">{label}</span>
      <select value={value} onChange={(e) => onChange(e.currentTarget.value as L)}>
        {options.map((o) => (
          <option key={o.value} value={o.value} lang={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  )
}
