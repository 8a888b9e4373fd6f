// "Is this device protected?" on the Devices page: the router's counters for one device, its
// verdict in plain words and since when it counts, in English and Russian.
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

afterEach(async () => {
  render(null, container)
  container.remove()
  route.value = 'overview'
  await setLang('en')
})

const LAPTOP = {
  mac: '02:00:00:00:50:01',
  label: 'Laptop',
  kind: 'laptop',
  hostname: 'laptop',
  ipv4: ['192.168.50.183'],
  ipv6: [],
  online: true,
  lastSeenWallMs: 0,
  configured: true,
  mode: 'vpn',
  modeIsDefault: false,
  privateMac: false,
  wireless: false,
}
const TV = { ...LAPTOP, mac: '02:00:00:00:50:02', label: 'TV', kind: 'tv', mode: 'direct' }

const answer = (over: object) => ({
  mac: LAPTOP.mac,
  name: 'Laptop',
  mode: 'vpn',
  verdict: 'protected',
  counters: { tunnel: 1234, wan: 0, stopped: 0, dns: 12, ipv6: 40 },
  sinceWallMs: 1763800000000,
  untilWallMs: 1763800600000,
  started: false,
  ...over,
})

async function openDevices() {
  const router = createFakeRouter()
  router.files.set(STATUS_PATH, statusText())
  router.lanvpn.getConfig = () => ({
    globals: { enabled: true, killSwitch: 'always', connect: true, activeProfile: 'home' },
    profiles: [],
    devices: [],
    mediastreamer: { enabled: false, token: { set: false }, password: { set: false } },
    problems: [],
    configHash: '9f1c2e3a',
  })
  router.lanvpn.listDevices = () => ({
    devices: [LAPTOP, TV],
    defaultMode: 'vpn',
    counts: { vpn: 1, direct: 1, mediastreamer: 0, blocked: 0 },
    generation: 1,
    updatedAt: 0,
  })
  const session = createSession({ fetch: router.fetch, storage: null })
  const status = createStatusModel({
    read: createLanvpnApi(session).readStatusFile,
    loginState: session.loginState,
    doc: fakeDocument(),
  })
  await session.login('root', 'pw')
  route.value = 'devices'
  await act(() =>
    render(
      <App session={session} status={status} deps={createAppDeps(session, status)} />,
      container
    )
  )
  await vi.waitFor(() => expect(container.textContent).toContain('192.168.50.183'))
  return router
}

/** Presses the device's "Is this device protected?" (under "More about …"). */
async function ask(mac: string, label = 'Is this device protected?') {
  const row = container.querySelector(`#mode-${mac.replace(/:/g, '')}`)!.closest('li')!
  const button = Array.from(row.querySelectorAll('button')).find((b) => b.textContent === label)!
  await act(async () => button.click())
}

const card = () => container.querySelector<HTMLElement>('section.proof')

describe('is this device protected?', () => {
  it('shows the laptop protected, with its counters and since when the router counts', async () => {
    const router = await openDevices()
    router.lanvpn.checkProtection = () => answer({})
    await ask(LAPTOP.mac)
    await vi.waitFor(() => expect(card()).toBeTruthy())
    expect(card()!.querySelector('h2')!.textContent).toBe('Is Laptop protected?')
    expect(card()!.textContent).toContain(
      'Yes: 1,234 packets went through the VPN, and none around it.'
    )
    const items = Array.from(card()!.querySelectorAll('li')).map((li) => li.textContent)
    expect(items).toEqual([
      'Through the VPN: 1,234 packets',
      'Straight to the internet, outside the VPN: 0 packets',
      'Stopped by the kill switch: 0 packets',
      'Name lookups sent to the VPN’s DNS: 12',
      'IPv6 packets out of the router: 40',
    ])
    expect(card()!.textContent).toContain('Counted by the router itself since ')
    expect(card()!.textContent).toContain('saved nowhere')
    expect(router.callsOf('lanvpn', 'checkProtection')[0].args).toMatchObject({
      device: LAPTOP.mac,
    })
  })

  it('says counting started now at the first question, and asks again on "Check again"', async () => {
    const router = await openDevices()
    router.lanvpn.checkProtection = () =>
      answer({
        started: true,
        verdict: 'quiet',
        counters: { tunnel: 0, wan: 0, stopped: 0, dns: 0, ipv6: 0 },
      })
    await ask(LAPTOP.mac)
    await vi.waitFor(() => expect(card()?.textContent).toContain('Nothing sent yet.'))
    expect(card()!.textContent).toContain('The router started counting now, when you asked')
    router.lanvpn.checkProtection = () =>
      answer({ counters: { tunnel: 5, wan: 0, stopped: 0, dns: 1, ipv6: 0 } })
    const again = Array.from(card()!.querySelectorAll('button')).find(
      (b) => b.textContent === 'Check again'
    )!
    await act(async () => again.click())
    await vi.waitFor(() =>
      expect(card()!.textContent).toContain('Yes: 5 packets went through the VPN')
    )
    expect(router.callsOf('lanvpn', 'checkProtection')).toHaveLength(2)
  })

  it('says plainly that a direct device does not use the VPN, and a vpn device that leaked is not protected', async () => {
    const router = await openDevices()
    router.lanvpn.checkProtection = () =>
      answer({
        mac: TV.mac,
        name: 'TV',
        mode: 'direct',
        verdict: 'wan',
        counters: { tunnel: 0, wan: 77, stopped: 0, dns: 0, ipv6: 0 },
      })
    await ask(TV.mac)
    await vi.waitFor(() =>
      expect(card()?.textContent).toContain(
        'Not through the VPN: its mode is Direct, and 77 packets went straight to the internet.'
      )
    )
    router.lanvpn.checkProtection = () =>
      answer({ verdict: 'wan', counters: { tunnel: 900, wan: 3, stopped: 0, dns: 0, ipv6: 0 } })
    await ask(LAPTOP.mac)
    await vi.waitFor(() =>
      expect(card()?.textContent).toContain('No: 3 packets went to the internet outside the VPN.')
    )
  })

  it('says it in Russian', async () => {
    await setLang('ru')
    const router = await openDevices()
    router.lanvpn.checkProtection = () => answer({})
    await ask(LAPTOP.mac, 'Защищено ли это устройство?')
    await vi.waitFor(() =>
      expect(card()?.querySelector('h2')?.textContent).toBe('Защищено ли Laptop?')
    )
    expect(card()!.textContent).toContain('прошли через VPN, мимо него — ни одного.')
  })
})
