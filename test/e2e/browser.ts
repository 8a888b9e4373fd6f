// Debian's chromium, headless, driven by playwright-core (lab.md): no browser download, no
// background traffic, a fresh profile per run.
import { chromium, type BrowserContext } from 'playwright-core'

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
