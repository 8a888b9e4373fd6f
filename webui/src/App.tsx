// The app shell: header, login, the "applying…" bar and the page for the hash route. Hash routing
// only: uhttpd has no SPA fallback, so /lanvpn/ must be the only URL the server ever sees. Login
// and Overview are in the first bundle; every other page is its own chunk, fetched on first visit.
import { signal } from './signals'
import type { FunctionComponent } from 'preact'
import { useEffect, useMemo } from 'preact/hooks'
import { createAppDeps, type AppDeps } from './deps'
import {
  ensurePagesCatalog,
  findInstalledLangs,
  installedLangs,
  lang,
  langName,
  setLang,
  t,
  type DirListing,
  type MessageKey,
} from './i18n'
import { describeError } from './i18n/errors'
import { asError } from './api/ubus'
import type { Session } from './models/session'
import type { StatusModel } from './models/status'
import { Login } from './pages/Login'
import { Overview } from './pages/Overview'
import { Alert } from './ui/Alert'
import { ApplyBar } from './ui/ApplyBar'
import { LangSelect } from './ui/LangSelect'
import { Progress } from './ui/Progress'

/** A page of the app. */
export type Route =
  'overview' | 'locations' | 'devices' | 'rules' | 'mediastreamer' | 'settings' | 'privacy'

/** A lazily loaded page: its module's default export. */
type PageComponent = FunctionComponent<{ deps: AppDeps }>
type LazyRoute = Exclude<Route, 'overview'>

/** Every page but the overview, in menu order. */
const LAZY: Record<LazyRoute, () => Promise<{ default: PageComponent }>> = {
  locations: () => import('./pages/Locations'),
  devices: () => import('./pages/Devices'),
  rules: () => import('./pages/Rules'),
  mediastreamer: () => import('./pages/Mediastreamer'),
  settings: () => import('./pages/Settings'),
  privacy: () => import('./pages/Privacy'),
}

/** The pages in menu order. */
export const ROUTES: Route[] = ['overview', ...(Object.keys(LAZY) as LazyRoute[])]

/** The route of a location hash ('' is the overview), or null for an unknown one. */
export function routeOf(hash: string): Route | null {
  const path = hash.replace(/^#\/?/, '').replace(/\/+$/, '')
  if (path === '') return 'overview'
  return (ROUTES as string[]).includes(path) ? (path as Route) : null
}

const loadedPages = signal<Partial<Record<LazyRoute, PageComponent>>>({})
const pageError = signal<Error | null>(null)

/** The app's models, created once per page load. `deps` defaults to ones built from these two. */
export type AppModels = { session: Session; status: StatusModel; deps?: AppDeps }

/** The whole page: header, then the login form or the routed page (with the re-login prompt on
 * top of it when the session expired, so nothing underneath is lost). */
export function App({ session, status, deps: given }: AppModels) {
  const deps = useMemo(() => given ?? createAppDeps(session, status), [given, session, status])
  const state = session.loginState.value
  const isInside = state === 'loggedIn' || state === 'expired'
  const isLoggedIn = state === 'loggedIn'
  useEffect(() => {
    // rpcd lists the installed languages only for a session: once per login (i18n/index.ts).
    if (isLoggedIn)
      void findInstalledLangs((path) => session.callOptional<DirListing>('file', 'list', { path }))
  }, [isLoggedIn, session])
  const langs = installedLangs.value
  return (
    <>
      <a class="skip" href="#main" onClick={skipToMain}>
        {t('nav.skip')}
      </a>
      <header class="top">
        <span class="brand">{t('app.name')}</span>
        <span class="spacer" />
        {langs.length > 1 && (
          <LangSelect
            label={t('lang.label')}
            value={lang.value}
            options={langs.map((l) => ({ value: l, label: langName(l) }))}
            // A catalog that cannot be fetched keeps the page as it is (and drops the language).
            onChange={(l) => void setLang(l).catch(() => {})}
          />
        )}
        {isInside && (
          <button type="button" class="link" onClick={() => void session.logout()}>
            {t('nav.logout')}
          </button>
        )}
        {isInside && <Nav />}
      </header>
      <main id="main" tabIndex={-1}>
        {isInside ? (
          <>
            {state === 'expired' && <Login session={session} isReauth />}
            <Page deps={deps} />
          </>
        ) : (
          <Login session={session} />
        )}
      </main>
      {isInside && <ApplyBar phase={deps.tracker.phase} />}
    </>
  )
}

function skipToMain(e: Event) {
  // A hash link would change the route: move the focus instead.
  e.preventDefault()
  document.getElementById('main')?.focus()
}

function Nav() {
  const r = route.value
  // The bar scrolls sideways on a phone: keep the current page's tab in view.
  useEffect(() => {
    document
      .querySelector('nav [aria-current]')
      ?.scrollIntoView?.({ block: 'nearest', inline: 'nearest' })
  }, [r])
  return (
    <nav aria-label={t('nav.main')}>
      <ul>
        {ROUTES.map((p) => (
          <li key={p}>
            <a href={`#/${p}`} aria-current={r === p ? 'page' : undefined}>
              {t(`nav.${p}` as MessageKey)}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  )
}

/** The current route; main.tsx follows `hashchange` into it. */
export const route = signal(routeOf(globalThis.location?.hash ?? ''))

function Page({ deps }: { deps: AppDeps }) {
  const r = route.value
  if (r === 'overview') return <Overview model={deps.status} deps={deps} />
  if (r === null)
    return (
      <section class="card">
        <p>{t('route.notFound')}</p>
        <a href="#/overview">{t('route.home')}</a>
      </section>
    )
  return <LazyPage route={r} deps={deps} />
}

function LazyPage({ route: r, deps }: { route: LazyRoute; deps: AppDeps }) {
  const Component = loadedPages.value[r]
  useEffect(() => {
    if (Component) return
    pageError.value = null
    Promise.all([LAZY[r](), ensurePagesCatalog()])
      .then(([m]) => (loadedPages.value = { ...loadedPages.peek(), [r]: m.default }))
      .catch((e: unknown) => (pageError.value = asError(e)))
  }, [r, Component])
  if (Component) return <Component deps={deps} />
  if (pageError.value)
    return <Alert message={t('page.loadFailed', { reason: describeError(pageError.value) })} />
  return (
    <div class="page-loading">
      <Progress label={t('page.loading')} />
    </div>
  )
}
