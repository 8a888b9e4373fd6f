// The packaged init script in the lab router: the .ipk's files unpacked into a temporary root, the
// init script's boot/reload/stop run through an rc.common + procd stand-in (fixtures/rc.common),
// then the packaged `lanvpn cleanup` — and nothing of lanvpn is left in nft, ip rules, routes or
// files. Under the router's runtime, a native qjs the packaged wrappers find on the PATH as `qjs`
// (no LANVPN_RUNTIME, as on a router), and under Node (LANVPN_RUNTIME).
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

config device 'd_020000005001'
	option mac '${LAPTOP_MAC}'
	option mode 'vpn'
`

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

    it('boots: clears a connect wish without auto-connect, starts lanvpnd and registers its triggers', async () => {
      await initd('boot')
      expect(readFileSync(join(work, 'uci.log'), 'utf8')).toMatch(
        /^set lanvpn\.globals\.connect=0\ncommit lanvpn$/m
      )
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
        'usr/share/nftables.d/ruleset-post/90-lanvpn.nft',
      ])
        expect(existsSync(join(root, f)), f).toBe(false)
    })
  }
)
