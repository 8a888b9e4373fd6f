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
// LANVPN_DEVROUTER_MODULE and LANVPN_DEVROUTER_ROOT override the dev router module and the root.
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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

function writeStatus(overrides: Record<string, unknown> = {}): void {
  const file = join(prefix, STATUS_PATH)
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
      const wide = Array.from(document.querySelectorAll('body *'))
        .filter((el) => el.getBoundingClientRect().right > width + 0.5)
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
