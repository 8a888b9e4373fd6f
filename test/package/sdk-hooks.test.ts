// The maintainer scripts of the SDK-built package, as opkg (24.10) and apk (25.12) run them (issue 20,
// "25.12 uses apk", "Upgrade"): the SDK's wrappers (test/package/sdk-scripts.ts, after
// include/package-pack.mk) around lanvpn's control/ scripts, with the functions.sh stand-in
// (test/package/fixtures/functions.sh) in a scratch root whose services only record what they are
// told. Each case checks the exact order of what reaches the services, and that an upgrade never
// disables the service or touches the firewall. The same scripts run for real in the lab, under
// load, in test/e2e/upgrade-lab.test.ts.
import { execFileSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { deviceEnv, forScratchRoot, sdkScripts, type PackageManager } from './sdk-scripts'

const ROOT = join(__dirname, '../..')
const FIXTURES = join(__dirname, 'fixtures')
const CONTROL = join(ROOT, 'openwrt-package/control')
const DIST_ROOT = join(ROOT, 'dist/root')
const NEXT = '0.1.1-r1'

let work: string
let root: string
let initd: string
let log: string

/** The files of the package, as the package manager lists them: /path per line, sorted. */
function fileList(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true })
    .flatMap((d) => {
      const path = rel ? `${rel}/${d.name}` : d.name
      return d.isDirectory() ? fileList(dir, path) : [`/${path}`]
    })
    .sort()
}

/** Unpacks the package's files into the root, as both package managers do on install and upgrade
 * (the uci-defaults script comes back with every version), and its metadata where each keeps it:
 * opkg's info directory (scripts, conffiles, file list), apk's file list in the data. */
function installFiles(manager: PackageManager) {
  cpSync(DIST_ROOT, root, { recursive: true })
  // lanvpn's own command would run `cleanup` against this machine: here it only records.
  writeFileSync(join(root, 'usr/bin/lanvpn'), `#!/bin/sh\necho "lanvpn $*" >>${log}\n`, {
    mode: 0o755,
  })
  const list = fileList(DIST_ROOT).join('\n') + '\n'
  if (manager === 'apk') {
    mkdirSync(join(root, 'lib/apk/packages'), { recursive: true })
    writeFileSync(join(root, 'lib/apk/packages/lanvpn.list'), list)
    return
  }
  const info = join(root, 'usr/lib/opkg/info')
  mkdirSync(info, { recursive: true })
  for (const [name, text] of Object.entries(sdkScripts(CONTROL, 'lanvpn', 'opkg')))
    writeFileSync(join(info, `lanvpn.${name}`), forScratchRoot(text, root, initd), { mode: 0o755 })
  writeFileSync(join(info, 'lanvpn.conffiles'), readFileSync(join(CONTROL, 'conffiles')))
  writeFileSync(join(info, 'lanvpn.list'), list)
}

/** Runs a script as the package manager does: opkg `sh -c "<info>/lanvpn.<name> <args>"` with
 * PKG_UPGRADE 0 or 1; apk the script it keeps, with no arguments and no PKG_UPGRADE. */
function run(manager: PackageManager, name: string, args = '', upgrade = false) {
  const env = {
    PATH: `${join(FIXTURES, 'bin')}:/usr/bin:/bin`,
    UCI_STUB_DB: join(work, 'uci.db'),
    UCI_STUB_LOG: join(work, 'uci.log'),
    LANVPN_PREFIX: root,
    ...deviceEnv(root, initd),
  }
  if (manager === 'opkg') {
    const path = join(root, 'usr/lib/opkg/info', `lanvpn.${name}`)
    execFileSync('sh', ['-c', `${path} ${args}`], {
      env: { ...env, PKG_UPGRADE: upgrade ? '1' : '0', PKG_ROOT: '/' },
    })
  } else {
    const path = join(work, `apk.${name}`)
    const text = sdkScripts(CONTROL, 'lanvpn', 'apk')[name]
    writeFileSync(path, forScratchRoot(text, root, initd), { mode: 0o755 })
    execFileSync(path, [], { env })
  }
}

/** What the services were told, in order, since the last call. */
function calls(): string[] {
  const lines = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : []
  writeFileSync(log, '')
  return lines
}

beforeEach(() => {
  if (!existsSync(join(DIST_ROOT, 'usr/share/lanvpn/lanvpn.js')))
    throw new Error('run `npm run build` first (dist/root is missing)')
  work = mkdtempSync(join(tmpdir(), 'lanvpn-sdk-hooks-'))
  root = join(work, 'root')
  initd = join(work, 'initd')
  log = join(work, 'calls.log')
  mkdirSync(root)
  mkdirSync(initd)
  const enabled = join(work, 'enabled')
  // The init scripts: each records its verb; lanvpn's remembers enable/disable for `enabled`.
  for (const service of ['rpcd', 'firewall'])
    writeFileSync(join(initd, service), `#!/bin/sh\necho "${service} $*" >>${log}\n`, {
      mode: 0o755,
    })
  writeFileSync(
    join(initd, 'lanvpn'),
    `#!/bin/sh\necho "service $*" >>${log}\ncase "$1" in\n` +
      `enable) touch ${enabled} ;;\ndisable) rm -f ${enabled} ;;\nenabled) [ -e ${enabled} ] ;;\nesac\n`,
    { mode: 0o755 }
  )
})
afterEach(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('the functions.sh stand-in', () => {
  it("leaves out only steps lanvpn's files never reach", () => {
    const paths = fileList(DIST_ROOT)
    for (const dir of ['/etc/modules.d/', '/etc/sysctl.d/', '/rootfs-overlay/'])
      expect(paths.filter((p) => p.startsWith(dir))).toEqual([])
    const makefile = readFileSync(join(ROOT, 'openwrt-package/Makefile'), 'utf8')
    expect(makefile).not.toMatch(/USERID:=|ALTERNATIVES:=/)
  })
})

describe('opkg (24.10) and the SDK-built .ipk', () => {
  it('installs: default_postinst runs the uci-defaults, then the postinst, then enables and starts', () => {
    installFiles('opkg')
    run('opkg', 'postinst', 'configure')
    expect(calls()).toEqual([
      'firewall reload',
      'rpcd reload',
      'service enable',
      'service enabled',
      'service start',
      'service enable',
      'service start',
    ])
    expect(existsSync(join(root, 'etc/uci-defaults/90-lanvpn'))).toBe(false)
    expect(readFileSync(join(work, 'uci.db'), 'utf8')).toContain('firewall.lanvpn_zone=zone\n')
  })

  it(`upgrades to ${NEXT}: prerm upgrade stops the service (never disables it), postrm upgrade, the files, postinst configure restarts it`, () => {
    installFiles('opkg')
    run('opkg', 'postinst', 'configure')
    calls()
    // What the daemon keeps: a secret must outlive the upgrade.
    mkdirSync(join(root, 'etc/lanvpn/secrets'), { recursive: true })
    writeFileSync(join(root, 'etc/lanvpn/secrets/key'), 'k')
    run('opkg', 'prerm', `upgrade ${NEXT}`, true)
    expect(calls()).toEqual(['service stop'])
    run('opkg', 'postrm', `upgrade ${NEXT}`, true)
    expect(calls()).toEqual([])
    expect(readFileSync(join(root, 'etc/lanvpn/secrets/key'), 'utf8')).toBe('k')
    installFiles('opkg')
    run('opkg', 'postinst', 'configure', true)
    expect(calls()).toEqual(['rpcd reload', 'service enabled', 'service restart', 'service start'])
  })

  it('removes: the prerm stops, disables and cleans up, then default_prerm stops and disables again', () => {
    installFiles('opkg')
    run('opkg', 'prerm', 'remove')
    expect(calls()).toEqual([
      'service stop',
      'service disable',
      'lanvpn cleanup',
      'service disable',
      'service stop',
    ])
    run('opkg', 'postrm', 'remove')
    expect(calls()).toEqual(['rpcd reload'])
  })
})

describe('apk (25.12) and the SDK-built .apk', () => {
  it('installs: post-install runs default_postinst (uci-defaults, enable, start), then the postinst', () => {
    installFiles('apk')
    run('apk', 'post-install')
    expect(calls()).toEqual([
      'service enable',
      'service start',
      // The zone default_postinst added reaches fw4 only by this reload.
      'firewall reload',
      'rpcd reload',
      'service enable',
      'service enabled',
      'service start',
    ])
    expect(existsSync(join(root, 'etc/uci-defaults/90-lanvpn'))).toBe(false)
    expect(readFileSync(join(work, 'uci.db'), 'utf8')).toContain('firewall.lanvpn_zone=zone\n')
  })

  it(`upgrades to ${NEXT}: no script of the old package, the files, then post-upgrade restarts the service`, () => {
    installFiles('apk')
    run('apk', 'post-install')
    calls()
    installFiles('apk')
    run('apk', 'post-upgrade')
    expect(calls()).toEqual(['service start', 'rpcd reload', 'service enabled', 'service restart'])
  })

  it('removes: pre-deinstall disables and stops, then the prerm cleans up; post-deinstall', () => {
    installFiles('apk')
    run('apk', 'pre-deinstall')
    expect(calls()).toEqual([
      'service disable',
      'service stop',
      'service stop',
      'service disable',
      'lanvpn cleanup',
    ])
    run('apk', 'post-deinstall')
    expect(calls()).toEqual(['rpcd reload'])
    expect(existsSync(join(root, 'etc/lanvpn'))).toBe(false)
  })
})
