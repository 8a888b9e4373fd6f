// The Rules page (issue 22) over the fake router: "My bank goes direct" in one tap and one field,
// streaming through a group's tunnel, a console's ports prefilled, the list numbered as the daemon
// numbers it (on/off, move, delete after asking), the local exceptions, "check a destination" in
// words, and the note when domain rules are only looked up every 5 minutes. The model's pure
// parts too.
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createLanvpnApi } from '../../webui/src/api/lanvpn'
import { App, ROUTES, route } from '../../webui/src/App'
import { createAppDeps } from '../../webui/src/deps'
import { setLang } from '../../webui/src/i18n'
import { CONSOLE_PORTS, items, presets } from '../../webui/src/models/rules'
import { createSession } from '../../webui/src/models/session'
import { createStatusModel } from '../../webui/src/models/status'
import { createFakeRouter, fakeDocument, STATUS_PATH, statusText } from './fake-router'
import { rule as base } from '../unit/rule-fixture'

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

const rule = (number: number, over: object) =>
  base({ id: `rule_${number}`, number, label: `rule_${number}`, ...over })
const CONFIG = {
  globals: { enabled: true, defaultMode: 'vpn', localDirect: true, localDest: ['10.20.0.0/16'] },
  profiles: [],
  devices: [],
  groups: [{ id: 'tv', index: 1, label: 'TV', profile: 'uk', fallback: [] }],
  mediastreamer: { enabled: false, token: { set: false }, password: { set: false } },
  rules: [
    rule(1, { label: 'My bank', domains: ['mybank.example'] }),
    rule(3, {
      ports: [
        { proto: 'tcp', first: 3074, last: 3074 },
        { proto: 'udp', first: 3074, last: 3074 },
      ],
      devices: ['02:00:00:00:50:03'],
      via: 'group',
      group: 'tv',
      enabled: false,
    }),
  ],
  problems: [],
  configHash: '9f1c2e3a',
}
const device = (mac: string, hostname: string) => ({ mac, hostname, label: '', ipv4: [], ipv6: [] })
const CHANGED = { ok: true, configHash: 'beef', daemonNotified: true }

async function openRules(status: object = {}) {
  const router = createFakeRouter()
  router.files.set(STATUS_PATH, statusText({ problems: [], ...status }))
  router.lanvpn.getConfig = () => CONFIG
  router.lanvpn.listDevices = () => ({
    devices: [device('02:00:00:00:50:02', 'tv'), device('02:00:00:00:50:03', 'xbox')],
    defaultMode: 'vpn',
    counts: { vpn: 2, direct: 0, mediastreamer: 0, blocked: 0 },
  })
  for (const m of ['setRule', 'deleteRule', 'moveRule', 'setConfig'])
    router.lanvpn[m] = () => CHANGED
  const session = createSession({ fetch: router.fetch, storage: null })
  const poll = createStatusModel({
    read: createLanvpnApi(session).readStatusFile,
    loginState: session.loginState,
    doc: fakeDocument(),
  })
  const deps = createAppDeps(session, poll)
  await session.login('root', 'pw')
  route.value = 'rules'
  await act(() => render(<App session={session} status={poll} deps={deps} />, container))
  await vi.waitFor(() => expect(container.querySelector('[data-rule="3"]')).not.toBeNull())
  return router
}

const $ = <T extends HTMLElement = HTMLElement>(sel: string) => container.querySelector<T>(sel)!
const argsOf = (router: ReturnType<typeof createFakeRouter>, method: string) =>
  router.callsOf('lanvpn', method).map((c) => {
    const { ubus_rpc_session: _, ...rest } = c.args
    return rest
  })
async function type(sel: string, value: string) {
  await act(async () => {
    const input = $<HTMLInputElement>(sel)
    input.value = value
    input.dispatchEvent(new Event('input', { bubbles: true }))
  })
}
/** Clicks once the page is idle (no action under way disables its controls). */
async function click(el: HTMLElement) {
  await vi.waitFor(() => expect(el.hasAttribute('disabled')).toBe(false))
  await act(async () => el.click())
}
async function submit(sel: string) {
  const go = () => $(sel).closest('form')!.querySelector('button[type=submit]')!
  await vi.waitFor(() => expect(go().hasAttribute('disabled')).toBe(false))
  await act(async () => {
    $(sel)
      .closest('form')!
      .dispatchEvent(new Event('submit', { cancelable: true }))
  })
}
/** The "check a destination" card (its heading's id names it). */
const card = () => $('#rules-check').parentElement!
const button = (text: string) =>
  Array.from(container.querySelectorAll('button')).find((b) => b.textContent === text)!

describe('the rules model', () => {
  it('reads a box of items and makes the common cases', () => {
    expect(items(' a.example,b.example\nb.example  c.example ')).toEqual([
      'a.example',
      'b.example',
      'c.example',
    ])
    expect(presets.bank('mybank.example', 'Bank')).toEqual({
      label: 'Bank',
      domains: ['mybank.example'],
      via: 'direct',
    })
    expect(presets.streaming('s.example, t.example', 'tv', 'S')).toMatchObject({
      domains: ['s.example', 't.example'],
      via: 'tv',
    })
    expect(presets.console('02:00:00:00:50:03', CONSOLE_PORTS, 'C')).toEqual({
      label: 'C',
      ports: ['3074', 'udp:88', 'udp:500', 'udp:3544', 'udp:4500', '3478-3480'],
      devices: ['02:00:00:00:50:03'],
      via: 'direct',
    })
  })
})

describe('rules page', () => {
  it('is in the menu after Devices', () => {
    expect(ROUTES.slice(2, 4)).toEqual(['devices', 'rules'])
  })

  it('sets "My bank goes direct" from one field', async () => {
    const router = await openRules()
    expect($('h1').textContent).toBe('Rules')
    const bank = Array.from(container.querySelectorAll('summary')).find(
      (s) => s.textContent === 'My bank goes direct'
    )!
    await click(bank)
    await type('#rule-bank', 'mybank.example')
    await submit('#rule-bank')
    expect(argsOf(router, 'setRule')).toEqual([
      { label: 'My bank goes direct', domains: ['mybank.example'], via: 'direct' },
    ])
  })

  it('sends streaming through a group, and a console’s prefilled ports direct', async () => {
    const router = await openRules()
    await type('#rule-stream', 'stream.example video.example')
    const via = $<HTMLSelectElement>('#rule-stream-via')
    expect(Array.from(via.options, (o) => o.textContent)).toEqual([
      'through the VPN',
      'through the VPN (TV)',
    ])
    await act(async () => {
      via.value = 'tv'
      via.dispatchEvent(new Event('change', { bubbles: true }))
    })
    await submit('#rule-stream')
    await vi.waitFor(() => expect(argsOf(router, 'setRule').length).toBe(1))
    await act(async () => {
      const s = $<HTMLSelectElement>('#rule-console')
      s.value = '02:00:00:00:50:03'
      s.dispatchEvent(new Event('change', { bubbles: true }))
    })
    expect($<HTMLInputElement>('#rule-ports').value).toBe(CONSOLE_PORTS)
    await submit('#rule-ports')
    await vi.waitFor(() => expect(argsOf(router, 'setRule').length).toBe(2))
    expect(argsOf(router, 'setRule')).toEqual([
      {
        label: 'Streaming through the VPN',
        domains: ['stream.example', 'video.example'],
        via: 'tv',
      },
      presets.console('02:00:00:00:50:03', CONSOLE_PORTS, 'Console game ports direct'),
    ])
  })

  it('lists the rules by number, switches one off, moves one and deletes one after asking', async () => {
    const router = await openRules()
    const row = (n: number) => $(`[data-rule="${n}"]`)
    expect(row(1).querySelector('strong')!.textContent).toBe('Rule 1 · My bank')
    expect(row(1).textContent).toContain('mybank.example → direct · everyone')
    expect(row(3).querySelector('strong')!.textContent).toBe('Rule 3')
    expect(row(3).textContent).toContain('3074 → through the VPN (TV) · xbox')
    expect($<HTMLInputElement>('#rule-on-3').checked).toBe(false)
    await click($('#rule-on-1'))
    await vi.waitFor(() =>
      expect(argsOf(router, 'setRule')).toEqual([{ id: 'rule_1', enabled: false }])
    )
    expect(button('Move rule 1 up').disabled).toBe(true)
    await click(button('Move rule 1 down'))
    await vi.waitFor(() =>
      expect(argsOf(router, 'moveRule')).toEqual([{ id: 'rule_1', position: 3 }])
    )
    await click(button('Delete rule 3'))
    expect(row(3).textContent).toContain('Delete rule 3?')
    expect(argsOf(router, 'deleteRule')).toEqual([])
    await click(row(3).querySelector<HTMLElement>('button.danger')!)
    await vi.waitFor(() => expect(argsOf(router, 'deleteRule')).toEqual([{ id: 'rule_3' }]))
  })

  it('turns the local exceptions off and adds and removes destinations', async () => {
    const router = await openRules()
    await click($('#rule-local'))
    await vi.waitFor(() => expect(argsOf(router, 'setConfig').length).toBe(1))
    await click(button('Remove 10.20.0.0/16'))
    await vi.waitFor(() => expect(argsOf(router, 'setConfig').length).toBe(2))
    await type('#rule-local-add', '192.168.2.0/24')
    await submit('#rule-local-add')
    await vi.waitFor(() => expect(argsOf(router, 'setConfig').length).toBe(3))
    expect(argsOf(router, 'setConfig')).toEqual([
      { globals: { local_direct: false } },
      { globals: { local_dest: [] } },
      { globals: { local_dest: ['10.20.0.0/16', '192.168.2.0/24'] } },
    ])
  })

  it('says where a destination goes from a device, in words', async () => {
    const router = await openRules()
    router.lanvpn.explainDestination = () => ({ via: 'vpn', group: 'tv', by: 'rule', rule: 3 })
    await act(async () => {
      const s = $<HTMLSelectElement>('#check-device')
      s.value = '02:00:00:00:50:02'
      s.dispatchEvent(new Event('change', { bubbles: true }))
    })
    await type('#check-dest', 'stream.example')
    await submit('#check-dest')
    await vi.waitFor(() =>
      expect($('#rules-check').parentElement!.textContent).toContain(
        'stream.example from tv: through the VPN (TV), by rule 3'
      )
    )
    expect(argsOf(router, 'explainDestination')).toEqual([
      { mac: '02:00:00:00:50:02', dest: 'stream.example' },
    ])
  })

  it('says when a tunnel that is down holds the traffic, one without IPv6 drops it, or why a vpn mode uses the internet', async () => {
    const router = await openRules()
    const answers = [
      { via: 'vpn', group: 'tv', by: 'rule', rule: 3, held: true },
      { via: 'direct', group: '', by: 'device', bypass: 'vpn_auto_wan' },
      { via: 'vpn', group: 'tv', by: 'device', noIpv6: true },
      { via: 'vpn', group: '', by: 'device' },
    ]
    router.lanvpn.explainDestination = () => answers.shift()!
    const check = async (lines: string[]) => {
      await type('#check-dest', 'stream.example')
      await submit('#check-dest')
      const shown = () => Array.from(card().querySelectorAll('[aria-live] p'), (p) => p.textContent)
      await vi.waitFor(() => expect(shown()).toEqual(lines))
    }
    await check([
      'stream.example from tv: through the VPN (TV), by rule 3',
      'The VPN is not connected, so this traffic is held until it is; none of it goes to the internet directly.',
    ])
    await check([
      'stream.example from tv: direct, by its mode',
      'You disconnected the VPN and the kill switch allows that, so it uses the internet directly.',
    ])
    await check([
      'stream.example from tv: through the VPN (TV), by its mode',
      'This VPN location has no IPv6, so IPv6 traffic to it is dropped; none of it goes to the internet directly.',
    ])
    await check(['stream.example from tv: through the VPN, by its mode'])
    expect(answers).toEqual([])
  })

  it('says the tunnel holds the traffic in Russian and Chinese too', async () => {
    const router = await openRules()
    router.lanvpn.explainDestination = () => ({ via: 'vpn', group: '', by: 'device', held: true })
    for (const [lang, words] of [
      ['ru', 'VPN не подключён, поэтому этот трафик не пройдёт'],
      ['zh-CN', 'VPN 未连接，因此在 VPN 连接前这些流量会被拦住'],
    ] as const) {
      await act(() => setLang(lang))
      await type('#check-dest', 'x.example')
      await submit('#check-dest')
      await vi.waitFor(() => expect(card().textContent).toContain(words))
    }
  })

  it('says when domain rules are looked up only every 5 minutes', async () => {
    await openRules({ rulesDns: 'poll' })
    await vi.waitFor(() => expect(container.textContent).toContain('every 5 minutes'))
    render(null, container)
    await openRules({ rulesDns: 'nftset' })
    expect(container.textContent).not.toContain('every 5 minutes')
  })
})
