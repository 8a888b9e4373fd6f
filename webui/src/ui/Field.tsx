import type { Ref } from 'preact'
import type { ReadonlySignal } from '@preact/signals'

/** Props of a labelled text input. */
export type FieldProps = {
  id: string
  label: string
  value: string | ReadonlySignal<string>
  onInput: (value: string) => void
  type?: 'text' | 'password'
  autocomplete?: string
  isRequired?: boolean
  isDisabled?: boolean | ReadonlySignal<boolean>
  inputRef?: Ref<HTMLInputElement>
}

/** A visible label above its input, tied by id so screen readers and taps on the label work. */
export function Field(props: FieldProps) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        ref={props.inputRef}
        // preact's input types are a union keyed by `type`; both variants take the same props here.
        type={(props.type ?? 'text') as 'text'}
        value={props.value}
        autocomplete={props.autocomplete}
        autocapitalize="none"
        spellcheck={false}
        required={props.isRequired}
        disabled={props.isDisabled}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    </div>
  )
}
