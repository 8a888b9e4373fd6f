// Entry point: creates the models once, wires them to the router's /ubus and renders the app.
import { effect } from '@preact/signals'
import { render } from 'preact'
import { createLanvpnApi } from './api/lanvpn'
import { App, route, routeOf } from './App'
import { lang, t } from './i18n'
import { createSession } from './models/session'
import { createStatusModel } from './models/status'
import './styles.css'

const session = createSession()
const api = createLanvpnApi(session)
const status = createStatusModel({ read: api.readStatusFile, loginState: session.loginState })

addEventListener('hashchange', () => (route.value = routeOf(location.hash)))
effect(() => {
  document.documentElement.lang = lang.value
  document.title = t('app.name')
})

const root = document.getElementById('app')
if (root) render(<App session={session} status={status} />, root)
