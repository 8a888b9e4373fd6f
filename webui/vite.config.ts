// The web UI build: served by uhttpd from /www/lanvpn/ (openwrt-contracts §3.3), so relative URLs,
// `.js` only (uhttpd serves .mjs as application/octet-stream and browsers then refuse the module),
// no source maps on the router, and as few files as possible (uhttpd does not compress; the first
// view's budget is 70 KB and 4 requests, product.md Budgets).
//
// File layout (what scripts/ipk.mjs splits into packages):
//   index.html, assets/[name]-[hash].{js,css}   the app and English: the package `lanvpn`
//   i18n/<lang>/<lang>-[hash].js                 a language's core catalog  } the package
//   i18n/<lang>/<lang>-pages-[hash].js           and its pages catalog      } lanvpn-i18n-<lang>
// One directory per language, so each language package owns exactly one directory and the UI
// learns which languages are installed by listing i18n/ (see src/i18n/index.ts).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { minify } from 'terser'
import { defineConfig } from 'vite'
import { TERSER_COMPRESS } from '../scripts/applet-chunks.mjs'

/** A catalog module other than English's: src/i18n/<BCP 47 tag>.ts or <tag>-pages.ts, the tag
 * being a language with an optional region or script (ru, zh-CN, zh-Hant). */
const CATALOG = /\/src\/i18n\/([a-z]{2,3}(?:-(?:[A-Z]{2}|[A-Z][a-z]{3}))?)(?:-pages)?\.ts$/

/** The language directory of a chunk, or null for the app's own chunks (English included). */
function catalogLang(facadeModuleId: string | null): string | null {
  const lang = facadeModuleId?.match(CATALOG)?.[1]
  return lang && lang !== 'en' ? lang : null
}

const SRC = fileURLToPath(new URL('./src', import.meta.url))

type ModuleGraph = {
  getModuleInfo(id: string): { importedIds: readonly string[]; isEntry: boolean } | null
}

/** The modules the entry (src/main.tsx) reaches by static imports: the first view. */
function firstView(ctx: ModuleGraph) {
  const seen = new Set<string>()
  const todo = [join(SRC, 'main.tsx')]
  while (todo.length) {
    const id = todo.pop()!
    if (seen.has(id)) continue
    seen.add(id)
    todo.push(...(ctx.getModuleInfo(id)?.importedIds ?? []))
  }
  return seen
}

/** The chunk of a module: `index` for the first view (given a group too, or the bundler splits
 * what the pages share with it into chunks of their own, one more request), `pages` for every page
 * loaded on demand (Locations, Devices, MediaStreamer, Settings, Privacy) and what only they use,
 * rather than one chunk per page and one per set of pages sharing a module; null (the bundler's
 * own chunk) for the catalogs, since a language package holds its directory. The first view does
 * not grow, and the .ipk has 7 files fewer and one stream to compress (about 1.1 KB of the
 * gzipped .ipk); a page opened later loads the others with it (about 38 KB over the LAN, once). */
function pagesChunk(id: string, ctx: ModuleGraph, seen: Set<string>) {
  if (/\/src\/i18n\/en-pages\.ts$/.test(id) || catalogLang(id)) return null
  // index.html's module (the entry, which imports main.tsx) and Vite's helpers are the first view's.
  const isEntry = ctx.getModuleInfo(id)?.isEntry
  return isEntry || seen.has(id) || id.startsWith('\0') ? 'index' : 'pages'
}

/** JSX as Preact's h() calls (the classic runtime) rather than jsx() from preact/jsx-runtime:
 * `h('p', { class: 'x' }, a, b)` instead of `jsx('p', { class: 'x', children: [a, b] })` at every
 * element, about 0.8 KB less in the gzipped .ipk, and jsx-runtime's own code goes too. h is
 * injected into every .tsx under names no source uses. The webui tests build with the same
 * (vitest.config.ts). */
export const JSX_OPTIONS = {
  jsx: { runtime: 'classic', pragma: '__h', pragmaFrag: '__Fragment' },
  jsxInject: "import { h as __h, Fragment as __Fragment } from 'preact'",
} as const

/** The prefixes of the message ids the sources put together at run time (`t(\`mode.${m}\`)`,
 * `'mode.' + m`): the ids under them keep their names. */
function dynamicIdPrefixes(dir: string): string[] {
  const prefixes = new Set<string>()
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!/\.tsx?$/.test(name)) continue
    const text = readFileSync(join(dir, name), 'utf8')
    for (const m of text.matchAll(/`([\w.]+\.)\$\{|['"]([\w.]+\.)['"]\s*\+/g))
      prefixes.add(m[1] ?? m[2])
  }
  return [...prefixes]
}

/** A name of one or two letters for every message id the sources write out whole. Ids
 * all have a dot and short names none, so the two never meet. */
function shortMessageIds(): Map<string, string> {
  const prefixes = dynamicIdPrefixes(SRC)
  // The English catalogs define the ids, one `  'id':` line each (an id missed here keeps its name).
  const catalogs = ['en', 'en-pages'].map((c) => readFileSync(join(SRC, `i18n/${c}.ts`), 'utf8'))
  const ids = catalogs
    .flatMap((text) => [...text.matchAll(/^ {2}'([\w.]+)':/gm)].map((m) => m[1]))
    .filter((id) => !prefixes.some((p) => id.startsWith(p)))
    .sort()
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'
  const name = (i: number): string => (i < 52 ? '' : name(Math.floor(i / 52) - 1)) + letters[i % 52]
  return new Map(ids.map((id, i) => [id, name(i)]))
}

/** The members of webui/src/signals.ts's classes (`_value`, `_sources`, `_notify`, …): one
 * underscore and a lowercase letter, a form nothing else in the UI, Preact (its own are `__x`,
 * and `__html`) or the DOM uses, and no JSON holds. */
const INTERNAL_PROPERTIES = /^_[a-z][A-Za-z]*$/

/** firstView of the build under way (reset when a build starts). */
let firstViewIds: Set<string> | undefined

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  oxc: JSX_OPTIONS,
  plugins: [
    { name: 'lanvpn:pages-chunk', buildStart: () => void (firstViewIds = undefined) },
    {
      // Vite wraps every import() in its preload helper (about 0.5 KB of the gzipped .ipk), which
      // preloads a lazy chunk's CSS and imports. Here there is nothing to preload (one stylesheet,
      // modulePreload off: every call gets `[]`), so the helper only calls the import, and a failed
      // import rejects as it would without it.
      name: 'lanvpn:plain-dynamic-import',
      enforce: 'pre',
      load: (id) =>
        id === '\0vite/preload-helper.js' ? 'export const __vitePreload = (load) => load()' : null,
    },
    {
      // The message ids ('overview.title') are for the sources: every catalog (the languages'
      // too, built here) and every t() call get the same short name instead, about 0.9 KB less
      // in the gzipped .ipk. Ids put together at run time keep theirs (dynamicIdPrefixes).
      name: 'lanvpn:short-message-ids',
      apply: 'build',
      generateBundle(_options, bundle) {
        const short = shortMessageIds()
        const alternatives = [...short.keys()].map((id) => id.replaceAll('.', '\\.')).join('|')
        const literal = new RegExp(`(["'\`])(${alternatives})\\1`, 'g')
        for (const chunk of Object.values(bundle)) {
          if (chunk.type !== 'chunk') continue
          chunk.code = chunk.code.replace(
            literal,
            (_m, q: string, id: string) => q + short.get(id) + q
          )
        }
      },
    },
    {
      // terser after Vite's own minifier, as for the applet (scripts/applet-chunks.mjs): its
      // second look takes about 0.2 KB more off the gzipped .ipk, whose budget is tight. It also
      // renames the signals' own members (INTERNAL_PROPERTIES), alike in every chunk.
      name: 'lanvpn:terser',
      apply: 'build',
      async generateBundle(_options, bundle) {
        const props = {}
        for (const chunk of Object.values(bundle)) {
          if (chunk.type !== 'chunk') continue
          const { code } = await minify(chunk.code, {
            ecma: 2020,
            module: true,
            compress: TERSER_COMPRESS,
            mangle: { properties: { regex: INTERNAL_PROPERTIES } },
            nameCache: { props },
            format: { comments: false },
          })
          if (code !== undefined) chunk.code = code
        }
      },
    },
    {
      // index.html ships without its comments and line breaks: they are for the source.
      name: 'lanvpn:compact-html',
      transformIndexHtml: {
        order: 'post',
        handler: (html) =>
          html
            .replace(/<!--[\s\S]*?-->/g, '')
            .replace(/\s*\n\s*/g, ' ')
            .replace(/> </g, '><'),
      },
    },
  ],
  build: {
    outDir: '../dist/www',
    emptyOutDir: true,
    sourcemap: false,
    // One entry chunk and one stylesheet: the first view is index.html + 1 js + 1 css.
    modulePreload: false,
    cssCodeSplit: false,
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    rolldownOptions: {
      output: {
        entryFileNames: 'assets/[name]-[hash].js',
        chunkFileNames: (chunk) => {
          const lang = catalogLang(chunk.facadeModuleId)
          return lang ? `i18n/${lang}/[name]-[hash].js` : 'assets/[name]-[hash].js'
        },
        assetFileNames: 'assets/[name]-[hash][extname]',
        codeSplitting: {
          // Each module where pagesChunk says, not with the modules that import it.
          includeDependenciesRecursively: false,
          groups: [
            {
              name: (id, ctx) => pagesChunk(id, ctx, (firstViewIds ??= firstView(ctx))),
            },
          ],
        },
      },
    },
  },
  server: {
    // `LANVPN_UBUS=http://192.168.1.1 npx vite --config webui/vite.config.ts` develops against a
    // real router (or the dev router) without CORS: the dev server forwards /ubus.
    proxy: process.env.LANVPN_UBUS ? { '/ubus': process.env.LANVPN_UBUS } : undefined,
  },
})
