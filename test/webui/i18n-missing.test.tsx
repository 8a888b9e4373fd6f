// A router with lanvpn and lanvpn-i18n-zh-cn but without lanvpn-i18n-ru: the Russian catalogs cannot
// be loaded (on a router, uhttpd answers 404 for their chunks). The page must stay usable in
// English or another installed language, quietly, and not keep asking for the missing one.
import { render } from 'preact'
import { act } from 'preact/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createLanvpnApi } from '../../webui/src/api/lanvpn'
import { App } from '../../webui/src/App'
import {
  findInstalledLangs,
  installedLangs,
  lang,
  setLang,
  startLang,
  t,
} from '../../webui/src/i18n'
import { createSession } from '../../webui/src/models/session'
import { createStatusModel } from '../../webui/src/models/status'
import { createFakeRouter, fakeDocument, STATUS_PATH, statusText } from './fake-router'

// What a failed dynamic import of a chunk that is not there looks like to the page.
vi.mock('../../webui/src/i18n/ru', () => {
  throw new TypeError('Failed to fetch dynamically imported module: i18n/ru/ru-DK8eFcxj.js')
})
vi.mock('../../webui/src/i18n/ru-pages', () => {
  throw new TypeError('Failed to fetch dynamically imported module: i18n/ru/ru-pages-BHA7x7IJ.js')
})

const SAVED = 'lanvpn.lang'

beforeEach(async () => {
  await setLang('en')
  localStorage.clear()
  await findInstalledLangs(async () => ({ entries: [] }))
})

afterEach(() => {
  vi.restoreAllMocks()
})

describe('a language whose package is not installed', () => {
  it("leaves the page in English when it is the browser's language, without rejecting", async () => {
    vi.spyOn(navigator, 'languages', 'get').mockReturnValue(['ru-RU', 'ru'])
    await expect(startLang()).resolves.toBeUndefined()
    expect(lang.value).toBe('en')
    expect(document.documentElement.lang).toBe('en')
    expect(t('login.submit')).toBe('Log in')
    expect(installedLangs.value).toEqual(['en'])
  })

  it("is forgotten as the saved choice; the browser's language (installed) is next", async () => {
    vi.spyOn(navigator, 'languages', 'get').mockReturnValue(['zh-CN'])
    localStorage.setItem(SAVED, 'ru')
    await startLang()
    expect(lang.value).toBe('zh-CN')
    expect(localStorage.getItem(SAVED)).toBeNull()
    expect(installedLangs.value).toEqual(['en', 'zh-CN'])
  })

  it('is no longer offered once choosing it failed, and the page stays as it was', async () => {
    // A directory left behind would still be listed; the failed load is what counts.
    await findInstalledLangs(async () => ({
      entries: [{ name: 'ru' }, { name: 'zh-CN' }],
    }))
    await setLang('zh-CN')
    expect(installedLangs.value).toEqual(['en', 'zh-CN', 'ru'])
    await expect(setLang('ru')).rejects.toThrow()
    expect(lang.value).toBe('zh-CN')
    expect(localStorage.getItem(SAVED)).toBe('zh-CN')
    expect(installedLangs.value).toEqual(['en', 'zh-CN'])
  })

  it('shows the login page in English with no error and no switch', async () => {
    vi.spyOn(navigator, 'languages', 'get').mockReturnValue(['ru-RU'])
    localStorage.setItem(SAVED, 'ru')
    const router = createFakeRouter()
    router.files.set(STATUS_PATH, statusText())
    const session = createSession({ fetch: router.fetch, storage: null })
    const status = createStatusModel({
      read: createLanvpnApi(session).readStatusFile,
      loginState: session.loginState,
      doc: fakeDocument(),
    })
    const container = document.createElement('div')
    document.body.append(container)
    try {
      await startLang()
      await act(() => render(<App session={session} status={status} />, container))
      expect(container.querySelector('button[type=submit]')!.textContent).toBe('Log in')
      expect(container.querySelector('[role=alert]')).toBeNull()
      expect(container.querySelector('select')).toBeNull()
      expect(localStorage.getItem(SAVED)).toBeNull()
    } finally {
      render(null, container)
      container.remove()
    }
  })
})
