// Browser smoke test: the built web UI in headless Chromium against the dev router, through the
// real path (login → file.read of the status file → render).
//
//   headless Chromium (360×740, fresh profile)
//        │ HTTP 127.0.0.1
//        ▼
//   dev router (scripts/devrouter/server.mjs)
//        ├─ GET  /lanvpn/…  ← <root>/www/lanvpn/ (dist/root after `npm run build`)
//        └─ POST /ubus      ← session.login (root / pw), file.read
//                                 │
//                                 ▼
//                     <prefix>/var/run/lanvpn/status.json   (written by this test; the real
//                                                             daemon writes it in the lab version)
//
// The second part installs packages: the tree is what `lanvpn` and `lanvpn-i18n-zh-cn` unpack
// (scripts/ipk.mjs, Russian not installed), served by a second dev router the same way.
//
// LANVPN_DEVROUTER_MODULE and LANVPN_DEVROUTER_ROOT override the dev router module and the root.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildIpk, i18nPackage } from '../../scripts/ipk.mjs'
import { launchChromium } from './browser'

const REPO = resolve(import.meta.dirname, '../..')
const ROOT = process.env.LANVPN_DEVROUTER_ROOT ?? join(REPO, 'dist/root')
const DEVROUTER = process.env.LANVPN_DEVROUTER_MODULE ?? join(REPO, 'scripts/devrouter/server.mjs')
const STATUS_PATH = '/var/run/lanvpn/status.json'
/** The UI polls every 2 s; allow one interval plus the request and render. */
const POLL_WINDOW_MS = 2000 + 1500
const FIRST_VIEW_BYTES = 70 * 1024
const FIRST_VIEW_REQUESTS = 4

type DevRouter = { url: string; close(): Promise<void> }

let router: DevRouter
let context: BrowserContext
let page: Page
let prefix: string
let profile: string
const requests: string[] = []
/** Console errors and uncaught exceptions, CSP violations included. */
const pageErrors: string[] = []

function writeStatus(overrides: Record<string, unknown> = {}, into = prefix): void {
  const file = join(into, STATUS_PATH)
  mkdirSync(join(file, '..'), { recursive: true })
  const status = {
    version: 1,
    generation: 7,
    updatedAt: 1763800000000,
    daemon: { state: 'running', pid: 123, startedAt: 1763790000000, runtime: 'node' },
    configHash: '9f1c2e3a',
    tunnel: { state: 'disconnected', profile: '', since: 0 },
    problems: [
      {
        section: 'globals',
        option: 'health_interval',
        reason: 'must be a whole number from 2 to 60',
      },
    ],
    ...overrides,
  }
  // Write-then-rename like the daemon, so a poll never sees half a file.
  writeFileSync(`${file}.tmp`, JSON.stringify(status))
  renameSync(`${file}.tmp`, file)
}

/** The text of the value next to a fact's label on the overview. */
function fact(label: string) {
  return page.locator('.fact', { has: page.locator('dt', { hasText: label }) }).locator('dd')
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'www/lanvpn/index.html')))
    throw new Error(`no web UI under ${ROOT}/www/lanvpn: run \`npm run build\` first`)
  prefix = mkdtempSync(join(tmpdir(), 'lanvpn-smoke-prefix-'))
  profile = mkdtempSync(join(tmpdir(), 'lanvpn-smoke-profile-'))
  writeStatus()
  const { startDevRouter } = (await import(pathToFileURL(DEVROUTER).href)) as {
    startDevRouter(options: object): Promise<DevRouter>
  }
  router = await startDevRouter({
    port: 0,
    root: ROOT,
    prefix,
    // The plugin runs the tree's own bundle (under the native qjs, the dev router's default).
    env: { LANVPN_BUNDLE: join(ROOT, 'usr/share/lanvpn/lanvpn.js') },
    logins: [{ username: 'root', password: 'pw', read: ['*'], write: ['*'] }],
  })
  context = await launchChromium(profile)
  page = context.pages()[0] ?? (await context.newPage())
  context.on('request', (r) => requests.push(r.url()))
  page.on('pageerror', (e) => pageErrors.push(e.message))
  page.on('console', (m) => {
    // The wrong-password step is expected to log nothing; any error here is a real one.
    if (m.type() === 'error') pageErrors.push(m.text())
  })
})

afterAll(async () => {
  await context?.close()
  await router?.close()
  if (prefix) rmSync(prefix, { recursive: true, force: true })
  if (profile) rmSync(profile, { recursive: true, force: true })
})

describe('web UI in a browser', () => {
  it('loads the first view within budget and shows the login form', async () => {
    let bytes = 0
    let count = 0
    const onResponse = async (r: import('playwright-core').Response) => {
      count++
      bytes += (await r.body().catch(() => Buffer.alloc(0))).length
    }
    page.on('response', onResponse)
    await page.goto(`${router.url}/lanvpn/`, { waitUntil: 'networkidle' })
    page.off('response', onResponse)
    await expect.poll(() => page.getByLabel('Password').isVisible()).toBe(true)
    expect(await page.getByLabel('Username').isVisible()).toBe(true)
    expect(count).toBeLessThanOrEqual(FIRST_VIEW_REQUESTS)
    expect(bytes).toBeLessThanOrEqual(FIRST_VIEW_BYTES)
  })

  it('shows an error for a wrong password', async () => {
    await page.getByLabel('Username').fill('root')
    await page.getByLabel('Password').fill('wrong')
    await page.getByRole('button', { name: 'Log in' }).click()
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('Wrong username or password.')
  })

  it('logs in and shows the overview with the status from the file', async () => {
    await page.getByLabel('Password').fill('pw')
    await page.getByRole('button', { name: 'Log in' }).click()
    await expect.poll(() => page.locator('.badge').textContent()).toBe('Not protected')
    expect(await fact('Service').textContent()).toBe('Running')
    expect(await fact('Status generation').textContent()).toBe('7')
    expect(await page.locator('.problems li').first().textContent()).toBe(
      'globals.health_interval must be a whole number from 2 to 60'
    )
  })

  it('shows a change of the status file within the poll interval', async () => {
    writeStatus({
      generation: 8,
      tunnel: { state: 'connected', profile: 'Oslo', since: 1763800000000 },
      problems: [],
    })
    const started = Date.now()
    await expect
      .poll(() => page.locator('.badge').textContent(), { timeout: POLL_WINDOW_MS, interval: 100 })
      .toBe('Protected')
    expect(Date.now() - started).toBeLessThanOrEqual(POLL_WINDOW_MS)
    expect(await fact('Status generation').textContent()).toBe('8')
    expect(await fact('Location').textContent()).toBe('Oslo')
  })

  it('keeps the login across a reload', async () => {
    await page.reload()
    await expect.poll(() => page.locator('.badge').textContent()).toBe('Protected')
  })

  it('does not overflow horizontally at 360 px', async () => {
    const overflow = await page.evaluate(() => {
      const width = document.documentElement.clientWidth
      // Inside a sideways scroller (the menu) what is off screen is scrolled to, not cut off.
      const isScrolled = (el: Element) => {
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement)
          if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) return true
        return false
      }
      const wide = Array.from(document.querySelectorAll('body *'))
        .filter((el) => el.getBoundingClientRect().right > width + 0.5 && !isScrolled(el))
        .map((el) => `${el.tagName.toLowerCase()}.${el.className}`)
      return { scroll: document.documentElement.scrollWidth, width, wide }
    })
    expect(overflow.wide).toEqual([])
    expect(overflow.scroll).toBeLessThanOrEqual(overflow.width)
  })

  it('logged no errors (no CSP violations, no exceptions)', () => {
    expect(pageErrors).toEqual([])
  })

  it('made no request to any host but the router', async () => {
    const origin = new URL(router.url).origin
    const foreign = requests.filter((u) => !u.startsWith('data:') && new URL(u).origin !== origin)
    expect(requests.length).toBeGreaterThan(3)
    expect(foreign).toEqual([])
  })
})

describe('web UI in a browser, on a router with lanvpn and lanvpn-i18n-zh-cn (no Russian)', () => {
  let installed: string
  let router2: DevRouter
  let page2: Page
  /** Console errors with the URL they are about (a failed fetch names none in its text). */
  const errors: Array<{ text: string; url: string }> = []
  const requests2: string[] = []

  beforeAll(async () => {
    installed = mkdtempSync(join(tmpdir(), 'lanvpn-smoke-installed-'))
    const root = join(installed, 'root')
    const prefix2 = join(installed, 'prefix')
    mkdirSync(root)
    mkdirSync(prefix2)
    const version = '0.0.0-r1'
    for (const pkg of [undefined, i18nPackage('zh-CN', version)]) {
      const { ipk } = buildIpk({
        rootDir: ROOT,
        controlDir: join(REPO, 'openwrt-package/control'),
        version,
        epoch: 1_700_000_000,
        pkg,
      })
      const outer = mkdtempSync(join(installed, 'outer-'))
      writeFileSync(join(outer, 'p.ipk'), ipk)
      execFileSync('tar', ['-xzf', join(outer, 'p.ipk'), '-C', outer])
      execFileSync('tar', ['-xzf', join(outer, 'data.tar.gz'), '-C', root])
    }
    writeStatus({}, prefix2)
    const { startDevRouter } = (await import(pathToFileURL(DEVROUTER).href)) as {
      startDevRouter(options: object): Promise<DevRouter>
    }
    router2 = await startDevRouter({
      port: 0,
      root,
      prefix: prefix2,
      env: { LANVPN_BUNDLE: join(root, 'usr/share/lanvpn/lanvpn.js') },
      logins: [{ username: 'root', password: 'pw', read: ['*'], write: ['*'] }],
    })
    page2 = await context.newPage()
    page2.on('request', (r) => requests2.push(r.url()))
    page2.on('pageerror', (e) => errors.push({ text: e.message, url: '' }))
    page2.on('console', (m) => {
      if (m.type() === 'error') errors.push({ text: m.text(), url: m.location().url })
    })
  })

  afterAll(async () => {
    await page2?.close()
    await router2?.close()
    if (installed) rmSync(installed, { recursive: true, force: true })
  })

  it('stays English, quietly, when the remembered language was removed, and forgets it', async () => {
    await page2.goto(`${router2.url}/lanvpn/`, { waitUntil: 'networkidle' })
    await page2.evaluate(() => localStorage.setItem('lanvpn.lang', 'ru'))
    await page2.reload({ waitUntil: 'networkidle' })
    await expect.poll(() => page2.getByLabel('Password').isVisible()).toBe(true)
    expect(await page2.getByRole('button', { name: 'Log in' }).isVisible()).toBe(true)
    expect(await page2.locator('html').getAttribute('lang')).toBe('en')
    expect(await page2.getByRole('alert').count()).toBe(0)
    expect(await page2.locator('select').count()).toBe(0)
    expect(await page2.evaluate(() => localStorage.getItem('lanvpn.lang'))).toBeNull()
    const ru = requests2.filter((u) => u.includes('/i18n/ru/'))
    expect(ru).toHaveLength(1)
    // The next visit does not ask for it again.
    await page2.reload({ waitUntil: 'networkidle' })
    expect(requests2.filter((u) => u.includes('/i18n/ru/'))).toEqual(ru)
  })

  it('offers English and the installed Chinese after login, not Russian, and switches', async () => {
    await page2.getByLabel('Username').fill('root')
    await page2.getByLabel('Password').fill('pw')
    await page2.getByRole('button', { name: 'Log in' }).click()
    await expect.poll(() => page2.locator('.badge').textContent()).toBe('Not protected')
    const select = page2.getByLabel('Language')
    await expect.poll(() => select.isVisible()).toBe(true)
    expect(await select.locator('option').allTextContents()).toEqual(['English', '简体中文'])
    await select.selectOption('zh-CN')
    await expect.poll(() => page2.locator('html').getAttribute('lang')).toBe('zh-CN')
    expect(await page2.getByRole('button', { name: '退出登录' }).isVisible()).toBe(true)
  })

  it('logged no error but the one missing catalog (a 404 the browser reports itself)', () => {
    expect(errors.filter((e) => !/\/i18n\/ru\/ru-[\w-]+\.js$/.test(e.url))).toEqual([])
    expect(errors.every((e) => /404/.test(e.text))).toBe(true)
  })
})
