#!/usr/bin/env node
// Builds the packages from dist/root (see scripts/build.mjs) and openwrt-package/control:
//   dist/lanvpn_<v>-r<release>_all.ipk            everything but the other languages' catalogs
//   dist/lanvpn-i18n-<lang>_<v>-r<release>_all.ipk  exactly the directory www/lanvpn/i18n/<lang>/
// The web UI is English only without a language package, as LuCI ships luci-app-x without its
// translations (luci-i18n-x-<lang>); that also keeps the main package within its size budget
// (product.md Budgets). Each is made exactly as OpenWrt's scripts/ipkg-build does
// (openwrt-contracts §7.1):
//   outer file   gzip(tar: ./debian-binary, ./data.tar.gz, ./control.tar.gz) — a tar, never `ar`
//   each tar     GNU format, names sorted, uid/gid 0 with empty user/group names (--numeric-owner),
//                mtime = SOURCE_DATE_EPOCH, padded to 10240-byte records as GNU tar does
//   each gzip    no name, mtime 0, OS byte 3 (what `gzip -n` writes)
// Reproducible: the same tree and epoch give the same bytes. No dependencies beyond Node.
// Usage: node scripts/ipk.mjs [--out DIR]   (env: SOURCE_DATE_EPOCH, LANVPN_RELEASE)
import { execFileSync } from 'node:child_process'
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { stripShellComments } from './strip-shell.mjs'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')

/** What `opkg` and OpenWrt tooling read from the control file, apart from the computed fields.
 * The runtime is an alternative (opkg-lede's parseDepends splits on `|` and, with neither
 * installed, takes the first one a feed or the command line offers): QuickJS, which lanvpn's own
 * feed builds for 24.10 and 25.12's packages feed carries, else lanvpn-node (Node.js, on 24.10's
 * x86 and ARM targets). This .ipk is for opkg only; the apk of 25.12 comes from the feed Makefile,
 * which depends on quickjs alone (apk has no alternatives, and 25.12 has no target node). */
export const PACKAGE = {
  name: 'lanvpn',
  depends: [
    'kmod-wireguard',
    'wireguard-tools',
    'nftables',
    'ip-full',
    'conntrack',
    'curl',
    'ca-bundle',
    'rpcd',
    'uhttpd-mod-ubus',
    'quickjs | lanvpn-node',
  ],
  source: 'feeds/lanvpn/lanvpn',
  license: 'MIT',
  section: 'net',
  maintainer: 'lanvpn developers <lanvpn@example.org>',
  url: 'https://lanvpn.example.org/',
  description: [
    'VPN sharing for a whole household, device by device',
    'WireGuard tunnel with a fail-closed kill switch, per-device modes (vpn, direct, MediaStreamer',
    'smart DNS, blocked) and a web UI at http://<router>/lanvpn/.',
  ],
}

/** Where the web UI's catalogs of the languages other than English are in the router tree: one
 * directory per language (webui/vite.config.ts), each the whole of one language package. */
export const I18N_DIR = 'www/lanvpn/i18n'

/** The language packages, by catalog directory (the UI's language tag), with the language's English
 * name for the description. A directory missing here, or an entry without its directory, is an
 * error: each language package is also defined in openwrt-package/Makefile. */
export const LANGUAGES = { ru: 'Russian', 'zh-CN': 'Simplified Chinese' }

/** The packages split off the router tree besides the languages, each with the paths it holds
 * (a directory: everything under it). `lanvpn-node`: the Node.js host adapter, which QuickJS never
 * loads, and the package.json that makes Node read the bundle as ES modules. `lanvpn-openvpn`:
 * the .ovpn parser and what runs openvpn (applet/src/openvpn.ts) and openvpn's up hook; with its
 * postinst (`scripts`, in openwrt-package/control), which restarts a running daemon so it loads
 * this version. It needs openvpn-openssl, the variant OpenWrt's own guides install (every cipher a
 * provider's file may name), or an openvpn-mbedtls already there (opkg takes the first it can);
 * the feed Makefile says openvpn-openssl alone (no alternatives in apk, and Kconfig has no symbol
 * for the virtual `openvpn`). `lanvpn-cli`: the feature commands of `lanvpn` for SSH users
 * (applet/src/cli/features.ts: locations, devices, groups, MediaStreamer, status, check …), the
 * largest part of the command, which a household on the web UI never runs; without it `lanvpn`
 * keeps what the system runs (daemon, rpc, wan-event, cleanup) plus help and version, and names
 * this package for the rest. No postinst: every command is a new process. `luci-app-lanvpn`: the LuCI
 * menu entry and its launcher view, split off as OpenWrt splits every luci-app-*. Each depends on
 * exactly the lanvpn of the same build, whose chunks it completes. */
export const ADDONS = {
  'lanvpn-node': {
    depends: ['node'],
    paths: ['usr/share/lanvpn/lanvpn-node.js', 'usr/share/lanvpn/package.json'],
    description: ['Runs lanvpn under Node.js (x86 and ARM routers without QuickJS)'],
  },
  'lanvpn-openvpn': {
    depends: ['openvpn-openssl | openvpn-mbedtls'],
    paths: ['usr/libexec/lanvpn/ovpn-up', 'usr/share/lanvpn/lanvpn-openvpn.js'],
    description: ['OpenVPN locations for lanvpn (.ovpn import, openvpn run by lanvpn)'],
    scripts: { postinst: 'lanvpn-openvpn.postinst' },
  },
  'lanvpn-cli': {
    depends: [],
    paths: ['usr/share/lanvpn/lanvpn-cli.js'],
    description: ['Commands of lanvpn for SSH (status, locations, devices, groups, MediaStreamer)'],
  },
  'luci-app-lanvpn': {
    section: 'luci',
    depends: ['luci-base'],
    paths: ['usr/share/luci', 'www/luci-static'],
    description: ['LuCI menu entry for lanvpn (Services, LAN VPN)'],
  },
}

/** The control metadata of one language's package, named in lowercase as LuCI names its
 * luci-i18n-* packages. Section, License, Maintainer and Source as the main package; it depends on
 * exactly the main package of the same version, since the catalogs' chunk names are hashes from
 * the same Vite build as the UI that imports them. */
export function i18nPackage(lang, version) {
  const name = LANGUAGES[lang]
  if (!name) throw new Error(`no language package is defined for ${I18N_DIR}/${lang}`)
  return {
    ...PACKAGE,
    name: `${PACKAGE.name}-i18n-${lang.toLowerCase()}`,
    depends: [`${PACKAGE.name} (= ${version})`],
    description: [`${name} translation of the lanvpn web UI`],
    paths: [`${I18N_DIR}/${lang}`],
    lang,
  }
}

/** The control metadata of an ADDONS package of this version. */
export function addonPackage(name, version) {
  const addon = ADDONS[name]
  if (!addon) throw new Error(`no package ${name} is defined`)
  return {
    ...PACKAGE,
    ...addon,
    name,
    depends: [...addon.depends, `${PACKAGE.name} (= ${version})`],
  }
}

/** What the main package leaves to the others: the languages' directory and the addons' paths. */
const HELD_ELSEWHERE = [I18N_DIR, ...Object.values(ADDONS).flatMap((a) => a.paths)]

const isUnder = (path, dir) => path === dir || path.startsWith(`${dir}/`)

/** Whether a package holds `path` (relative to the router tree, no `./`): another package its
 * paths and the directories leading to them, the main package everything else. */
export function holdsPath(pkg, path) {
  if (!pkg.paths) return !HELD_ELSEWHERE.some((dir) => isUnder(path, dir))
  return pkg.paths.some((p) => isUnder(path, p) || p.startsWith(`${path}/`))
}

/** Files installed executable (0755); everything else is 0644 and directories 0755. Modes come from
 * this list, not from the checkout, so a umask or a lost git exec bit cannot change the package. */
export const EXECUTABLES = [
  'etc/init.d/lanvpn',
  'usr/bin/lanvpn',
  'usr/sbin/lanvpnd',
  'usr/libexec/rpcd/lanvpn',
  'usr/libexec/lanvpn/ovpn-up',
]

/** Control scripts shipped beside `control` and `conffiles`; all 0755. */
const CONTROL_SCRIPTS = ['postinst', 'prerm', 'postrm']

const RECORD = 10240 // GNU tar's default record (blocking factor 20): archives are padded to it.

function octal(value, width) {
  const digits = value.toString(8)
  if (digits.length > width - 1) throw new Error(`tar field overflow: ${value} in ${width} bytes`)
  return digits.padStart(width - 1, '0') + '\0'
}

/** One 512-byte GNU tar header (magic "ustar  \0"). Names must fit the 100-byte field: the package
 * tree has no long paths, so GNU long-name records are refused rather than written. */
function tarHeader({ name, mode, size, mtime, type }) {
  const nameBytes = Buffer.from(name, 'utf8')
  if (nameBytes.length > 100) throw new Error(`tar entry name longer than 100 bytes: ${name}`)
  const h = Buffer.alloc(512)
  nameBytes.copy(h, 0)
  h.write(octal(mode, 8), 100, 'latin1')
  h.write(octal(0, 8), 108, 'latin1') // uid 0
  h.write(octal(0, 8), 116, 'latin1') // gid 0
  h.write(octal(size, 12), 124, 'latin1')
  h.write(octal(mtime, 12), 136, 'latin1')
  h.write('        ', 148, 'latin1') // checksum is computed over spaces here
  h.write(type, 156, 'latin1')
  h.write('ustar  \0', 257, 'latin1') // GNU magic + version; uname/gname stay empty (numeric owner)
  let sum = 0
  for (const byte of h) sum += byte
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1')
  return h
}

/** A tar stream of entries in the given order. Entry: { name, mode, data? } (no data = directory).
 * Pure: the same entries and mtime give the same bytes. */
export function writeTar(entries, mtime) {
  const parts = []
  for (const e of entries) {
    const isDir = e.data === undefined
    const size = isDir ? 0 : e.data.length
    parts.push(tarHeader({ name: e.name, mode: e.mode, size, mtime, type: isDir ? '5' : '0' }))
    if (!isDir) {
      parts.push(e.data)
      if (size % 512) parts.push(Buffer.alloc(512 - (size % 512)))
    }
  }
  parts.push(Buffer.alloc(1024))
  const length = parts.reduce((n, p) => n + p.length, 0)
  if (length % RECORD) parts.push(Buffer.alloc(RECORD - (length % RECORD)))
  return Buffer.concat(parts)
}

/** gzip with the fixed header `gzip -n` writes: no name, mtime 0, OS 3 (Unix). Node's zlib writes
 * OS 3 on Linux only, so the byte is set explicitly to keep builds identical across hosts.
 * `smallest`: zopfli's deflate (Debian's `zopfli`, installed by setup), about 3% smaller than
 * level 9 and read by every gunzip; used for every member and the outer file. `iterations`:
 * zopfli's --i (its default 15 unless told). */
export function gzipFixed(data, { smallest = false, iterations = 15 } = {}) {
  const gz = smallest ? zopfli(data, iterations) : gzipSync(data, { level: 9 })
  gz.writeUInt32LE(0, 4)
  gz[9] = 3
  return gz
}

function zopfli(data, iterations) {
  const dir = mkdtempSync(join(tmpdir(), 'lanvpn-ipk-'))
  try {
    const file = join(dir, 'data.tar')
    writeFileSync(file, data)
    return execFileSync('zopfli', ['--gzip', `--i${iterations}`, '-c', file], {
      maxBuffer: 64 << 20,
    })
  } catch (err) {
    throw new Error(
      `zopfli: ${err.code === 'ENOENT' ? 'not installed (run make setup)' : err.message}`
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Entries of a directory tree as `tar --sort=name` lists them: `./` first, then depth first with
 * names in byte order. Modes from `modeOf(relativePath, isDir)`. Regular files and directories
 * only: a symlink or device in the tree is an error, not something to package silently. */
export function treeEntries(dir, modeOf) {
  const entries = [{ name: './', mode: 0o755 }]
  const walk = (rel) => {
    const names = readdirSync(join(dir, rel)).sort((a, b) =>
      Buffer.compare(Buffer.from(a), Buffer.from(b))
    )
    for (const n of names) {
      const path = rel ? `${rel}/${n}` : n
      const st = lstatSync(join(dir, path))
      if (st.isDirectory()) {
        entries.push({ name: `./${path}/`, mode: modeOf(path, true) })
        walk(path)
      } else if (st.isFile()) {
        entries.push({
          name: `./${path}`,
          mode: modeOf(path, false),
          data: readFileSync(join(dir, path)),
        })
      } else {
        throw new Error(`packaging ${join(dir, path)}: only files and directories are supported`)
      }
    }
  }
  walk('')
  return entries
}

/** Files only root reads: the config (device names and addresses), 0600 as the SDK's INSTALL_CONF
 * installs it and as lanvpn writes it. */
export const PRIVATE_FILES = ['etc/config/lanvpn']

/** The data tree's mode rule: directories 0755, EXECUTABLES 0755, PRIVATE_FILES 0600, the rest
 * 0644. */
export function dataMode(path, isDir) {
  if (isDir || EXECUTABLES.includes(path)) return 0o755
  return PRIVATE_FILES.includes(path) ? 0o600 : 0o644
}

/** The control file text: fields in the order OpenWrt's package-pack.mk writes them, none empty.
 * SourceName is the feed Makefile's PKG_NAME, the same for every package it builds. */
export function renderControl({ version, epoch, installedSize, pkg = PACKAGE }) {
  const fields = [
    ['Package', pkg.name],
    ['Version', version],
    ['Depends', pkg.depends.join(', ')],
    ['Source', pkg.source],
    ['SourceName', PACKAGE.name],
    ['License', pkg.license],
    ['Section', pkg.section],
    ['SourceDateEpoch', String(epoch)],
    ['URL', pkg.url],
    ['Maintainer', pkg.maintainer],
    ['Architecture', 'all'],
    ['Installed-Size', String(installedSize)],
  ]
  for (const [name, value] of fields)
    if (!value || !value.trim()) throw new Error(`control field ${name} is empty`)
  const [summary, ...more] = pkg.description
  // ipkg-build's sed puts one space before every description line: "Description:  summary".
  const description = [`Description:  ${summary}`, ...more.map((l) => ` ${l}`)]
  return fields.map(([k, v]) => `${k}: ${v}`).join('\n') + '\n' + description.join('\n') + '\n'
}

/** SOURCE_DATE_EPOCH from the environment, else the last commit's time. Throws when neither is
 * there: a build-time clock would make the package irreproducible. */
export function sourceDateEpoch(env = process.env, cwd = ROOT) {
  if (env.SOURCE_DATE_EPOCH) {
    const n = Number(env.SOURCE_DATE_EPOCH)
    if (!Number.isInteger(n) || n < 0)
      throw new Error(
        `SOURCE_DATE_EPOCH must be a non-negative integer, got ${JSON.stringify(env.SOURCE_DATE_EPOCH)}`
      )
    return n
  }
  try {
    return Number(
      execFileSync('git', ['log', '-1', '--format=%ct'], { cwd, encoding: 'utf8' }).trim()
    )
  } catch (e) {
    throw new Error(
      'reading the source date: set SOURCE_DATE_EPOCH or build inside the git checkout',
      { cause: e }
    )
  }
}

/** The entries without the directories that hold none of them (but `./`): the main package's
 * usr/libexec/lanvpn/ holds only lanvpn-openvpn's ovpn-up, so that package makes the directory
 * (opkg creates a file's directories) and the main one does not ship it empty (a tar header, 512
 * bytes before compression). The tree has no directory meant to be empty. */
function withoutEmptyDirs(entries) {
  const files = entries.filter((e) => e.data !== undefined).map((e) => e.name)
  return entries.filter(
    (e) => e.data !== undefined || e.name === './' || files.some((f) => f.startsWith(e.name))
  )
}

/** zopfli's iterations for the main package's data.tar.gz, the one with a size budget: 100 rather
 * than 15 take 32 bytes off it (23 off the .ipk) for about 2.5 s of build here (50: 20 bytes,
 * 1.4 s; 250: 39 bytes, 8 s). The other packages and members stay at 15. */
const MAIN_DATA_ITERATIONS = 100

/** Builds one package's .ipk bytes from a router tree: the main package (default) with the
 * conffiles and maintainer scripts of `controlDir` (the scripts without their comment lines), any
 * other (i18nPackage, addonPackage) with its control file and the `scripts` it names, if any
 * (static files need no script: the main package's postinst reloads what they add to). Pure over
 * its inputs: returns
 * { fileName, ipk, data (uncompressed data tar), control (control file text) }. */
export function buildIpk({ rootDir, controlDir, version, epoch, pkg = PACKAGE }) {
  const entries = withoutEmptyDirs(
    treeEntries(rootDir, dataMode).filter(
      (e) => e.name === './' || holdsPath(pkg, e.name.slice(2).replace(/\/$/, ''))
    )
  )
  const dataTar = writeTar(entries, epoch)
  const control = renderControl({ version, epoch, installedSize: dataTar.length, pkg })
  // Without their comment lines, as the tree's shell scripts (scripts/strip-shell.mjs).
  const script = (name, file) => ({
    name,
    mode: 0o755,
    data: Buffer.from(stripShellComments(readFileSync(join(controlDir, file), 'utf8'))),
  })
  const controlFiles = [
    { name: 'control', mode: 0o644, data: Buffer.from(control) },
    ...(pkg.name !== PACKAGE.name
      ? Object.entries(pkg.scripts ?? {}).map(([name, file]) => script(name, file))
      : [
          { name: 'conffiles', mode: 0o644, data: readFileSync(join(controlDir, 'conffiles')) },
          ...CONTROL_SCRIPTS.map((s) => script(s, s)),
        ]),
  ].sort((a, b) => (a.name < b.name ? -1 : 1))
  const controlTar = writeTar(
    [{ name: './', mode: 0o755 }, ...controlFiles.map((f) => ({ ...f, name: `./${f.name}` }))],
    epoch
  )
  const iterations = pkg.name === PACKAGE.name ? MAIN_DATA_ITERATIONS : 15
  // Outer members in ipkg-build's command-line order (tar keeps it even with --sort=name).
  const outer = writeTar(
    [
      { name: './debian-binary', mode: 0o644, data: Buffer.from('2.0\n') },
      {
        name: './data.tar.gz',
        mode: 0o644,
        data: gzipFixed(dataTar, { smallest: true, iterations }),
      },
      { name: './control.tar.gz', mode: 0o644, data: gzipFixed(controlTar, { smallest: true }) },
    ],
    epoch
  )
  return {
    fileName: `${pkg.name}_${version}_all.ipk`,
    // zopfli here too: the outer tar's record padding and headers, about 60 bytes of the main .ipk.
    ipk: gzipFixed(outer, { smallest: true }),
    data: dataTar,
    control,
  }
}

/** The package version `<package.json version>-r<release>` (OpenWrt's PKG_VERSION-rPKG_RELEASE). */
export function packageVersion(env = process.env) {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
  const release = env.LANVPN_RELEASE ?? '1'
  if (!/^\d+$/.test(release))
    throw new Error(`LANVPN_RELEASE must be a number, got ${JSON.stringify(release)}`)
  return `${version}-r${release}`
}

/** The packages of a router tree: the main one, the ADDONS, then one per language directory
 * (sorted), each checked against LANGUAGES. */
export function packagesOf(rootDir, version) {
  let langs = []
  try {
    langs = readdirSync(join(rootDir, I18N_DIR)).sort()
  } catch (e) {
    if (e.code !== 'ENOENT') throw e
  }
  const missing = Object.keys(LANGUAGES).filter((l) => !langs.includes(l))
  if (missing.length)
    throw new Error(
      `${rootDir} has no ${I18N_DIR}/ for ${missing.join(', ')}: run \`npm run build\``
    )
  return [
    PACKAGE,
    ...Object.keys(ADDONS).map((name) => addonPackage(name, version)),
    ...langs.map((l) => i18nPackage(l, version)),
  ]
}

/** Writes every package into outDir (default dist/) and returns [{ pkg, path, bytes }], the main
 * package first. Needs `npm run build` first. */
export function writeIpks({ outDir = join(ROOT, 'dist'), env = process.env } = {}) {
  const rootDir = join(ROOT, 'dist/root')
  try {
    lstatSync(join(rootDir, 'usr/share/lanvpn/lanvpn.js'))
  } catch {
    throw new Error('dist/root is missing or incomplete: run `npm run build` first')
  }
  const version = packageVersion(env)
  const epoch = sourceDateEpoch(env)
  const controlDir = join(ROOT, 'openwrt-package/control')
  mkdirSync(outDir, { recursive: true })
  return packagesOf(rootDir, version).map((pkg) => {
    const { fileName, ipk } = buildIpk({ rootDir, controlDir, version, epoch, pkg })
    const path = join(outDir, fileName)
    writeFileSync(path, ipk)
    return { pkg, path, bytes: ipk.length }
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out')
  for (const { path, bytes } of writeIpks(i > 0 ? { outDir: process.argv[i + 1] } : {}))
    console.log(`${path} (${bytes} bytes)`)
}
