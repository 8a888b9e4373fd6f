// The app shell: header, login, and the page for the hash route. Hash routing only: uhttpd has no
// SPA fallback, so /lanvpn/ must be the only URL the server ever sees.
import { signal } from '@preact/signals'
import { lang, langName, LANGS, setLang, t } from './i18n'
import type { Session } from './models/session'
import type { StatusModel } from './models/status'
import { Login } from './pages/Login'
import { Overview } from './pages/Overview'
import { LangSelect } from './ui/LangSelect'

/** The pages by hash path (`#/overview`); '' is the landing page. */
const ROUTES = { '': 'overview', overview: 'overview' } as const

/** The route of a location hash, or null for an unknown one. */
export function routeOf(hash: string): (typeof ROUTES)[keyof typeof ROUTES] | null {
  const path = hash.replace(/^#\/?/, '').replace(/\/+$/, '')
  return path in ROUTES ? ROUTES[path as keyof typeof ROUTES] : null
}

/** The app's models, created once per page load. */
export type AppModels = { session: Session; status: StatusModel }

/** The whole page: header, then the login form or the routed page (with the re-login prompt on
 * top of it when the session expired, so nothing underneath is lost). */
export function App({ session, status }: AppModels) {
  const state = session.loginState.value
  const isInside = state === 'loggedIn' || state === 'expired'
  return (
    <>
      <header class="top">
        <span class="brand">{t('app.name')}</span>
        {isInside && (
          <nav aria-label={t('nav.main')}>
            <a href="#/overview" aria-current={route.value === 'overview' ? 'page' : undefined}>
              {t('nav.overview')}
            </a>
          </nav>
        )}
        <span class="spacer" />
        <LangSelect
          label={t('lang.label')}
          value={lang.value}
          options={LANGS.map((l) => ({ value: l, label: langName(l) }))}
          onChange={setLang}
        />
        {isInside && (
          <button type="button" class="link" onClick={() => void session.logout()}>
            {t('nav.logout')}
          </button>
        )}
      </header>
      <main id="main">
        {isInside ? (
          <>
            {state === 'expired' && <Login session={session} isReauth />}
            <Page status={status} />
          </>
        ) : (
          <Login session={session} />
        )}
      </main>
    </>
  )
}

/** The current route; main.tsx follows `hashchange` into it. */
export const route = signal(routeOf(globalThis.location?.hash ?? ''))

function Page({ status }: { status: StatusModel }) {
  if (route.value === 'overview') return <Overview model={status} />
  return (
    <section class="card">
      <p>{t('route.notFound')}</p>
      <a href="#/overview">{t('route.home')}</a>
    </section>
  )
}
