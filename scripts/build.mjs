#!/usr/bin/env node
// Builds everything a router needs into dist/:
//   dist/lanvpn.js          the daemon/rpc/cli bundle (ES2020, one file, runs under qjs and node)
//   dist/www/               the web UI (Vite)
//   dist/root/              the router's file tree: openwrt-package/files plus the generated pieces
//                           (bundle, web UI, rpcd plugin with its static `list` JSON); every
//                           language of the UI, which scripts/ipk.mjs splits into packages
// Usage: node scripts/build.mjs [applet|webui|root]...   (no argument: all of them)
import { build } from 'esbuild'
import { minify } from 'terser'
import { BUNDLE_OPTIONS } from './bundle-options.mjs'
import { EXECUTABLES } from './ipk.mjs'
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const DIST = join(ROOT, 'dist')
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))

async function buildApplet() {
  mkdirSync(DIST, { recursive: true })
  const result = await build({
    entryPoints: [join(ROOT, 'applet/src/main.ts')],
    ...BUNDLE_OPTIONS,
    minify: true,
    legalComments: 'none',
    write: false,
    define: { __LANVPN_VERSION__: JSON.stringify(pkg.version) },
  })
  // A second pass with terser: its compressor and name choice take another ~2 KB off the gzipped
  // .ipk, which has to stay within its budget (product.md Budgets).
  const squeezed = await minify(result.outputFiles[0].text, {
    ecma: 2020,
    compress: { ecma: 2020 },
    mangle: true,
    format: { comments: false },
  })
  writeFileSync(join(DIST, 'lanvpn.js'), squeezed.code)
  // dist/ sits under a "type": "module" package.json; make node read the bundle as CommonJS, as it
  // will on a router where no package.json is around.
  writeFileSync(join(DIST, 'package.json'), '{ "type": "commonjs" }\n')
}

function buildWebui() {
  execFileSync('npx', ['vite', 'build', '--config', 'webui/vite.config.ts', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
  })
}

/** Lays out dist/root exactly as files land on the router. */
function buildRoot() {
  const out = join(DIST, 'root')
  rmSync(out, { recursive: true, force: true })
  cpSync(join(ROOT, 'openwrt-package/files'), out, { recursive: true })
  mkdirSync(join(out, 'usr/share/lanvpn'), { recursive: true })
  cpSync(join(DIST, 'lanvpn.js'), join(out, 'usr/share/lanvpn/lanvpn.js'))
  cpSync(join(DIST, 'www'), join(out, 'www/lanvpn'), { recursive: true })
  // The rpcd plugin's `list` answer is static JSON generated from the method table, so rpcd's
  // blocking `list` at boot never waits on a JS runtime (openwrt-contracts §1).
  const list = execFileSync(process.execPath, [join(DIST, 'lanvpn.js'), 'rpc', 'list'], {
    encoding: 'utf8',
  }).trim()
  JSON.parse(list)
  const template = readFileSync(join(ROOT, 'openwrt-package/rpcd-plugin.sh.in'), 'utf8')
  const plugin = join(out, 'usr/libexec/rpcd/lanvpn')
  mkdirSync(dirname(plugin), { recursive: true })
  writeFileSync(plugin, template.replace('@LIST_JSON@', list))
  // The package's own list (ipk.mjs): the lab runs these files with the modes they install with.
  for (const exe of EXECUTABLES) {
    try {
      chmodSync(join(out, exe), 0o755)
    } catch {}
  }
}

const steps = process.argv.slice(2)
const want = (s) => steps.length === 0 || steps.includes(s)
if (want('applet')) await buildApplet()
if (want('webui')) buildWebui()
if (want('root')) buildRoot()
