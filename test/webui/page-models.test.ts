// The page models' pure parts and their behaviour over a fake router, without a DOM.
import { signal } from '../../webui/src/signals'
import { describe, expect, it, vi } from 'vitest'
import type { ConfigView, InventoryDevice, StatusSnapshot } from '../../webui/src/api/lanvpn'
import { createLanvpnApi, LanvpnError, parseHistory, parseStatus } from '../../webui/src/api/lanvpn'
import { applyPhase, createApplyTracker } from '../../webui/src/models/apply'
import { createConfigModel } from '../../webui/src/models/config'
import { filterDevices, deviceName } from '../../webui/src/models/devices'
import { changedOnly, fieldOf } from '../../webui/src/models/forms'
import {
  createLocationsModel,
  looksLikeOpenvpn,
  move,
  nameFromFile,
} from '../../webui/src/models/locations'
import { msPatch, type MsForm } from '../../webui/src/models/mediastreamer'
import { privacyFeatures } from '../../webui/src/models/privacy'
import {
  lanPolicyOf,
  settingsFormOf,
  settingsPatch,
  withLanPolicy,
  type SettingsForm,
} from '../../webui/src/models/settings'
import {
  createThroughput,
  nextThroughput,
  NO_THROUGHPUT,
  WINDOW_MS,
} from '../../webui/src/models/throughput'

const change = (configHash: string, daemonNotified = true) => ({ configHash, daemonNotified })

describe('applying', () => {
  it('is applying until a status carries the saved hash, then applied', () => {
    expect(applyPhase(null, { configHash: 'a' })).toBe('idle')
    expect(applyPhase(change('b'), { configHash: 'a' })).toBe('applying')
    expect(applyPhase(change('b'), { configHash: 'b', apply: { ok: true } })).toBe('applied')
  })

  it('says failed when the daemon could not apply it, and notRunning without a daemon', () => {
    expect(applyPhase(change('b'), { configHash: 'b', apply: { ok: false } })).toBe('failed')
    expect(applyPhase(change('b', false), { configHash: 'a' })).toBe('notRunning')
  })

  it('follows the polled status', () => {
    const status = signal<StatusSnapshot | null>({ configHash: 'a' })
    const tracker = createApplyTracker(status)
    tracker.track(change('b'))
    expect(tracker.phase.value).toBe('applying')
    status.value = { configHash: 'b' }
    expect(tracker.phase.value).toBe('applied')
  })
})

describe('the shared config', () => {
  it('reads the config again when the status reports a hash it has not read', async () => {
    const status = signal<StatusSnapshot | null>(null)
    let hash = 'a'
    const getConfig = vi.fn(async () => ({ configHash: hash }) as never)
    const tracker = createApplyTracker(status)
    const model = createConfigModel({ getConfig }, tracker, signal('loggedIn'), status)
    await vi.waitFor(() => expect(model.config.value).toEqual({ configHash: 'a' }))
    status.value = { configHash: 'a' }
    expect(getConfig).toHaveBeenCalledTimes(1)
    hash = 'b'
    status.value = { configHash: 'b', generation: 2 }
    await vi.waitFor(() => expect(model.config.value).toEqual({ configHash: 'b' }))
    expect(getConfig).toHaveBeenCalledTimes(2)
  })
})

describe('throughput', () => {
  const at = (updatedAt: number, rxBytes?: number, txBytes?: number, profile = 'ams') =>
    ({
      updatedAt,
      tunnel: rxBytes === undefined ? { state: 'connecting' } : { rxBytes, txBytes, profile },
    }) as StatusSnapshot
  const run = (...statuses: StatusSnapshot[]) => statuses.reduce(nextThroughput, NO_THROUGHPUT)

  it('turns counters of two status writes into bits per second', () => {
    const t = run(at(1000, 0, 0), at(3000, 4000, 2000))
    expect(t.rates).toEqual([{ atMs: 3000, rx: 16000, tx: 8000 }])
  })

  it('ignores the same write twice', () => {
    const t = run(at(1000, 100, 100), at(2000, 200, 200))
    expect(nextThroughput(t, at(2000, 200, 200))).toBe(t)
    expect(nextThroughput(t, null)).toBe(t)
  })

  it('goes on at zero while no tunnel counts, with no spike when a new tunnel restarts them', () => {
    // A failover: the old tunnel's counters, a gap without a tunnel, a new one counting from 0.
    const t = run(
      at(1000, 5_000_000, 1_000_000),
      at(2000, 5_001_000, 1_000_500),
      at(3000),
      at(4000, 10, 10, 'osl'),
      at(5000, 1010, 510, 'osl')
    )
    expect(t.rates).toEqual([
      { atMs: 2000, rx: 8000, tx: 4000 },
      { atMs: 3000, rx: 0, tx: 0 },
      { atMs: 5000, rx: 8000, tx: 4000 },
    ])
    // Counters that went back on the same location (a reconnect) set a new baseline too.
    expect(nextThroughput(t, at(6000, 5, 5, 'osl')).rates).toEqual(t.rates)
  })

  it('keeps the last five minutes only', () => {
    const statuses = Array.from({ length: 100 }, (_, i) => at(i * 5000, i * 1000, 0))
    const t = run(...statuses)
    expect(t.rates[0].atMs).toBe(99 * 5000 - WINDOW_MS + 5000)
    expect(t.rates).toHaveLength(WINDOW_MS / 5000)
  })

  it('continues after a page load from what the tab kept, and forgets it on logout', () => {
    sessionStorage.clear()
    const status = signal<StatusSnapshot | null>(at(1000, 0, 0))
    const login = signal<'loggedIn' | 'loggedOut'>('loggedIn')
    createThroughput(status, login)
    status.value = at(2000, 1000, 1000)
    // A reload: new models, the status not read yet, then the next write.
    const reloaded = createThroughput(signal(null), login)
    expect(reloaded.value.rates).toEqual([{ atMs: 2000, rx: 8000, tx: 8000 }])
    const again = signal<StatusSnapshot | null>(null)
    const t = createThroughput(again, login)
    again.value = at(3000, 2000, 2000)
    expect(t.value.rates).toHaveLength(2)
    login.value = 'loggedOut'
    expect(t.value.rates).toEqual([])
    expect(createThroughput(signal(null), signal('loggedIn')).value.rates).toEqual([])
  })
})

describe('locations', () => {
  it('names a location after its file and moves fallback entries within bounds', () => {
    expect(nameFromFile('ams-01.conf')).toBe('ams-01')
    expect(move(['a', 'b', 'c'], 'b', -1)).toEqual(['b', 'a', 'c'])
    expect(move(['a', 'b'], 'a', -1)).toEqual(['a', 'b'])
    expect(looksLikeOpenvpn('client\nremote vpn.example 1194')).toBe(true)
    expect(looksLikeOpenvpn('[Interface]\nPrivateKey = x')).toBe(false)
  })

  it('keeps the import notes of a refused import, by line', async () => {
    const call = vi.fn(async () => ({
      error: {
        code: 'invalid_profile',
        message: 'line 2: PrivateKey must be a WireGuard key',
        field: 'text',
        notes: [{ line: 2, level: 'error', message: 'PrivateKey must be a WireGuard key' }],
      },
    }))
    const api = createLanvpnApi({ call: call as never, readFile: async () => '{}' })
    const status = signal<StatusSnapshot | null>(null)
    const m = createLocationsModel({ api, tracker: createApplyTracker(status), status })
    m.editDraft({ name: 'Home', text: '[Interface]\nPrivateKey = nope' })
    expect(await m.importDraft()).toBeUndefined()
    expect(m.notes.value).toEqual([
      { line: 2, level: 'error', message: 'PrivateKey must be a WireGuard key' },
    ])
    expect(m.actions.error.value).toBeInstanceOf(LanvpnError)
    expect(m.draft.value.name).toBe('Home')
  })
})

describe('devices', () => {
  const device = (over: Partial<InventoryDevice>): InventoryDevice => ({
    mac: '02:00:00:00:00:01',
    hostname: '',
    ipv4: [],
    ipv6: [],
    online: true,
    lastSeenWallMs: 0,
    privateMac: false,
    wireless: false,
    label: '',
    kind: 'other',
    configured: false,
    mode: 'vpn',
    modeIsDefault: true,
    group: '',
    ...over,
  })

  it('finds devices by name, host name, MAC or address, within a mode, online first', () => {
    const tv = device({ mac: '02:00:00:00:00:02', label: 'Living room TV', mode: 'direct' })
    const laptop = device({ hostname: 'laptop', ipv4: ['192.168.50.10'], online: false })
    const phone = device({ mac: '02:00:00:00:00:03', hostname: 'phone' })
    const all = [tv, laptop, phone]
    expect(filterDevices(all, 'tv', 'all')).toEqual([tv])
    expect(filterDevices(all, '50.10', 'all')).toEqual([laptop])
    expect(filterDevices(all, '', 'vpn')).toEqual([phone, laptop])
    expect(deviceName(laptop)).toBe('laptop')
    expect(deviceName(device({}))).toBe('02:00:00:00:00:01')
  })
})

describe('forms', () => {
  it('sends only what changed, numbers as numbers, and names the field of an error', () => {
    const before: SettingsForm = {
      kill_switch: 'always',
      auto_connect: true,
      ipv6: true,
      router_via_vpn: false,
      health_target: '',
      health_interval: '10',
      lan_direct: [],
      lan_blocked: ['iot'],
    }
    expect(settingsPatch(before, { ...before, ipv6: false, health_interval: ' 5 ' })).toEqual({
      ipv6: false,
      health_interval: 5,
    })
    expect(settingsPatch(before, { ...before, health_interval: 'x' })).toEqual({
      health_interval: 'x',
    })
    const e = new LanvpnError({ code: 'invalid_config', message: 'm', field: 'globals.ipv6' })
    expect(fieldOf(e, 'globals')).toBe('ipv6')
    expect(fieldOf(e, 'mediastreamer')).toBe('')
    expect(changedOnly({ a: ['x'] }, { a: ['x'] })).toEqual({})
  })

  it('puts a LAN-side network in one list, or none for "each device by its mode"', () => {
    const before = settingsFormOf({
      globals: { lanDirect: ['guest'], lanBlocked: ['iot'] },
    } as unknown as ConfigView)
    const guestBlocked = withLanPolicy(before, 'guest', 'blocked')
    expect(lanPolicyOf(guestBlocked, 'guest')).toBe('blocked')
    expect(settingsPatch(before, guestBlocked)).toEqual({
      lan_direct: [],
      lan_blocked: ['iot', 'guest'],
    })
    const iotManaged = withLanPolicy(before, 'iot', 'managed')
    expect(lanPolicyOf(iotManaged, 'iot')).toBe('managed')
    expect(settingsPatch(before, iotManaged)).toEqual({ lan_blocked: [] })
    expect(settingsPatch(before, withLanPolicy(before, 'guest', 'direct'))).toEqual({})
  })

  it('sends MediaStreamer secrets only when typed, and the DNS servers as one list', () => {
    const before: MsForm = {
      enabled: false,
      method: 'http',
      url: '',
      success_match: '',
      server: '',
      hostname: '',
      username: '',
      dns1: '',
      dns2: '',
      ip_echo_url: '',
      token: '',
      password: '',
    }
    expect(msPatch(before, { ...before, enabled: true, dns1: '192.0.2.54', token: 't' })).toEqual({
      enabled: true,
      dns_server: ['192.0.2.54'],
      token: 't',
    })
    expect(msPatch(before, before)).toEqual({})
  })
})

describe('privacy and the status file', () => {
  it('detects the optional methods from the ubus list', () => {
    expect(privacyFeatures(['status', 'getHistory'])).toEqual({
      history: true,
      clearHistory: false,
      diagnostics: false,
    })
  })

  it('keeps well-formed history records and the new status fields', () => {
    expect(parseHistory({ records: [{ startWallMs: 1, location: 'Ams' }, 'junk'] })).toEqual([
      { start: 1, durationS: 0, location: 'Ams', protocol: '', version: '', result: '' },
    ])
    const s = parseStatus(
      JSON.stringify({
        tunnel: { state: 'connected', rxBytes: 5, txBytes: 'x', handshakeAgeS: 3 },
        mediastreamer: { state: 'registered', wanKind: 'public' },
        latency: { running: true, atWallMs: 1, results: [] },
      })
    )
    expect(s.tunnel).toEqual({ state: 'connected', rxBytes: 5, handshakeAgeS: 3 })
    expect(s.mediastreamer?.state).toBe('registered')
    expect(s.latency?.running).toBe(true)
  })
})
