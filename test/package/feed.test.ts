// The release an OpenWrt SDK builds lanvpn from (issue 20, "The feed Makefile is not a feed
// package", "Runtimes"): `npm run dist` makes the tarball the feed Makefile's PKG_SOURCE names and
// a feed with the hash filled in; the Makefile's install defines, run by GNU make against a tiny
// stand-in of the SDK's rules.mk and package.mk (test/package/fixtures/sdk: INSTALL_* and CP as
// OpenWrt defines them, PKG_BUILD_DIR as package.mk sets it; it is not the SDK, which this machine
// does not have), install exactly the router tree from that tarball; and the quickjs package of
// lanvpn's feed installs the /usr/bin/qjs the `lanvpn` command runs.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { QJS } from '../../scripts/native-qjs.mjs'
import { EXECUTABLES, buildIpk, packagesOf } from '../../scripts/ipk.mjs'

const ROOT = join(__dirname, '../..')
const DIST_ROOT = join(ROOT, 'dist/root')
const SDK = join(__dirname, 'fixtures/sdk')
const VERSION: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version
const EPOCH = '1700000000'
/** The sha256 of quickjs-2025-09-13-2.tar.xz as openwrt/packages lang/quickjs/Makefile gives it. */
const QUICKJS_HASH = '996c6b5018fc955ad4d06426d0e9cb713685a00c825aa5c0418bd53f7df8b0b4'

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

/** Relative path → "<mode> <sha256>" of every file under dir (directories left out). */
function files(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {}
  for (const n of readdirSync(join(dir, rel)).sort()) {
    const path = rel ? `${rel}/${n}` : n
    const st = statSync(join(dir, path))
    if (st.isDirectory()) Object.assign(out, files(dir, path))
    else out[path] = `${(st.mode & 0o777).toString(8)} ${sha256(readFileSync(join(dir, path)))}`
  }
  return out
}

/** `npm run dist`'s script into outDir, with a fixed epoch; its two lines of output. */
function runDist(outDir: string): string[] {
  return execFileSync('node', [join(ROOT, 'scripts/dist.mjs'), '--out', outDir], {
    encoding: 'utf8',
    env: { ...process.env, SOURCE_DATE_EPOCH: EPOCH },
  })
    .trim()
    .split('\n')
}

/** GNU make on a feed package's Makefile with the SDK stand-in. */
function sdkMake(pkgDir: string, args: string[], vars: Record<string, string> = {}) {
  return execFileSync(
    'make',
    [
      '-s',
      '-C',
      pkgDir,
      `TOPDIR=${SDK}`,
      ...Object.entries(vars).map(([k, v]) => `${k}=${v}`),
      ...args,
    ],
    { encoding: 'utf8' }
  )
}

const makeVar = (pkgDir: string, name: string, vars: Record<string, string> = {}) =>
  sdkMake(pkgDir, [`print-${name}`], vars).replace(/\n$/, '')

let work: string
let tarball: string
let printed: string[]

beforeAll(() => {
  if (!existsSync(join(DIST_ROOT, 'usr/share/lanvpn/lanvpn.js')))
    throw new Error('run `npm run build` first (dist/root is missing)')
  work = mkdtempSync(join(tmpdir(), 'lanvpn-feed-'))
  printed = runDist(join(work, 'a'))
  tarball = join(work, 'a', `lanvpn-${VERSION}.tar.gz`)
})
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('npm run dist', () => {
  it('writes lanvpn-<version>.tar.gz and prints its sha256, and a second run gives the same bytes', () => {
    const bytes = readFileSync(tarball)
    expect(printed[0]).toBe(`${sha256(bytes)}  ${tarball}`)
    runDist(join(work, 'b'))
    expect(Buffer.compare(bytes, readFileSync(join(work, 'b', `lanvpn-${VERSION}.tar.gz`)))).toBe(0)
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.dist).toBe(
      'node scripts/dist.mjs'
    )
  })

  it('packs lanvpn-<version>/ with root/ (the router tree), LICENSE and README.md: sorted, 0:0, the epoch', () => {
    const listing = execFileSync('tar', ['-tvzf', tarball, '--numeric-owner', '--full-time'], {
      encoding: 'utf8',
      env: { ...process.env, TZ: 'UTC' },
    })
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/))
    const names = listing.map((f) => f[5])
    const top = `lanvpn-${VERSION}/`
    expect(names.slice(0, 4)).toEqual([top, `${top}LICENSE`, `${top}README.md`, `${top}root/`])
    expect(names.every((n) => n.startsWith(top))).toBe(true)
    // GNU tar --sort=name: each directory's entries in byte order, depth first.
    const sorted = [...names].sort((a, b) => {
      const [pa, pb] = [a.replace(/\/$/, '').split('/'), b.replace(/\/$/, '').split('/')]
      for (let i = 0; i < Math.min(pa.length, pb.length); i++)
        if (pa[i] !== pb[i]) return Buffer.compare(Buffer.from(pa[i]), Buffer.from(pb[i]))
      return pa.length - pb.length
    })
    expect(names).toEqual(sorted)
    for (const [mode, owner, , day, time, name] of listing) {
      expect([owner, `${day} ${time}`], name).toEqual(['0/0', '2023-11-14 22:13:20'])
      expect(mode.startsWith('d') || mode.startsWith('-'), name).toBe(true)
    }
    const unpacked = join(work, 'unpacked')
    mkdirSync(unpacked)
    execFileSync('tar', ['-xzf', tarball, '-C', unpacked])
    expect(readdirSync(unpacked)).toEqual([`lanvpn-${VERSION}`])
    const src = join(unpacked, `lanvpn-${VERSION}`)
    expect(readdirSync(src).sort()).toEqual(['LICENSE', 'README.md', 'root'])
    for (const f of ['LICENSE', 'README.md'])
      expect(readFileSync(join(src, f)).equals(readFileSync(join(ROOT, f))), f).toBe(true)
    expect(files(join(src, 'root'))).toEqual(files(DIST_ROOT))
  })

  it("writes a feed whose lanvpn Makefile differs from the checkout only by the tarball's PKG_HASH", () => {
    const feed = join(work, 'a/feed')
    expect(printed[1]).toBe(`${feed}/ (feeds.conf: src-link lanvpn ${feed})`)
    expect(readdirSync(feed).sort()).toEqual(['lanvpn', 'quickjs'])
    const checkout = readFileSync(join(ROOT, 'openwrt-package/Makefile'), 'utf8')
    const stamped = readFileSync(join(feed, 'lanvpn/Makefile'), 'utf8')
    // The checkout's says skip: download.pl takes a sha256, an md5 or `skip`, and nothing else.
    expect(checkout).toMatch(/^PKG_HASH:=skip$/m)
    expect(stamped).toMatch(new RegExp(`^PKG_HASH:=${sha256(readFileSync(tarball))}$`, 'm'))
    expect(stamped.replace(/^PKG_HASH:=.*$/m, 'PKG_HASH:=skip')).toBe(checkout)
    expect(makeVar(join(feed, 'lanvpn'), 'PKG_SOURCE')).toBe(`lanvpn-${VERSION}.tar.gz`)
    expect(makeVar(join(feed, 'lanvpn'), 'PKG_HASH')).toBe(sha256(readFileSync(tarball)))
    // What the Makefile reads beside it ($(CURDIR)/control/…) and the runtime package.
    expect(files(join(feed, 'lanvpn/control'))).toEqual(
      files(join(ROOT, 'openwrt-package/control'))
    )
    expect(files(join(feed, 'quickjs'))).toEqual(files(join(ROOT, 'openwrt-package/quickjs')))
  })
})

describe("the feed Makefile's install defines, run by GNU make against the SDK stand-in", () => {
  let build: string
  let names: string[]

  beforeAll(() => {
    // The default Build/Prepare: the tarball unpacked in BUILD_DIR, so PKG_BUILD_DIR is lanvpn-<v>/.
    build = join(work, 'build')
    mkdirSync(build)
    execFileSync('tar', ['-xzf', tarball, '-C', build])
    const makefile = readFileSync(join(work, 'a/feed/lanvpn/Makefile'), 'utf8')
    names = [...makefile.matchAll(/^\$\(eval \$\(call BuildPackage,(\S+)\)\)$/gm)].map((m) => m[1])
    for (const name of names)
      sdkMake(join(work, 'a/feed/lanvpn'), [`install-${name}`], {
        BUILD_DIR: build,
        DESTDIR: join(build, 'out'),
      })
  })

  it('find PKG_BUILD_DIR where the tarball unpacks', () => {
    expect(makeVar(join(work, 'a/feed/lanvpn'), 'PKG_BUILD_DIR', { BUILD_DIR: build })).toBe(
      join(build, `lanvpn-${VERSION}`)
    )
  })

  it("install every file of the tarball's root/ once, with its bytes, from one package or another", () => {
    const installed: Record<string, string> = {}
    for (const name of names)
      for (const [path, entry] of Object.entries(files(join(build, 'out', name)))) {
        expect(installed[path], `${path} installed twice`).toBeUndefined()
        installed[path] = entry.slice(entry.indexOf(' ') + 1)
      }
    const tree = files(join(build, `lanvpn-${VERSION}/root`))
    expect(Object.keys(installed).sort()).toEqual(Object.keys(tree).sort())
    for (const [path, entry] of Object.entries(tree))
      expect(installed[path], path).toBe(entry.slice(entry.indexOf(' ') + 1))
  })

  it('install each package with the files the hand-built package of the same name holds', () => {
    const pkgs = packagesOf(DIST_ROOT, `${VERSION}-r1`)
    expect(pkgs.map((p) => p.name)).toEqual(names)
    for (const pkg of pkgs) {
      const { data } = buildIpk({
        rootDir: DIST_ROOT,
        controlDir: join(ROOT, 'openwrt-package/control'),
        version: `${VERSION}-r1`,
        epoch: Number(EPOCH),
        pkg,
      })
      const tarFile = join(work, `${pkg.name}.tar`)
      writeFileSync(tarFile, data)
      const inIpk = execFileSync('tar', ['-tf', tarFile], { encoding: 'utf8' })
        .split('\n')
        .filter((n) => n && !n.endsWith('/'))
        .map((n) => n.replace(/^\.\//, ''))
      expect(Object.keys(files(join(build, 'out', pkg.name))).sort(), pkg.name).toEqual(
        inIpk.sort()
      )
    }
  })

  it('install programs 0755, the conffile 0600 (INSTALL_CONF) and the rest 0644', () => {
    for (const name of names)
      for (const [path, entry] of Object.entries(files(join(build, 'out', name)))) {
        const want = EXECUTABLES.includes(path)
          ? '755'
          : path === 'etc/config/lanvpn'
            ? '600'
            : '644'
        expect(entry.split(' ')[0], path).toBe(want)
      }
  })
})

describe("the quickjs package of lanvpn's feed (24.10 has none)", () => {
  const dir = join(ROOT, 'openwrt-package/quickjs')

  it("builds 25.12's QuickJS release, 2025.09.13, from bellard's tarball with the hash openwrt/packages gives it", () => {
    expect(makeVar(dir, 'PKG_NAME')).toBe('quickjs')
    expect(makeVar(dir, 'PKG_VERSION')).toBe('2025.09.13')
    expect(makeVar(dir, 'PKG_RELEASE')).toBe('1')
    expect(makeVar(dir, 'PKG_SOURCE')).toBe('quickjs-2025-09-13-2.tar.xz')
    expect(makeVar(dir, 'PKG_SOURCE_URL')).toBe('https://bellard.org/quickjs/')
    expect(makeVar(dir, 'PKG_HASH')).toBe(QUICKJS_HASH)
    expect(makeVar(dir, 'PKG_LICENSE')).toBe('MIT')
    expect(makeVar(dir, 'PKG_LICENSE_FILES')).toBe('LICENSE')
    expect(makeVar(dir, 'PKG_MAINTAINER')).toMatch(/^.+ <[^@\s]+@[^@\s]+>$/)
    // The tarball unpacks to quickjs-2025-09-13/, which is where the build runs.
    expect(makeVar(dir, 'PKG_BUILD_DIR', { BUILD_DIR: '/b' })).toBe('/b/quickjs-2025-09-13')
    const def = readFileSync(join(dir, 'Makefile'), 'utf8').match(
      /^define Package\/quickjs\n([^]*?)^endef/m
    )![1]
    expect(def).toMatch(/^\s+DEPENDS:=\+libatomic$/m)
    expect(def).not.toMatch(/PKGARCH:=all/)
    // The host qjsc first (it compiles repl.js for qjs), then the target qjs with it.
    expect(makeVar(dir, 'QJS_TARGET_FLAGS')).toContain('QJSC=./host-qjsc')
    expect(makeVar(dir, 'QJS_TARGET_FLAGS')).toContain('EXTRA_LIBS="-latomic"')
  })

  it('installs /usr/bin/qjs, which the lanvpn command finds and runs the bundle with', () => {
    // The SDK's build output stood in for by this machine's native qjs (scripts/native-qjs.mjs).
    const build = join(work, 'qjs-build')
    mkdirSync(join(build, 'quickjs-2025-09-13'), { recursive: true })
    copyFileSync(QJS, join(build, 'quickjs-2025-09-13/qjs'))
    const dest = join(work, 'qjs-out')
    sdkMake(dir, ['install-quickjs'], { BUILD_DIR: build, DESTDIR: dest })
    expect(files(join(dest, 'quickjs'))).toEqual({
      'usr/bin/qjs': `755 ${sha256(readFileSync(QJS))}`,
    })
    // No node on this PATH: only qjs can have printed the version.
    const out = execFileSync('/bin/sh', [join(DIST_ROOT, 'usr/bin/lanvpn'), '--version'], {
      encoding: 'utf8',
      env: {
        PATH: join(dest, 'quickjs/usr/bin'),
        LANVPN_BUNDLE: join(DIST_ROOT, 'usr/share/lanvpn/lanvpn.js'),
      },
    })
    expect(out.trim()).toBe(VERSION)
    expect(readFileSync(join(DIST_ROOT, 'usr/bin/lanvpn'), 'utf8')).toMatch(/command -v qjs/)
  })
})
