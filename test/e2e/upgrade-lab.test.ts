// An upgrade of the installed package never opens the kill switch (issue 20, "Upgrade"). Version N
// (this build's tree, as a .ipk) is unpacked into a scratch root in the lab router and its postinst
// runs as on a first install (the init script under the rc.common + procd stand-in of
// test/package/fixtures, as in test/package/init-lab.test.ts); a location is imported, the laptop set
// to vpn, the tunnel connected through the installed rpcd plugin. Then, while the laptop sends
// steady traffic of every kind and a capture watches the WAN, the package is upgraded to N+1 (the
// same sources built again as another version) the way each package manager does it, with the
// maintainer scripts each kind of package carries:
//
//   opkg, the .ipk of `make ipk` (control/'s scripts as they are):
//         prerm upgrade <new>, postrm upgrade <new>, the new files (a changed conffile kept, the
//         package's own written beside it as -opkg), postinst configure; PKG_UPGRADE=1 throughout
//         (openwrt/opkg-lede libopkg/opkg_install.c, opkg_install_pkg)
//   opkg, the .ipk of the 24.10 SDK: the same steps, but prerm and postinst are the SDK's wrappers
//         (include/package-pack.mk): default_prerm sources prerm-pkg and then stops the service,
//         so no daemon runs while the files are swapped; default_postinst runs the uci-defaults,
//         sources postinst-pkg (which restarts the service) and starts the service
//   apk, the .apk of the 25.12 SDK: the new files (a changed conffile kept, the new one as
//         .apk-new), then post-upgrade: `export PKG_UPGRADE=1`, default_postinst (uci-defaults,
//         start) and the postinst inline; apk runs no script of the old package on an upgrade
//
// The SDK's scripts are made as package-pack.mk makes them (test/package/sdk-scripts.ts) and call a
// stand-in of OpenWrt's /lib/functions.sh (test/package/fixtures/functions.sh).
//
// and not one packet of the laptop reaches the WAN; the config, the secrets, the device's mode and
// the chosen location survive; the daemon of N+1 runs (its version in the status) and carries the
// laptop's traffic again; the fail-closed include for fw4 is there at every moment. /etc/init.d/firewall
// is the lab's fw4 (a reload loads the include), so the postinst's firewall reload is real too.
//
// Absolute paths in the maintainer scripts are pointed into the scratch root (see `rooted`).
//
//   [lv…-laptop] vpn ── br-lan ──[lv…-router: lanvpnd of the scratch root]── wan ──[lv…-inet]
//                                  capture: tcpdump -i wan                 [lv…-vpn] 203.0.113.10
//
import { execFileSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildAppletFiles } from '../../scripts/applet-chunks.mjs'
import { buildIpk } from '../../scripts/ipk.mjs'
import { qjsCommand } from '../../scripts/native-qjs.mjs'
import { deviceEnv, forScratchRoot, sdkScripts } from '../package/sdk-scripts'
import { leakCapture, startLeakLoad, type LeakCapture } from './daemon-lab'
import { Lab, labOrFail, waitFor, type LabProcess } from './lab'

const ROOT = join(import.meta.dirname, '../..')
const FIXTURES = join(ROOT, 'test/package/fixtures')
const LAB_SH = join(ROOT, 'scripts/lab/lab.sh')
const SERVER = '203.0.113.10'
/** What may cross the WAN: the tunnel's own UDP, and the router's ICMP errors about it. */
const ALLOWED = [
  `udp port 51820 and host ${SERVER}`,
  'icmp and icmp[icmptype] == icmp-unreach and icmp[28:2] == 51820',
]
const OLD = { bundle: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version }
/** N+1: the same sources built as the next patch version. */
const NEW = { bundle: OLD.bundle.replace(/(\d+)$/, (n: string) => String(Number(n) + 1)) }
const OLD_IPK = `${OLD.bundle}-r1`
const NEW_IPK = `${NEW.bundle}-r1`
const FW4_INCLUDE = 'usr/share/nftables.d/ruleset-post/90-lanvpn.nft'
const CONFFILES = ['etc/config/lanvpn']

/** A package manager and who built the package: `make ipk` (control/'s scripts as they are) or the
 * OpenWrt SDK (its wrappers around them); apk packages come only from the SDK. */
type Flow = { manager: 'opkg' | 'apk'; build: 'make ipk' | 'SDK' }

describe.runIf(labOrFail()).each<Flow>([
  { manager: 'opkg', build: 'make ipk' },
  { manager: 'opkg', build: 'SDK' },
  { manager: 'apk', build: 'SDK' },
])(
  'an $manager upgrade of the package $build built, under load in the lab router',
  ({ manager, build }) => {
    let lab: Lab
    let work: string
    let root: string
    let state: string
    let capture: LeakCapture | undefined
    let load: LabProcess[] = []
    /** Each moment the fw4 include was looked at during the upgrade and was missing or empty. */
    const includeGaps: string[] = []
    let before: { config: string; secrets: Record<string, string>; pid: number; include: string }

    const env = (more: Record<string, string> = {}) => ({
      PATH: `${join(FIXTURES, 'bin')}:${join(work, 'bin')}:/usr/sbin:/usr/bin:/sbin:/bin`,
      PROCD_SHIM_ROOT: root,
      PROCD_SHIM_STATE: state,
      LANVPN_PREFIX: root,
      LANVPN_BUNDLE: join(root, 'usr/share/lanvpn/lanvpn.js'),
      UCI_STUB_LOG: join(work, 'uci.log'),
      UCI_STUB_DB: join(work, 'uci.db'),
      ...deviceEnv(root, join(work, 'initd')),
      ...more,
    })
    const envArgv = (more?: Record<string, string>) => [
      'env',
      '-i',
      ...Object.entries(env(more)).map(([k, v]) => `${k}=${v}`),
    ]
    const status = () => {
      try {
        return JSON.parse(readFileSync(join(root, 'var/run/lanvpn/status.json'), 'utf8'))
      } catch {
        return null
      }
    }
    /** What procd's stand-in recorded and the daemon said, for a failure's message. */
    const procdLog = () =>
      (existsSync(state) ? readdirSync(state) : [])
        .map((f) => `== ${f}\n${readFileSync(join(state, f), 'utf8')}`)
        .join('\n')
    /** A method of the installed rpcd plugin, called as rpcd calls it; an error reply throws. */
    const rpc = (method: string, args: object = {}) => {
      const reply = JSON.parse(
        execFileSync(join(root, 'usr/libexec/rpcd/lanvpn'), ['call', method], {
          input: JSON.stringify(args),
          env: { ...env(), LANVPN_LOG: 'off' },
          encoding: 'utf8',
        })
      )
      if (reply.error) throw new Error(`${method}: ${JSON.stringify(reply.error)}`)
      return reply
    }
    const echoFromLaptop = async () =>
      (await lab.exec('laptop', ['curl', '-sS', '-m', '3', 'http://192.0.2.1/'])).stdout
    const secrets = () => {
      const dir = join(root, 'etc/lanvpn/secrets')
      return Object.fromEntries(
        readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')])
      )
    }

    /** A package's files as the package manager gets them: its data tree and control scripts. */
    function unpack(version: string, tree: string, into: string) {
      const { ipk } = buildIpk({
        rootDir: tree,
        controlDir: join(ROOT, 'openwrt-package/control'),
        version,
        epoch: 1_700_000_000,
      })
      mkdirSync(join(into, 'data'), { recursive: true })
      mkdirSync(join(into, 'control'))
      writeFileSync(join(into, 'p.ipk'), ipk)
      execFileSync('tar', ['-xzf', join(into, 'p.ipk'), '-C', into])
      execFileSync('tar', ['-xzf', join(into, 'data.tar.gz'), '-C', join(into, 'data')])
      execFileSync('tar', ['-xzf', join(into, 'control.tar.gz'), '-C', join(into, 'control')])
    }

    /** The files of a package, relative to the root. */
    function filesOf(dir: string, rel = ''): string[] {
      return readdirSync(join(dir, rel)).flatMap((name) => {
        const path = rel ? `${rel}/${name}` : name
        return statSync(join(dir, path)).isDirectory() ? filesOf(dir, path) : [path]
      })
    }

    /** Installs the files of the package unpacked in `pkg` over the root, as the package manager
     * does on an upgrade: each file replaced by a rename (a running process keeps the old one), a
     * conffile the user changed kept, with the package's own written beside it. */
    function swapFiles(pkg: string, old?: string) {
      for (const file of filesOf(join(pkg, 'data'))) {
        const from = join(pkg, 'data', file)
        const to = join(root, file)
        mkdirSync(dirname(to), { recursive: true })
        if (old && CONFFILES.includes(file) && existsSync(to)) {
          const shipped = readFileSync(join(old, 'data', file))
          if (!readFileSync(to).equals(shipped)) {
            cpSync(from, `${to}${manager === 'opkg' ? '-opkg' : '.apk-new'}`)
            continue
          }
        }
        cpSync(from, `${to}.upgrading`, { preserveTimestamps: true })
        renameSync(`${to}.upgrading`, to)
      }
    }

    /** The maintainer scripts of the package unpacked in `pkg` by name, as this flow's package
     * carries them: control/'s own (make ipk) or the SDK's (test/package/sdk-scripts.ts). */
    const scriptsOf = (pkg: string): Record<string, string> =>
      build === 'SDK'
        ? sdkScripts(join(pkg, 'control'), 'lanvpn', manager)
        : Object.fromEntries(
            ['postinst', 'prerm', 'postrm'].map((n) => [
              n,
              readFileSync(join(pkg, 'control', n), 'utf8'),
            ])
          )

    /** The maintainer script `name` of the package unpacked in `pkg`, its absolute paths pointed
     * into the scratch root: /etc/init.d/<service> runs the stand-ins in work/initd, everything
     * else under /etc, /usr, /var, /lib and /tmp is the root's. */
    function rooted(pkg: string, name: string): string {
      const path = join(pkg, `${name}.rooted`)
      writeFileSync(path, forScratchRoot(scriptsOf(pkg)[name], root, join(work, 'initd')), {
        mode: 0o755,
      })
      return path
    }

    /** What the package manager keeps of a package it installed, where default_postinst and
     * default_prerm look for it: opkg's info directory (the scripts, pointed into the root, and the
     * file list), or the file list the SDK puts into an .apk's data (/lib/apk/packages). */
    function installMeta(pkg: string) {
      const list = filesOf(join(pkg, 'data'))
        .map((f) => `/${f}\n`)
        .sort()
        .join('')
      if (manager === 'apk') {
        mkdirSync(join(root, 'lib/apk/packages'), { recursive: true })
        writeFileSync(join(root, 'lib/apk/packages/lanvpn.list'), list)
        return
      }
      const info = join(root, 'usr/lib/opkg/info')
      mkdirSync(info, { recursive: true })
      for (const name of Object.keys(scriptsOf(pkg)))
        cpSync(rooted(pkg, name), join(info, `lanvpn.${name}`))
      writeFileSync(join(info, 'lanvpn.list'), list)
    }

    /** Runs a maintainer script as the package manager does: opkg runs the installed package's from
     * its info directory (`sh -c "<path> <args>"`, PKG_UPGRADE 0 or 1), apk the one it carries in
     * the package, with no arguments (only post-upgrade sets PKG_UPGRADE, itself). */
    const runScript = async (pkg: string, name: string, args: string[], upgrade: boolean) => {
      const path =
        manager === 'opkg' ? join(root, 'usr/lib/opkg/info', `lanvpn.${name}`) : rooted(pkg, name)
      if (manager === 'opkg' && build === 'make ipk') cpSync(rooted(pkg, name), path)
      const result = await lab.exec('router', [
        ...envArgv(manager === 'opkg' ? { PKG_UPGRADE: upgrade ? '1' : '0' } : {}),
        'sh',
        '-c',
        [path, ...args].join(' '),
      ])
      expect(result.code, `${name} ${args.join(' ')}: ${result.stderr}`).toBe(0)
    }

    /** Every 20 ms: is the fw4 include there and not empty? Stopped by the returned function. */
    function watchInclude(): () => void {
      const timer = setInterval(() => {
        const file = join(root, FW4_INCLUDE)
        if (!existsSync(file) || statSync(file).size === 0)
          includeGaps.push(new Date().toISOString())
      }, 20)
      return () => clearInterval(timer)
    }

    beforeAll(async () => {
      if (!existsSync(join(ROOT, 'dist/root/usr/share/lanvpn/lanvpn.js')))
        throw new Error('run `npm run build` first (dist/root is missing)')
      work = mkdtempSync(join(tmpdir(), `lanvpn-upgrade-${manager}-`))
      root = join(work, 'root')
      state = join(work, 'procd')
      mkdirSync(root)
      mkdirSync(join(work, 'bin'))
      symlinkSync(qjsCommand()[0], join(work, 'bin/qjs'))

      // N+1's tree: this build's, with the bundle built again as the next version.
      const nextTree = join(work, 'tree-next')
      cpSync(join(ROOT, 'dist/root'), nextTree, { recursive: true })
      const files = await buildAppletFiles({
        src: join(ROOT, 'applet/src'),
        define: { __LANVPN_VERSION__: JSON.stringify(NEW.bundle) },
      })
      for (const f of files) writeFileSync(join(nextTree, 'usr/share/lanvpn', f.fileName), f.code)
      unpack(OLD_IPK, join(ROOT, 'dist/root'), join(work, 'pkg-old'))
      unpack(NEW_IPK, nextTree, join(work, 'pkg-new'))

      lab = await Lab.up({ devices: ['laptop'] })
      // The services the maintainer scripts reach for: rpcd (recorded only), the firewall (the
      // lab's fw4 with the root's includes) and lanvpn's own init script under the procd stand-in.
      const initd = join(work, 'initd')
      mkdirSync(initd)
      const calls = join(work, 'services.log')
      writeFileSync(join(initd, 'rpcd'), `#!/bin/sh\necho "rpcd $*" >>${calls}\n`, { mode: 0o755 })
      writeFileSync(
        join(initd, 'firewall'),
        `#!/bin/sh\necho "firewall $*" >>${calls}\n` +
          `exec env LAB=${lab.name} LAB_STATE=${lab.stateDir} bash ${LAB_SH} firewall "$1" ${root}\n`,
        { mode: 0o755 }
      )
      writeFileSync(
        join(initd, 'lanvpn'),
        `#!/bin/sh\necho "lanvpn $*" >>${calls}\nexec sh ${FIXTURES}/rc.common ${root}/etc/init.d/lanvpn "$@"\n`,
        { mode: 0o755 }
      )

      // A first install of N: the files, then `postinst configure` (apk: post-install).
      swapFiles(join(work, 'pkg-old'))
      installMeta(join(work, 'pkg-old'))
      await lab.firewall('start', root)
      if (manager === 'opkg')
        await runScript(join(work, 'pkg-old'), 'postinst', ['configure'], false)
      else await runScript(join(work, 'pkg-old'), 'post-install', [], false)
      await waitFor('the daemon to run', () => status()?.daemon?.state === 'running', 20_000).catch(
        (e) => {
          throw new Error(`${e.message}\n${procdLog()}`)
        }
      )

      // What a user does next: a location, the laptop in vpn, connect.
      const home = rpc('importProfile', { name: 'Home', text: lab.clientConf('vpn') })
      rpc('setDeviceMode', { mac: lab.deviceMac('laptop'), mode: 'vpn' })
      rpc('connect', { id: home.id })
      await waitFor(
        'the tunnel connected',
        () => status()?.tunnel?.state === 'connected' && status(),
        60_000
      )
      await waitFor(
        'the laptop through the tunnel',
        async () => (await echoFromLaptop()) === SERVER
      )
      await waitFor('the fw4 include', () => existsSync(join(root, FW4_INCLUDE)))
      before = {
        config: readFileSync(join(root, 'etc/config/lanvpn'), 'utf8'),
        secrets: secrets(),
        pid: status().daemon.pid,
        include: readFileSync(join(root, FW4_INCLUDE), 'utf8'),
      }
    }, 170_000)

    afterAll(async () => {
      try {
        for (const p of load) await p.kill()
        await capture?.close()
        for (const pidfile of existsSync(state ?? '') ? readdirSync(state) : [])
          if (pidfile.endsWith('.pid'))
            try {
              process.kill(Number(readFileSync(join(state, pidfile), 'utf8')), 'SIGKILL')
            } catch {
              // Already gone.
            }
        if (lab && root)
          await lab.exec('router', [...envArgv(), join(root, 'usr/bin/lanvpn'), 'cleanup'])
      } finally {
        await lab?.down()
        if (work) rmSync(work, { recursive: true, force: true })
      }
    })

    it(`runs version ${OLD.bundle} with the laptop's traffic in the tunnel and the include for fw4 in place`, async () => {
      expect(status().daemon.version).toBe(OLD.bundle)
      expect(before.include).toContain(lab.deviceMac('laptop'))
      expect(
        (await lab.exec('router', ['nft', 'list', 'table', 'inet', 'lanvpn'])).stdout
      ).toContain(lab.deviceMac('laptop'))
    })

    it(`upgrades to ${NEW.bundle} as ${manager} does, and not one of the laptop's packets reaches the WAN`, async () => {
      capture = await leakCapture(lab)
      load = startLeakLoad(lab, 'laptop')
      const stopWatching = watchInclude()
      const servicesLog = join(work, 'services.log')
      writeFileSync(servicesLog, '')
      try {
        await new Promise((r) => setTimeout(r, 1000))
        const oldPkg = join(work, 'pkg-old')
        const newPkg = join(work, 'pkg-new')
        if (manager === 'opkg') {
          await runScript(oldPkg, 'prerm', ['upgrade', NEW_IPK], true)
          await runScript(oldPkg, 'postrm', ['upgrade', NEW_IPK], true)
          swapFiles(newPkg, oldPkg)
          installMeta(newPkg)
          await runScript(newPkg, 'postinst', ['configure'], true)
        } else {
          swapFiles(newPkg, oldPkg)
          installMeta(newPkg)
          await runScript(newPkg, 'post-upgrade', [], true)
        }
        await waitFor(
          `the daemon of ${NEW.bundle} connected`,
          () =>
            status()?.daemon?.version === NEW.bundle &&
            status()?.daemon?.state === 'running' &&
            status()?.tunnel?.state === 'connected',
          60_000
        )
        await waitFor(
          'the laptop through the tunnel again',
          async () => (await echoFromLaptop()) === SERVER,
          30_000
        )
        // The load keeps running a while after the new daemon took over.
        await new Promise((r) => setTimeout(r, 2000))
      } finally {
        stopWatching()
        for (const p of load) await p.kill()
        load = []
      }
      expect(await capture.leaks(ALLOWED)).toEqual([])
      expect(includeGaps).toEqual([])
      // What the scripts told the services, in order (test/package/sdk-hooks.test.ts): the SDK's
      // opkg prerm stops the daemon before the swap; nothing disables it or reloads the firewall.
      expect(readFileSync(servicesLog, 'utf8').trim().split('\n')).toEqual(
        (
          {
            'opkg make ipk': ['rpcd reload', 'lanvpn enabled', 'lanvpn restart'],
            'opkg SDK': [
              'lanvpn stop',
              'rpcd reload',
              'lanvpn enabled',
              'lanvpn restart',
              'lanvpn start',
            ],
            'apk SDK': ['lanvpn start', 'rpcd reload', 'lanvpn enabled', 'lanvpn restart'],
          } as Record<string, string[]>
        )[`${manager} ${build}`]
      )
    })

    it('keeps the config, the secrets, the laptop in vpn and the chosen location', () => {
      expect(readFileSync(join(root, 'etc/config/lanvpn'), 'utf8')).toBe(before.config)
      // The package's own config is beside it, as the package manager leaves it.
      const beside = join(root, `etc/config/lanvpn${manager === 'opkg' ? '-opkg' : '.apk-new'}`)
      expect(readFileSync(beside, 'utf8')).toBe(
        readFileSync(join(ROOT, 'dist/root/etc/config/lanvpn'), 'utf8')
      )
      expect(secrets()).toEqual(before.secrets)
      const config = rpc('getConfig')
      expect(config.devices).toContainEqual(
        expect.objectContaining({ mac: lab.deviceMac('laptop'), mode: 'vpn' })
      )
      const [home] = config.profiles
      expect(home).toMatchObject({ label: 'Home', privateKey: { set: true } })
      expect(config.globals.activeProfile).toBe(home.id)
      expect(status().tunnel.profile).toBe(home.id)
    })

    it(`runs the daemon of ${NEW.bundle}, a new process, with its rules and the include in place`, async () => {
      const now = status()
      expect(now.daemon).toMatchObject({ state: 'running', version: NEW.bundle })
      expect(now.daemon.pid).not.toBe(before.pid)
      expect(existsSync(join(root, FW4_INCLUDE))).toBe(true)
      expect(readFileSync(join(root, FW4_INCLUDE), 'utf8')).toContain(lab.deviceMac('laptop'))
      expect(
        (await lab.exec('router', ['nft', 'list', 'table', 'inet', 'lanvpn'])).stdout
      ).toContain(lab.deviceMac('laptop'))
      // An upgrade keeps the user's choice to run the service at boot.
      expect(existsSync(join(root, 'etc/rc.d/S12lanvpn'))).toBe(true)
    })
  }
)
