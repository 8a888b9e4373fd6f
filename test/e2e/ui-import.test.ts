// Importing locations in the built web UI, in headless Chromium against the dev router, whose
// importProfile runs the tree's own bundle under the native qjs: the messages a user sees for the
// files providers really hand out, and a provider's .zip of locations imported in one step.
//
//   headless Chromium (360×740, fresh profile)
//        │ HTTP 127.0.0.1            (the .zip is read in the browser: listZip +
//        ▼                            DecompressionStream, one importProfile per location)
//   dev router (scripts/devrouter/server.mjs)
//        ├─ GET  /lanvpn/…  ← dist/root/www/lanvpn/ (`npm run build`)
//        └─ POST /ubus      ← session.login, file.read, lanvpn.importProfile / listProfiles
//                                 │ (rpcd exec plugin → lanvpn.js under qjs)
//                                 ▼
//                     <prefix>/etc/config/lanvpn, <prefix>/etc/lanvpn/secrets/
//                     <prefix>/var/run/lanvpn/status.json   (written by this test)
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fnv1a } from '../../applet/src/core/hash'
import { makeZip } from '../fixtures/zip'
import { logIn, openRouterUi, type RouterUi } from './browser'

const ROOT = resolve(import.meta.dirname, '../../dist/root')
const KEY = 'r0yIPqLNeXxOw/k66uK2v2ekNmi0w/KuM0MGHufE0po='
const PUB = 'rFN5+I12c4UgZYgJLCbEUbxBMyvBw1ue3Vhu7dbwI8w='
const CA = readFileSync('test/fixtures/profiles/cert-inline.ovpn', 'utf8')
  .match(/<ca>([\s\S]*?)<\/ca>/)![1]
  .trim()

const wg = (...lines: string[]): string =>
  [
    '[Interface]',
    `PrivateKey = ${KEY}`,
    ...lines,
    '',
    '[Peer]',
    `PublicKey = ${PUB}`,
    'AllowedIPs = 0.0.0.0/0, ::/0',
    'Endpoint = 185.213.154.68:51820',
    '',
  ].join('\n')
// Mullvad's shape: v4 and v6 addresses, its resolver, and a kill switch as PostUp.
const MULLVAD = wg(
  'Address = 10.68.1.2/32,fc00:bbbb:bbbb:bb01::5:c21/128',
  'DNS = 10.64.0.1',
  'PostUp = iptables -I OUTPUT ! -o %i -j REJECT'
)
const AMNEZIA = wg('Address = 10.8.1.2/32', 'DNS = 1.1.1.1', 'Jc = 4', 'Jmin = 40', 'H1 = 1')
// PIA's shape: a CA file beside the profile, and the account's user name and password.
const PIA = [
  'client',
  'dev tun',
  'remote nl-amsterdam.privacy.network 1198 udp',
  'auth-user-pass',
  'ca ca.rsa.2048.crt',
  '',
].join('\n')

let prefix: string
let ui: RouterUi
const pageErrors: string[] = []
const foreign: string[] = []

function writeStatus(configHash: string): void {
  const file = join(prefix, 'var/run/lanvpn/status.json')
  mkdirSync(join(file, '..'), { recursive: true })
  const status = {
    version: 1,
    generation: 7,
    updatedAt: 1763800000000,
    daemon: { state: 'running', pid: 123, startedAt: 1763790000000, runtime: 'node' },
    configHash,
    apply: { ok: true },
    tunnel: { state: 'disconnected', profile: '', since: 0 },
    problems: [],
  }
  writeFileSync(`${file}.tmp`, JSON.stringify(status))
  renameSync(`${file}.tmp`, file)
}

beforeAll(async () => {
  prefix = mkdtempSync(join(tmpdir(), 'lanvpn-ui-import-'))
  writeStatus('0')
  ui = await openRouterUi({
    prefix,
    env: { LANVPN_BUNDLE: join(ROOT, 'usr/share/lanvpn/lanvpn.js') },
    logins: [{ username: 'root', password: 'pw', read: ['*'], write: ['*'] }],
  })
  const origin = new URL(ui.url).origin
  ui.browser.on('request', (r) => {
    const url = r.url()
    if (!/^(data|blob):/.test(url) && new URL(url).origin !== origin) foreign.push(url)
  })
  ui.page.on('pageerror', (e) => pageErrors.push(e.message))
  ui.page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text())
  })
})

afterAll(async () => {
  await ui?.close()
  if (prefix) rmSync(prefix, { recursive: true, force: true })
})

describe('importing locations in the web UI', () => {
  const page = () => ui.page
  const form = () => page().locator('section[aria-labelledby=import-title]')
  const list = () => page().locator('section[aria-labelledby=locations-list]')
  const importButton = () => page().getByRole('button', { name: 'Import', exact: true })
  const fileInput = () => form().locator('input[type=file]')
  const file = (name: string, data: string | Buffer) => ({
    name,
    mimeType: 'application/octet-stream',
    buffer: Buffer.isBuffer(data) ? data : Buffer.from(data),
  })

  it('opens the Locations page after login', async () => {
    await logIn(ui, 'root', 'pw')
    await expect.poll(() => page().locator('h1').textContent(), { timeout: 10_000 }).not.toBe('')
    await page().goto(`${ui.url}/lanvpn/#/locations`)
    await expect.poll(() => page().locator('h1').textContent()).toBe('Locations')
  })

  it('says a pasted file was imported, and shows its refused PostUp as left out, not as a failure', async () => {
    await page().getByLabel('Or paste the file’s text').fill(MULLVAD)
    await page().getByLabel('Name of the location').fill('Göteborg')
    await importButton().click()
    await expect.poll(() => form().getByRole('status').textContent()).toBe('Imported “Göteborg”.')
    const refused = form().locator('li.note-refused')
    expect(await refused.textContent()).toContain('postup refused')
    const [refusedColour, errorColour] = await refused.evaluate((li) => {
      const probe = document.createElement('li')
      probe.className = 'note note-error'
      li.after(probe)
      const colours = [getComputedStyle(li).color, getComputedStyle(probe).color]
      probe.remove()
      return colours
    })
    expect(refusedColour).not.toBe(errorColour)
    await expect.poll(() => list().innerText()).toContain('Göteborg')
  })

  it('names AmneziaWG and the line, and takes back an earlier "Applied." when an import fails', async () => {
    writeStatus(fnv1a(readFileSync(join(prefix, 'etc/config/lanvpn'), 'utf8')))
    await expect
      .poll(() => page().locator('.apply-bar').textContent(), { timeout: 10_000 })
      .toBe('Applied.')
    await page().getByLabel('Or paste the file’s text').fill(AMNEZIA)
    await page().getByLabel('Name of the location').fill('Frankfurt')
    await importButton().click()
    await expect
      .poll(() => form().locator('li.note-error').textContent())
      .toMatch(/^Line 5: Jc jc is an AmneziaWG setting: .*amneziawg-tools and kmod-amneziawg/)
    expect(await page().locator('.apply-bar').textContent()).toBe('')
    expect(await form().getByRole('status').count()).toBe(0)
    expect(await list().innerText()).not.toContain('Frankfurt')
  })

  it('never shows a chosen file’s private key, and asks for the user name and password an .ovpn needs', async () => {
    await fileInput().setInputFiles(file('se-got-wg-001.conf', MULLVAD))
    await expect.poll(() => form().innerText()).toContain('Chosen: se-got-wg-001.conf')
    expect(await page().locator('#import-text').count()).toBe(0)
    expect(await page().content()).not.toContain(KEY)
    expect(await page().getByLabel('Name of the location').inputValue()).toBe('se-got-wg-001')
    expect(await page().getByLabel('VPN user name').count()).toBe(0)
    await page().getByRole('button', { name: 'Cancel' }).click()
    const ovpn = PIA.replace('ca ca.rsa.2048.crt', `<ca>\n${CA}\n</ca>`)
    await fileInput().setInputFiles(file('nl_amsterdam.ovpn', ovpn))
    await expect.poll(() => page().getByLabel('VPN user name').count()).toBe(1)
    expect(await page().getByLabel('VPN user name').getAttribute('required')).not.toBeNull()
    expect(await form().innerText()).not.toContain('if your provider gave one')
    expect(await importButton().isDisabled()).toBe(true)
    await page().getByLabel('VPN user name').fill('p1234567')
    await page().getByLabel('VPN password').fill('secret')
    await importButton().click()
    await expect
      .poll(() => form().getByRole('status').textContent())
      .toBe('Imported “nl_amsterdam”.')
  })

  it('imports a provider’s .zip in one step and says what happened file by file and line by line', async () => {
    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(MULLVAD.replace(/\n/g, '\r\n'), 'utf16le'),
    ])
    const zip = makeZip([
      { name: 'wireguard/se-sto-wg-002.conf', text: MULLVAD },
      // NordVPN's shape: resolvers separated by spaces, IPv4 only.
      {
        name: 'wireguard/se123.nordvpn.com.conf',
        text: wg('Address = 10.5.0.2/32', 'DNS = 103.86.96.100 103.86.99.100').replace(
          ', ::/0',
          ''
        ),
      },
      { name: 'wireguard/windows-notepad.conf', text: '', bytes: utf16 },
      { name: 'wireguard/two-in-one.conf', text: MULLVAD + MULLVAD },
      { name: 'wireguard/qr.conf', text: '\u0089PNG\r\n\u001a\n\0\0\0\rIHDR' },
      { name: 'openvpn/nl_rotterdam.ovpn', text: PIA },
      { name: 'openvpn/ca.rsa.2048.crt', text: `${CA}\n` },
      { name: 'README.txt', text: 'Import these files into your router.\n' },
    ])
    await fileInput().setInputFiles(file('provider.zip', zip))
    await expect.poll(() => form().innerText()).toContain('provider.zip: 5 locations')
    await page().getByLabel('VPN user name').fill('p1234567')
    await page().getByLabel('VPN password').fill('secret')
    // Enter in the form, as on a phone's keyboard: the apply bar ("Saved. It takes effect when
    // the lanvpn service starts.", two lines at 360 px) covers the button at the page's end.
    await page().getByLabel('VPN password').press('Enter')
    await expect
      .poll(() => form().getByRole('status').textContent(), { timeout: 30_000 })
      .toBe('4 imported, 1 refused, 2 skipped.')
    const outcome = (f: string) =>
      form().locator('li.note', { has: page().locator('strong', { hasText: f }) })
    expect(await outcome('se-sto-wg-002.conf').innerText()).toMatch(
      /^✓ wireguard\/se-sto-wg-002\.conf → se-sto-wg-002\nLine 5: postup refused/
    )
    expect(await outcome('se123.nordvpn.com.conf').innerText()).toContain(
      "Line 8: no ::/0 in AllowedIPs: the devices' IPv6 will be blocked, not tunnelled"
    )
    expect(await outcome('windows-notepad.conf').innerText()).toMatch(/^✓ .* → windows-notepad/)
    expect(await outcome('two-in-one.conf').innerText()).toMatch(
      /^✗ wireguard\/two-in-one\.conf: line 11: a second \[Interface\]: one file is one tunnel/
    )
    expect(await outcome('qr.conf').innerText()).toBe(
      '– wireguard/qr.conf: the file holds NUL bytes: it is binary or corrupt'
    )
    expect(await outcome('nl_rotterdam.ovpn').innerText()).toMatch(/^✓ .* → nl_rotterdam$/)
    expect(await outcome('README.txt').innerText()).toBe('– README.txt: not a .conf or .ovpn file')
    const names = await list().innerText()
    for (const name of ['se-sto-wg-002', 'se123.nordvpn.com', 'windows-notepad', 'nl_rotterdam'])
      expect(names).toContain(name)
    expect(names).not.toContain('two-in-one')
    // The CA beside the .ovpn in the archive went into its stored profile.
    const stored = readFileSync(
      join(prefix, 'etc/lanvpn/secrets/profile_nl_rotterdam.ovpn'),
      'utf8'
    )
    expect(stored).toContain(`<ca>\n${CA}\n</ca>`)
  })

  it('says why a chosen file or .zip it cannot read is refused', async () => {
    await fileInput().setInputFiles(file('broken.zip', 'PK\u0003\u0004 and nothing else'))
    await expect
      .poll(() => form().getByRole('alert').textContent())
      .toContain('broken.zip: not a zip archive')
    await fileInput().setInputFiles(file('qr.conf', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1])))
    await expect
      .poll(() => form().getByRole('alert').textContent())
      .toContain('qr.conf: the file holds NUL bytes: it is binary or corrupt')
  })

  it('logged no errors and asked no host but the router', () => {
    expect(pageErrors).toEqual([])
    expect(foreign).toEqual([])
  })
})
