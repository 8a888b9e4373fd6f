// Translations: every user-visible string comes from these catalogs. Each language has two parts:
// the core (shell, login, overview) and the pages loaded on demand. Only the English core is in the
// first bundle (it is also the fallback); every other part is its own hashed chunk, fetched when the
// language is chosen or the first on-demand page opens, so the first view stays within its budget
// (product.md Budgets) however many languages and pages there are.
//
// Which languages a router has: English always (package `lanvpn`); each other language is its own
// package, lanvpn-i18n-<lang>, holding the UI's directory i18n/<lang>/ (webui/vite.config.ts), as
// LuCI ships luci-i18n-<app>-<lang>. The UI is built with every language and learns which of those
// directories are there:
// - after login, by rpcd's `file.list` of CATALOG_DIR (the lanvpn ACL grants `list` on it alone):
//   one small request per login, after the first view, and no process on the router;
// - before login (the null session may list nothing), only by loading a catalog. The page starts
//   in the saved choice, else the browser's preference, else English: the first that loads. A
//   catalog that cannot be loaded (its package is not installed: a 404) is skipped without a word.
// A language that fails to load is no longer offered, nor the saved choice, so a removed language
// is not fetched again on every visit. The switcher offers the languages known to be there and is
// hidden while that is English alone.
import { computed, signal } from '../signals'
import { UBUS_STATUS, UbusError } from '../api/ubus'
import en from './en'
import type enPages from './en-pages'

/** A message id of the core catalog (shell, login, overview). */
export type CoreKey = keyof typeof en
/** A message id of the pages catalog. */
export type PageKey = keyof typeof enPages
/** A message id; the English catalogs define the set. */
export type MessageKey = CoreKey | PageKey

export type { SaidKey } from './en'

/** A core catalog: every message of en, translated (and, but for English, the daemon's
 * sentences). */
export type Catalog = Record<CoreKey, string>
/** A pages catalog: every message of en-pages, translated. */
export type PagesCatalog = Record<PageKey, string>

/** The other core catalogs, loaded on demand (each a separate chunk). */
const LOADERS = {
  'zh-CN': () => import('./zh-CN'),
  ru: () => import('./ru'),
} satisfies Record<string, () => Promise<{ default: Catalog }>>

/** The pages catalogs, one chunk each. */
const PAGE_LOADERS: Record<Lang, () => Promise<{ default: PagesCatalog }>> = {
  en: () => import('./en-pages'),
  'zh-CN': () => import('./zh-CN-pages'),
  ru: () => import('./ru-pages'),
}

/** A supported language. */
export type Lang = 'en' | keyof typeof LOADERS

/** The languages the UI is built with, switcher order. Each but English needs its package. */
export const LANGS: Lang[] = ['en', 'zh-CN', 'ru']

/** Where the language packages put the catalogs on the router: one directory per language. */
export const CATALOG_DIR = '/www/lanvpn/i18n'

/** Each language's name in that language, for the switcher (known before its catalog loads). */
const NAMES: Record<Lang, string> = { en: 'English', 'zh-CN': '简体中文', ru: 'Русский' }

const STORAGE_KEY = 'lanvpn.lang'

/** The explicitly chosen language saved in localStorage, if it is one we know. */
function savedLang(): Lang | null {
  try {
    const saved = globalThis.localStorage?.getItem(STORAGE_KEY)
    if (saved && (LANGS as string[]).includes(saved)) return saved as Lang
  } catch {
    // storage disabled: nothing saved
  }
  return null
}

/** Forgets the saved choice if it is `l` (its catalog is gone from the router). */
function forgetSaved(l: Lang): void {
  try {
    if (globalThis.localStorage?.getItem(STORAGE_KEY) === l)
      globalThis.localStorage.removeItem(STORAGE_KEY)
  } catch {
    // storage disabled: nothing to forget
  }
}

/** The best supported language for a browser preference list (`navigator.languages`): the first
 * entry whose primary subtag we have wins; English when none matches. */
export function matchLang(preferences: readonly string[]): Lang {
  for (const pref of preferences) {
    const primary = pref.toLowerCase().split('-')[0]
    // Only Simplified Chinese exists so far; it is the closer fallback for every zh-* reader.
    if (primary === 'zh') return 'zh-CN'
    const found = LANGS.find((l) => l.toLowerCase() === primary)
    if (found) return found
  }
  return 'en'
}

const loaded: Partial<Record<Lang, Catalog>> = { en }
const loadedPages: Partial<Record<Lang, PagesCatalog>> = {}
/** Whether a page that needs the pages catalog has been opened (then a switch loads it too). */
let isPagesWanted = false
const current = signal<Partial<Record<MessageKey, string>>>(en)
const fallbackPages = signal<Partial<PagesCatalog>>({})

/** The current language. Components that call t() re-render when it changes. */
export const lang = signal<Lang>('en')

/** The languages known to be installed on the router, in switcher order: the switcher's offer. */
export const installedLangs = signal<Lang[]>(['en'])

/** Offers the languages `isInstalled` accepts, and always English and the one on screen. */
function offerLangs(isInstalled: (l: Lang) => boolean): void {
  installedLangs.value = LANGS.filter((l) => l === 'en' || l === lang.peek() || isInstalled(l))
}

/** A language's catalog (fetched once, then cached). */
export async function loadCatalog(l: Lang): Promise<Catalog> {
  return (loaded[l] ??= (await LOADERS[l as keyof typeof LOADERS]()).default)
}

/** A language's pages catalog (fetched once, then cached). */
export async function loadPagesCatalog(l: Lang): Promise<PagesCatalog> {
  return (loadedPages[l] ??= (await PAGE_LOADERS[l]()).default)
}

/** Makes the pages messages of the current language (and English, the fallback) available;
 * the on-demand pages wait for this before they render. Safe to call repeatedly. */
export async function ensurePagesCatalog(): Promise<void> {
  isPagesWanted = true
  const l = lang.peek()
  const [mine, english] = await Promise.all([loadPagesCatalog(l), loadPagesCatalog('en')])
  fallbackPages.value = english
  if (lang.peek() === l) current.value = { ...current.peek(), ...mine }
}

/** Shows the page in `next` once its catalogs are here and updates `<html lang>`. A catalog that
 * cannot be loaded keeps the current language (and rejects); that language is then no longer
 * offered and no longer the saved choice. */
async function showLang(next: Lang): Promise<void> {
  let catalogs: [Catalog, Partial<PagesCatalog>]
  try {
    catalogs = await Promise.all([
      loadCatalog(next),
      isPagesWanted ? loadPagesCatalog(next) : Promise.resolve({}),
    ])
  } catch (e) {
    forgetSaved(next)
    offerLangs((l) => l !== next && installedLangs.peek().includes(l))
    throw e
  }
  current.value = { ...catalogs[0], ...catalogs[1] }
  lang.value = next
  offerLangs((l) => installedLangs.peek().includes(l))
  if (typeof document !== 'undefined') document.documentElement.lang = next
}

/** Switches the language (the reader's choice) and remembers it in localStorage. A failed fetch
 * keeps the current language (and rejects). */
export async function setLang(next: Lang): Promise<void> {
  await showLang(next)
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, next)
  } catch {
    // not remembered across reloads; the switch itself still works
  }
}

/** Starts the page in the saved choice, else the browser's preference, else English: the first
 * whose catalog loads. Only an explicit choice (setLang) is saved. Never rejects. */
export async function startLang(): Promise<void> {
  const nav = globalThis.navigator
  const browser = matchLang(nav?.languages?.length ? nav.languages : [nav?.language ?? 'en'])
  for (const l of new Set([savedLang(), browser, 'en' as const])) {
    if (!l) continue
    try {
      await showLang(l)
      return
    } catch {
      // not installed on this router: try the next one, English at the latest
    }
  }
}

/** A directory as rpcd's `file.list` answers: `{ entries: [{ name, type, size, … }] }` (file.c). */
export type DirListing = { entries?: Array<{ name?: unknown }> }

/** Learns the installed languages from the router: `list` is rpcd's `file.list` on a path. A
 * missing directory (ubus status 4) means no language package is installed; any other failure
 * leaves the offer as it is. Never rejects. */
export async function findInstalledLangs(
  list: (path: string) => Promise<DirListing>
): Promise<void> {
  let names: unknown[]
  try {
    names = ((await list(CATALOG_DIR)).entries ?? []).map((e) => e.name)
  } catch (e) {
    if (!(e instanceof UbusError && e.status === UBUS_STATUS.NOT_FOUND)) return
    names = []
  }
  offerLangs((l) => names.includes(l))
}

/** The message `key` in the current language, with `{name}` replaced by `params.name`. A missing
 * parameter leaves its `{name}` visible rather than hiding the gap. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const text =
    current.value[key] ??
    (en as Partial<Record<MessageKey, string>>)[key] ??
    fallbackPages.value[key as PageKey] ??
    key
  return params ? fill(text, params) : text
}

/** One of the daemon's sentences in the current language: its code's message with its
 * parameters, else the daemon's own (English) words, as for a code this UI does not know. */
export function said(text: string, m?: { code?: string; args?: Record<string, string> } | null) {
  const own = m?.code && (current.value as Record<string, string | undefined>)[`said.${m.code}`]
  return own ? fill(own, m.args ?? {}) : text
}

function fill(text: string, params: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole
  )
}

/** A language's own name for itself (for the switcher, whatever the current language). */
export function langName(l: Lang): string {
  return NAMES[l]
}

const dateFormat = computed(
  () => new Intl.DateTimeFormat(lang.value, { dateStyle: 'medium', timeStyle: 'medium' })
)

/** A wall-clock time in ms as a date and time in the current language; '—' for 0 or missing. */
export function formatTime(ms: number | undefined): string {
  if (!ms) return t('value.none')
  return dateFormat.value.format(ms)
}

/** A number in the current language's digits and separators, with at most `digits` decimals. */
export function formatNumber(n: number, digits = 0): string {
  return new Intl.NumberFormat(lang.value, { maximumFractionDigits: digits }).format(n)
}

/** A duration in seconds as its two largest units ("2 h 5 min"); '—' for a negative one. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !(seconds >= 0)) return t('value.none')
  const s = Math.floor(seconds)
  const parts: Array<[MessageKey, number]> = [
    ['unit.d', Math.floor(s / 86400)],
    ['unit.h', Math.floor(s / 3600) % 24],
    ['unit.min', Math.floor(s / 60) % 60],
    ['unit.s', s % 60],
  ]
  const first = parts.findIndex(([, n]) => n > 0)
  if (first < 0) return t('unit.s', { n: 0 })
  return parts
    .slice(first, first + 2)
    .filter(([, n]) => n > 0)
    .map(([key, n]) => t(key, { n: formatNumber(n) }))
    .join(' ')
}

/** Bits per second in the largest unit that keeps the number ≥ 1 ("1.2 Mbit/s"). */
export function formatRate(bitsPerSecond: number): string {
  const units: MessageKey[] = ['unit.bps', 'unit.kbps', 'unit.Mbps', 'unit.Gbps']
  let n = Math.max(0, bitsPerSecond)
  let i = 0
  while (n >= 1000 && i < 3) {
    n /= 1000
    i++
  }
  return t(units[i], { n: formatNumber(n, n < 10 && i > 0 ? 1 : 0) })
}
