import { useComputed, useSignal } from '../signals'
import { useEffect, useRef } from 'preact/hooks'
import { t } from '../i18n'
import { describeLoginError } from '../i18n/errors'
import type { Session } from '../models/session'
import { Alert } from '../ui/Alert'
import { Field } from '../ui/Field'

/** Props of the login form. */
export type LoginProps = {
  session: Session
  /** Re-login after expiry: only the password is asked, for the user already known. */
  isReauth?: boolean
}

/** The login form: the first page, and the password prompt over a page whose session expired. */
export function Login({ session, isReauth = false }: LoginProps) {
  const username = useSignal(session.username.peek() || 'root')
  const password = useSignal('')
  const passwordRef = useRef<HTMLInputElement>(null)
  const error = useComputed(() => {
    const e = session.loginError.value
    return e ? describeLoginError(e) : ''
  })

  useEffect(() => {
    // The username is almost always root, so the password is where typing starts.
    passwordRef.current?.focus()
  }, [])

  async function onSubmit(e: Event) {
    e.preventDefault()
    const ok = await session.login(username.peek(), password.peek())
    password.value = ''
    if (!ok) passwordRef.current?.focus()
  }

  const titleId = isReauth ? 'reauth-title' : 'login-title'
  return (
    <form
      class={isReauth ? 'card login reauth' : 'card login'}
      aria-labelledby={titleId}
      onSubmit={onSubmit}
    >
      <h1 id={titleId}>{isReauth ? t('login.expiredTitle') : t('login.title')}</h1>
      <p class="muted">
        {isReauth ? t('login.expiredIntro', { user: username.value }) : t('login.intro')}
      </p>
      {!isReauth && (
        <Field
          id="login-username"
          label={t('login.username')}
          value={username}
          onInput={(v) => (username.value = v)}
          autocomplete="username"
          isRequired
          isDisabled={session.isBusy}
        />
      )}
      <Field
        id={isReauth ? 'reauth-password' : 'login-password'}
        label={t('login.password')}
        type="password"
        value={password}
        onInput={(v) => (password.value = v)}
        autocomplete="current-password"
        isDisabled={session.isBusy}
        inputRef={passwordRef}
      />
      <Alert message={error} />
      <button type="submit" class="primary" disabled={session.isBusy}>
        {session.isBusy.value
          ? t('login.busy')
          : isReauth
            ? t('login.continue')
            : t('login.submit')}
      </button>
    </form>
  )
}
