// The daemon skeleton in the lab router, under each runtime lanvpn supports (the native qjs, as on
// a router, and Node): start, status file, the owned nft table, reload through the real rpcd
// plugin, drift repair, clean shutdown that leaves the rules in force, and `lanvpn cleanup` leaving
// nothing behind.
//
//   [lv…-laptop] ── br-lan ──[lv…-router: lanvpn daemon, nft table inet lanvpn]── wan ──[lv…-inet]
//
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  labDeviceSection,
  labRuntimeArgv,
  unhandledRejections,
  writeLabConfig,
  type LabRuntime,
} from './daemon-lab'
import { Lab, labOrFail, waitFor, type LabProcess } from './lab'

const ROOT = join(__dirname, '../..')
const BUNDLE = join(ROOT, 'dist/lanvpn.js')
const PLUGIN = join(ROOT, 'dist/root/usr/libexec/rpcd/lanvpn')

/** Runtimes the bundle must work under: the native qjs (the router's) and Node. */
const runtimes: Array<{ name: string; runtime: LabRuntime }> = [
  { name: 'native qjs', runtime: 'qjs' },
  { name: 'node', runtime: 'node' },
]

const LAPTOP_MAC = '02:00:00:00:50:01'
/** The lab config: the laptop on the VPN under the given kill_switch value. */
const writeConfig = (prefix: string, killSwitch: string) =>
  writeLabConfig(
    prefix,
    { enabled: '1', kill_switch: killSwitch },
    labDeviceSection(LAPTOP_MAC, 'vpn', { label: 'Laptop', kind: 'laptop' })
  )

describe.runIf(labOrFail())('the daemon in the lab router', () => {
  let lab: Lab

  beforeAll(async () => {
    if (!existsSync(BUNDLE) || !existsSync(PLUGIN))
      throw new Error('run `npm run build` first (dist/ is missing)')
    lab = await Lab.up({ devices: ['laptop'] })
  })
  afterAll(async () => {
    await lab?.down()
  })

  describe.each(runtimes)('under $name', ({ name, runtime }) => {
    let argv: string[]
    let prefix: string
    let daemon: LabProcess
    const statusOf = () => {
      try {
        return JSON.parse(readFileSync(join(prefix, 'var/run/lanvpn/status.json'), 'utf8'))
      } catch {
        return null
      }
    }
    const env = () => ['env', `LANVPN_PREFIX=${prefix}`, 'LANVPN_LOG=stderr']
    const nftTable = async () =>
      (await lab.exec('router', ['nft', 'list', 'table', 'inet', 'lanvpn'])).stdout
    const plugin = (method: string, args: object) =>
      execFileSync(PLUGIN, ['call', method], {
        input: JSON.stringify({ ...args, ubus_rpc_session: 'a'.repeat(32) }),
        env: {
          ...process.env,
          LANVPN_PREFIX: prefix,
          LANVPN_BUNDLE: BUNDLE,
          LANVPN_RUNTIME: argv.join(' '),
          LANVPN_LOG: 'off',
        },
        encoding: 'utf8',
      })

    beforeAll(async () => {
      // Here, not at load: a missing native qjs fails this block (loudly), not the whole file.
      argv = labRuntimeArgv(runtime)
      prefix = mkdtempSync(join(tmpdir(), 'lanvpn-e2e-'))
      writeConfig(prefix, 'always')
      daemon = lab.spawn('router', [...env(), ...argv, BUNDLE, 'daemon'])
    })
    afterAll(async () => {
      await daemon?.kill()
      if (argv) await lab.exec('router', [...env(), ...argv, BUNDLE, 'cleanup'])
      if (prefix) rmSync(prefix, { recursive: true, force: true })
    })

    it(`starts, applies the owned nft table and publishes its status (${name})`, async () => {
      const status = await waitFor(
        'the first status',
        () => statusOf()?.daemon?.state === 'running' && statusOf(),
        20_000
      )
      expect(status.daemon.runtime).toBe(runtime === 'qjs' ? 'quickjs' : 'node')
      expect(status.generation).toBeGreaterThanOrEqual(1)
      expect(status.apply).toEqual({ ok: true, errors: [] })
      expect(status.devices).toEqual({ vpn: 1, direct: 0, mediastreamer: 0, blocked: 0 })
      expect(await nftTable()).toMatch(
        new RegExp(`set vpn_devices \\{[^}]*elements = \\{ ${LAPTOP_MAC} \\}`)
      )
      expect(readFileSync(join(prefix, 'var/run/lanvpn/lanvpnd.pid'), 'utf8').trim()).toMatch(
        /^\d+$/
      )
    })

    it('applies a change made through the rpcd plugin, and the status says which config it reflects', async () => {
      const off = JSON.parse(plugin('setConfig', { globals: { enabled: false } }))
      expect(off).toMatchObject({ ok: true, daemonNotified: true })
      await waitFor(
        'the table to go',
        async () => statusOf()?.configHash === off.configHash && !(await nftTable())
      )
      const on = JSON.parse(plugin('setConfig', { globals: { enabled: true } }))
      await waitFor(
        'the table to come back',
        async () =>
          statusOf()?.configHash === on.configHash && (await nftTable()).includes(LAPTOP_MAC)
      )
      expect(JSON.parse(plugin('status', {})).configHash).toBe(on.configHash)
    })

    it('puts its table back when something deleted it', async () => {
      const before = statusOf().generation
      await lab.exec('router', ['nft', 'delete', 'table', 'inet', 'lanvpn'], { check: true })
      await lab.exec('router', [
        'kill',
        '-HUP',
        String(readFileSync(join(prefix, 'var/run/lanvpn/lanvpnd.pid'), 'utf8').trim()),
      ])
      await waitFor(
        'the table to be repaired',
        async () => statusOf().generation > before && (await nftTable()).includes(LAPTOP_MAC)
      )
    })

    it('reports config problems in the status without stopping', async () => {
      writeConfig(prefix, 'sometimes')
      const pid = readFileSync(join(prefix, 'var/run/lanvpn/lanvpnd.pid'), 'utf8').trim()
      await lab.exec('router', ['kill', '-HUP', pid])
      const s = await waitFor(
        'the problem in the status',
        () => statusOf()?.problems?.length > 0 && statusOf()
      )
      expect(s.problems[0]).toMatchObject({ section: 'globals', option: 'kill_switch' })
      expect(s.daemon.state).toBe('running')
    })

    it('stops cleanly on SIGTERM and leaves its rules in force (fail closed)', async () => {
      await lab.exec('router', [
        'kill',
        '-TERM',
        String(readFileSync(join(prefix, 'var/run/lanvpn/lanvpnd.pid'), 'utf8').trim()),
      ])
      expect(await daemon.exited).toBe(0)
      expect(unhandledRejections(daemon.output())).toEqual([])
      expect(statusOf().daemon.state).toBe('stopped')
      expect(existsSync(join(prefix, 'var/run/lanvpn/lanvpnd.pid'))).toBe(false)
      expect(await nftTable()).toContain('vpn_devices')
    })

    it('`lanvpn cleanup` removes everything it owns, and a second run finds nothing', async () => {
      const first = await lab.exec('router', [...env(), ...argv, BUNDLE, 'cleanup'])
      expect(first.code).toBe(0)
      expect(first.stdout).toContain('removed nft table inet lanvpn')
      expect((await lab.exec('router', ['nft', 'list', 'tables'])).stdout).not.toContain('lanvpn')
      expect(existsSync(join(prefix, 'var/run/lanvpn/status.json'))).toBe(false)
      const second = await lab.exec('router', [...env(), ...argv, BUNDLE, 'cleanup'])
      expect(second.stdout).toContain('nothing of lanvpn is left')
    })
  })
})
