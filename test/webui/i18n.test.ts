import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import ts from 'typescript'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { UbusError } from '../../webui/src/api/ubus'
import {
  CATALOG_DIR,
  findInstalledLangs,
  installedLangs,
  lang,
  langName,
  LANGS,
  loadCatalog,
  matchLang,
  said,
  setLang,
  startLang,
  t,
} from '../../webui/src/i18n'
import { SENTENCES } from '../../applet/src/core/messages'
import en from '../../webui/src/i18n/en'
import enPages from '../../webui/src/i18n/en-pages'
import ru from '../../webui/src/i18n/ru'
import ruPages from '../../webui/src/i18n/ru-pages'
import zhCN from '../../webui/src/i18n/zh-CN'
import zhCNPages from '../../webui/src/i18n/zh-CN-pages'

/** A catalog without the daemon's sentences (`said.*`, which English takes from the daemon). */
const own = (c: Record<string, string>) =>
  Object.fromEntries(Object.entries(c).filter(([k]) => !k.startsWith('said.')))

// Each language's core and pages parts, joined: together they must match English exactly.
const catalogs = {
  en: { ...en, ...enPages },
  'zh-CN': own({ ...zhCN, ...zhCNPages }),
  ru: own({ ...ru, ...ruPages }),
}
const english: Record<string, string> = catalogs.en

const ROOT = join(import.meta.dirname, '../..')

/** Messages that read the same as in English: names (lanvpn, VPN, MediaStreamer, WireGuard,
 * OpenVPN), abbreviations and symbols. Any other message equal to English is untranslated. */
const NAMES = [
  'app.name',
  'overview.vpn',
  'value.none',
  'nav.mediastreamer',
  'mode.vpn',
  'mode.mediastreamer',
  'locations.wireguard',
  'locations.openvpn',
  'devices.mac',
  'ms.title',
  'privacy.ms',
  'rules.via.mediastreamer',
]
const SAME_AS_ENGLISH: Record<string, string[]> = {
  ru: NAMES,
  // Chinese writes bit rates and "WAN IP" with the Latin abbreviations.
  'zh-CN': [...NAMES, 'unit.bps', 'unit.kbps', 'unit.Mbps', 'unit.Gbps', 'overview.wanIp'],
}

/** rpcd's file.list reply for the catalog directory holding these language directories. */
const listing = (...names: string[]) => ({
  entries: names.map((name) => ({ name, type: 'directory' })),
})

afterEach(async () => {
  await setLang('en')
  localStorage.clear()
  await findInstalledLangs(async () => listing())
  vi.restoreAllMocks()
})

describe('catalogs', () => {
  const enKeys = Object.keys(english).sort()

  for (const l of LANGS) {
    it(`${l} has exactly the keys of en, none empty`, () => {
      const catalog: Record<string, string> = catalogs[l]
      expect(Object.keys(catalog).sort()).toEqual(enKeys)
      const empty = Object.entries(catalog).filter(([, v]) => typeof v !== 'string' || !v.trim())
      expect(empty).toEqual([])
    })

    it(`${l} keeps every {parameter} of en`, () => {
      const catalog: Record<string, string> = catalogs[l]
      const params = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort()
      const mismatched = enKeys.filter(
        (k) => params(catalog[k]).join() !== params(english[k]).join()
      )
      expect(mismatched).toEqual([])
    })
  }

  for (const l of LANGS.filter((l) => l !== 'en')) {
    it(`${l} translates every message but names and symbols (none left in English)`, () => {
      const catalog: Record<string, string> = catalogs[l]
      const same = enKeys.filter((k) => catalog[k] === english[k])
      expect(same.filter((k) => !SAME_AS_ENGLISH[l].includes(k))).toEqual([])
    })
  }

  it('says things in household words: no echo service, a latency test named for what it does', () => {
    const all = Object.values(english).join('\n')
    expect(all).not.toMatch(/echo service|IP-echo|Text the answer must contain|Test the speed/i)
    expect(english['locations.testLatency']).toMatch(/response time/)
    expect(catalogs.ru['settings.killSwitch']).not.toMatch(/[a-z]/i)
  })

  for (const [l, catalog] of Object.entries({ ru, 'zh-CN': zhCN })) {
    it(`${l} says every sentence of the daemon in its words, with the same parameters`, () => {
      const words: Record<string, string> = catalog
      const params = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort().join()
      const saidKeys = Object.keys(words).filter((k) => k.startsWith('said.'))
      expect(saidKeys.sort()).toEqual(
        Object.keys(SENTENCES)
          .map((c) => `said.${c}`)
          .sort()
      )
      for (const [code, sentence] of Object.entries(SENTENCES)) {
        expect(params(words[`said.${code}`]), code).toBe(params(sentence))
        expect(words[`said.${code}`], code).not.toBe(sentence)
      }
    })
  }

  it('names every language in that language', () => {
    expect(LANGS.map(langName)).toEqual(['English', '简体中文', 'Русский'])
  })
})

describe('t', () => {
  it('fills {name} parameters and leaves unknown ones visible', () => {
    expect(t('login.expiredIntro', { user: 'root' })).toContain('root')
    expect(t('error.other')).toContain('{message}')
  })

  it("says the daemon's sentences by their code in the reader's language, else as the daemon did", async () => {
    const lan = SENTENCES.lanNoDevice.replace('{name}', 'lan')
    const code = { code: 'lanNoDevice', args: { name: 'lan' } }
    expect(said(lan, code)).toBe(lan)
    await setLang('ru')
    expect(said(lan, code)).toBe(
      'у LAN (сетевой интерфейс lan) сейчас нет устройства: устройства в ней никуда не выходят; VPN-устройства остаются закрытыми'
    )
    expect(said('a newer daemon says this', { code: 'somethingNew' })).toBe(
      'a newer daemon says this'
    )
    expect(said('an older daemon says this', null)).toBe('an older daemon says this')
    await setLang('zh-CN')
    expect(said(SENTENCES.wanDown, { code: 'wanDown' })).toBe('路由器的互联网连接（WAN）已断开')
  })

  it('follows the language switch and remembers it', async () => {
    await setLang('ru')
    expect(lang.value).toBe('ru')
    expect(t('login.submit')).toBe('Войти')
    expect(localStorage.getItem('lanvpn.lang')).toBe('ru')
    expect(document.documentElement.lang).toBe('ru')
    await setLang('zh-CN')
    expect(t('login.submit')).toBe('登录')
  })

  it('loads each language from its own module, the same catalog as the file', async () => {
    expect(await loadCatalog('ru')).toBe(ru)
    expect(await loadCatalog('zh-CN')).toBe(zhCN)
    expect(await loadCatalog('en')).toBe(en)
  })
})

describe('installed languages', () => {
  it('offers English and the languages whose directories the router lists, in switcher order', async () => {
    const list = vi.fn(async (_path: string) => listing('ru', 'zh-CN'))
    await findInstalledLangs(list)
    expect(list.mock.calls).toEqual([[CATALOG_DIR]])
    expect(installedLangs.value).toEqual(['en', 'zh-CN', 'ru'])
    await findInstalledLangs(async () => listing('ru', 'de'))
    expect(installedLangs.value).toEqual(['en', 'ru'])
  })

  it('offers English alone when the catalog directory does not exist (rpcd status 4)', async () => {
    await findInstalledLangs(async () => listing('ru'))
    await findInstalledLangs(async () => {
      throw new UbusError(4)
    })
    expect(installedLangs.value).toEqual(['en'])
  })

  it('keeps the offer when the router cannot say (no ACL grant, no network)', async () => {
    await findInstalledLangs(async () => listing('ru'))
    await findInstalledLangs(async () => {
      throw new UbusError(6)
    })
    await findInstalledLangs(async () => {
      throw new TypeError('Failed to fetch')
    })
    expect(installedLangs.value).toEqual(['en', 'ru'])
  })

  it('offers a language once its catalog has loaded, and the one on screen in any case', async () => {
    await setLang('zh-CN')
    expect(installedLangs.value).toEqual(['en', 'zh-CN'])
    await findInstalledLangs(async () => listing('ru'))
    expect(installedLangs.value).toEqual(['en', 'zh-CN', 'ru'])
  })
})

describe('startLang', () => {
  it("starts in the browser's language without saving it as a choice", async () => {
    vi.spyOn(navigator, 'languages', 'get').mockReturnValue(['ru-RU', 'en'])
    await startLang()
    expect(lang.value).toBe('ru')
    expect(document.documentElement.lang).toBe('ru')
    expect(localStorage.getItem('lanvpn.lang')).toBeNull()
  })

  it("prefers the reader's saved choice to the browser's language", async () => {
    vi.spyOn(navigator, 'languages', 'get').mockReturnValue(['ru-RU'])
    localStorage.setItem('lanvpn.lang', 'zh-CN')
    await startLang()
    expect(lang.value).toBe('zh-CN')
    expect(localStorage.getItem('lanvpn.lang')).toBe('zh-CN')
  })
})

describe('matchLang', () => {
  it('picks the first supported browser language', () => {
    expect(matchLang(['ru-RU', 'en-US'])).toBe('ru')
    expect(matchLang(['de-DE', 'zh-Hans-CN', 'en'])).toBe('zh-CN')
    expect(matchLang(['zh-TW'])).toBe('zh-CN')
    expect(matchLang(['fr', 'en-GB'])).toBe('en')
    expect(matchLang(['fr'])).toBe('en')
    expect(matchLang([])).toBe('en')
  })
})

/** Attributes whose string value a user sees or hears. */
const TEXT_ATTRIBUTES = new Set([
  'placeholder',
  'aria-label',
  'aria-description',
  'title',
  'alt',
  'label',
])

/** Every JSX text node with letters, string literal child, and user-facing string attribute, as
 * `file:line: text`. Parsed with the TypeScript compiler, so comments and code are never mistaken
 * for text. */
function hardCodedText(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX)
  const found: string[] = []
  const where = (node: ts.Node) =>
    `${relative(ROOT, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`
  const hasLetters = (s: string) => /\p{L}/u.test(s)
  const visit = (node: ts.Node) => {
    if (ts.isJsxText(node) && hasLetters(node.text))
      found.push(`${where(node)}: ${node.text.trim()}`)
    const isChild = node.parent && (ts.isJsxElement(node.parent) || ts.isJsxFragment(node.parent))
    if (ts.isJsxExpression(node) && isChild) {
      const e = node.expression
      const isLiteral = e && (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e))
      if (isLiteral && hasLetters(e.text)) found.push(`${where(node)}: ${e.text}`)
    }
    if (ts.isJsxAttribute(node) && TEXT_ATTRIBUTES.has(node.name.getText(source))) {
      const init = node.initializer
      const literal =
        init && ts.isStringLiteral(init)
          ? init
          : init && ts.isJsxExpression(init) && init.expression
            ? ts.isStringLiteral(init.expression)
              ? init.expression
              : undefined
            : undefined
      if (literal && hasLetters(literal.text))
        found.push(`${where(node)}: ${node.name.getText(source)}="${literal.text}"`)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

function tsxFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && d.name.endsWith('.tsx'))
    .map((d) => join(d.parentPath, d.name))
}

describe('hard-coded text', () => {
  const files = [
    ...tsxFiles(join(ROOT, 'webui/src/pages')),
    ...tsxFiles(join(ROOT, 'webui/src/ui')),
    join(ROOT, 'webui/src/App.tsx'),
  ]

  it('finds the pages and components to scan', () => {
    expect(files.length).toBeGreaterThan(3)
  })

  it('has none in pages/ and ui/: every visible string comes from the catalogs', () => {
    expect(files.flatMap(hardCodedText)).toEqual([])
  })

  it('would catch text nodes and user-facing attributes (scanner self-test)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lanvpn-scan-'))
    const probe = join(dir, 'Probe.tsx')
    writeFileSync(
      probe,
      [
        'export const A = () => (',
        '  <div title="Help">',
        '    Hello',
        '    <input placeholder={\'Name\'} aria-label="Name" id="x" class="field" />',
        "    {'Bye'}",
        '    {/* a comment */} {t("ok")}',
        '  </div>',
        ')',
      ].join('\n')
    )
    try {
      const hits = hardCodedText(probe).map((h) => h.replace(/^.*?:(\d+): /, '$1: '))
      expect(hits).toEqual([
        '2: title="Help"',
        '3: Hello',
        '4: placeholder="Name"',
        '4: aria-label="Name"',
        '5: Bye',
      ])
    } finally {
      rmSync(dir, { recursive: true })
    }
  })
})
