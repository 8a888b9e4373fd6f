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
import { Lab, labOrFail, waitFor, type LabProcess } from './lab'

const DEFAULT_CONFIG = resolve(import.meta.dirname, '../../dist/root/etc/config/lanvpn')
const PASSWORD = 'chain-test-pw'

describe.runIf(labOrFail())(
  'the foundation chain: browser → /ubus → rpcd plugin → daemon → status',
  () => {
    let lab: Lab
    let daemon: LabProcess
    let ui: RouterUi
    let prefix: string
    let sid = ''

    const statusFile = () => labStatus(prefix)

    async function ubus(
      params: unknown[]
    ): Promise<{ result?: unknown[]; error?: { code: number } }> {
      const res = await fetch(`${ui.url}/ubus`, {
        method: 'POST',
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'call', params }),
      })
      return (await res.json()) as { result?: unknown[]; error?: { code: number } }
    }

    beforeAll(async () => {
      if (!existsSync(LAB_BUNDLE))
        throw new Error('run `npm run build` first (dist/root is missing)')
      lab = await Lab.up({ devices: ['laptop'] })
      prefix = mkdtempSync(join(tmpdir(), 'lanvpn-chain-'))
      mkdirSync(join(prefix, 'etc/config'), { recursive: true })
      writeFileSync(join(prefix, 'etc/config/lanvpn'), readFileSync(DEFAULT_CONFIG))
      daemon = startLabDaemon(lab, prefix)
      await waitFor('the daemon status', () => statusFile() !== null, 20_000)
      ui = await openRouterUi({
        prefix,
        env: labPluginEnv(prefix),
        logins: [
          { username: 'root', password: PASSWORD, read: ['*'], write: ['*'] },
          { username: 'viewer', password: PASSWORD, read: ['lanvpn'], write: [] },
        ],
      })
    })

    afterAll(async () => {
      await ui?.close()
      await daemon?.kill()
      if (lab && prefix) await cleanupLabDaemon(lab, prefix)
      await lab?.down()
      if (prefix) rmSync(prefix, { recursive: true, force: true })
    })

    it('logs in with the router credentials and shows the status the daemon wrote', async () => {
      await logIn(ui, 'root', PASSWORD)
      // The service state and the status generation are folded under the technical details.
      await ui.page.locator('summary', { hasText: 'Technical details' }).click()
      await expect
        .poll(() => ui.page.locator('main').innerText(), { timeout: 10_000 })
        .toContain('Running')
      const generation = String(statusFile().generation)
      await expect.poll(() => ui.page.locator('main').innerText()).toContain(generation)
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
        .poll(() => ui.page.locator('main').innerText(), { timeout: 6_000 })
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

    it("left no promise rejection unhandled (under OpenWrt's qjs that kills the daemon)", () => {
      expect(labDaemonRejections()).toEqual([])
    })
  }
)
