// Translations: every user-visible string comes from these catalogs. All three are bundled (a few
// KB together), which costs less than the extra request a lazy-loaded catalog would.
import { signal } from '@preact/signals'
import en from './en'
import ru from './ru'
import zhCN from './zh-CN'

/** A message id; the English catalog defines the set. */
export type MessageKey = keyof typeof en

/** The catalogs by BCP 47 tag, in the order the language switcher lists them. */
export const catalogs = { en, 'zh-CN': zhCN, ru } satisfies Record<
  string,
  Record<MessageKey, string>
>

/** A supported language. */
export type Lang = keyof typeof catalogs

/** Supported languages, switcher order. */
export const LANGS = Object.keys(catalogs) as Lang[]

const STORAGE_KEY = 'lanvpn.lang'

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

function initialLang(): Lang {
  try {
    const saved = globalThis.localStorage?.getItem(STORAGE_KEY)
    if (saved && saved in catalogs) return saved as Lang
  } catch {
    // storage disabled: fall through to the browser's preference
  }
  const nav = globalThis.navigator
  return matchLang(nav?.languages?.length ? nav.languages : [nav?.language ?? 'en'])
}

/** The current language. Components that call t() re-render when it changes. */
export const lang = signal<Lang>(initialLang())

/** Switches the language, remembers it in localStorage and updates `<html lang>`. */
export function setLang(next: Lang): void {
  lang.value = next
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, next)
  } catch {
    // not remembered across reloads; the switch itself still works
  }
  if (typeof document !== 'undefined') document.documentElement.lang = next
}

/** The message `key` in the current language, with `{name}` replaced by `params.name`. A missing
 * parameter leaves its `{name}` visible rather than hiding the gap. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const text = catalogs[lang.value][key] ?? en[key]
  if (!params) return text
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole
  )
}

/** A language's own name for itself (for the switcher, whatever the current language). */
export function langName(l: Lang): string {
  return catalogs[l]['lang.name']
}

/** A wall-clock time in ms as a date and time in the current language; '—' for 0 or missing. */
export function formatTime(ms: number | undefined): string {
  if (!ms) return t('value.none')
  const format = new Intl.DateTimeFormat(lang.value, { dateStyle: 'medium', timeStyle: 'medium' })
  return format.format(ms)
}
