// The whole chain of the foundation, as `make demo` runs it: the real daemon in the lab router, the
// dev router (uhttpd + rpcd as lanvpn meets them) serving the built UI and /ubus, and headless
// Chromium logging in and reading the status the daemon wrote; then a change through /ubus
// (session → ACL → exec plugin → UCI → SIGHUP → daemon → status file) shows up in the page.
//
//   Chromium ──HTTP 127.0.0.1──> dev router ──exec──> rpcd plugin (sh) ──> lanvpn.js rpc call
//                                    │ file.read                               │ UCI + SIGHUP
//                                    ▼                                         ▼
//                    <prefix>/var/run/lanvpn/status.json  <──writes── lanvpn daemon [lv…-router]
//
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from './browser'
import { cleanupLabDaemon, startLabDaemon } from './daemon-lab'
import { Lab, labOrFail, waitFor, type LabProcess } from './lab'

const REPO = resolve(import.meta.dirname, '../..')
const ROOT = join(REPO, 'dist/root')
const BUNDLE = join(ROOT, 'usr/share/lanvpn/lanvpn.js')
const PASSWORD = 'chain-test-pw'

type DevRouter = { url: string; close(): Promise<void> }

describe.runIf(labOrFail())(
  'the foundation chain: browser → /ubus → rpcd plugin → daemon → status',
  () => {
    let lab: Lab
    let daemon: LabProcess
    let router: DevRouter
    let browser: BrowserContext
    let page: Page
    let prefix: string
    let profile: string
    let sid = ''

    const statusFile = () =>
      JSON.parse(readFileSync(join(prefix, 'var/run/lanvpn/status.json'), 'utf8'))

    async function ubus(
      params: unknown[]
    ): Promise<{ result?: unknown[]; error?: { code: number } }> {
      const res = await fetch(`${router.url}/ubus`, {
        method: 'POST',
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'call', params }),
      })
      return (await res.json()) as { result?: unknown[]; error?: { code: number } }
    }

    beforeAll(async () => {
      if (!existsSync(BUNDLE) || !existsSync(join(ROOT, 'www/lanvpn/index.html')))
        throw new Error('run `npm run build` first (dist/root is missing)')
      lab = await Lab.up({ devices: ['laptop'] })
      prefix = mkdtempSync(join(tmpdir(), 'lanvpn-chain-'))
      profile = mkdtempSync(join(tmpdir(), 'lanvpn-chain-profile-'))
      mkdirSync(join(prefix, 'etc/config'), { recursive: true })
      writeFileSync(
        join(prefix, 'etc/config/lanvpn'),
        readFileSync(join(ROOT, 'etc/config/lanvpn'))
      )
      daemon = startLabDaemon(lab, prefix, { bundle: BUNDLE })
      await waitFor(
        'the daemon status',
        () => existsSync(join(prefix, 'var/run/lanvpn/status.json')),
        20_000
      )

      const { startDevRouter } = (await import(
        pathToFileURL(join(REPO, 'scripts/devrouter/server.mjs')).href
      )) as {
        startDevRouter(o: object): Promise<DevRouter>
      }
      router = await startDevRouter({
        port: 0,
        root: ROOT,
        prefix,
        env: { LANVPN_BUNDLE: BUNDLE, LANVPN_RUNTIME: process.execPath, LANVPN_LOG: 'off' },
        logins: [
          { username: 'root', password: PASSWORD, read: ['*'], write: ['*'] },
          { username: 'viewer', password: PASSWORD, read: ['lanvpn'], write: [] },
        ],
      })
      browser = await launchChromium(profile)
      page = await browser.newPage()
    })

    afterAll(async () => {
      await browser?.close()
      await router?.close()
      await daemon?.kill()
      if (lab && prefix) await cleanupLabDaemon(lab, prefix, { bundle: BUNDLE })
      await lab?.down()
      for (const dir of [prefix, profile]) if (dir) rmSync(dir, { recursive: true, force: true })
    })

    it('logs in with the router credentials and shows the status the daemon wrote', async () => {
      await page.goto(`${router.url}/lanvpn/`)
      await page.getByLabel('Username').fill('root')
      await page.getByLabel('Password').fill(PASSWORD)
      await page.getByRole('button', { name: 'Log in' }).click()
      await expect
        .poll(() => page.locator('main').innerText(), { timeout: 10_000 })
        .toContain('Running')
      const generation = String(statusFile().generation)
      await expect.poll(() => page.locator('main').innerText()).toContain(generation)
    })

    it('applies a change made through /ubus, and the page sees the new generation', async () => {
      const login = await ubus([
        '0'.repeat(32),
        'session',
        'login',
        { username: 'root', password: PASSWORD },
      ])
      sid = (login.result?.[1] as { ubus_rpc_session: string }).ubus_rpc_session
      const before = statusFile().generation
      const reply = await ubus([sid, 'lanvpn', 'setConfig', { globals: { kill_switch: 'auto' } }])
      expect(reply.result?.[0]).toBe(0)
      const done = reply.result?.[1] as { ok: boolean; configHash: string; daemonNotified: boolean }
      expect(done).toMatchObject({ ok: true, daemonNotified: true })
      const applied = await waitFor('the daemon to apply it', () => {
        const s = statusFile()
        return s.configHash === done.configHash && s.generation > before && s
      })
      expect(readFileSync(join(prefix, 'etc/config/lanvpn'), 'utf8')).toContain(
        "option kill_switch 'auto'"
      )
      await expect
        .poll(() => page.locator('main').innerText(), { timeout: 6_000 })
        .toContain(String(applied.generation))
    })

    it('answers a bad value with the field named and changes nothing', async () => {
      const before = readFileSync(join(prefix, 'etc/config/lanvpn'), 'utf8')
      const reply = await ubus([sid, 'lanvpn', 'setConfig', { globals: { health_interval: 0 } }])
      expect(reply.result?.[0]).toBe(0)
      expect(reply.result?.[1]).toMatchObject({
        error: { code: 'invalid_config', field: 'globals.health_interval' },
      })
      expect(readFileSync(join(prefix, 'etc/config/lanvpn'), 'utf8')).toBe(before)
    })

    it('gives a read-only login the status but not a change', async () => {
      const login = await ubus([
        '0'.repeat(32),
        'session',
        'login',
        { username: 'viewer', password: PASSWORD },
      ])
      const viewer = (login.result?.[1] as { ubus_rpc_session: string }).ubus_rpc_session
      const read = await ubus([viewer, 'file', 'read', { path: '/var/run/lanvpn/status.json' }])
      expect(read.result?.[0]).toBe(0)
      expect(await ubus([viewer, 'lanvpn', 'status', {}])).toMatchObject({
        result: [0, { version: 1 }],
      })
      expect(
        await ubus([viewer, 'lanvpn', 'setConfig', { globals: { ipv6: false } }])
      ).toMatchObject({
        error: { code: -32002 },
      })
    })

    it('gives the null session nothing but login', async () => {
      expect(await ubus(['0'.repeat(32), 'lanvpn', 'status', {}])).toMatchObject({
        error: { code: -32002 },
      })
      expect(
        await ubus(['0'.repeat(32), 'file', 'read', { path: '/var/run/lanvpn/status.json' }])
      ).toMatchObject({
        error: { code: -32002 },
      })
    })
  }
)
