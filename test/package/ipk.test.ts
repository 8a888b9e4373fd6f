// The packages as opkg and OpenWrt tooling read them (openwrt-contracts §7.1), read back with GNU
// tar: `lanvpn` (English web UI) and one lanvpn-i18n-<lang> per other language of the web UI; and
// the maintainer scripts run against an unpacked root with IPKG_INSTROOT set (an image build).
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
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
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APPLET_FILES, OPTIONAL_CHUNKS, PACKAGE_JSON } from '../../scripts/applet-chunks.mjs'
import {
  ADDONS,
  EXECUTABLES,
  PRIVATE_FILES,
  I18N_DIR,
  LANGUAGES,
  PACKAGE,
  buildIpk,
  packageVersion,
  sourceDateEpoch,
  writeIpks,
} from '../../scripts/ipk.mjs'

const ROOT = join(__dirname, '../..')
const FIXTURES = join(__dirname, 'fixtures')
const DIST_ROOT = join(ROOT, 'dist/root')
const VERSION = `${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}-r1`
/** The web UI's languages besides English, as the UI names them (its catalog directories). */
const LANGS = ['ru', 'zh-CN']

type TarEntry = { mode: string; owner: string; size: number; name: string }

/** `tar -tv --numeric-owner` of a tar file, parsed: GNU tar is the independent reader. */
function listTar(file: string, gz = true): TarEntry[] {
  const out = execFileSync('tar', [gz ? '-tvzf' : '-tvf', file, '--numeric-owner'], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC' },
  })
  return out
    .trim()
    .split('\n')
    .map((line) => {
      const [mode, owner, size, , , name] = line.split(/\s+/)
      return { mode, owner, size: Number(size), name }
    })
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', ...opts })
}

/** Path → sha256 (files) or 'dir' of every entry under dir, for before/after comparisons. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (rel: string) => {
    for (const n of readdirSync(join(dir, rel))) {
      const path = rel ? `${rel}/${n}` : n
      const st = statSync(join(dir, path))
      if (st.isDirectory()) {
        out[path] = `dir ${(st.mode & 0o7777).toString(8)}`
        walk(path)
      } else {
        const hash = createHash('sha256')
          .update(readFileSync(join(dir, path)))
          .digest('hex')
        out[path] = `${hash} ${(st.mode & 0o7777).toString(8)}`
      }
    }
  }
  walk('')
  return out
}

/** The entries of a tree as `tar -t` names them (`./dir/`, `./file`), without `./` itself. */
function treeNames(dir: string): string[] {
  return Object.keys(snapshot(dir)).map((p) =>
    statSync(join(dir, p)).isDirectory() ? `./${p}/` : `./${p}`
  )
}

/** The fields of a control file by name. */
function controlFields(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => /^[A-Za-z-]+:/.test(l))
      .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()])
  )
}

/** The files a package installs, from the `define Package/<name>/install` block of the feed
 * Makefile: installed path → the install macro (INSTALL_BIN, INSTALL_DATA, INSTALL_CONF, CP). Each
 * is copied from the same path of the router tree. */
function makefileInstalls(makefile: string, name: string): Record<string, string> {
  const block = makefile.match(new RegExp(`^define Package/${name}/install\\n([^]*?)^endef`, 'm'))
  expect(block, `define Package/${name}/install`).toBeTruthy()
  const installed: Record<string, string> = {}
  for (const m of block![1].matchAll(
    /\$\((INSTALL_BIN|INSTALL_DATA|INSTALL_CONF|CP)\) \$\(PKG_BUILD_DIR\)\/root\/(\S+) \$\(1\)\/(\S+)/g
  )) {
    const [from, to] = [m[2], m[3]].map((p) => p.replace(/\/\.?\/?$/, ''))
    expect(from, `${name} installs ${to}`).toBe(to)
    installed[to] = m[1]
  }
  return installed
}

/** Checks the outer container: what `gzip -n` writes, a tar (not ar) of the three members in
 * ipkg-build's order, and gzip-compressed inner archives. */
function expectIpkContainer(ipkPath: string, unpacked: string) {
  const bytes = readFileSync(ipkPath)
  // gzip magic, deflate, no flags (no name), mtime 0, OS Unix: what `gzip -n` writes.
  expect([...bytes.subarray(0, 8)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0])
  expect(bytes[9]).toBe(3)
  expect(bytes.subarray(0, 7).toString('latin1')).not.toBe('!<arch>')
  const outer = listTar(ipkPath)
  expect(outer.map((e) => e.name)).toEqual(['./debian-binary', './data.tar.gz', './control.tar.gz'])
  for (const e of outer) expect([e.owner, e.mode]).toEqual(['0/0', '-rw-r--r--'])
  expect(readFileSync(join(unpacked, 'debian-binary'), 'utf8')).toBe('2.0\n')
  for (const inner of ['data.tar.gz', 'control.tar.gz']) {
    const b = readFileSync(join(unpacked, inner))
    expect([...b.subarray(0, 8)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0])
  }
}

/** Checks that a data tar is byte-identical to what GNU tar makes of its unpacked tree with
 * ipkg-build's flags. */
function expectGnuTarIdentical(dataTarGz: string, work: string) {
  const mine = gunzipSync(readFileSync(dataTarGz))
  const tree = mkdtempSync(join(work, 'tree-'))
  run('tar', ['-xzf', dataTarGz, '-C', tree])
  const gnu = execFileSync(
    'tar',
    [
      '--format=gnu',
      '--numeric-owner',
      '--owner=0',
      '--group=0',
      '--sort=name',
      `--mtime=@${sourceDateEpoch()}`,
      '-cpf',
      '-',
      '.',
    ],
    { cwd: tree, maxBuffer: 64 << 20 }
  )
  expect(Buffer.compare(mine, gnu)).toBe(0)
}

/** Every package `make ipk` writes, built once into a temporary dist and unpacked. */
let work: string
let built: Array<{ name: string; path: string; unpacked: string }>
const pkgOf = (name: string) => built.find((b) => b.name === name)!

beforeAll(() => {
  if (!existsSync(join(DIST_ROOT, 'usr/share/lanvpn/lanvpn.js')))
    throw new Error('run `npm run build` first (dist/root is missing)')
  work = mkdtempSync(join(tmpdir(), 'lanvpn-ipk-'))
  built = writeIpks({ outDir: join(work, 'a') }).map(({ pkg, path }) => {
    const unpacked = join(work, `outer-${pkg.name}`)
    mkdirSync(unpacked)
    run('tar', ['-xzf', path, '-C', unpacked])
    return { name: pkg.name, path, unpacked }
  })
})
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('make ipk', () => {
  it('writes lanvpn, lanvpn-node, lanvpn-openvpn, lanvpn-cli, luci-app-lanvpn and one lanvpn-i18n-<lang> per language, named after package.json', () => {
    expect(packageVersion({})).toBe(VERSION)
    expect(built.map((b) => b.path.slice(b.path.lastIndexOf('/') + 1))).toEqual([
      `lanvpn_${VERSION}_all.ipk`,
      `lanvpn-node_${VERSION}_all.ipk`,
      `lanvpn-openvpn_${VERSION}_all.ipk`,
      `lanvpn-cli_${VERSION}_all.ipk`,
      `luci-app-lanvpn_${VERSION}_all.ipk`,
      `lanvpn-i18n-ru_${VERSION}_all.ipk`,
      `lanvpn-i18n-zh-cn_${VERSION}_all.ipk`,
    ])
    expect(Object.keys(LANGUAGES).sort()).toEqual(LANGS)
  })

  it('splits the router tree: together the packages hold each of its files exactly once', () => {
    const files = built.flatMap((b) =>
      listTar(join(b.unpacked, 'data.tar.gz'))
        .map((e) => e.name)
        .filter((n) => !n.endsWith('/'))
    )
    expect(new Set(files).size).toBe(files.length)
    expect(files.sort()).toEqual(
      treeNames(DIST_ROOT)
        .filter((n) => !n.endsWith('/'))
        .sort()
    )
  })

  it('comes out byte-identical from a second build, every package', () => {
    const again = writeIpks({ outDir: join(work, 'b') })
    expect(again.map((b) => b.pkg.name)).toEqual(built.map((b) => b.name))
    for (const [i, b] of again.entries())
      expect(Buffer.compare(readFileSync(built[i].path), readFileSync(b.path)), b.path).toBe(0)
  })

  it('installs the same files as the feed Makefile, package by package', () => {
    const makefile = readFileSync(join(ROOT, 'openwrt-package/Makefile'), 'utf8')
    const defined = [...makefile.matchAll(/^\$\(eval \$\(call BuildPackage,(\S+)\)\)$/gm)]
    expect(defined.map((m) => m[1])).toEqual(built.map((b) => b.name))
    for (const b of built) {
      const expected: Record<string, string> = {}
      for (const e of listTar(join(b.unpacked, 'data.tar.gz'))) {
        if (e.name.endsWith('/')) continue
        const rel = e.name.replace(/^\.\//, '')
        // The web UI's file names carry content hashes: the Makefile copies their directories.
        const hashed = rel.match(/^(www\/lanvpn\/(?:assets|i18n\/[^/]+))\//)
        if (hashed) expected[hashed[1]] = 'CP'
        else
          expected[rel] =
            e.mode === '-rwxr-xr-x'
              ? 'INSTALL_BIN'
              : rel === 'etc/config/lanvpn'
                ? 'INSTALL_CONF'
                : 'INSTALL_DATA'
      }
      expect(makefileInstalls(makefile, b.name), b.name).toEqual(expected)
    }
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
    expect(makefile).toContain(`PKG_VERSION:=${version}\n`)
    expect(makefile).toMatch(/PKG_RELEASE:=1\n/)
    // A feed package: built from the release tarball, with a maintainer to write to and a licence.
    expect(makefile).toContain('PKG_SOURCE:=$(PKG_NAME)-$(PKG_VERSION).tar.gz\n')
    expect(makefile).toMatch(/^PKG_SOURCE_URL:=https:\/\/\S+\/\n/m)
    expect(makefile).toMatch(/^PKG_MAINTAINER:=.+ <[^@\s]+@[^@\s]+>\n/m)
    expect(makefile).toContain(`PKG_LICENSE:=${PACKAGE.license}\n`)
    expect(makefile).toContain('PKG_LICENSE_FILES:=LICENSE\n')
    expect(existsSync(join(ROOT, 'LICENSE'))).toBe(true)
    // Nothing only opkg reads: no dependency alternatives, no menuconfig runtime switch.
    expect(makefile).not.toMatch(/DEPENDS:=.*\|/)
    expect(makefile).not.toContain('LANVPN_RUNTIME_NODE')
    expect(makefile).toMatch(/conffiles\n\/etc\/config\/lanvpn\nendef/)
    for (const b of built) {
      const def = makefile.match(new RegExp(`^define Package/${b.name}\\n([^]*?)^endef`, 'm'))
      expect(def, `define Package/${b.name}`).toBeTruthy()
      expect(def![1]).toMatch(/PKGARCH:=all/)
      expect(def![1]).toMatch(/URL:=https:\/\//)
      if (b.name === 'lanvpn') {
        // QuickJS alone: 25.12's apk has no alternatives and no target node (scripts/ipk.mjs).
        expect(def![1]).toMatch(/DEPENDS:=[^]*\+quickjs\n/)
        expect(def![1]).not.toMatch(/\+node\b/)
        continue
      }
      // The .ipk's first alternative: apk has none (`openvpn-openssl | openvpn-mbedtls`).
      if (ADDONS[b.name])
        for (const dep of ADDONS[b.name].depends)
          expect(def![1]).toContain(`+${dep.split(' | ')[0]} lanvpn\n`)
      // The exact version, as the hand-built package says it (`=` and PKG_VERSION-rPKG_RELEASE).
      expect(def![1]).toContain('EXTRA_DEPENDS:=lanvpn (=$(PKG_VERSION)-r$(PKG_RELEASE))\n')
      // Maintainer scripts: exactly the ones the .ipk carries, from the same files.
      const scripts = Object.entries(ADDONS[b.name]?.scripts ?? {})
      expect(makefile).not.toMatch(new RegExp(`Package/${b.name}/(conffiles|prerm|postrm)`))
      if (!scripts.length) expect(makefile).not.toContain(`Package/${b.name}/postinst`)
      for (const [name, file] of scripts)
        expect(makefile).toContain(
          `Package/${b.name}/${name} = $(file <$(CURDIR)/control/${file})\n`
        )
    }
  })
})

describe('the .ipk', () => {
  let ipkPath: string
  let unpacked: string

  beforeAll(() => {
    ;({ path: ipkPath, unpacked } = pkgOf('lanvpn'))
  })

  it('is named lanvpn_<version>-r<release>_all.ipk after package.json', () => {
    expect(ipkPath.endsWith(`/lanvpn_${VERSION}_all.ipk`)).toBe(true)
  })

  it('is a gzip-compressed tar (not ar) with debian-binary, data.tar.gz, control.tar.gz in that order', () => {
    expectIpkContainer(ipkPath, unpacked)
  })

  it('holds no catalog of another language than English', () => {
    const names = listTar(join(unpacked, 'data.tar.gz')).map((e) => e.name)
    expect(names.filter((n) => n.startsWith(`./${I18N_DIR}`))).toEqual([])
    expect(names.filter((n) => /\/(ru|zh-CN)(-pages)?-[\w-]+\.js$/.test(n))).toEqual([])
    expect(names.some((n) => /^\.\/www\/lanvpn\/assets\/en-pages-[\w-]+\.js$/.test(n))).toBe(true)
  })

  it('holds every file of the router tree but the other languages, owned by root, with the right modes', () => {
    const data = listTar(join(unpacked, 'data.tar.gz'))
    const names = data.map((e) => e.name)
    expect(names[0]).toBe('./')
    for (const path of [
      './etc/config/lanvpn',
      './etc/init.d/lanvpn',
      './etc/hotplug.d/iface/90-lanvpn',
      './etc/uci-defaults/90-lanvpn',
      './lib/upgrade/keep.d/lanvpn',
      './usr/bin/lanvpn',
      './usr/sbin/lanvpnd',
      './usr/libexec/rpcd/lanvpn',
      ...APPLET_FILES.filter((f) => !OPTIONAL_CHUNKS.some((c) => f === `lanvpn-${c}.js`)).map(
        (f) => `./usr/share/lanvpn/${f}`
      ),
      './usr/share/rpcd/acl.d/lanvpn.json',
      './www/lanvpn/index.html',
    ])
      expect(names).toContain(path)
    // Node's adapter, the OpenVPN code, the feature commands and LuCI's menu entry are packages of
    // their own.
    for (const path of [
      './usr/share/lanvpn/lanvpn-node.js',
      './usr/share/lanvpn/package.json',
      './usr/share/lanvpn/lanvpn-openvpn.js',
      './usr/share/lanvpn/lanvpn-cli.js',
      './usr/libexec/lanvpn/ovpn-up',
      './usr/share/luci/',
      './www/luci-static/',
    ])
      expect(names).not.toContain(path)
    expect(names.some((n) => /^\.\/www\/lanvpn\/assets\/.+\.js$/.test(n))).toBe(true)
    // Nothing else may land on the router: exactly the files of dist/root, but the catalogs of the
    // other languages and their directory, and what the other packages hold, with no directory
    // left empty by them (usr/libexec/lanvpn/ is lanvpn-openvpn's alone).
    const elsewhere = Object.values(ADDONS).flatMap((a) => a.paths)
    const kept = (n: string) =>
      !n.startsWith(`./${I18N_DIR}/`) &&
      !elsewhere.some((p) => n === `./${p}` || n.startsWith(`./${p}/`))
    const all = treeNames(DIST_ROOT)
    const tree = all.filter(
      (n) =>
        kept(n) &&
        (!n.endsWith('/') || all.some((f) => f.startsWith(n) && !f.endsWith('/') && kept(f)))
    )
    expect(names).not.toContain('./usr/libexec/lanvpn/')
    expect(names.slice(1).sort()).toEqual(tree.sort())
    for (const e of data) {
      expect(e.owner, e.name).toBe('0/0')
      const rel = e.name.replace(/^\.\//, '')
      const want = e.name.endsWith('/')
        ? 'drwxr-xr-x'
        : EXECUTABLES.includes(rel)
          ? '-rwxr-xr-x'
          : PRIVATE_FILES.includes(rel)
            ? '-rw-------'
            : '-rw-r--r--'
      expect(e.mode, e.name).toBe(want)
    }
  })

  it('has a data tar byte-identical to what GNU tar makes with ipkg-build flags', () => {
    expectGnuTarIdentical(join(unpacked, 'data.tar.gz'), work)
  })

  it('has a control file with every field opkg reads, none empty, and the computed Installed-Size', () => {
    const control = listTar(join(unpacked, 'control.tar.gz'))
    expect(control.map((e) => [e.name, e.mode, e.owner])).toEqual([
      ['./', 'drwxr-xr-x', '0/0'],
      ['./conffiles', '-rw-r--r--', '0/0'],
      ['./control', '-rw-r--r--', '0/0'],
      ['./postinst', '-rwxr-xr-x', '0/0'],
      ['./postrm', '-rwxr-xr-x', '0/0'],
      ['./prerm', '-rwxr-xr-x', '0/0'],
    ])
    const text = run('tar', ['-xzOf', join(unpacked, 'control.tar.gz'), './control'])
    const fields = controlFields(text)
    for (const f of [
      'Package',
      'Version',
      'Depends',
      'Source',
      'SourceName',
      'License',
      'Section',
      'Maintainer',
      'Architecture',
      'Installed-Size',
      'Description',
    ])
      expect(fields[f], f).toBeTruthy()
    expect(text).not.toMatch(/^[A-Za-z-]+:\s*$/m)
    expect(fields.Package).toBe('lanvpn')
    expect(fields.Architecture).toBe('all')
    const dataTar = gunzipSync(readFileSync(join(unpacked, 'data.tar.gz')))
    expect(Number(fields['Installed-Size'])).toBe(dataTar.length)
    expect(fields.Depends.split(', ')).toEqual(
      expect.arrayContaining(['kmod-wireguard', 'wireguard-tools', 'nftables', 'ip-full', 'curl'])
    )
    // opkg takes the first it can install: QuickJS (lanvpn's feed on 24.10, the packages feed on
    // 25.12), else lanvpn-node where only node is packaged (24.10 on x86 and ARM).
    expect(fields.Depends.split(', ')).toContain('quickjs | lanvpn-node')
    expect(fields.Maintainer).toMatch(/^.+ <[^@\s]+@[^@\s]+>$/)
    expect(text).toMatch(/^Description: {2}\S/m)
    expect(run('tar', ['-xzOf', join(unpacked, 'control.tar.gz'), './conffiles'])).toBe(
      '/etc/config/lanvpn\n'
    )
  })

  it('takes its timestamps from SOURCE_DATE_EPOCH, not the clock', () => {
    const a = buildIpk({
      rootDir: DIST_ROOT,
      controlDir: join(ROOT, 'openwrt-package/control'),
      version: '0.0.0-r1',
      epoch: 1_700_000_000,
    })
    const file = join(work, 'epoch.ipk')
    writeFileSync(file, a.ipk)
    const out = execFileSync('tar', ['-tvzf', file, '--full-time'], {
      encoding: 'utf8',
      env: { ...process.env, TZ: 'UTC' },
    })
    expect(out).toContain('2023-11-14 22:13:20')
    expect(() => sourceDateEpoch({ SOURCE_DATE_EPOCH: 'yesterday' })).toThrow(/SOURCE_DATE_EPOCH/)
  })
})

describe('lanvpn-node, lanvpn-openvpn, lanvpn-cli and luci-app-lanvpn', () => {
  const filesOf = (name: string) =>
    listTar(join(pkgOf(name).unpacked, 'data.tar.gz')).filter((e) => !e.name.endsWith('/'))
  const controlOf = (name: string) =>
    controlFields(run('tar', ['-xzOf', join(pkgOf(name).unpacked, 'control.tar.gz'), './control']))

  it('lanvpn-node holds the Node adapter and the package.json under which Node reads the bundle as ES modules', () => {
    expect(filesOf('lanvpn-node').map((e) => [e.name, e.mode, e.owner])).toEqual([
      ['./usr/share/lanvpn/lanvpn-node.js', '-rw-r--r--', '0/0'],
      ['./usr/share/lanvpn/package.json', '-rw-r--r--', '0/0'],
    ])
    const pkgJson = run('tar', [
      '-xzOf',
      join(pkgOf('lanvpn-node').unpacked, 'data.tar.gz'),
      './usr/share/lanvpn/package.json',
    ])
    expect(pkgJson).toBe(PACKAGE_JSON)
    expect(controlOf('lanvpn-node').Depends).toBe(`node, lanvpn (= ${VERSION})`)
  })

  it("lanvpn-openvpn holds the OpenVPN chunk and openvpn's up hook, needs openvpn and restarts the daemon", () => {
    expect(filesOf('lanvpn-openvpn').map((e) => [e.name, e.mode, e.owner])).toEqual([
      // openvpn refuses to start with an up hook it cannot execute.
      ['./usr/libexec/lanvpn/ovpn-up', '-rwxr-xr-x', '0/0'],
      ['./usr/share/lanvpn/lanvpn-openvpn.js', '-rw-r--r--', '0/0'],
    ])
    expect(controlOf('lanvpn-openvpn').Depends).toBe(
      `openvpn-openssl | openvpn-mbedtls, lanvpn (= ${VERSION})`
    )
    const unpacked = pkgOf('lanvpn-openvpn').unpacked
    expectIpkContainer(pkgOf('lanvpn-openvpn').path, unpacked)
    expectGnuTarIdentical(join(unpacked, 'data.tar.gz'), work)
    const control = listTar(join(unpacked, 'control.tar.gz'))
    expect(control.map((e) => [e.name, e.mode])).toEqual([
      ['./', 'drwxr-xr-x'],
      ['./control', '-rw-r--r--'],
      ['./postinst', '-rwxr-xr-x'],
    ])
    const postinst = run('tar', ['-xzOf', join(unpacked, 'control.tar.gz'), './postinst'])
    expect(postinst).toContain('/etc/init.d/lanvpn restart')
  })

  it("lanvpn-cli holds the feature commands' chunk alone and needs the same lanvpn", () => {
    expect(filesOf('lanvpn-cli').map((e) => [e.name, e.mode, e.owner])).toEqual([
      ['./usr/share/lanvpn/lanvpn-cli.js', '-rw-r--r--', '0/0'],
    ])
    expect(controlOf('lanvpn-cli').Depends).toBe(`lanvpn (= ${VERSION})`)
  })

  it('luci-app-lanvpn holds the menu entry and its launcher view, and needs LuCI', () => {
    expect(filesOf('luci-app-lanvpn').map((e) => e.name)).toEqual([
      './usr/share/luci/menu.d/luci-app-lanvpn.json',
      './www/luci-static/resources/view/lanvpn/launcher.js',
    ])
    expect(controlOf('luci-app-lanvpn')).toMatchObject({
      Depends: `luci-base, lanvpn (= ${VERSION})`,
      Section: 'luci',
    })
  })

  it.each(['lanvpn-node', 'lanvpn-cli', 'luci-app-lanvpn'])(
    '%s is a control file and static files alone',
    (name) => {
      expectIpkContainer(pkgOf(name).path, pkgOf(name).unpacked)
      const control = listTar(join(pkgOf(name).unpacked, 'control.tar.gz'))
      expect(control.map((e) => e.name)).toEqual(['./', './control'])
      expectGnuTarIdentical(join(pkgOf(name).unpacked, 'data.tar.gz'), work)
    }
  )
})

describe.each(LANGS)('the language package of %s', (lang) => {
  const name = `lanvpn-i18n-${lang.toLowerCase()}`
  let ipkPath: string
  let unpacked: string

  beforeAll(() => {
    ;({ path: ipkPath, unpacked } = pkgOf(name))
  })

  it('is named lanvpn-i18n-<lang>_<version>-r<release>_all.ipk, the language in lowercase', () => {
    expect(ipkPath.endsWith(`/${name}_${VERSION}_all.ipk`)).toBe(true)
  })

  it('is a gzip-compressed tar (not ar) with debian-binary, data.tar.gz, control.tar.gz in that order', () => {
    expectIpkContainer(ipkPath, unpacked)
  })

  it("holds exactly its language's two catalogs and the directories to them, owned by root", () => {
    const data = listTar(join(unpacked, 'data.tar.gz'))
    const dirs = [
      './',
      './www/',
      './www/lanvpn/',
      './www/lanvpn/i18n/',
      `./www/lanvpn/i18n/${lang}/`,
    ]
    expect(data.slice(0, dirs.length).map((e) => [e.name, e.mode, e.owner])).toEqual(
      dirs.map((d) => [d, 'drwxr-xr-x', '0/0'])
    )
    const files = data.slice(dirs.length)
    // Named by Vite as <lang>-<hash>.js (core) and <lang>-pages-<hash>.js (webui/vite.config.ts).
    const dir = `\\./www/lanvpn/i18n/${lang}/`
    const core = new RegExp(`^${dir}${lang}-(?!pages-)[\\w-]+\\.js$`)
    const pages = new RegExp(`^${dir}${lang}-pages-[\\w-]+\\.js$`)
    const names = files.map((e) => e.name)
    expect(names).toHaveLength(2)
    expect(names.filter((n) => core.test(n))).toHaveLength(1)
    expect(names.filter((n) => pages.test(n))).toHaveLength(1)
    for (const e of files) expect([e.name, e.mode, e.owner]).toEqual([e.name, '-rw-r--r--', '0/0'])
    // The same bytes as the router tree (what the dev router and the demo serve).
    for (const e of files)
      expect(run('tar', ['-xzOf', join(unpacked, 'data.tar.gz'), e.name]), e.name).toBe(
        readFileSync(join(DIST_ROOT, e.name), 'utf8')
      )
    expect(readdirSync(join(DIST_ROOT, I18N_DIR, lang)).sort()).toEqual(
      files.map((e) => e.name.slice(e.name.lastIndexOf('/') + 1)).sort()
    )
  })

  it('has a data tar byte-identical to what GNU tar makes with ipkg-build flags', () => {
    expectGnuTarIdentical(join(unpacked, 'data.tar.gz'), work)
  })

  it('has a control file alone (no conffiles, no scripts), depending on exactly this lanvpn', () => {
    const control = listTar(join(unpacked, 'control.tar.gz'))
    expect(control.map((e) => [e.name, e.mode, e.owner])).toEqual([
      ['./', 'drwxr-xr-x', '0/0'],
      ['./control', '-rw-r--r--', '0/0'],
    ])
    const text = run('tar', ['-xzOf', join(unpacked, 'control.tar.gz'), './control'])
    expect(text).not.toMatch(/^[A-Za-z-]+:\s*$/m)
    const fields = controlFields(text)
    const main = controlFields(
      run('tar', ['-xzOf', join(pkgOf('lanvpn').unpacked, 'control.tar.gz'), './control'])
    )
    const dataTar = gunzipSync(readFileSync(join(unpacked, 'data.tar.gz')))
    expect(fields).toEqual({
      Package: name,
      Version: VERSION,
      Depends: `lanvpn (= ${VERSION})`,
      Source: main.Source,
      SourceName: 'lanvpn',
      License: main.License,
      Section: main.Section,
      SourceDateEpoch: main.SourceDateEpoch,
      URL: main.URL,
      Maintainer: main.Maintainer,
      Architecture: 'all',
      'Installed-Size': String(dataTar.length),
      Description: `${LANGUAGES[lang]} translation of the lanvpn web UI`,
    })
    expect([main.Source, main.License, main.Section]).toEqual([
      PACKAGE.source,
      PACKAGE.license,
      PACKAGE.section,
    ])
  })
})

describe('the maintainer scripts in an image build (IPKG_INSTROOT set)', () => {
  let work: string
  let instroot: string
  let stubs: string
  let log: string

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'lanvpn-instroot-'))
    instroot = join(work, 'root')
    mkdirSync(instroot)
    const { ipk } = buildIpk({
      rootDir: DIST_ROOT,
      controlDir: join(ROOT, 'openwrt-package/control'),
      version: '0.0.0-r1',
      epoch: 1_700_000_000,
    })
    const outer = join(work, 'outer')
    mkdirSync(outer)
    writeFileSync(join(work, 'p.ipk'), ipk)
    run('tar', ['-xzf', join(work, 'p.ipk'), '-C', outer])
    run('tar', ['-xzf', join(outer, 'data.tar.gz'), '-C', instroot])
    const info = join(instroot, 'usr/lib/opkg/info')
    mkdirSync(info, { recursive: true })
    run('tar', ['-xzf', join(outer, 'control.tar.gz'), '-C', info])
    // lanvpn-openvpn's postinst beside lanvpn's, as opkg keeps them (info/<package>.postinst).
    const addonPostinst = join(ROOT, 'openwrt-package/control/lanvpn-openvpn.postinst')
    writeFileSync(join(info, 'lanvpn-openvpn.postinst'), readFileSync(addonPostinst))
    // Every command a script could reach for is a stub that only records that it was called.
    stubs = join(work, 'bin')
    mkdirSync(stubs)
    log = join(work, 'calls.log')
    for (const cmd of ['uci', 'nft', 'ip', 'lanvpn', 'logger', 'fw4', 'rpcd', 'opkg', 'kill'])
      writeFileSync(join(stubs, cmd), `#!/bin/sh\necho "${cmd} $*" >> ${log}\n`, { mode: 0o755 })
  })
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it.each([
    ['postinst', ['configure']],
    ['prerm', ['remove']],
    ['prerm', ['upgrade', '0.2.0-r1']],
    ['postrm', ['remove']],
    ['lanvpn-openvpn.postinst', ['configure']],
  ])('%s %s touches nothing, inside the root or out', (script, args) => {
    const before = snapshot(instroot)
    const tmpBefore = readdirSync('/tmp').filter((n) => n.startsWith('luci-indexcache'))
    execFileSync('/bin/sh', [join(instroot, 'usr/lib/opkg/info', script), ...args], {
      env: { PATH: `${stubs}:/usr/bin:/bin`, IPKG_INSTROOT: instroot, PKG_UPGRADE: '0' },
    })
    expect(existsSync(log) ? readFileSync(log, 'utf8') : '').toBe('')
    expect(snapshot(instroot)).toEqual(before)
    expect(readdirSync('/tmp').filter((n) => n.startsWith('luci-indexcache'))).toEqual(tmpBefore)
  })
})

describe('the uci-defaults script', () => {
  it('adds the lanvpn firewall zone and forwarding once, and a second run changes nothing', () => {
    const work = mkdtempSync(join(tmpdir(), 'lanvpn-ucidef-'))
    try {
      const db = join(work, 'uci.db')
      const env = {
        PATH: `${join(FIXTURES, 'bin')}:/usr/bin:/bin`,
        UCI_STUB_DB: db,
        UCI_STUB_LOG: join(work, 'uci.log'),
      }
      const script = join(ROOT, 'openwrt-package/files/etc/uci-defaults/90-lanvpn')
      execFileSync('/bin/sh', [script], { env })
      const first = readFileSync(db, 'utf8')
      expect(first).toContain('firewall.lanvpn_zone=zone\n')
      expect(first).toContain('firewall.lanvpn_zone.name=lanvpn\n')
      expect(first).toContain('firewall.lanvpn_zone.device=lanvpn0\n')
      expect(first).toContain('firewall.lanvpn_zone.masq=1\n')
      expect(first).toContain('firewall.lanvpn_zone.mtu_fix=1\n')
      expect(first).toContain('firewall.lanvpn_fwd=forwarding\n')
      expect(first).toContain('firewall.lanvpn_fwd.src=lan\n')
      expect(first).toContain('firewall.lanvpn_fwd.dest=lanvpn\n')
      execFileSync('/bin/sh', [script], { env })
      expect(readFileSync(db, 'utf8')).toBe(first)
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  })
})
