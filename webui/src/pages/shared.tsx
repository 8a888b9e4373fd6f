// Pieces the lazily loaded pages share: the focused page title, an error line in the user's
// words and the forms' submit handler. Kept out of the first bundle (only lazy pages import this file).
import type { ComponentChildren } from 'preact'
import { useEffect, useRef } from 'preact/hooks'
import { describeError } from '../i18n/errors'
import { Alert } from '../ui/Alert'

/** Props of a page. */
export type PageProps = { id: string; title: string; intro?: string; children: ComponentChildren }

/** A page: its h1 takes the focus on arrival (screen readers announce the new page). Its title is
 * the page's name in the menu (a `nav.*` message), one word for both. */
export function PageFrame({ id, title, intro, children }: PageProps) {
  const ref = useRef<HTMLHeadingElement>(null)
  useEffect(() => ref.current?.focus(), [])
  return (
    <section class="page" aria-labelledby={id}>
      <h1 id={id} tabIndex={-1} ref={ref}>
        {title}
      </h1>
      {intro && <p class="muted">{intro}</p>}
      {children}
    </section>
  )
}

/** A form's onSubmit: the page stays (no browser post) and `action` runs, its promise left to the
 * action's own error handling. */
export function onSubmitted(action: () => unknown) {
  return (e: Event) => {
    e.preventDefault()
    void action()
  }
}

/** An action's error, translated; nothing when there is none. */
export function ErrorLine({ error }: { error: Error | null }) {
  return <Alert message={error ? describeError(error) : ''} />
}
