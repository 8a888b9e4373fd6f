// The web UI as a household uses it, against the real daemon in the lab (the `make demo` stack):
// log in, import the lab's WireGuard file by pasting it, connect and see the laptop's traffic leave
// from the VPN server, move the TV to `direct` and see it applied, set up MediaStreamer against the
// lab's provider fixture, let the whole LAN go direct from Settings and back, set a device group
// up on a second location (vpn2) and move the TV into it with one tap (it then leaves from vpn2,
// the laptop still from vpn; the Overview shows the group's own tunnel), set "My bank goes
// direct" on the Rules page and check a destination against it; then, in English,
// Russian and Chinese, disconnect and connect from the Overview (with its progress shown), see a
// problem the daemon found said in the page's language, and check every page at 360 px: the menu
// in one row, no overflow, no English left, and the accessibility rules below (labels, names,
// roles, ids).
// With UPDATE_SCREENSHOTS=1 the README's pictures (Overview, Devices, Locations, MediaStreamer at
// 390 px) are made again into docs/screenshots/; otherwise the test writes no file.
//
//   Chromium 360×740 ──HTTP 127.0.0.1──> dev router ──exec──> rpcd plugin ──> lanvpn.js rpc
//                                            │ file.read (status poll)        │ UCI + SIGHUP
//                                            ▼                                ▼
//   [lv…-laptop] vpn ──┐        <prefix>/var/run/lanvpn/status.json <── lanvpn daemon
//                      ├─ br-lan [lv…-router] wan ── [lv…-inet] ─┬ [lv…-vpn]  203.0.113.10
//   [lv…-tv] direct ───┘          <lab>tun, <lab>tun1 (group)     └ [lv…-vpn2] 203.0.113.20
//     (vpn in group tv_in_the_uk for one step)                   echo 192.0.2.1, provider
//                                                            192.0.2.2, smart DNS 192.0.2.54
//
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { logIn, openRouterUi, type RouterUi } from './browser'
import {
  cleanupLabDaemon,
  LAB_BUNDLE,
  labDaemonRejections,
  labPluginEnv,
  labStatus,
  startLabDaemon,
} from './daemon-lab'
import { Lab, labOrFail, signalPid, waitFor, type LabProcess } from './lab'
import en from '../../webui/src/i18n/en'
import enPages from '../../webui/src/i18n/en-pages'
import ru from '../../webui/src/i18n/ru'
import ruPages from '../../webui/src/i18n/ru-pages'
import zhCN from '../../webui/src/i18n/zh-CN'
import zhCNPages from '../../webui/src/i18n/zh-CN-pages'

const REPO = resolve(import.meta.dirname, '../..')
const PASSWORD = 'ui-test-pw'
const TOKEN = 'ui-lab-token'
const PAGES = ['overview', 'locations', 'devices', 'rules', 'mediastreamer', 'settings', 'privacy']

/** Each language's messages, to find the page's words by their keys. */
const WORDS: Record<string, Record<string, string>> = {
  en: { ...en, ...enPages },
  ru: { ...ru, ...ruPages },
  'zh-CN': { ...zhCN, ...zhCNPages },
}
/** English messages that would betray an untranslated page: long enough not to be a name. */
const ENGLISH = Object.entries(WORDS.en)
  .filter(([k, v]) => v !== WORDS.ru[k] && v !== WORDS['zh-CN'][k])
  .map(([, v]) =>
    v
      .split(/\{\w+\}/)
      .sort((a, b) => b.length - a.length)[0]
      .trim()
  )
  .filter((v) => v.length >= 12)
const SCREENSHOTS = join(REPO, 'docs/screenshots')

const AXE = readFileSync(join(REPO, 'node_modules/axe-core/axe.min.js'), 'utf8')

/** axe-core in the page (injected through the debugging protocol, which the page's CSP does not
 * govern): its serious and critical violations, as readable strings. */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE)
  return page.evaluate(async () => {
    type Result = {
      violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }>
    }
    const axe = (
      globalThis as unknown as { axe: { run(ctx: Document, o: object): Promise<Result> } }
    ).axe
    const r = await axe.run(document, { resultTypes: ['violations'] })
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
  })
}

/** Accessibility rules checked in the page besides axe's: every form control has
 * a name, every button and link has a name, ids are unique, aria references resolve, images have a
 * name, and there is one h1 and a main landmark. Returns the violations as readable strings. */
function auditAccessibility(): string[] {
  const problems: string[] = []
  const describe = (el: Element) =>
    `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className ? `.${String(el.className).split(' ')[0]}` : ''}`
  const nameOf = (el: Element): string => {
    const aria = el.getAttribute('aria-label')
    if (aria?.trim()) return aria
    const by = el.getAttribute('aria-labelledby')
    if (by)
      return by
        .split(' ')
        .map((id) => document.getElementById(id)?.textContent ?? '')
        .join(' ')
    const labels = (el as HTMLInputElement).labels
    if (labels && labels.length > 0) return Array.from(labels, (l) => l.textContent ?? '').join(' ')
    if (el.tagName === 'svg') return el.querySelector('title')?.textContent ?? ''
    return el.textContent ?? ''
  }
  for (const el of Array.from(
    document.querySelectorAll('input:not([type=hidden]), select, textarea')
  ))
    if (!nameOf(el).trim()) problems.push(`form control without a label: ${describe(el)}`)
  for (const el of Array.from(document.querySelectorAll('button, a[href], summary')))
    if (!nameOf(el).trim())
      problems.push(`${el.tagName.toLowerCase()} without a name: ${describe(el)}`)
  for (const el of Array.from(document.querySelectorAll('[role=img], svg')))
    if (!nameOf(el).trim()) problems.push(`image without a name: ${describe(el)}`)
  const ids = new Map<string, number>()
  for (const el of Array.from(document.querySelectorAll('[id]')))
    ids.set(el.id, (ids.get(el.id) ?? 0) + 1)
  for (const [id, n] of ids) if (n > 1) problems.push(`duplicate id: ${id}`)
  for (const attr of ['aria-describedby', 'aria-labelledby', 'for'])
    for (const el of Array.from(document.querySelectorAll(`[${attr}]`)))
      for (const id of (el.getAttribute(attr) ?? '').split(' ').filter(Boolean))
        if (!document.getElementById(id))
          problems.push(`${attr} points nowhere: ${describe(el)} → ${id}`)
  if (document.querySelectorAll('h1').length !== 1) problems.push('not exactly one h1')
  if (!document.querySelector('main')) problems.push('no main landmark')
  if (!document.documentElement.lang) problems.push('no lang on <html>')
  return problems
}

describe.runIf(labOrFail())('the web UI against the real daemon in the lab', () => {
  let lab: Lab
  let daemon: LabProcess
  let ui: RouterUi
  let page: Page
  let prefix: string
  const pageErrors: string[] = []
  const foreign: string[] = []

  const statusFile = () => labStatus(prefix)
  const echoFrom = async (device: string) =>
    (await lab.exec(device, ['curl', '-sS', '-m', '4', 'http://192.0.2.1/'])).stdout
  const goTo = async (name: string) => {
    await page.goto(`${ui.url}/lanvpn/#/${name}`)
    await expect.poll(() => page.locator('h1').count(), { timeout: 10_000 }).toBe(1)
    await expect.poll(() => page.locator('.page-loading').count()).toBe(0)
  }
  const locationsList = () => page.locator('section[aria-labelledby=locations-list]')
  const applied = () =>
    expect.poll(() => page.locator('.apply-bar').innerText(), { timeout: 30_000 }).toBe('Applied.')

  beforeAll(async () => {
    if (!existsSync(LAB_BUNDLE)) throw new Error('run `npm run build` first (dist/root is missing)')
    lab = await Lab.up({ devices: ['laptop', 'tv'] })
    prefix = mkdtempSync(join(tmpdir(), 'lanvpn-ui-'))
    mkdirSync(join(prefix, 'etc/config'), { recursive: true })
    writeFileSync(
      join(prefix, 'etc/config/lanvpn'),
      readFileSync(join(REPO, 'dist/root/etc/config/lanvpn'))
    )
    daemon = startLabDaemon(lab, prefix, { iface: `${lab.name}tun`, labServices: true })
    await waitFor('the daemon status', () => statusFile() !== null, 20_000)
    ui = await openRouterUi({
      prefix,
      env: labPluginEnv(prefix),
      logins: [{ username: 'root', password: PASSWORD, read: ['*'], write: ['*'] }],
    })
    page = ui.page
    const origin = new URL(ui.url).origin
    ui.browser.on('request', (r) => {
      const url = r.url()
      if (!url.startsWith('data:') && !url.startsWith('blob:') && new URL(url).origin !== origin)
        foreign.push(url)
    })
    page.on('pageerror', (e) => pageErrors.push(e.message))
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text())
    })
  })

  afterAll(async () => {
    await ui?.close()
    await daemon?.kill()
    if (lab && prefix) await cleanupLabDaemon(lab, prefix, { iface: `${lab.name}tun` })
    await lab?.down()
    if (prefix) rmSync(prefix, { recursive: true, force: true })
  })

  it('logs in with the router credentials and shows the overview', async () => {
    await logIn(ui, 'root', PASSWORD)
    // The service's state is among the technical details, folded away.
    await expect
      .poll(() => page.locator('main details').textContent(), { timeout: 10_000 })
      .toContain('Running')
    expect(await page.locator('main details').innerText()).not.toContain('Status generation')
  })

  it('imports the lab’s WireGuard file pasted into the import box', async () => {
    await goTo('locations')
    await page.getByLabel('Or paste the file’s text').fill(lab.clientConf('vpn'))
    await page.getByLabel('Name of the location').fill('Lab VPN')
    await page.getByRole('button', { name: 'Import', exact: true }).click()
    await expect.poll(() => locationsList().innerText(), { timeout: 15_000 }).toContain('Lab VPN')
  })

  it('shows an import error at the line it is about', async () => {
    const bad = lab.clientConf('vpn').replace(/^PrivateKey\s*=.*$/m, 'PrivateKey = not-a-key')
    await page.getByLabel('Or paste the file’s text').fill(bad)
    await page.getByLabel('Name of the location').fill('Broken')
    await page.getByRole('button', { name: 'Import', exact: true }).click()
    const line = bad.split('\n').findIndex((l) => l.startsWith('PrivateKey')) + 1
    await expect
      .poll(() => page.locator('section[aria-labelledby=import-title]').innerText(), {
        timeout: 10_000,
      })
      .toMatch(new RegExp(`Line ${line}:\\s*PrivateKey`))
    expect(await locationsList().innerText()).not.toContain('Broken')
  })

  it('connects, and the laptop’s traffic leaves from the VPN server', async () => {
    expect(await echoFrom('laptop')).not.toContain('203.0.113.10')
    await page.getByRole('button', { name: 'Connect to Lab VPN' }).click()
    await applied()
    await waitFor('the tunnel up', () => statusFile()?.tunnel?.state === 'connected', 60_000)
    await expect.poll(() => echoFrom('laptop'), { timeout: 30_000 }).toContain('203.0.113.10')
    await goTo('overview')
    await expect
      .poll(() => page.locator('.badge').innerText(), { timeout: 10_000 })
      .toBe('Protected')
    await expect
      .poll(() => page.locator('.hero').innerText(), { timeout: 10_000 })
      .toContain('Lab VPN')
  })

  it('moves the TV to direct and shows it applied; the TV then leaves from the WAN', async () => {
    await expect.poll(() => echoFrom('tv'), { timeout: 30_000 }).toContain('203.0.113.10')
    await goTo('devices')
    const tvIp = lab.deviceIp('tv')
    const row = page.locator('li.device', { hasText: tvIp })
    await expect.poll(() => row.count(), { timeout: 30_000 }).toBe(1)
    await row.getByLabel(/^Mode for /).selectOption('direct')
    await expect.poll(() => page.locator('.apply-bar').innerText()).toMatch(/Applying…|Applied\./)
    await applied()
    await expect.poll(() => echoFrom('tv'), { timeout: 15_000 }).toContain('198.51.100.2')
    expect(await echoFrom('laptop')).toContain('203.0.113.10')
    await row.getByText('More about').click()
    await row.getByRole('button', { name: 'Why is it routed like this?' }).click()
    await expect
      .poll(() => page.locator('.explain').innerText())
      .toContain('You chose the mode Direct for this device.')
  })

  it('sets up MediaStreamer against the lab provider and registers', async () => {
    await goTo('mediastreamer')
    await page.getByLabel('Use MediaStreamer').check()
    await page.getByLabel('Activation link with a token').check()
    await page
      .getByLabel('Activation link', { exact: true })
      .fill('https://192.0.2.2/activate?ip={ip}&token={token}')
    await page.getByLabel('Token', { exact: true }).fill(TOKEN)
    await page.getByLabel('Smart DNS server', { exact: true }).fill('192.0.2.54')
    await page.getByText('Advanced').click()
    await page.getByLabel('Word in the provider’s reply that means success').fill('OK')
    await page.getByRole('button', { name: 'Save' }).click()
    await applied()
    expect(readFileSync(join(prefix, 'etc/config/lanvpn'), 'utf8')).not.toContain(TOKEN)
    await expect
      .poll(() => page.locator('.ms-state').innerText(), { timeout: 60_000 })
      .toContain('Registered')
    await page.getByRole('button', { name: 'Register now' }).click()
    await expect
      .poll(() => page.locator('.ms-state').innerText(), { timeout: 60_000 })
      .toContain('Registered')
    const requests = readFileSync(`${lab.stateDir}/provider/requests.jsonl`, 'utf8')
    expect(requests).toContain('/activate')
    expect(requests).toContain('198.51.100.2')
  })

  it('rejects a bad setting at its field and saves nothing', async () => {
    await goTo('settings')
    const before = readFileSync(join(prefix, 'etc/config/lanvpn'), 'utf8')
    await page.getByLabel('Seconds between checks').fill('0')
    await page.getByRole('button', { name: 'Save' }).click()
    await expect
      .poll(() => page.locator('#health-interval-error').innerText(), { timeout: 10_000 })
      .toMatch(/2.*60/)
    expect(readFileSync(join(prefix, 'etc/config/lanvpn'), 'utf8')).toBe(before)
  })

  it('lets the whole LAN go direct from Settings, and back to each device by its mode', async () => {
    // A new page: the form of the step above still holds the refused value.
    await page.reload()
    await goTo('settings')
    const lan = page.getByLabel(/^Network lan \(/)
    await expect.poll(() => lan.inputValue(), { timeout: 10_000 }).toBe('managed')
    await lan.selectOption('direct')
    await page.getByRole('button', { name: 'Save' }).click()
    await applied()
    expect(readFileSync(join(prefix, 'etc/config/lanvpn'), 'utf8')).toMatch(/list lan_direct 'lan'/)
    // The laptop, a VPN device, now leaves by the WAN as the user chose for its whole network.
    await expect.poll(() => echoFrom('laptop'), { timeout: 30_000 }).toContain('198.51.100.2')
    await lan.selectOption('managed')
    await page.getByRole('button', { name: 'Save' }).click()
    await applied()
    await expect.poll(() => echoFrom('laptop'), { timeout: 30_000 }).toContain('203.0.113.10')
  })

  it('sets up a device group from the phone and moves the TV into it in one tap: the TV leaves by its own location, the laptop keeps the household’s', async () => {
    // A second location (the lab's vpn2 server), then a group on it: the only location offered,
    // the household's own being taken.
    await goTo('locations')
    await page.getByLabel('Or paste the file’s text').fill(lab.clientConf('vpn2'))
    await page.getByLabel('Name of the location').fill('Lab UK')
    await page.getByRole('button', { name: 'Import', exact: true }).click()
    await expect.poll(() => locationsList().innerText(), { timeout: 15_000 }).toContain('Lab UK')
    const card = page.locator('section[aria-labelledby=groups-title]')
    const where = card.getByLabel('Its location')
    await expect
      .poll(() => where.locator('option').allInnerTexts(), { timeout: 10_000 })
      .toEqual(['Lab UK'])
    await card.getByLabel('Group name').fill('TV in the UK')
    await card.getByRole('button', { name: 'Create group' }).click()
    await applied()
    expect(readFileSync(join(prefix, 'etc/config/lanvpn'), 'utf8')).toMatch(
      /config group 'tv_in_the_uk'\n\toption label 'TV in the UK'\n\toption profile 'lab_uk'/
    )
    await expect.poll(() => card.innerText()).toContain('Location: Lab UK')
    await waitFor(
      "the group's tunnel up",
      () =>
        statusFile()?.groups?.find((g: { id: string }) => g.id === 'tv_in_the_uk')?.tunnel
          ?.state === 'connected',
      60_000
    )

    // The TV back on the VPN (the household's), then into the group with one tap.
    await goTo('devices')
    const row = page.locator('li.device', { hasText: lab.deviceIp('tv') })
    await expect.poll(() => row.count(), { timeout: 30_000 }).toBe(1)
    await row.getByLabel(/^Mode for /).selectOption('vpn')
    await applied()
    await expect.poll(() => echoFrom('tv'), { timeout: 30_000 }).toContain('203.0.113.10')
    const picker = row.getByLabel(/^Group for /)
    expect(await picker.inputValue()).toBe('')
    await picker.selectOption({ label: 'TV in the UK' })
    await expect.poll(() => page.locator('.apply-bar').innerText()).toMatch(/Applying…|Applied\./)
    await applied()
    await expect.poll(() => echoFrom('tv'), { timeout: 30_000 }).toContain('203.0.113.20')
    expect(await echoFrom('laptop')).toContain('203.0.113.10')
    expect(await picker.inputValue()).toBe('tv_in_the_uk')
    await row.getByText('More about').click()
    await row.getByRole('button', { name: 'Why is it routed like this?' }).click()
    await expect
      .poll(() => page.locator('.explain').innerText())
      .toContain('It is in the group TV in the UK: only that group’s own tunnel')
    await page.locator('.explain').getByRole('button', { name: 'Close' }).click()

    // The Overview: the household's tunnel first, then the group's own.
    await goTo('overview')
    const group = page.locator('[data-group=tv_in_the_uk]')
    await expect
      .poll(() => group.locator('.badge').innerText(), { timeout: 10_000 })
      .toBe('Protected')
    expect(await group.innerText()).toContain('Lab UK · 1 devices')
    expect(await page.locator('.hero .badge').innerText()).toBe('Protected')

    // Back to direct for the steps below (it stays in its group for when it is on the VPN again).
    await goTo('devices')
    await row.getByLabel(/^Mode for /).selectOption('direct')
    await applied()
    await expect.poll(() => echoFrom('tv'), { timeout: 15_000 }).toContain('198.51.100.2')
  })

  it('sets “My bank goes direct” from the phone: one tap, the bank’s domain, saved as rule 1 and applied; a destination check says so; deleted after asking', async () => {
    await goTo('rules')
    await page.getByText('My bank goes direct', { exact: true }).click()
    await page.getByLabel('Your bank’s domain').fill('bank.example')
    await page.getByRole('button', { name: 'Add', exact: true }).first().click()
    await applied()
    expect(readFileSync(join(prefix, 'etc/config/lanvpn'), 'utf8')).toContain(
      "config rule 'rule_1'\n\toption label 'My bank goes direct'\n\tlist domain 'bank.example'\n\toption via 'direct'\n"
    )
    const rule = page.locator('[data-rule="1"]')
    await expect.poll(() => rule.innerText()).toContain('bank.example → direct · everyone')
    await page.getByLabel('Domain or address').fill('www.bank.example')
    await page.getByRole('button', { name: 'Check', exact: true }).click()
    await expect
      .poll(() => page.locator('section[aria-labelledby=rules-check] [aria-live]').innerText())
      .toMatch(/^www\.bank\.example from .+: direct, by rule 1$/)
    await rule.getByRole('button', { name: 'Delete rule 1' }).click()
    await rule.getByRole('button', { name: 'Delete', exact: true }).click()
    await expect
      .poll(() => readFileSync(join(prefix, 'etc/config/lanvpn'), 'utf8'), { timeout: 10_000 })
      .not.toContain('config rule')
    await applied()
  })

  for (const l of ['en', 'ru', 'zh-CN']) {
    const w = WORDS[l]
    const hero = () =>
      page.evaluate(() => ({
        badge: document.querySelector('.badge')?.textContent ?? '',
        button: document.querySelector('.hero button')?.textContent ?? '',
        isDisabled: document.querySelector<HTMLButtonElement>('.hero button')?.disabled ?? false,
      }))
    /** Clicks the Overview's button and records every state the hero shows until `done`. */
    const clickAndWatch = async (label: string, done: string) => {
      await page.evaluate(() => {
        const seen: string[] = ((globalThis as unknown as { seen: string[] }).seen = [])
        const note = () => {
          const b = document.querySelector<HTMLButtonElement>('.hero button')
          seen.push(
            `${document.querySelector('.badge')?.textContent}|${b?.textContent}|${b?.disabled}`
          )
        }
        new MutationObserver(note).observe(document.querySelector('.hero')!, {
          subtree: true,
          childList: true,
          characterData: true,
          attributes: true,
        })
      })
      await page.locator('.hero').getByRole('button', { name: label, exact: true }).click()
      await expect.poll(() => hero(), { timeout: 60_000 }).toMatchObject({ badge: done })
      return page.evaluate(() => (globalThis as unknown as { seen: string[] }).seen)
    }

    it(`${l}: disconnects and connects from the Overview, showing the progress and the location`, async () => {
      await goTo('overview')
      if (l !== 'en') {
        await page.locator('.top select').selectOption(l)
        await expect.poll(() => page.locator('h1').innerText()).toBe(w['overview.title'])
      }
      await expect
        .poll(() => hero(), { timeout: 30_000 })
        .toEqual({
          badge: w['tunnel.connected'],
          button: w['action.disconnect'],
          isDisabled: false,
        })
      const down = await clickAndWatch(w['action.disconnect'], w['tunnel.disconnected'])
      expect(down).toContain(`${w['action.disconnecting']}|${w['action.disconnecting']}|true`)
      // Never "not protected" beside a button that still offers to disconnect.
      expect(down).not.toContain(`${w['tunnel.disconnected']}|${w['action.disconnect']}|false`)
      await expect
        .poll(() => hero())
        .toMatchObject({ button: w['action.connect'], isDisabled: false })
      expect(await page.locator('.hero').innerText()).toContain('Lab VPN')
      const up = await clickAndWatch(w['action.connect'], w['tunnel.connected'])
      expect(up).toContain(`${w['tunnel.connecting']}|${w['tunnel.connecting']}|true`)
      expect(up).not.toContain(`${w['tunnel.disconnected']}|${w['action.disconnect']}|false`)
      await expect.poll(() => echoFrom('laptop'), { timeout: 30_000 }).toContain('203.0.113.10')
      if (l === 'en') {
        // The chart is kept across a page load: the points so far are there at once.
        const points = () =>
          page.evaluate(
            () =>
              document.querySelector('.chart polyline.rx')?.getAttribute('points')?.split(' ')
                .length ?? 0
          )
        await expect.poll(points, { timeout: 30_000 }).toBeGreaterThanOrEqual(3)
        const before = await points()
        await page.reload()
        await expect.poll(() => page.locator('.chart').count()).toBe(1)
        expect(await points()).toBeGreaterThanOrEqual(before)
        expect(await page.locator('.chart-x').innerText()).toMatch(/5 min ago\s*now/)
      }
      const attention = await page.locator('.problems').innerText()
      expect(attention.includes(w['overview.alerts'])).not.toBe(
        attention.includes(w['overview.allWell'])
      )
    })

    if (l !== 'en')
      it(`${l}: says the daemon's words in the page's language: a hand-edited option it cannot use`, async () => {
        await goTo('overview')
        const file = join(prefix, 'etc/config/lanvpn')
        const before = readFileSync(file, 'utf8')
        const hup = () => signalPid(statusFile().daemon.pid, 'SIGHUP')
        const attention = () => page.locator('.problems').innerText()
        try {
          // Last in its section: of two values of an option, UCI takes the last.
          const globals = /^config globals[^\n]*\n(?:[ \t]+[^\n]*\n)*/m
          writeFileSync(file, before.replace(globals, "$&\toption ipv6 'maybe'\n"))
          hup()
          await expect.poll(attention, { timeout: 20_000 }).toContain(w['said.bool'])
          expect(await attention()).toContain('globals.ipv6')
          expect(await attention()).toContain(w['overview.configHeld'])
          expect(await attention()).not.toContain('must be 0 or 1')
        } finally {
          writeFileSync(file, before)
          hup()
        }
        await expect.poll(attention, { timeout: 20_000 }).not.toContain(w['said.bool'])
      })

    if (l !== 'en')
      it(`${l}: blocks the TV and lets it out again from the Devices page`, async () => {
        await goTo('devices')
        const row = page.locator('li.device', { hasText: lab.deviceIp('tv') })
        const mode = row.getByLabel(w['devices.modeFor'].replace('{name}', 'tv'), { exact: true })
        const appliedHere = () =>
          expect
            .poll(() => page.locator('.apply-bar').innerText(), { timeout: 30_000 })
            .toBe(w['apply.applied'])
        await mode.selectOption('blocked')
        await appliedHere()
        // (An earlier change's word may still show: what counts is what the TV gets.)
        await expect.poll(() => echoFrom('tv'), { timeout: 15_000 }).toBe('')
        await mode.selectOption('direct')
        await appliedHere()
        await expect.poll(() => echoFrom('tv'), { timeout: 15_000 }).toContain('198.51.100.2')
      })

    for (const name of PAGES) {
      it(`${l}: renders ${name} at 360 px in one-row menu, without overflow or English, and passes the accessibility rules`, async () => {
        await goTo(name)
        await page.waitForTimeout(300)
        expect(await page.evaluate(auditAccessibility)).toEqual([])
        expect(await axeViolations(page)).toEqual([])
        const layout = await page.evaluate(() => {
          const width = document.documentElement.clientWidth
          // Inside a sideways scroller (the menu) what is off screen is scrolled to, not cut off.
          const isScrolled = (el: Element) => {
            for (let p = el.parentElement; p && p !== document.body; p = p.parentElement)
              if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) return true
            return false
          }
          const tops = Array.from(document.querySelectorAll('nav li'), (li) =>
            Math.round(li.getBoundingClientRect().top)
          )
          return {
            overflow: Array.from(document.querySelectorAll('body *'))
              .filter((el) => el.getBoundingClientRect().right > width + 0.5)
              .filter((el) => !el.closest('.visually-hidden') && !isScrolled(el))
              .map((el) => `${el.tagName.toLowerCase()}.${el.className}`),
            menuRows: new Set(tops).size,
            current: document.querySelector('nav [aria-current]')!.getBoundingClientRect().right,
            width,
          }
        })
        expect(layout.overflow).toEqual([])
        expect(layout.menuRows).toBe(1)
        expect(layout.current).toBeLessThanOrEqual(layout.width + 1)
        if (name === 'locations') expect(await page.locator('.drop p').isVisible()).toBe(false)
        if (l !== 'en') {
          const text = await page.locator('body').innerText()
          expect(ENGLISH.filter((e) => text.includes(e))).toEqual([])
        }
      })
    }
  }

  it('shows the README pages at 390 px in English', async () => {
    await page.locator('.top select').selectOption('en')
    await page.setViewportSize({ width: 390, height: 844 })
    if (process.env.UPDATE_SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true })
    for (const name of ['overview', 'devices', 'locations', 'mediastreamer']) {
      await goTo(name)
      await expect
        .poll(() => page.locator('nav [aria-current]').innerText())
        .toBe(WORDS.en[`nav.${name}`])
      // "Applied." fades after a few seconds: the pages as they are read, not as just changed.
      await expect
        .poll(() => page.locator('.apply-bar').isVisible(), { timeout: 10_000 })
        .toBe(false)
      await page.waitForTimeout(300)
      const path = process.env.UPDATE_SCREENSHOTS ? join(SCREENSHOTS, `${name}.png`) : undefined
      // The device list, not the explanation left open by an earlier step.
      const close = page.locator('.explain').getByRole('button', { name: 'Close' })
      if (await close.isVisible()) await close.click()
      const height = await page.evaluate(() => document.documentElement.scrollHeight)
      const clip = { x: 0, y: 0, width: 390, height: Math.min(height, 1000) }
      const png = await page.screenshot({ path, fullPage: true, clip })
      expect(png.readUInt32BE(16)).toBe(390)
    }
  })

  it('logged no errors and asked no host but the router', () => {
    expect(pageErrors).toEqual([])
    expect(foreign).toEqual([])
  })

  it("left no promise rejection unhandled (under OpenWrt's qjs that kills the daemon)", () => {
    expect(labDaemonRejections()).toEqual([])
  })
})
