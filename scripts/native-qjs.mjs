#!/usr/bin/env node
// The router's runtime on this machine: a native `qjs` built from bellard QuickJS's own sources,
// as they come in a registry package, into a cache outside the clone (so a second `make test`
// costs nothing). Every test, the lab, the demo and the bench run lanvpn under it.
//
// Which sources: Debian 12 has no quickjs package, and the newest bellard release whose complete
// sources (qjs.c, quickjs-libc.c, their Makefile) sit in a registry package is 2021-03-27, inside
// the npm package `qjsc` 0.3.0 (deps/quickjs_2021_03_27). Only its sources are used: the package's
// own install script (a Node addon build) is never run. OpenWrt 25.12 ships 2025-09-13; lanvpn keeps
// to the std/os calls both have (applet/src/host/quickjs.ts lists them).
//
//   node scripts/native-qjs.mjs           builds it when missing; prints its path
//   node scripts/native-qjs.mjs --path    prints where it is (or would be), builds nothing
//
// LANVPN_QJS names another qjs (e.g. one built from a newer release) and skips the build.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs'
import { cpus, homedir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The registry package that carries the sources, pinned by the registry's own integrity hash. */
const SOURCE_PACKAGE = 'qjsc@0.3.0'
const SOURCE_INTEGRITY =
  'sha512-a7+cU6/IVcZbIejffdt/wZVMX6LL2MDL3HQ9Zb5Gm23G9DvBMS/z9GHFxz39bAvp2PvMOM+ypSOAyokt2DdZ2w=='
const SOURCE_DIR = 'package/deps/quickjs_2021_03_27'
/** The QuickJS release those sources are (their VERSION file). */
export const QJS_RELEASE = '2021-03-27'

function cacheDir() {
  if (process.env.LANVPN_CACHE) return process.env.LANVPN_CACHE
  const base = process.env.XDG_CACHE_HOME || join(process.env.HOME || homedir(), '.cache')
  return join(base, 'lanvpn')
}

/** Where the native qjs is (or will be, once built). */
export const QJS = process.env.LANVPN_QJS || join(cacheDir(), `quickjs-${QJS_RELEASE}`, 'qjs')

/** The command that runs a lanvpn bundle under the native qjs: `[qjs, '--std']`. Throws, saying
 * how to get it, when it is not built: a test must never pass by skipping the router's runtime. */
export function qjsCommand() {
  if (!existsSync(QJS))
    throw new Error(
      `no native qjs at ${QJS}: run \`make setup\` (scripts/native-qjs.mjs builds it)`
    )
  return [QJS, '--std']
}

function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...opts })
}

/** Fetches the source package from the npm registry, checks it against the pinned hash, builds
 * `qjs` and moves it into place atomically. */
function build() {
  const work = mkdtempSync(join(cacheDir(), 'build-'))
  try {
    const tarball = join(
      work,
      sh('npm', ['pack', SOURCE_PACKAGE, '--silent'], { cwd: work }).trim()
    )
    const [algo, want] = SOURCE_INTEGRITY.split(/-(.*)/s)
    const got = createHash(algo).update(readFileSync(tarball)).digest('base64')
    if (got !== want) throw new Error(`${SOURCE_PACKAGE}: integrity mismatch (got ${algo}-${got})`)
    sh('tar', ['-xzf', tarball, '-C', work, SOURCE_DIR])
    const src = join(work, SOURCE_DIR)
    const version = readFileSync(join(src, 'VERSION'), 'utf8').trim()
    if (version !== QJS_RELEASE) throw new Error(`${SOURCE_PACKAGE} carries QuickJS ${version}`)
    // No LTO: the same code, built in half the time; -j follows the machine.
    sh('make', [`-j${cpus().length}`, 'CONFIG_LTO=', 'qjs'], { cwd: src })
    const dest = join(QJS, '..')
    mkdirSync(dest, { recursive: true })
    chmodSync(join(src, 'qjs'), 0o755)
    renameSync(join(src, 'qjs'), `${QJS}.tmp-${process.pid}`)
    renameSync(`${QJS}.tmp-${process.pid}`, QJS)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!process.argv.includes('--path') && !existsSync(QJS)) {
    if (process.env.LANVPN_QJS) throw new Error(`LANVPN_QJS=${QJS} does not exist`)
    mkdirSync(cacheDir(), { recursive: true })
    process.stderr.write(`setup: building the native qjs (QuickJS ${QJS_RELEASE}) into ${QJS}\n`)
    build()
  }
  process.stdout.write(`${QJS}\n`)
}
