import { render } from 'preact'
import { act } from 'preact/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createLanvpnApi } from '../../webui/src/api/lanvpn'
import { App } from '../../webui/src/App'
import { CATALOG_DIR, findInstalledLangs, setLang } from '../../webui/src/i18n'
import { createSession } from '../../webui/src/models/session'
import { createStatusModel, MIN_POLL_MS } from '../../webui/src/models/status'
import { Login } from '../../webui/src/pages/Login'
import { createFakeRouter, fakeDocument, STATUS_PATH, statusText } from './fake-router'

let container: HTMLElement

beforeEach(async () => {
  // Timers and clock only: preact schedules renders with queueMicrotask, which must stay real.
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
  })
  await setLang('en')
  // As on a router without language packages, until a test installs one.
  await findInstalledLangs(async () => ({ entries: [] }))
  container = document.createElement('div')
  document.body.append(container)
})

afterEach(() => {
  render(null, container)
  container.remove()
  vi.useRealTimers()
})

/** Lets fetches resolve and preact re-render. */
async function settle(ms = 0): Promise<void> {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms)
  })
}

function setup() {
  const router = createFakeRouter()
  router.files.set(STATUS_PATH, statusText())
  const session = createSession({ fetch: router.fetch, storage: null })
  const doc = fakeDocument()
  const status = createStatusModel({
    read: createLanvpnApi(session).readStatusFile,
    loginState: session.loginState,
    doc,
  })
  return { router, session, status }
}

const $ = <E extends Element = HTMLElement>(selector: string) =>
  container.querySelector<E>(selector)

/** The input a visible label names, as a screen reader would find it. */
function inputLabelled(text: string): HTMLInputElement {
  const label = Array.from(container.querySelectorAll('label')).find((l) => l.textContent === text)
  expect(label, `a label "${text}"`).toBeTruthy()
  const input = document.getElementById(label!.htmlFor)
  expect(input).toBeInstanceOf(HTMLInputElement)
  return input as HTMLInputElement
}

/** The value next to a fact's label. */
function fact(label: string): string | null | undefined {
  const dt = Array.from(container.querySelectorAll('dt')).find((d) => d.textContent === label)
  return dt?.nextElementSibling?.textContent
}

function type(input: HTMLInputElement, value: string): void {
  input.value = value
  input.dispatchEvent(new Event('input', { bubbles: true }))
}

async function submit(): Promise<void> {
  await act(async () => {
    $<HTMLButtonElement>('button[type=submit]')!.click()
  })
  await settle()
}

describe('login page', () => {
  it('is a form with labelled username and password fields and a submit button', async () => {
    const { session } = setup()
    await act(() => render(<Login session={session} />, container))
    expect($('form')).toBeTruthy()
    expect(inputLabelled('Username').autocomplete).toBe('username')
    expect(inputLabelled('Password').type).toBe('password')
    expect($('button[type=submit]')!.textContent).toBe('Log in')
    expect(document.activeElement).toBe(inputLabelled('Password'))
    expect($('[role=alert]')).toBeNull()
  })

  it('shows a wrong password as an alert and stays on the form', async () => {
    const { session } = setup()
    await act(() => render(<Login session={session} />, container))
    type(inputLabelled('Username'), 'root')
    type(inputLabelled('Password'), 'nope')
    await submit()
    expect($('[role=alert]')!.textContent).toBe('Wrong username or password.')
    expect(session.loginState.value).toBe('loggedOut')
    expect(inputLabelled('Password').value).toBe('')
  })

  it('says so when the router cannot be reached', async () => {
    const { router, session } = setup()
    router.fetch.mockRejectedValue(new TypeError('Failed to fetch'))
    await act(() => render(<Login session={session} />, container))
    type(inputLabelled('Password'), 'pw')
    await submit()
    expect($('[role=alert]')!.textContent).toMatch(/Cannot reach the router/)
  })
})

describe('app', () => {
  it('logs in and shows the overview with the status from the file', async () => {
    const { session, status } = setup()
    await act(() => render(<App session={session} status={status} />, container))
    type(inputLabelled('Password'), 'pw')
    await submit()
    await settle()
    expect(session.loginState.value).toBe('loggedIn')
    const text = container.textContent!
    expect($('h1')!.textContent).toBe('Overview')
    expect($('.badge')!.textContent).toBe('Not protected')
    expect($('[aria-live=polite]')).toContain($('.badge'))
    expect(fact('Service')).toBe('Running')
    expect(fact('Status generation')).toBe('7')
    expect(fact('Last applied')).toMatch(/2025/)
    expect(fact('Location')).toBe('—')
    expect(text).not.toContain('undefined')
    expect($('.problems li')!.textContent).toBe(
      'globals.health_interval must be a whole number from 2 to 60'
    )
  })

  it('says when the config file is held back, with each problem and its line', async () => {
    const { router, session, status } = setup()
    router.files.set(
      STATUS_PATH,
      statusText({
        configHeld: { hash: 'abcd1234' },
        problems: [
          {
            section: '',
            option: '',
            reason: 'the file cannot be read: line 9: unterminated single quote',
            line: 9,
          },
        ],
      })
    )
    await act(() => render(<App session={session} status={status} />, container))
    type(inputLabelled('Password'), 'pw')
    await submit()
    const items = Array.from(container.querySelectorAll('.problems li')).map((li) =>
      li.textContent?.trim()
    )
    expect(items).toEqual([
      'Changes to /etc/config/lanvpn are not applied: the file has the problems below. The last good settings stay in force, so VPN devices stay protected.',
      '(line 9) the file cannot be read: line 9: unterminated single quote',
    ])
  })

  it('updates in place when the file changes', async () => {
    const { router, session, status } = setup()
    await act(() => render(<App session={session} status={status} />, container))
    type(inputLabelled('Password'), 'pw')
    await submit()
    router.files.set(
      STATUS_PATH,
      statusText({
        generation: 8,
        tunnel: { state: 'connected', profile: 'Oslo', since: 1763800000000 },
        problems: [],
      })
    )
    await settle(MIN_POLL_MS)
    expect($('.badge')!.textContent).toBe('Protected')
    expect(fact('Location')).toBe('Oslo')
    expect($('.problems h2')!.textContent).toBe('Nothing needs attention')
  })

  it('asks for the password again on expiry, keeps the page, and carries on after the re-login', async () => {
    const { router, session, status } = setup()
    await act(() => render(<App session={session} status={status} />, container))
    type(inputLabelled('Password'), 'pw')
    await submit()
    router.expireAll()
    router.files.set(STATUS_PATH, statusText({ generation: 8 }))
    await settle(MIN_POLL_MS)

    expect(session.loginState.value).toBe('expired')
    expect($('form h1')!.textContent).toBe('Session expired')
    expect($('form')!.textContent).toContain('root')
    // The page under the prompt is still there, with what it showed.
    expect($('#overview-title')).toBeTruthy()
    expect($('.badge')!.textContent).toBe('Not protected')
    expect(fact('Status generation')).toBe('7')
    expect(document.activeElement).toBe(inputLabelled('Password'))

    type(inputLabelled('Password'), 'pw')
    await submit()
    await settle()
    expect(session.loginState.value).toBe('loggedIn')
    expect($('form')).toBeNull()
    expect(fact('Status generation')).toBe('8')
  })

  it('logs out back to the login form and forgets the status', async () => {
    const { session, status } = setup()
    await act(() => render(<App session={session} status={status} />, container))
    type(inputLabelled('Password'), 'pw')
    await submit()
    const buttons = Array.from(container.querySelectorAll('button'))
    const logout = buttons.find((b) => b.textContent === 'Log out')!
    await act(async () => logout.click())
    await settle()
    expect(session.loginState.value).toBe('loggedOut')
    expect($('.overview')).toBeNull()
    expect(status.status.value).toBeNull()
    expect(inputLabelled('Password')).toBeTruthy()
  })

  it('offers no language switch before login while English is the only language known', async () => {
    const { session, status } = setup()
    await act(() => render(<App session={session} status={status} />, container))
    expect(inputLabelled('Password')).toBeTruthy()
    expect($('select')).toBeNull()
  })

  it('offers the languages installed on the router after login, and switches to one', async () => {
    const { router, session, status } = setup()
    // The files of lanvpn-i18n-ru, as rpcd's file.list sees them on the router.
    router.files.set(`${CATALOG_DIR}/ru/ru-DK8eFcxj.js`, '')
    router.files.set(`${CATALOG_DIR}/ru/ru-pages-BHA7x7IJ.js`, '')
    await act(() => render(<App session={session} status={status} />, container))
    type(inputLabelled('Password'), 'pw')
    await submit()
    await settle()
    expect(router.callsOf('file', 'list').map((c) => c.args)).toEqual([{ path: CATALOG_DIR }])
    const select = $<HTMLSelectElement>('select')!
    expect(select.closest('label')!.textContent).toContain('Language')
    expect(Array.from(select.options).map((o) => o.textContent)).toEqual(['English', 'Русский'])
    await act(async () => {
      select.value = 'ru'
      select.dispatchEvent(new Event('change', { bubbles: true }))
    })
    // The Russian catalog is its own chunk: wait for it to arrive.
    const logout = () => Array.from(container.querySelectorAll('button')).map((b) => b.textContent)
    await vi.waitFor(() => expect(logout()).toContain('Выйти'))
    expect(document.documentElement.lang).toBe('ru')
  })

  it('stays English without a switch when no language package is installed', async () => {
    const { router, session, status } = setup()
    await act(() => render(<App session={session} status={status} />, container))
    type(inputLabelled('Password'), 'pw')
    await submit()
    await settle()
    // rpcd answers 4 (not found) for the missing directory: nothing to offer, nothing to report.
    expect(router.callsOf('file', 'list')).toHaveLength(1)
    expect($('.overview')).toBeTruthy()
    expect($('select')).toBeNull()
    expect($('[role=alert]')).toBeNull()
  })
})
