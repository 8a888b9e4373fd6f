// Device groups in the web UI (issue 21), over the fake router: the Overview's row per group with
// its own tunnel, the Devices page's group picker (one tap, "Applying…" until applied), the
// Locations page's groups card (create, choose a location no other group has, remove) and the
// explanation naming the group and its tunnel.
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createLanvpnApi, type ConfigView } from '../../webui/src/api/lanvpn'
import { App, route } from '../../webui/src/App'
import { createAppDeps } from '../../webui/src/deps'
import { setLang } from '../../webui/src/i18n'
import { freeLocations, groupIdFor, holderOf } from '../../webui/src/models/groups'
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

const profile = (id: string, label: string) => ({
  id,
  label,
  type: 'wireguard',
  privateKey: { set: true },
})
const group = (id: string, label: string, profile: string, fallback: string[] = []) => ({
  id,
  index: 1,
  label,
  profile,
  fallback,
  killSwitch: 'always',
  connect: true,
})
/** Home on Oslo (Riga its fallback), the TV group on London; Paris and Rome are free. */
const CONFIG = {
  globals: {
    enabled: true,
    killSwitch: 'always',
    connect: true,
    activeProfile: 'oslo',
    fallback: ['riga'],
    defaultMode: 'vpn',
  },
  profiles: [
    profile('oslo', 'Oslo'),
    profile('riga', 'Riga'),
    profile('london', 'London'),
    profile('paris', 'Paris'),
    profile('rome', 'Rome'),
  ],
  devices: [{ id: 'd_020000005002', mac: '02:00:00:00:50:02', mode: 'vpn', group: 'tv_uk' }],
  groups: [group('tv_uk', 'TV (UK)', 'london')],
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
  configured: true,
  mode: 'vpn',
  modeIsDefault: false,
  privateMac: false,
  wireless: false,
  group: 'tv_uk',
}
const CHANGED = { ok: true, configHash: 'beef', daemonNotified: true }

async function openPage(name: 'overview' | 'devices' | 'locations', status: object = {}) {
  const router = createFakeRouter()
  router.files.set(STATUS_PATH, statusText({ problems: [], ...status }))
  router.lanvpn.getConfig = () => CONFIG
  router.lanvpn.listDevices = () => ({
    devices: [TV],
    defaultMode: 'vpn',
    counts: { vpn: 1, direct: 0, mediastreamer: 0, blocked: 0 },
    generation: 1,
    updatedAt: 0,
  })
  router.lanvpn.listProfiles = () => ({
    profiles: CONFIG.profiles,
    active: 'oslo',
    connect: true,
    fallback: ['riga'],
  })
  const session = createSession({ fetch: router.fetch, storage: null })
  const poll = createStatusModel({
    read: createLanvpnApi(session).readStatusFile,
    loginState: session.loginState,
    doc: fakeDocument(),
  })
  const deps = createAppDeps(session, poll)
  await session.login('root', 'pw')
  route.value = name
  await act(() => render(<App session={session} status={poll} deps={deps} />, container))
  const showStatus = (overrides: object) => {
    router.files.set(STATUS_PATH, statusText({ problems: [], ...overrides }))
    poll.stop()
    poll.start()
  }
  return { router, showStatus }
}

const applyBar = () => container.parentElement!.querySelector('.apply-bar')?.textContent

async function choose(select: HTMLSelectElement, value: string) {
  await act(async () => {
    select.value = value
    select.dispatchEvent(new Event('change', { bubbles: true }))
  })
}

describe('the groups model', () => {
  const config = CONFIG as unknown as ConfigView
  it('knows which group holds a location, and offers a group only the free ones and its own', () => {
    expect(holderOf(config, 'oslo')).toBe('')
    expect(holderOf(config, 'riga')).toBe('')
    expect(holderOf(config, 'london')).toBe('tv_uk')
    expect(holderOf(config, 'paris')).toBeNull()
    expect(freeLocations(config, null).map((p) => p.id)).toEqual(['paris', 'rome'])
    expect(freeLocations(config, 'tv_uk').map((p) => p.id)).toEqual(['london', 'paris', 'rome'])
  })

  it('names a new group after what a person called it, never "default" nor a name in use', () => {
    expect(groupIdFor('TV in the UK', [])).toBe('tv_in_the_uk')
    expect(groupIdFor('Kids’ tablets!', [])).toBe('kids_tablets')
    expect(groupIdFor('Default', [])).toBe('group')
    expect(groupIdFor('Телевизор', [])).toBe('group')
    expect(groupIdFor('TV', ['tv', 'tv_2'])).toBe('tv_3')
    expect(groupIdFor('x'.repeat(40), []).length).toBeLessThanOrEqual(32)
  })
})

describe('overview', () => {
  it("shows each group's own tunnel with its location and devices, and one the daemon does not report as not protected", async () => {
    await openPage('overview', {
      tunnel: { state: 'connected', profile: 'oslo', since: 1 },
      groups: [
        {
          id: 'tv_uk',
          label: 'TV (UK)',
          tunnel: { state: 'connected', profile: 'london', since: 1 },
          devices: 2,
        },
      ],
    })
    const row = () => container.querySelector<HTMLElement>('[data-group=tv_uk]')
    await vi.waitFor(() => expect(row()?.querySelector('.badge')?.textContent).toBe('Protected'))
    expect(container.querySelector('#groups-title')!.textContent).toBe('Device groups')
    expect(row()!.querySelector('strong')!.textContent).toBe('TV (UK)')
    expect(row()!.textContent).toContain('London · 2 devices')
    // The household's own tunnel stays the first card, as without groups.
    expect(container.querySelector('.hero .badge')!.textContent).toBe('Protected')
  })

  it('says a group is not protected while the status does not carry its tunnel', async () => {
    await openPage('overview', { tunnel: { state: 'connected', profile: 'oslo', since: 1 } })
    const row = () => container.querySelector<HTMLElement>('[data-group=tv_uk]')
    await vi.waitFor(() =>
      expect(row()?.querySelector('.badge')?.textContent).toBe('Not protected')
    )
    expect(row()!.textContent).toContain('London · 1 devices')
  })
})

describe('devices page', () => {
  it('moves a device to another group in one tap and shows "Applying…" until applied', async () => {
    const { router, showStatus } = await openPage('devices')
    const picker = () => container.querySelector<HTMLSelectElement>('#group-020000005002')
    await vi.waitFor(() => expect(picker()?.value).toBe('tv_uk'))
    expect(container.querySelector('label[for=group-020000005002]')!.textContent).toBe(
      'Group for tv'
    )
    expect(Array.from(picker()!.options, (o) => o.textContent)).toEqual([
      'Everyone else (default group)',
      'TV (UK)',
    ])
    router.lanvpn.setDeviceGroup = () => CHANGED
    await choose(picker()!, '')
    await vi.waitFor(() => expect(applyBar()).toBe('Applying…'))
    expect(router.callsOf('lanvpn', 'setDeviceGroup').map((c) => c.args)).toEqual([
      { mac: TV.mac, group: '' },
    ])
    showStatus({ configHash: 'beef', generation: 8 })
    await vi.waitFor(() => expect(applyBar()).toBe('Applied.'))
  })

  it('names the group and its tunnel in the explanation', async () => {
    const { router } = await openPage('devices')
    router.lanvpn.explainDevice = () => ({
      mac: TV.mac,
      mode: 'vpn',
      modeIsDefault: false,
      summaryCode: 'vpn_tunnel_up',
      reasonCodes: ['mode_chosen', 'vpn_group'],
      params: { mode: 'vpn', profile: 'London', group: 'TV (UK)', tunnel: 'lanvpn1' },
    })
    await vi.waitFor(() => expect(container.textContent).toContain('192.168.50.184'))
    const why = Array.from(container.querySelectorAll('button')).find(
      (b) => b.textContent === 'Why is it routed like this?'
    )!
    await act(() => why.click())
    await vi.waitFor(() =>
      expect(container.querySelector('.explain')?.textContent).toContain(
        'It is in the group TV (UK): only that group’s own tunnel (lanvpn1, London) carries it'
      )
    )
  })

  it('shows no group picker while the household has no groups', async () => {
    const router = createFakeRouter()
    const { groups: _none, ...rest } = CONFIG
    void _none
    router.lanvpn.getConfig = () => ({ ...rest, groups: [] })
    router.files.set(STATUS_PATH, statusText())
    router.lanvpn.listDevices = () => ({
      devices: [{ ...TV, group: '' }],
      defaultMode: 'vpn',
      counts: { vpn: 1, direct: 0, mediastreamer: 0, blocked: 0 },
      generation: 1,
      updatedAt: 0,
    })
    const session = createSession({ fetch: router.fetch, storage: null })
    const poll = createStatusModel({
      read: createLanvpnApi(session).readStatusFile,
      loginState: session.loginState,
      doc: fakeDocument(),
    })
    const deps = createAppDeps(session, poll)
    await session.login('root', 'pw')
    route.value = 'devices'
    await act(() => render(<App session={session} status={poll} deps={deps} />, container))
    await vi.waitFor(() => expect(container.querySelector('#mode-020000005002')).toBeTruthy())
    await vi.waitFor(() => expect(router.callsOf('lanvpn', 'getConfig').length).toBeGreaterThan(0))
    expect(container.querySelector('#group-020000005002')).toBeNull()
    expect(container.querySelector('.device-head.grouped')).toBeNull()
  })
})

describe('groups card', () => {
  it('creates a group on a location no group has, changes its fallback and removes it in two taps', async () => {
    const { router } = await openPage('locations')
    await vi.waitFor(() => expect(container.querySelector('#groups-title')).toBeTruthy())
    const card = container.querySelector('#groups-title')!.parentElement!
    expect(card.textContent).toContain('Everyone else (default group)')
    expect(card.textContent).toContain('Location: Oslo')
    expect(card.querySelector('[data-group=tv_uk]')!.textContent).toContain('Location: London')

    // Only Paris and Rome are free: Oslo and Riga are the household's, London the TV group's.
    const where = card.querySelector<HTMLSelectElement>('#group-new-location')!
    expect(Array.from(where.options, (o) => o.value)).toEqual(['paris', 'rome'])
    const loc = card.querySelector<HTMLSelectElement>('#group-loc-tv_uk')!
    expect(Array.from(loc.options, (o) => o.value)).toEqual(['london', 'paris', 'rome'])

    router.lanvpn.setConfig = () => CHANGED
    const name = card.querySelector<HTMLInputElement>('#group-new-name')!
    await act(async () => {
      name.value = 'Kids tablets'
      name.dispatchEvent(new Event('input', { bubbles: true }))
    })
    await choose(where, 'rome')
    await act(async () => {
      card.querySelector<HTMLFormElement>('form.new-group')!.requestSubmit()
    })
    await vi.waitFor(() => expect(router.callsOf('lanvpn', 'setConfig')).toHaveLength(1))
    expect(router.callsOf('lanvpn', 'setConfig')[0].args).toMatchObject({
      groups: { kids_tablets: { label: 'Kids tablets', profile: 'rome' } },
    })
    await vi.waitFor(() => expect(applyBar()).toBe('Applying…'))

    await choose(card.querySelector<HTMLSelectElement>('#group-fb-tv_uk')!, 'paris')
    await vi.waitFor(() => expect(router.callsOf('lanvpn', 'setConfig')).toHaveLength(2))
    expect(router.callsOf('lanvpn', 'setConfig')[1].args).toMatchObject({
      groups: { tv_uk: { fallback: ['paris'] } },
    })

    const button = (text: string) =>
      Array.from(card.querySelectorAll('button')).find((b) => b.textContent === text)!
    await vi.waitFor(() => expect(button('Remove TV (UK)').disabled).toBe(false))
    await act(() => button('Remove TV (UK)').click())
    expect(card.textContent).toContain('Remove TV (UK)? Its devices go back to the default group.')
    expect(router.callsOf('lanvpn', 'setConfig')).toHaveLength(2)
    await act(() => button('Remove group').click())
    await vi.waitFor(() => expect(router.callsOf('lanvpn', 'setConfig')).toHaveLength(3))
    expect(router.callsOf('lanvpn', 'setConfig')[2].args).toMatchObject({
      groups: { tv_uk: null },
    })
  })
})

describe("a group's kill switch", () => {
  it('shows the group\'s own kill switch and changes it to "unless I disconnect" in one tap', async () => {
    const { router } = await openPage('locations')
    await vi.waitFor(() => expect(container.querySelector('#group-ks-tv_uk')).toBeTruthy())
    const ks = container.querySelector<HTMLSelectElement>('#group-ks-tv_uk')!
    expect(ks.value).toBe('always')
    expect(Array.from(ks.options, (o) => o.textContent)).toEqual(['Always', 'Unless I disconnect'])
    expect(container.querySelector(`label[for="group-ks-tv_uk"]`)!.textContent).toBe(
      'Kill switch of TV (UK)'
    )
    router.lanvpn.setConfig = () => CHANGED
    await choose(ks, 'auto')
    await vi.waitFor(() => expect(router.callsOf('lanvpn', 'setConfig')).toHaveLength(1))
    expect(router.callsOf('lanvpn', 'setConfig')[0].args).toEqual({
      groups: { tv_uk: { kill_switch: 'auto' } },
    })
  })
})
