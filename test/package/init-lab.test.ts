// The packaged init script in the lab router: the .ipk's files unpacked into a temporary root, the
// init script's boot/reload/stop run through an rc.common + procd stand-in (fixtures/rc.common),
// then the packaged `lanvpn cleanup` — and nothing of lanvpn is left in nft, ip rules, routes or
// files. Under the router's runtime, a native qjs the packaged wrappers find on the PATH as `qjs`
// (no LANVPN_RUNTIME, as on a router), and under Node (LANVPN_RUNTIME).
//
// boot() loads the fail-closed includes the daemon persisted before it starts the daemon: the
// destination rules' (90-lanvpn-rules.nft) first, then the main table's (90-lanvpn.nft). The script
// names them by their router paths, which the unpacked copy here has under its root instead (the
// only change made to it), and an `nft` on the PATH notes each file it is told to load before it
// runs the real nft.
//
//   [lv…-laptop] ── br-lan ──[lv…-router: lanvpnd from the unpacked .ipk]── wan ──[lv…-inet]
//
import { execFileSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Lab, labOrFail, waitFor } from '../e2e/lab'
import { addonPackage, buildIpk } from '../../scripts/ipk.mjs'
import { qjsCommand } from '../../scripts/native-qjs.mjs'

const ROOT = join(__dirname, '../..')
const FIXTURES = join(__dirname, 'fixtures')
const LAPTOP_MAC = '02:00:00:00:50:01'
const CONFIG = `
config globals 'globals'
	option enabled '1'
	option kill_switch 'always'
	option auto_connect '0'
	option connect '1'
	option wan_interface 'wan'
	option log_level 'debug'

config device 'd_020000005001'
	option mac '${LAPTOP_MAC}'
	option mode 'vpn'

config rule 'nas'
	list dest '192.0.2.0/24'
	option via 'direct'
`
const INCLUDES = 'usr/share/nftables.d/ruleset-post'
const MAIN_INCLUDE = `${INCLUDES}/90-lanvpn.nft`
const RULES_INCLUDE = `${INCLUDES}/90-lanvpn-rules.nft`

/** The runtimes: `qjs` is found on the PATH by the packaged wrappers; `node` is named. */
const runtimes: Array<{ name: string; runtime: 'qjs' | 'node' }> = [
  { name: 'the native qjs, found on the PATH', runtime: 'qjs' },
  { name: 'node', runtime: 'node' },
]

describe.runIf(labOrFail()).each(runtimes)(
  'the packaged init script in the lab router, under $name',
  ({ runtime }) => {
    let lab: Lab
    let work: string
    let root: string
    let state: string

    const env = () => ({
      // work/bin holds `qjs`, the native one, under qjs; nothing under node.
      PATH: `${join(FIXTURES, 'bin')}:${join(work, 'bin')}:/usr/sbin:/usr/bin:/sbin:/bin`,
      PROCD_SHIM_ROOT: root,
      PROCD_SHIM_STATE: state,
      LANVPN_PREFIX: root,
      LANVPN_BUNDLE: join(root, 'usr/share/lanvpn/lanvpn.js'),
      ...(runtime === 'node' ? { LANVPN_RUNTIME: process.execPath } : {}),
      UCI_STUB_LOG: join(work, 'uci.log'),
      UCI_STUB_DB: join(work, 'uci.db'),
      NFT_FILES_LOG: join(work, 'nft-files.log'),
    })
    const envArgv = () => ['env', '-i', ...Object.entries(env()).map(([k, v]) => `${k}=${v}`)]
    const initd = (action: string) =>
      lab.exec(
        'router',
        [...envArgv(), 'sh', join(FIXTURES, 'rc.common'), join(root, 'etc/init.d/lanvpn'), action],
        { check: true }
      )
    const statusOf = () => {
      try {
        return JSON.parse(readFileSync(join(root, 'var/run/lanvpn/status.json'), 'utf8'))
      } catch {
        return null
      }
    }
    const pidOf = () => readFileSync(join(state, 'main.pid'), 'utf8').trim()
    const alive = (pid: string) => {
      try {
        process.kill(Number(pid), 0)
        return true
      } catch {
        return false
      }
    }
    const router = async (argv: string[]) => (await lab.exec('router', argv)).stdout
    /** The files nft was told to load since the last call, each as `<path under the root> <exit>`. */
    const loaded = () => {
      const log = join(work, 'nft-files.log')
      const lines = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []
      writeFileSync(log, '')
      return lines.map((l) => l.replace(`${root}/`, ''))
    }
    /** As a reboot leaves it: no table of lanvpn's loaded, none of the daemon running. */
    const noTables = async () => {
      for (const table of ['lanvpn', 'lanvpn_rules'])
        await lab.exec('router', ['nft', 'delete', 'table', 'inet', table])
      expect(await router(['nft', 'list', 'tables'])).not.toMatch(/inet lanvpn/)
    }
    const stopDaemon = async () => {
      const pid = pidOf()
      await initd('stop')
      await waitFor('the daemon to exit', () => !alive(pid))
    }

    beforeAll(async () => {
      if (!existsSync(join(ROOT, 'dist/root/usr/share/lanvpn/lanvpn.js')))
        throw new Error('run `npm run build` first (dist/root is missing)')
      work = mkdtempSync(join(tmpdir(), 'lanvpn-initlab-'))
      mkdirSync(join(work, 'bin'))
      if (runtime === 'qjs') symlinkSync(qjsCommand()[0], join(work, 'bin/qjs'))
      root = join(work, 'root')
      state = join(work, 'procd')
      mkdirSync(root)
      // lanvpn, and under node also lanvpn-node (its adapter), as opkg installs them.
      const version = '0.0.0-r1'
      for (const pkg of runtime === 'node'
        ? [undefined, addonPackage('lanvpn-node', version)]
        : [undefined]) {
        const { ipk } = buildIpk({
          rootDir: join(ROOT, 'dist/root'),
          controlDir: join(ROOT, 'openwrt-package/control'),
          version,
          epoch: 1_700_000_000,
          pkg,
        })
        writeFileSync(join(work, 'p.ipk'), ipk)
        execFileSync('tar', ['-xzf', join(work, 'p.ipk'), '-C', work])
        execFileSync('tar', ['-xzf', join(work, 'data.tar.gz'), '-C', root])
      }
      writeFileSync(join(root, 'etc/config/lanvpn'), CONFIG)
      // The includes' router paths, under the root here.
      const init = join(root, 'etc/init.d/lanvpn')
      const script = readFileSync(init, 'utf8')
      const paths = /^(FW4_INCLUDE|FW4_RULES_INCLUDE)=\//gm
      if (script.match(paths)?.length !== 2)
        throw new Error('the init script no longer names FW4_INCLUDE and FW4_RULES_INCLUDE')
      writeFileSync(init, script.replace(paths, `$1=${root}/`))
      // The real nft, once each file it loads is noted.
      const nft = execFileSync('sh', ['-c', 'command -v nft'], {
        encoding: 'utf8',
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      }).trim()
      writeFileSync(
        join(work, 'bin/nft'),
        '#!/bin/sh\n' +
          'if [ "$1" = -f ] && [ "$2" != - ]; then\n' +
          `\t${nft} "$@"\n\trc=$?\n\techo "$2 $rc" >>"$NFT_FILES_LOG"\n\texit $rc\nfi\n` +
          `exec ${nft} "$@"\n`,
        { mode: 0o755 }
      )
      lab = await Lab.up({ devices: ['laptop'] })
    })
    afterAll(async () => {
      try {
        if (existsSync(join(state ?? '', 'main.pid'))) {
          const pid = pidOf()
          if (alive(pid)) process.kill(Number(pid), 'SIGKILL')
        }
        if (lab && root)
          await lab.exec('router', [...envArgv(), join(root, 'usr/bin/lanvpn'), 'cleanup'])
      } finally {
        await lab?.down()
        if (work) rmSync(work, { recursive: true, force: true })
      }
    })

    it('boots: clears a connect wish without auto-connect and debug logging, starts lanvpnd and registers its triggers', async () => {
      await initd('boot')
      const uci = readFileSync(join(work, 'uci.log'), 'utf8')
      expect(uci).toMatch(/^set lanvpn\.globals\.connect=0\ncommit lanvpn$/m)
      // Debug logging never outlives a reboot.
      expect(uci).toMatch(/^set lanvpn\.globals\.log_level=notice\ncommit lanvpn$/m)
      // A first boot: no include written yet, none loaded.
      expect(loaded()).toEqual([])
      const params = readFileSync(join(state, 'main.params'), 'utf8')
      expect(params).toContain('command /usr/sbin/lanvpnd\n')
      expect(params).toContain('env LANVPN_LOG=stderr\n')
      expect(params).toContain('respawn 3600 5 0\n')
      expect(params).toContain('file /etc/config/lanvpn\n')
      expect(params).toContain('reload_signal HUP\n')
      expect(params).toMatch(/^stdout 1$/m)
      expect(params).toMatch(/^stderr 1$/m)
      // The config's own changes only: WAN events come from the interface hotplug hook alone.
      expect(readFileSync(join(state, 'triggers'), 'utf8')).toBe('config.change lanvpn\n')
      // procd is told lanvpn's options (test/package/procd-validation.test.ts checks the list).
      expect(readFileSync(join(state, 'validate'), 'utf8')).toMatch(
        /^lanvpn globals globals enabled:bool:1 .*\nlanvpn mediastreamer mediastreamer enabled:bool:0 /
      )
      const status = await waitFor(
        'the daemon to run',
        () => statusOf()?.daemon?.state === 'running' && statusOf(),
        20_000
      )
      expect(status.daemon.pid).toBe(Number(pidOf()))
      expect(status.daemon.runtime).toBe(runtime === 'qjs' ? 'quickjs' : 'node')
      expect(await router(['nft', 'list', 'table', 'inet', 'lanvpn'])).toContain(LAPTOP_MAC)
      // The rule's own table, and both includes for the next boot.
      expect(await router(['nft', 'list', 'table', 'inet', 'lanvpn_rules'])).toContain(
        '192.0.2.0/24'
      )
      await waitFor('both includes', () =>
        [MAIN_INCLUDE, RULES_INCLUDE].every((f) => existsSync(join(root, f)))
      )
    })

    it('reloads by sending HUP to the same process, which reconciles again', async () => {
      const pid = pidOf()
      const before = statusOf().generation
      await lab.exec('router', ['nft', 'delete', 'table', 'inet', 'lanvpn'], { check: true })
      await initd('reload')
      await waitFor(
        'a reconcile after the reload',
        async () =>
          statusOf()?.generation > before &&
          (await router(['nft', 'list', 'table', 'inet', 'lanvpn'])).includes(LAPTOP_MAC)
      )
      expect(pidOf()).toBe(pid)
    })

    it('stops the daemon and leaves its rules in force (fail closed)', async () => {
      const pid = pidOf()
      await initd('stop')
      await waitFor('the daemon to exit', () => !alive(pid))
      expect(existsSync(join(state, 'main.pid'))).toBe(false)
      expect(statusOf().daemon.state).toBe('stopped')
      expect(await router(['nft', 'list', 'table', 'inet', 'lanvpn'])).toContain(LAPTOP_MAC)
    })

    it("boots from both includes: the rules' first, then the main one; a missing one is skipped", async () => {
      try {
        // As after a reboot: no table loaded, the daemon not running, the includes on flash.
        await noTables()
        loaded()
        await initd('boot')
        expect(loaded()).toEqual([`${RULES_INCLUDE} 0`, `${MAIN_INCLUDE} 0`])
        await waitFor('the daemon to run', () => statusOf()?.daemon?.state === 'running')
        await stopDaemon()
        // No rules' include (a config that had none when the daemon last wrote): the main one
        // alone.
        rmSync(join(root, RULES_INCLUDE))
        await noTables()
        await initd('boot')
        expect(loaded()).toEqual([`${MAIN_INCLUDE} 0`])
        expect(await router(['nft', 'list', 'table', 'inet', 'lanvpn'])).toContain(LAPTOP_MAC)
        // The daemon, running again, puts its rules' table and include back.
        await waitFor(
          "the daemon's rules' table and include",
          async () =>
            existsSync(join(root, RULES_INCLUDE)) &&
            (await router(['nft', 'list', 'table', 'inet', 'lanvpn_rules'])).includes(
              '192.0.2.0/24'
            )
        )
      } finally {
        // Stopped as the test before left it, whatever happened (cleanup comes next).
        if (existsSync(join(state, 'main.pid'))) await stopDaemon()
      }
      expect(statusOf().daemon.state).toBe('stopped')
    })

    it('then `lanvpn cleanup` leaves nothing of lanvpn in nft, ip rules, routes or files', async () => {
      const out = await lab.exec('router', [...envArgv(), join(root, 'usr/bin/lanvpn'), 'cleanup'])
      expect(out.code, out.stderr).toBe(0)
      expect(await router(['nft', 'list', 'tables'])).not.toMatch(/inet lanvpn/)
      for (const family of ['-4', '-6']) {
        const prios = (await router(['ip', family, 'rule', 'show']))
          .split('\n')
          .map((l) => Number(l.split(':')[0]))
        expect(prios.filter((p) => p >= 5200 && p < 5300)).toEqual([])
        expect((await router(['ip', family, 'route', 'show', 'table', '5201'])).trim()).toBe('')
      }
      expect(await router(['ip', 'link', 'show', 'dev', 'lanvpn0'])).toBe('')
      for (const f of [
        'var/run/lanvpn/status.json',
        'var/run/lanvpn/lanvpnd.pid',
        MAIN_INCLUDE,
        RULES_INCLUDE,
      ])
        expect(existsSync(join(root, f)), f).toBe(false)
    })
  }
)
