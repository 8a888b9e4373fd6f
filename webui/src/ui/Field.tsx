import type { Ref } from 'preact'
import type { ReadonlySignal } from '../signals'

/** Props of a labelled text input. */
export type FieldProps = {
  id: string
  label: string
  value: string | ReadonlySignal<string>
  onInput: (value: string) => void
  type?: 'text' | 'password' | 'url'
  autocomplete?: string
  inputMode?: 'numeric' | 'decimal' | 'url' | 'text'
  placeholder?: string
  /** A short help line under the label, tied with aria-describedby. */
  hint?: string
  /** The error about this field ('' for none): shown under it and announced. */
  error?: string
  isRequired?: boolean
  isDisabled?: boolean | ReadonlySignal<boolean>
  inputRef?: Ref<HTMLInputElement>
  /** A multi-line text box of this many lines (a textarea) instead of the one-line input; `type`,
   * `autocomplete`, `inputMode`, `placeholder`, `isRequired` and `inputRef` are the input's. */
  rows?: number
}

/** A visible label above its input, tied by id so screen readers and taps on the label work. */
export function Field(props: FieldProps) {
  const hintId = props.hint ? `${props.id}-hint` : undefined
  const errorId = props.error ? `${props.id}-error` : undefined
  // What the input and the textarea share.
  const control = {
    id: props.id,
    value: props.value,
    autocapitalize: 'none' as const,
    spellcheck: false,
    disabled: props.isDisabled,
    'aria-invalid': props.error ? true : undefined,
    'aria-describedby': [hintId, errorId].filter(Boolean).join(' ') || undefined,
    onInput: (e: Event) => props.onInput((e.currentTarget as HTMLInputElement).value),
  }
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.hint && (
        <p class="hint" id={hintId}>
          {props.hint}
        </p>
      )}
      {props.rows ? (
        <textarea rows={props.rows} {...control} />
      ) : (
        <input
          ref={props.inputRef}
          // preact's input types are a union keyed by `type`; the variants take the same props here.
          type={(props.type ?? 'text') as 'text'}
          autocomplete={props.autocomplete}
          inputMode={props.inputMode}
          placeholder={props.placeholder}
          required={props.isRequired}
          {...control}
        />
      )}
      {props.error && (
        <p class="field-error" id={errorId} role="alert">
          {props.error}
        </p>
      )}
    </div>
  )
}
