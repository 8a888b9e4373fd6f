// Entry point: creates the models once, wires them to the router's /ubus and renders the app in
// the reader's language (its catalog is fetched first, so the page never flashes in English; when
// that language is not installed on the router, the page is English).
import { effect } from './signals'
import { render } from 'preact'
import { createLanvpnApi } from './api/lanvpn'
import { App, route, routeOf } from './App'
import { createAppDeps } from './deps'
import { startLang, t } from './i18n'
import { createSession } from './models/session'
import { createStatusModel } from './models/status'
import './styles.css'

const session = createSession()
// The status model starts polling at once when a session was restored, so its reader must exist
// before the shared models are built.
const reader = createLanvpnApi(session)
const deps = createAppDeps(
  session,
  createStatusModel({ read: reader.readStatusFile, loginState: session.loginState })
)

addEventListener('hashchange', () => (route.value = routeOf(location.hash)))
// <html lang> follows the language where it changes (i18n/index.ts showLang); the title follows here.
effect(() => (document.title = t('app.name')))

async function start(): Promise<void> {
  await startLang()
  const root = document.getElementById('app')
  if (root) render(<App session={session} status={deps.status} deps={deps} />, root)
}
void start()
