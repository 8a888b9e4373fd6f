// The on-demand pages in a DOM, over the fake router: what they render from the api and what a
// change looks like until the status says it is applied.
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createLanvpnApi } from '../../webui/src/api/lanvpn'
import { App, route } from '../../webui/src/App'
import { createAppDeps } from '../../webui/src/deps'
import { setLang } from '../../webui/src/i18n'
import { createSession } from '../../webui/src/models/session'
import { createStatusModel } from '../../webui/src/models/status'
import { createFakeRouter, fakeDocument, STATUS_PATH, statusText } from './fake-router'

let container: HTMLElement

beforeEach(async () => {
  await setLang('en')
  container = document.createElement('div')
  document.body.append(container)
})

afterEach(() => {
  render(null, container)
  container.remove()
  route.value = 'overview'
})

const CONFIG = {
  globals: { enabled: true, killSwitch: 'always', connect: false, activeProfile: '' },
  profiles: [],
  devices: [],
  mediastreamer: { enabled: false, token: { set: false }, password: { set: false } },
  problems: [],
  configHash: '9f1c2e3a',
}
const TV = {
  mac: '02:00:00:00:50:02',
  label: '',
  kind: 'tv',
  hostname: 'tv',
  ipv4: ['192.168.50.184'],
  ipv6: [],
  online: true,
  lastSeenWallMs: 0,
  configured: false,
  mode: 'vpn',
  modeIsDefault: true,
  privateMac: false,
  wireless: false,
}

async function openPage(name: 'devices' | 'privacy' | 'overview', config: object = CONFIG) {
  const router = createFakeRouter()
  router.files.set(STATUS_PATH, statusText())
  router.lanvpn.getConfig = () => config
  router.lanvpn.listDevices = () => ({
    devices: [TV],
    defaultMode: 'vpn',
    counts: { vpn: 1, direct: 0, mediastreamer: 0, blocked: 0 },
    generation: 1,
    updatedAt: 0,
  })
  const session = createSession({ fetch: router.fetch, storage: null })
  const status = createStatusModel({
    read: createLanvpnApi(session).readStatusFile,
    loginState: session.loginState,
    doc: fakeDocument(),
  })
  const deps = createAppDeps(session, status)
  await session.login('root', 'pw')
  route.value = name
  await act(() => render(<App session={session} status={status} deps={deps} />, container))
  if (name !== 'overview')
    await vi.waitFor(() => expect(container.querySelector('h1')?.textContent).not.toBe('Overview'))
  return { router, status }
}

describe('overview kill switch', () => {
  const killSwitch = () =>
    Array.from(container.querySelectorAll('dt')).find((dt) => dt.textContent === 'Kill switch')
      ?.nextElementSibling?.textContent

  it('says it is not on while no location exists, and before the first connect', async () => {
    await openPage('overview')
    await vi.waitFor(() => expect(killSwitch()).toMatch(/^Not on yet/))
    render(null, container)
    const imported = {
      ...CONFIG,
      globals: { ...CONFIG.globals, activeProfile: 'oslo', armed: false },
      profiles: [{ id: 'oslo', label: 'Oslo' }],
    }
    await openPage('overview', imported)
    await vi.waitFor(() => expect(killSwitch()).toMatch(/^Starts when you first connect/))
    render(null, container)
    await openPage('overview', { ...imported, globals: { ...imported.globals, armed: true } })
    await vi.waitFor(() => expect(killSwitch()).toMatch(/Blocking VPN devices now/))
  })
})

describe('devices page', () => {
  it('lists a device with its labelled mode selector and shows "Applying…" until applied', async () => {
    const { router, status } = await openPage('devices')
    await vi.waitFor(() => expect(container.textContent).toContain('192.168.50.184'))
    const select = container.querySelector<HTMLSelectElement>('#mode-020000005002')!
    expect(container.querySelector('label[for=mode-020000005002]')!.textContent).toBe('Mode for tv')
    router.lanvpn.setDeviceMode = () => ({ ok: true, configHash: 'beef', daemonNotified: true })
    await act(async () => {
      select.value = 'direct'
      select.dispatchEvent(new Event('change', { bubbles: true }))
    })
    await vi.waitFor(() =>
      expect(container.parentElement!.querySelector('.apply-bar')!.textContent).toBe('Applying…')
    )
    expect(router.callsOf('lanvpn', 'setDeviceMode')[0].args).toEqual({
      mac: TV.mac,
      mode: 'direct',
    })
    router.files.set(STATUS_PATH, statusText({ configHash: 'beef', generation: 8 }))
    status.stop()
    status.start()
    await vi.waitFor(() =>
      expect(container.parentElement!.querySelector('.apply-bar')!.textContent).toBe('Applied.')
    )
  })
})

describe('privacy page', () => {
  it('renders what is stored from the config and marks absent methods as not available', async () => {
    await openPage('privacy')
    await vi.waitFor(() => expect(container.textContent).toContain('/etc/config/lanvpn'))
    expect(container.textContent).toContain('Locations (0)')
    await vi.waitFor(() => expect(container.querySelectorAll('.unavailable')).toHaveLength(2))
  })
})
