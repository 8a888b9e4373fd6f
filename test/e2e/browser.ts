// Debian's chromium, headless, driven by playwright-core (lab.md): no browser download, no
// background traffic, a fresh profile per run; and the built UI behind the dev router, opened in
// it, for the specs that drive the UI against a real daemon. Not a spec itself: the specs import it.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

/** Flags that keep Chromium from reaching for any host (its connections would be refused here). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]

/** A phone-sized context (360×740, en-US) with its profile in `profileDir`; close it when done. */
export function launchChromium(profileDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 360, height: 740 },
    locale: 'en-US',
  })
}

/** The router tree `npm run build` writes: the web UI under www/, the rpcd plugin and its ACL. */
const ROOT = resolve(import.meta.dirname, '../../dist/root')
const DEVROUTER = resolve(import.meta.dirname, '../../scripts/devrouter/server.mjs')

/** A login the dev router accepts, as rpcd's `config login` (read/write: ACL groups, `*` for all). */
export type RouterLogin = { username: string; password: string; read: string[]; write: string[] }

/** The built web UI as a user's browser meets it on the router: the dev router, and Chromium with
 * one page open on nothing yet. */
export type RouterUi = {
  /** The dev router's base URL (http://127.0.0.1:<port>); the UI is at `${url}/lanvpn/`. */
  url: string
  browser: BrowserContext
  page: Page
  /** Closes Chromium and the dev router and deletes the browser's profile. */
  close(): Promise<void>
}

/** Starts the dev router (uhttpd + rpcd as lanvpn meets them) on loopback, serving dist/root with
 * the daemon's files under `prefix` and running the rpcd plugin with `env` added (e.g. the lab's
 * labPluginEnv), then Chromium on a fresh profile. Close it when done; on failure nothing is left. */
export async function openRouterUi(opts: {
  prefix: string
  env: NodeJS.ProcessEnv
  logins: RouterLogin[]
}): Promise<RouterUi> {
  if (!existsSync(join(ROOT, 'www/lanvpn/index.html')))
    throw new Error('run `npm run build` first (dist/root is missing)')
  const { startDevRouter } = (await import(pathToFileURL(DEVROUTER).href)) as {
    startDevRouter(o: object): Promise<{ url: string; close(): Promise<void> }>
  }
  const router = await startDevRouter({ port: 0, root: ROOT, ...opts })
  const profile = mkdtempSync(join(tmpdir(), 'lanvpn-chromium-'))
  let browser: BrowserContext | undefined
  const close = async () => {
    await browser?.close()
    await router.close()
    rmSync(profile, { recursive: true, force: true })
  }
  try {
    browser = await launchChromium(profile)
    return { url: router.url, browser, page: await browser.newPage(), close }
  } catch (e) {
    await close()
    throw e
  }
}

/** Logs in through the UI's login form as a user does (the caller asserts what the page shows). */
export async function logIn(ui: RouterUi, username: string, password: string): Promise<void> {
  await ui.page.goto(`${ui.url}/lanvpn/`)
  await ui.page.getByLabel('Username').fill(username)
  await ui.page.getByLabel('Password').fill(password)
  await ui.page.getByRole('button', { name: 'Log in' }).click()
}
