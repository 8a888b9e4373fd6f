// Concurrent config changes (issue 8): rpcd starts one process per call, so twenty mode changes
// fired at once by the UI are twenty processes reading, changing and writing /etc/config/lanvpn.
// The config lock (system/files.ts withConfigLock, O_EXCL lock file in /var/run) makes every one
// of them land: real processes of the bundle under Node and under the native qjs, plus the lock's
// stale-takeover and bounded-wait rules on a FakeHost. And a save killed in the middle (SIGKILL,
// by strace at its rename) leaves nothing the next save does not clean up.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../applet/src/core/config/validate'
import { resolvePaths } from '../../applet/src/core/paths'
import { FakeHost } from '../../applet/src/host/fake'
import { configLockPath, withConfigLock } from '../../applet/src/system/files'
// @ts-expect-error: a plain .mjs module without type declarations
import { BUNDLE_OPTIONS } from '../../scripts/bundle-options.mjs'
import { qjsCommand } from '../../scripts/native-qjs.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = mkdtempSync(join(tmpdir(), 'lanvpn-config-lock-'))
const bundle = join(root, 'lanvpn.js')

beforeAll(async () => {
  await build({
    entryPoints: [join(here, '../../applet/src/main.ts')],
    outfile: bundle,
    ...BUNDLE_OPTIONS,
  })
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

type Outcome = { code: number | null; stdout: string; stderr: string }

function rpcCall(
  runtime: string[],
  prefix: string,
  method: string,
  args: object,
  env: Record<string, string> = {},
  onStart: (pid: number) => void = () => {}
): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(runtime[0], [...runtime.slice(1), bundle, 'rpc', 'call', method], {
      env: { ...process.env, LANVPN_PREFIX: prefix, LANVPN_LOG: 'off', ...env },
    })
    onStart(child.pid!)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(JSON.stringify(args))
  })
}

const mac = (i: number) => `02:00:00:00:60:${i.toString(16).padStart(2, '0')}`

async function concurrentModeChanges(runtime: string[], name: string, count: number) {
  const prefix = join(root, name)
  const outcomes = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      rpcCall(runtime, prefix, 'setDeviceMode', { mac: mac(i), mode: i % 2 ? 'direct' : 'vpn' })
    )
  )
  const results = outcomes.map((o) => JSON.parse(o.stdout) as { ok?: boolean; error?: unknown })
  const paths = resolvePaths(prefix)
  const { config, problems } = parseConfig(readFileSync(paths.config, 'utf8'))
  return { results, config, problems, runFiles: readdirSync(paths.runDir) }
}

describe('concurrent config changes', () => {
  it('applies every one of twenty setDeviceMode calls started at once (Node)', async () => {
    const r = await concurrentModeChanges([process.execPath], 'node', 20)
    expect(r.results.filter((x) => x.ok !== true)).toEqual([])
    expect(r.problems).toEqual([])
    expect(r.config.devices.map((d) => d.mac).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => mac(i)).sort()
    )
    expect(r.config.devices.find((d) => d.mac === mac(3))?.mode).toBe('direct')
    expect(r.runFiles.filter((f) => f.includes('lock'))).toEqual([])
  })

  it('applies every one of twenty setDeviceMode calls started at once (native qjs)', async () => {
    const r = await concurrentModeChanges(qjsCommand(), 'qjs', 20)
    expect(r.results.filter((x) => x.ok !== true)).toEqual([])
    expect(r.problems).toEqual([])
    expect(r.config.devices.map((d) => d.mac).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => mac(i)).sort()
    )
    expect(r.config.devices.find((d) => d.mac === mac(3))?.mode).toBe('direct')
    expect(r.runFiles.filter((f) => f.includes('lock'))).toEqual([])
  })
})

describe('a save killed in the middle (native qjs)', () => {
  it('leaves a dot temp file and a stale lock, and the next save cleans both up', async () => {
    const prefix = join(root, 'killed')
    const paths = resolvePaths(prefix)
    // strace kills the save with SIGKILL as it asks to rename its temp file over the config (the
    // rename never runs): it dies with its new config written in full, not yet in place.
    const renames = 'rename,renameat,renameat2'
    const killAtRename = ['strace', '-qq', '-o', '/dev/null', '-e', `trace=${renames}`]
    killAtRename.push('-e', `inject=${renames}:error=EIO:signal=SIGKILL:when=1`)
    const killed = await rpcCall([...killAtRename, ...qjsCommand()], prefix, 'setDeviceMode', {
      mac: mac(1),
      mode: 'direct',
    })
    expect([killed.code, killed.stderr]).toEqual([null, ''])

    const saver = Number(readFileSync(configLockPath(paths), 'utf8'))
    expect(() => process.kill(saver, 0)).toThrow(/ESRCH/)
    const tmp = join(dirname(paths.config), `.lanvpn.tmp-${saver}`)
    expect(readdirSync(dirname(paths.config))).toEqual([`.lanvpn.tmp-${saver}`])
    const unsaved = parseConfig(readFileSync(tmp, 'utf8')).config
    expect(unsaved.devices.map((d) => [d.mac, d.mode])).toEqual([[mac(1), 'direct']])

    const next = await rpcCall(qjsCommand(), prefix, 'setDeviceMode', { mac: mac(2), mode: 'vpn' })
    expect(JSON.parse(next.stdout)).toMatchObject({ ok: true })
    expect(readdirSync(dirname(paths.config))).toEqual(['lanvpn'])
    expect(existsSync(configLockPath(paths))).toBe(false)
    const { config } = parseConfig(readFileSync(paths.config, 'utf8'))
    expect(config.devices.map((d) => d.mac)).toEqual([mac(2)])
  })
})

describe('the config lock', () => {
  const paths = resolvePaths('')
  const pump = async (host: FakeHost, ms: number) => {
    for (let t = 0; t < ms; t += 10) {
      host.advance(10)
      await host.flush()
    }
  }

  it('takes over a lock left by a process that died (kill -9 in the middle of a change)', async () => {
    const host = new FakeHost()
    host.mkdirp(paths.runDir)
    host.createExclusive(configLockPath(paths), '999\n')
    expect(await withConfigLock(host, paths, () => 'ran')).toBe('ran')
    expect(host.readFile(configLockPath(paths))).toBeNull()
  })

  it('waits for a live holder and runs once it lets go', async () => {
    const host = new FakeHost()
    host.livePids.add(999)
    host.mkdirp(paths.runDir)
    host.createExclusive(configLockPath(paths), '999\n')
    let ran = false
    const done = withConfigLock(host, paths, () => (ran = true))
    await pump(host, 500)
    expect(ran).toBe(false)
    host.removeFile(configLockPath(paths))
    await pump(host, 100)
    await done
    expect(ran).toBe(true)
  })

  it('gives up after the bounded wait with a clear error and runs nothing', async () => {
    const host = new FakeHost()
    host.livePids.add(999)
    host.mkdirp(paths.runDir)
    host.createExclusive(configLockPath(paths), '999\n')
    let ran = false
    const done = withConfigLock(host, paths, () => (ran = true), 1000).catch((e: Error) => e)
    await pump(host, 1200)
    const err = await done
    expect(String(err)).toMatch(/another change is in progress \(process 999\)/)
    expect(ran).toBe(false)
    expect(host.readFile(configLockPath(paths))).toBe('999\n')
  })

  it('takes over an empty lock whose writer died before writing its pid', async () => {
    const host = new FakeHost()
    host.mkdirp(paths.runDir)
    host.createExclusive(configLockPath(paths), '')
    let ran = false
    const done = withConfigLock(host, paths, () => (ran = true))
    await pump(host, 3000)
    await done
    expect(ran).toBe(true)
  })
})
