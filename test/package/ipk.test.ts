// The .ipk as opkg and OpenWrt tooling read it (openwrt-contracts §7.1), read back with GNU tar, and
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
import {
  EXECUTABLES,
  buildIpk,
  packageVersion,
  sourceDateEpoch,
  writeIpk,
} from '../../scripts/ipk.mjs'

const ROOT = join(__dirname, '../..')
const FIXTURES = join(__dirname, 'fixtures')
const DIST_ROOT = join(ROOT, 'dist/root')

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

describe('the .ipk', () => {
  let work: string
  let ipkPath: string
  let unpacked: string

  beforeAll(() => {
    if (!existsSync(join(DIST_ROOT, 'usr/share/lanvpn/lanvpn.js')))
      throw new Error('run `npm run build` first (dist/root is missing)')
    work = mkdtempSync(join(tmpdir(), 'lanvpn-ipk-'))
    ipkPath = writeIpk({ outDir: join(work, 'a') })
    unpacked = join(work, 'outer')
    mkdirSync(unpacked)
    run('tar', ['-xzf', ipkPath, '-C', unpacked])
  })
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('is named lanvpn_<version>-r<release>_all.ipk after package.json', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
    expect(packageVersion({})).toBe(`${version}-r1`)
    expect(ipkPath.endsWith(`/lanvpn_${version}-r1_all.ipk`)).toBe(true)
  })

  it('is a gzip-compressed tar (not ar) with debian-binary, data.tar.gz, control.tar.gz in that order', () => {
    const bytes = readFileSync(ipkPath)
    // gzip magic, deflate, no flags (no name), mtime 0, OS Unix: what `gzip -n` writes.
    expect([...bytes.subarray(0, 8)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0])
    expect(bytes[9]).toBe(3)
    expect(bytes.subarray(0, 7).toString('latin1')).not.toBe('!<arch>')
    const outer = listTar(ipkPath)
    expect(outer.map((e) => e.name)).toEqual([
      './debian-binary',
      './data.tar.gz',
      './control.tar.gz',
    ])
    for (const e of outer) expect([e.owner, e.mode]).toEqual(['0/0', '-rw-r--r--'])
    expect(readFileSync(join(unpacked, 'debian-binary'), 'utf8')).toBe('2.0\n')
    for (const inner of ['data.tar.gz', 'control.tar.gz']) {
      const b = readFileSync(join(unpacked, inner))
      expect([...b.subarray(0, 8)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0])
    }
  })

  it('holds every file of the router tree, owned by root, with the right modes', () => {
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
      './usr/share/lanvpn/lanvpn.js',
      './usr/share/rpcd/acl.d/lanvpn.json',
      './usr/share/luci/menu.d/luci-app-lanvpn.json',
      './www/luci-static/resources/view/lanvpn/launcher.js',
      './www/lanvpn/index.html',
    ])
      expect(names).toContain(path)
    expect(names.some((n) => /^\.\/www\/lanvpn\/assets\/.+\.js$/.test(n))).toBe(true)
    // Nothing else may land on the router: exactly the files of dist/root.
    const tree = Object.keys(snapshot(DIST_ROOT)).map((p) =>
      statSync(join(DIST_ROOT, p)).isDirectory() ? `./${p}/` : `./${p}`
    )
    expect(names.slice(1).sort()).toEqual(tree.sort())
    for (const e of data) {
      expect(e.owner, e.name).toBe('0/0')
      const rel = e.name.replace(/^\.\//, '')
      const want = e.name.endsWith('/')
        ? 'drwxr-xr-x'
        : EXECUTABLES.includes(rel)
          ? '-rwxr-xr-x'
          : '-rw-r--r--'
      expect(e.mode, e.name).toBe(want)
    }
  })

  it('has a data tar byte-identical to what GNU tar makes with ipkg-build flags', () => {
    const mine = gunzipSync(readFileSync(join(unpacked, 'data.tar.gz')))
    const tree = join(work, 'tree')
    mkdirSync(tree)
    run('tar', ['-xzf', join(unpacked, 'data.tar.gz'), '-C', tree])
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
    const fields = Object.fromEntries(
      text
        .split('\n')
        .filter((l) => /^[A-Za-z-]+:/.test(l))
        .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()])
    )
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
    expect(fields.Depends).toContain('quickjs | node')
    expect(text).toMatch(/^Description: {2}\S/m)
    expect(run('tar', ['-xzOf', join(unpacked, 'control.tar.gz'), './conffiles'])).toBe(
      '/etc/config/lanvpn\n'
    )
  })

  it('comes out byte-identical from a second build', () => {
    const again = writeIpk({ outDir: join(work, 'b') })
    expect(Buffer.compare(readFileSync(ipkPath), readFileSync(again))).toBe(0)
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

  it('installs the same files as the feed Makefile', () => {
    const makefile = readFileSync(join(ROOT, 'openwrt-package/Makefile'), 'utf8')
    const installed = new Map<string, string>()
    for (const m of makefile.matchAll(
      /\$\((INSTALL_BIN|INSTALL_DATA|INSTALL_CONF|CP)\) \$\(PKG_BUILD_DIR\)\/root\/(\S+) \$\(1\)\/(\S+)/g
    ))
      installed.set(m[3].replace(/\/\.?\/?$/, ''), m[1])
    const data = listTar(join(unpacked, 'data.tar.gz')).filter((e) => !e.name.endsWith('/'))
    const expected = new Map<string, string>()
    for (const e of data) {
      const rel = e.name.replace(/^\.\//, '')
      // The web UI's file names carry content hashes: the Makefile copies the directory.
      if (rel.startsWith('www/lanvpn/')) expected.set('www/lanvpn', 'CP')
      else
        expected.set(
          rel,
          e.mode === '-rwxr-xr-x'
            ? 'INSTALL_BIN'
            : rel === 'etc/config/lanvpn'
              ? 'INSTALL_CONF'
              : 'INSTALL_DATA'
        )
    }
    expect(Object.fromEntries(installed)).toEqual(Object.fromEntries(expected))
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
    expect(makefile).toContain(`PKG_VERSION:=${version}\n`)
    expect(makefile).toMatch(/PKGARCH:=all/)
    expect(makefile).toMatch(/conffiles\n\/etc\/config\/lanvpn\nendef/)
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
