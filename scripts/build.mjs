#!/usr/bin/env node
// Builds everything a router needs into dist/:
//   dist/lanvpn.js          the daemon/rpc/cli entry (ES2020 modules, runs under qjs and node) and
//                           its chunks dist/lanvpn-*.js (scripts/applet-chunks.mjs)
//   dist/www/               the web UI (Vite)
//   dist/root/              the router's file tree: openwrt-package/files plus the generated pieces
//                           (bundle, web UI, rpcd plugin with its static `list` JSON); every
//                           language of the UI, which scripts/ipk.mjs splits into packages
// Usage: node scripts/build.mjs [applet|webui|root]...   (no argument: all of them)
import { APPLET_FILES, buildAppletFiles, PACKAGE_JSON } from './applet-chunks.mjs'
import { EXECUTABLES, PRIVATE_FILES } from './ipk.mjs'
import { stripShellComments } from './strip-shell.mjs'
import { execFileSync } from 'node:child_process'
import {
  cpSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  chmodSync,
} from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const DIST = join(ROOT, 'dist')
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))

async function buildApplet() {
  mkdirSync(DIST, { recursive: true })
  for (const f of readdirSync(DIST)) if (/^lanvpn(-[a-z-]+)?\.js$/.test(f)) rmSync(join(DIST, f))
  const files = await buildAppletFiles({
    src: join(ROOT, 'applet/src'),
    define: { __LANVPN_VERSION__: JSON.stringify(pkg.version) },
  })
  for (const f of files) writeFileSync(join(DIST, f.fileName), f.code)
  // The files are ES modules: Node reads a .js file as one only under a "type": "module"
  // package.json (qjs is told with -m, or sees the entry's leading import).
  writeFileSync(join(DIST, 'package.json'), PACKAGE_JSON)
}

function buildWebui() {
  execFileSync('npx', ['vite', 'build', '--config', 'webui/vite.config.ts', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
  })
}

/** The router tree's shell scripts: they ship without their comment lines (scripts/strip-shell.mjs). */
const SHELL_SCRIPTS = [
  'etc/hotplug.d/iface/90-lanvpn',
  'etc/init.d/lanvpn',
  'etc/uci-defaults/90-lanvpn',
  'usr/bin/lanvpn',
  'usr/libexec/lanvpn/ovpn-up',
  'usr/libexec/rpcd/lanvpn',
  'usr/sbin/lanvpnd',
]

/** Lays out dist/root exactly as files land on the router. */
function buildRoot() {
  const out = join(DIST, 'root')
  rmSync(out, { recursive: true, force: true })
  cpSync(join(ROOT, 'openwrt-package/files'), out, { recursive: true })
  mkdirSync(join(out, 'usr/share/lanvpn'), { recursive: true })
  for (const f of [...APPLET_FILES, 'package.json'])
    cpSync(join(DIST, f), join(out, 'usr/share/lanvpn', f))
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
  for (const script of SHELL_SCRIPTS) {
    const path = join(out, script)
    writeFileSync(path, stripShellComments(readFileSync(path, 'utf8')))
  }
  // The package's own list (ipk.mjs): the lab runs these files with the modes they install with.
  for (const exe of EXECUTABLES) {
    try {
      chmodSync(join(out, exe), 0o755)
    } catch {}
  }
  for (const file of PRIVATE_FILES) chmodSync(join(out, file), 0o600)
}

const steps = process.argv.slice(2)
const want = (s) => steps.length === 0 || steps.includes(s)
if (want('applet')) await buildApplet()
if (want('webui')) buildWebui()
if (want('root')) buildRoot()
