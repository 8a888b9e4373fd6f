import type { ReadonlySignal } from '../signals'

/** Props of an error message. */
export type AlertProps = { message: string | ReadonlySignal<string> }

/** An error announced at once by screen readers (role=alert). Renders nothing for ''. */
export function Alert({ message }: AlertProps) {
  const text = typeof message === 'string' ? message : message.value
  if (!text) return null
  return (
    <p class="alert" role="alert">
      {message}
    </p>
  )
}
