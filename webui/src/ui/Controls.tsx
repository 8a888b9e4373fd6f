// Form controls besides the text field (Field, one line or several): a checkbox with its label,
// a labelled select and a group of radio buttons. Props only; native elements for keyboard and
// readers.
// The card is in Card.tsx (the first view has cards too); pages that take it from here still can.
export { Card } from './Card'

/** Props of a checkbox row. */
export type CheckProps = {
  id: string
  label: string
  hint?: string
  isChecked: boolean
  isDisabled?: boolean
  onChange: (isChecked: boolean) => void
}

/** A checkbox with its label beside it and an optional help line under both. */
export function Check({ id, label, hint, isChecked, isDisabled, onChange }: CheckProps) {
  return (
    <div class="check">
      <input
        id={id}
        type="checkbox"
        checked={isChecked}
        disabled={isDisabled}
        aria-describedby={hint ? `${id}-hint` : undefined}
        onChange={(e) => onChange(e.currentTarget.checked)}
      />
      <label for={id}>{label}</label>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  )
}

/** Props of a labelled select. */
export type SelectProps<V extends string> = {
  id: string
  label: string
  value: V
  options: Array<{ value: V; label: string }>
  onChange: (value: V) => void
  isDisabled?: boolean
  /** Hide the label visually (it is still the control's name). */
  isLabelHidden?: boolean
}

/** A native select with its label. */
export function Select<V extends string>(props: SelectProps<V>) {
  return (
    <div class={props.isLabelHidden ? 'select' : 'field select'}>
      <label for={props.id} class={props.isLabelHidden ? 'visually-hidden' : undefined}>
        {props.label}
      </label>
      <select
        id={props.id}
        value={props.value}
        disabled={props.isDisabled}
        onChange={(e) => props.onChange(e.currentTarget.value as V)}
      >
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  )
}

/** Props of a radio group. */
export type RadiosProps<V extends string> = {
  name: string
  legend: string
  value: V
  options: Array<{ value: V; label: string; hint?: string }>
  onChange: (value: V) => void
  isDisabled?: boolean
}

/** A fieldset of radio buttons, each with its label and an optional help line. */
export function Radios<V extends string>(props: RadiosProps<V>) {
  return (
    <fieldset class="radios" disabled={props.isDisabled}>
      <legend>{props.legend}</legend>
      {props.options.map((o) => {
        const id = `${props.name}-${o.value}`
        return (
          <div class="check" key={o.value}>
            <input
              id={id}
              type="radio"
              name={props.name}
              value={o.value}
              checked={props.value === o.value}
              aria-describedby={o.hint ? `${id}-hint` : undefined}
              onChange={() => props.onChange(o.value)}
            />
            <label for={id}>{o.label}</label>
            {o.hint && (
              <p class="hint" id={`${id}-hint`}>
                {o.hint}
              </p>
            )}
          </div>
        )
      })}
    </fieldset>
  )
}
