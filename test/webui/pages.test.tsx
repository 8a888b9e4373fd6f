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

/** Puts a status file with `overrides` on the fake router and has the poller read it now. */
function showStatus(
  router: ReturnType<typeof createFakeRouter>,
  status: { stop(): void; start(): void },
  overrides: Record<string, unknown>
) {
  router.files.set(STATUS_PATH, statusText(overrides))
  status.stop()
  status.start()
}

async function openPage(
  name: 'devices' | 'privacy' | 'overview' | 'mediastreamer' | 'locations' | 'settings',
  config: object = CONFIG
) {
  const router = createFakeRouter()
  router.lanvpn.getConfig = () => config
  return openPageOn(router, name)
}

async function openPageOn(
  router: ReturnType<typeof createFakeRouter>,
  name: 'devices' | 'privacy' | 'overview' | 'mediastreamer' | 'locations' | 'settings'
) {
  if (!router.files.has(STATUS_PATH)) router.files.set(STATUS_PATH, statusText())
  router.lanvpn.getConfig ??= () => CONFIG
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
  await vi.waitFor(() => expect(container.querySelector('h1')).toBeTruthy())
  if (name !== 'overview')
    await vi.waitFor(() => expect(container.querySelector('h1')?.textContent).not.toBe('Overview'))
  return { router, status, deps }
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

describe('overview', () => {
  const text = (sel: string) => container.querySelector(sel)?.textContent
  const fact = (label: string) =>
    Array.from(container.querySelectorAll('dt')).find((dt) => dt.textContent === label)
      ?.nextElementSibling?.textContent
  const OSLO = {
    ...CONFIG,
    globals: { ...CONFIG.globals, activeProfile: 'oslo', armed: true },
    profiles: [{ id: 'oslo', label: 'Oslo' }],
  }

  it('tells one story: every alert and problem under one heading, or that nothing needs it', async () => {
    const { router, status } = await openPage('overview', OSLO)
    await vi.waitFor(() => expect(text('.problems h2')).toBe('Needs attention'))
    expect(text('.problems li')).toBe('globals.health_interval must be a whole number from 2 to 60')
    showStatus(router, status, {
      generation: 8,
      problems: [],
      mediastreamer: { state: 'cgnat', wanKind: 'cgnat' },
    })
    await vi.waitFor(() => expect(text('.problems li')).toMatch(/CGNAT/))
    expect(text('.problems h2')).toBe('Needs attention')
    expect(container.textContent).not.toMatch(/Nothing needs attention|No problems/)
    showStatus(router, status, { generation: 9, problems: [] })
    await vi.waitFor(() => expect(text('.problems h2')).toBe('Nothing needs attention'))
    expect(container.querySelectorAll('.problems li')).toHaveLength(0)
    expect(container.textContent).not.toContain('Needs attention')
  })

  it('says when the LAN has no device, under the same heading', async () => {
    const said =
      'the LAN (network interface lan) has no device now: no device on it reaches anything; VPN devices stay closed'
    const { router, status } = await openPage('overview', OSLO)
    showStatus(router, status, { problems: [], lan: { problems: [said] } })
    await vi.waitFor(() => expect(text('.problems li')?.trim()).toBe(said))
    expect(text('.problems h2')).toBe('Needs attention')
  })

  it('finds the exit IP when asked, through the daemon, and shows it beside the WAN IP', async () => {
    const { router, status } = await openPage('overview', OSLO)
    const connected = { state: 'connected', profile: 'oslo', since: 1763790000000 }
    showStatus(router, status, { problems: [], tunnel: connected })
    const ask = () =>
      Array.from(container.querySelectorAll<HTMLButtonElement>('.hero button')).find(
        (b) => b.textContent === 'Find the exit IP'
      )
    await vi.waitFor(() => expect(ask()).toBeDefined())
    expect(fact('Exit IP')).toBe('unknown')
    let asked = 0
    router.lanvpn.checkExitIp = () => {
      asked += 1
      return { queued: true, daemonNotified: true }
    }
    await act(async () => ask()!.click())
    expect(asked).toBe(1)
    await vi.waitFor(() => expect(container.textContent).toContain('Asking through the tunnel…'))
    showStatus(router, status, {
      generation: 8,
      problems: [],
      tunnel: { ...connected, exitIp: '203.0.113.10' },
    })
    await vi.waitFor(() => expect(fact('Exit IP')).toBe('203.0.113.10'))
    expect(ask()).toBeUndefined()
  })

  it('shows "Connecting…" from the click until it is applied, then the state; "Disconnecting…" likewise, keeping the location', async () => {
    let connect = false
    const config = () => ({
      ...OSLO,
      globals: { ...OSLO.globals, connect },
      configHash: `c${connect}`,
    })
    const { router, status } = await openPage('overview', OSLO)
    router.lanvpn.getConfig = config
    const button = () => container.querySelector<HTMLButtonElement>('.hero button')!
    await vi.waitFor(() => expect(button().textContent).toBe('Connect'))
    expect(fact('Location')).toBe('Oslo')
    router.lanvpn.connect = () => (
      (connect = true),
      { ok: true, configHash: 'ctrue', daemonNotified: true }
    )
    await act(async () => button().click())
    await vi.waitFor(() => expect(text('.badge')).toBe('Connecting…'))
    expect(button().textContent).toBe('Connecting…')
    expect(button().disabled).toBe(true)
    // Still the old status (not applied): still connecting, never "Not protected" beside "Disconnect".
    status.stop()
    status.start()
    await new Promise((r) => setTimeout(r, 50))
    expect(text('.badge')).toBe('Connecting…')
    // Applied, but the tunnel has not moved yet: still connecting.
    showStatus(router, status, { generation: 8, configHash: 'ctrue' })
    await vi.waitFor(() => expect(status.status.value?.generation).toBe(8))
    await new Promise((r) => setTimeout(r, 50))
    expect(text('.badge')).toBe('Connecting…')
    const up = { state: 'connected', profile: 'oslo', since: 1763800000000, rxBytes: 0, txBytes: 0 }
    showStatus(router, status, { generation: 9, configHash: 'ctrue', tunnel: up })
    await vi.waitFor(() => expect(text('.badge')).toBe('Protected'))
    await vi.waitFor(() => expect(button().textContent).toBe('Disconnect'))
    expect(button().disabled).toBe(false)

    router.lanvpn.disconnect = () => (
      (connect = false),
      { ok: true, configHash: 'cfalse', daemonNotified: true }
    )
    await act(async () => button().click())
    await vi.waitFor(() => expect(text('.badge')).toBe('Disconnecting…'))
    expect(button().textContent).toBe('Disconnecting…')
    expect(button().disabled).toBe(true)
    const down = { state: 'disconnected', profile: '', since: 0 }
    showStatus(router, status, { generation: 10, configHash: 'cfalse', tunnel: down })
    await vi.waitFor(() => expect(text('.badge')).toBe('Not protected'))
    await vi.waitFor(() => expect(button().textContent).toBe('Connect'))
    expect(fact('Location')).toBe('Oslo')
  })

  it('does not stay at "Connecting…" when no service runs to apply it', async () => {
    let connect = false
    const { router } = await openPage('overview', OSLO)
    router.lanvpn.getConfig = () => ({
      ...OSLO,
      globals: { ...OSLO.globals, connect },
      configHash: `c${connect}`,
    })
    const button = () => container.querySelector<HTMLButtonElement>('.hero button')!
    await vi.waitFor(() => expect(button().textContent).toBe('Connect'))
    router.lanvpn.connect = () => (
      (connect = true),
      { ok: true, configHash: 'ctrue', daemonNotified: false }
    )
    await act(async () => button().click())
    await vi.waitFor(() =>
      expect(container.parentElement!.querySelector('.apply-bar')!.textContent).toBe(
        'Saved. It takes effect when the lanvpn service starts.'
      )
    )
    await vi.waitFor(() => expect(button().textContent).toBe('Disconnect'))
    expect(button().disabled).toBe(false)
    expect(text('.badge')).toBe('Not protected')
  })

  it('draws the traffic chart with its scale, a zero line before any traffic, and goes on through a failover', async () => {
    sessionStorage.clear()
    const { router, status } = await openPage('overview', OSLO)
    await vi.waitFor(() => expect(text('.chart-y')).toBe('1 kbit/s0 bit/s'))
    expect(text('.chart-x')).toBe('5 min agonow')
    expect(container.querySelector('.chart path.axis')!.getAttribute('d')).toBe('M0 79H300')
    expect(text('.legend')).toBe('Down — Up —')
    const tunnel = (profile: string, rxBytes: number, txBytes: number) => ({
      state: 'connected',
      profile,
      since: 1,
      rxBytes,
      txBytes,
    })
    const write = async (at: number, t: object) => {
      showStatus(router, status, { updatedAt: at, tunnel: t, problems: [] })
      await vi.waitFor(() => expect(status.status.value?.updatedAt).toBe(at))
    }
    const t0 = 1763800000000
    await write(t0 + 5000, tunnel('oslo', 1_000_000, 100_000))
    await write(t0 + 10000, tunnel('oslo', 1_600_000, 150_000))
    expect(text('.legend')).toBe('Down 960 kbit/s Up 80 kbit/s')
    expect(text('.chart-y')).toBe('1 Mbit/s0 bit/s')
    // Failover: no tunnel for a moment, then the next location counts from zero.
    await write(t0 + 15000, { state: 'reconnecting', profile: 'oslo', since: 1 })
    expect(text('.legend')).toBe('Down 0 bit/s Up 0 bit/s')
    await write(t0 + 20000, tunnel('ams', 2000, 1000))
    await write(t0 + 25000, tunnel('ams', 628_000, 51_000))
    expect(text('.legend')).toBe('Down 1 Mbit/s Up 80 kbit/s')
    const rx = container.querySelector('.chart polyline.rx')!.getAttribute('points')!.split(' ')
    expect(rx).toHaveLength(3)
    expect(text('.chart-y')).toBe('2 Mbit/s0 bit/s')
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
    showStatus(router, status, { configHash: 'beef', generation: 8 })
    await vi.waitFor(() =>
      expect(container.parentElement!.querySelector('.apply-bar')!.textContent).toBe('Applied.')
    )
  })
})

describe('settings page', () => {
  it('lists the LAN-side networks with what each gets, and saves a change like any setting', async () => {
    const router = createFakeRouter()
    router.files.set(
      STATUS_PATH,
      statusText({
        lan: {
          interfaces: [
            { name: 'lan', device: 'br-lan', up: true, policy: 'managed' },
            { name: 'guest', device: 'br-guest', up: true, policy: 'direct' },
          ],
          problems: [],
        },
      })
    )
    const globals = {
      ...CONFIG.globals,
      healthInterval: 5,
      healthTarget: '',
      lanDirect: ['guest'],
      lanBlocked: [],
    }
    router.lanvpn.getConfig = () => ({ ...CONFIG, globals })
    router.lanvpn.setConfig = () => ({ ok: true, configHash: 'cafe', daemonNotified: true })
    const { status } = await openPageOn(router, 'settings')
    await vi.waitFor(() => expect(container.querySelector('#lan-guest')).toBeTruthy())
    const label = (id: string) => container.querySelector(`label[for=${id}]`)!.textContent
    expect([label('lan-lan'), label('lan-guest')]).toEqual([
      'Network lan (br-lan)',
      'Network guest (br-guest)',
    ])
    const guest = container.querySelector<HTMLSelectElement>('#lan-guest')!
    expect(container.querySelector<HTMLSelectElement>('#lan-lan')!.value).toBe('managed')
    expect(guest.value).toBe('direct')
    expect(Array.from(guest.options, (o) => o.textContent)).toEqual([
      'Each device by its mode',
      'All direct, without the VPN',
      'All blocked',
    ])
    await act(async () => {
      guest.value = 'blocked'
      guest.dispatchEvent(new Event('change', { bubbles: true }))
    })
    await act(async () => container.querySelector<HTMLButtonElement>('form .primary')!.click())
    await vi.waitFor(() => expect(router.callsOf('lanvpn', 'setConfig')).toHaveLength(1))
    expect(router.callsOf('lanvpn', 'setConfig')[0].args).toEqual({
      globals: { lan_direct: [], lan_blocked: ['guest'] },
    })
    await vi.waitFor(() =>
      expect(container.parentElement!.querySelector('.apply-bar')!.textContent).toBe('Applying…')
    )
    showStatus(router, status, { configHash: 'cafe', generation: 8 })
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

  it('says what backups carry, and leaves the secrets out of them when asked', async () => {
    const router = createFakeRouter()
    let globals = { ...CONFIG.globals, backupSecrets: true, logLevel: 'notice' }
    router.lanvpn.getConfig = () => ({ ...CONFIG, globals })
    router.lanvpn.setConfig = (args: Record<string, any>) => {
      globals = { ...globals, backupSecrets: args.globals.backup_secrets }
      return { ok: true, configHash: 'cafe', daemonNotified: true }
    }
    await openPageOn(router, 'privacy')
    await vi.waitFor(() => expect(container.querySelector('#backup-secrets')).toBeTruthy())
    const box = container.querySelector<HTMLInputElement>('#backup-secrets')!
    expect(box.checked).toBe(true)
    expect(container.textContent).toContain('Keep backup files safe.')
    expect(container.textContent).toContain('Log level notice: below debug')
    await act(async () => box.click())
    await vi.waitFor(() =>
      expect(container.textContent).toContain('import your locations and enter')
    )
    expect(router.callsOf('lanvpn', 'setConfig').map((c) => c.args)).toEqual([
      { globals: { backup_secrets: false } },
    ])
  })
})

describe('in every language', () => {
  afterEach(() => setLang('en'))
  const WORDS = {
    en: {
      history: 'WireGuard · lanvpn 0.1.0 · ended normally',
      registered: 'registered',
      said: [
        "the router's internet connection (WAN) is down",
        'globals.ipv6 must be 0 or 1 (or true/false, yes/no, on/off)',
        'the LAN (network interface lan) has no device now: no device on it reaches anything; VPN devices stay closed',
        'a sentence of a newer daemon',
      ],
    },
    ru: {
      history: 'WireGuard · lanvpn 0.1.0 · завершено',
      registered: 'зарегистрировано',
      said: [
        'подключение роутера к интернету (WAN) не работает',
        'globals.ipv6 должно быть 0 или 1 (или true/false, yes/no, on/off)',
        'у LAN (сетевой интерфейс lan) сейчас нет устройства: устройства в ней никуда не выходят; VPN-устройства остаются закрытыми',
        'a sentence of a newer daemon',
      ],
    },
    'zh-CN': {
      history: 'WireGuard · lanvpn 0.1.0 · 正常结束',
      registered: '已注册',
      said: [
        '路由器的互联网连接（WAN）已断开',
        'globals.ipv6 必须是 0 或 1（或 true/false、yes/no、on/off）',
        'LAN（网络接口 lan）现在没有设备：其上的设备无法访问任何地方；VPN 设备保持封锁',
        'a sentence of a newer daemon',
      ],
    },
  }

  for (const [l, words] of Object.entries(WORDS)) {
    it(`${l}: the history says lanvpn's version and the result in words`, async () => {
      await setLang(l as keyof typeof WORDS)
      const record = {
        startWallMs: 1763800000000,
        durationS: 60,
        location: 'Oslo',
        protocol: 'wireguard',
        version: '0.1.0',
        result: 'ok',
      }
      const router = createFakeRouter()
      router.lanvpn.getHistory = () => ({ records: [record] })
      await openPageOn(router, 'privacy')
      await vi.waitFor(() =>
        expect(container.querySelector('[aria-labelledby=privacy-history] li')).toBeTruthy()
      )
      const row = container.querySelector(
        '[aria-labelledby=privacy-history] li .small'
      )!.textContent!
      expect(row.endsWith(words.history)).toBe(true)
    })

    it(`${l}: the Overview says the daemon's words in the page's language`, async () => {
      await setLang(l as keyof typeof WORDS)
      const router = createFakeRouter()
      const lan =
        'the LAN (network interface lan) has no device now: no device on it reaches anything; VPN devices stay closed'
      router.files.set(
        STATUS_PATH,
        statusText({
          tunnel: {
            state: 'reconnecting',
            profile: 'oslo',
            since: 1,
            reason: "the router's internet connection (WAN) is down",
            reasonCode: { code: 'wanDown' },
          },
          problems: [
            {
              section: 'globals',
              option: 'ipv6',
              reason: 'must be 0 or 1 (or true/false, yes/no, on/off)',
              code: 'bool',
            },
          ],
          lan: {
            problems: [lan, 'a sentence of a newer daemon'],
            problemCodes: [{ code: 'lanNoDevice', args: { name: 'lan' } }, { code: 'new' }],
          },
        })
      )
      await openPageOn(router, 'overview')
      await vi.waitFor(() => expect(container.querySelectorAll('.problems li').length).toBe(4))
      const items = Array.from(container.querySelectorAll('.problems li'), (li) =>
        li.textContent!.trim()
      )
      expect([container.querySelector('.hero .reason')!.textContent, ...items.slice(1)]).toEqual(
        words.said
      )
    })

    it(`${l}: a registration that went through is said once, in the page's language`, async () => {
      await setLang(l as keyof typeof WORDS)
      const ms = {
        enabled: true,
        state: 'registered',
        lastAttempt: { atWallMs: 1763800000000, result: 'ok', message: 'registered' },
        nextCheckWallMs: 0,
      }
      const router = createFakeRouter()
      router.files.set(STATUS_PATH, statusText({ mediastreamer: ms }))
      const settings = {
        enabled: true,
        method: 'http',
        url: 'https://provider.example/activate?ip={ip}&token={token}',
        successMatch: '',
        server: '',
        hostname: '',
        username: '',
        dnsServers: ['192.0.2.54'],
        ipEchoUrls: [],
        token: { set: true },
        password: { set: false },
      }
      router.lanvpn.getMediastreamer = () => ({ settings, status: ms })
      await openPageOn(router, 'mediastreamer')
      await vi.waitFor(() =>
        expect(container.querySelector('[aria-labelledby=ms-status] .small')).toBeTruthy()
      )
      const line = container.querySelector('[aria-labelledby=ms-status] .small')!.textContent!
      expect(line.endsWith(`: ${words.registered}`) || line.endsWith(`：${words.registered}`)).toBe(
        true
      )
      expect(line).not.toContain('—')
    })
  }
})

describe('locations', () => {
  it('badges the location that carries the traffic after a failover, and says the chosen one is not answering', async () => {
    const router = createFakeRouter()
    router.lanvpn.listProfiles = () => ({
      profiles: [
        { id: 'oslo', label: 'Oslo', type: 'wireguard' },
        { id: 'riga', label: 'Riga', type: 'wireguard' },
      ],
      active: 'oslo',
      connect: true,
      fallback: ['riga'],
    })
    router.files.set(
      STATUS_PATH,
      statusText({ problems: [], tunnel: { state: 'connected', profile: 'riga', since: 1 } })
    )
    await openPageOn(router, 'locations')
    const row = (name: string) =>
      Array.from(container.querySelectorAll('ul.rows > li.row')).find(
        (li) => li.querySelector('strong')?.textContent === name
      )!
    await vi.waitFor(() => expect(row('Riga').querySelector('.tag')?.textContent).toBe('Connected'))
    expect(row('Riga').textContent).toContain('Disconnect')
    expect(row('Oslo').querySelector('.tag')?.textContent).toBe('Chosen')
    expect(row('Oslo').textContent).toContain('Not answering; Riga is in use')
    expect(row('Oslo').querySelector('button.primary')?.textContent).toBe('Connect')
  })
})
