// The router's runtime for real: the Host contract bundled like the product and run under the
// native qjs (scripts/native-qjs.mjs; without it every test here fails, none is skipped), and the
// facts of qjs that lanvpn is built on (host/quickjs.ts lists them).
//
// The native qjs here is bellard QuickJS 2021-03-27; the router's is 2025-09-13. Every fact below
// holds for both (checked against quickjs-libc.c of each). Where they differ, the test asserts
// lanvpn's own fallback instead and says so.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hostCases, hostWriteFailureCases } from '../contract/host-cases'
import { bundleHostEntry, runHostEntry, type HostCaseSet } from '../contract/host-process'
import type { HostCaseResult } from '../contract/host-runner'
import { qjsCommand } from '../../scripts/native-qjs.mjs'

const root = mkdtempSync(join(tmpdir(), 'lanvpn-host-qjs-'))
const bundle = join(root, 'host-bundle.js')
const qjs = (): string[] => qjsCommand()

afterAll(() => rmSync(root, { recursive: true, force: true }))
beforeAll(() => bundleHostEntry(bundle))

function contractSuite(label: string, set: HostCaseSet, cases: typeof hostCases): void {
  describe(label, () => {
    let results: HostCaseResult[] | undefined
    const resultOf = (name: string): HostCaseResult | undefined => {
      results ??= runHostEntry(qjs(), bundle, join(root, set), set)
      return results.find((x) => x.name === name)
    }
    for (const c of cases) {
      it(c.name, () => {
        const r = resultOf(c.name)
        expect(r, 'case ran').toBeDefined()
        expect(r!.error ?? '').toBe('')
        expect(r!.ok).toBe(true)
      })
    }
  })
}

contractSuite('QuickjsHost under the native qjs meets the Host contract', 'contract', hostCases)
contractSuite(
  'QuickjsHost under the native qjs when writes fail half-way (ulimit -f 0)',
  'write-failures',
  hostWriteFailureCases
)

/** print() into a pipe is block-buffered (and console.log only flushes from 2025): a script that
 * talks to the test while running flushes std.out itself, as host.writeStdout does. */
const SAY = `const say = (text) => { print(text); std.out.flush() }`

type Run = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs a script under the native qjs (`qjs --std file`); onStdout sees the output so far. */
function runQjs(
  source: string,
  onStdout?: (text: string, child: ReturnType<typeof spawn>) => void
): Promise<Run> {
  const [cmd, ...args] = qjs()
  const file = join(root, `script-${Math.random().toString(36).slice(2)}.js`)
  writeFileSync(file, source)
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args, file], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s
      onStdout?.(stdout, child)
    })
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(killer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

describe('the native qjs, as lanvpn relies on it', () => {
  it('has none of the web or Node globals, and no console.error', async () => {
    const absent = [
      'setTimeout',
      'setInterval',
      'clearTimeout',
      'fetch',
      'TextEncoder',
      'TextDecoder',
      'Buffer',
      'require',
      'process',
      'module',
      'queueMicrotask',
      'structuredClone',
      'console.error',
      'console.warn',
      'os.SIGHUP',
    ]
    const present = ['console.log', 'print', 'std', 'os', 'scriptArgs', 'os.SIGTERM']
    const r = await runQjs(
      `print(JSON.stringify([${[...absent, ...present].map((n) => `typeof ${n}`).join(', ')}]))`
    )
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual([
      ...absent.map(() => 'undefined'),
      ...['function', 'function', 'object', 'object', 'object', 'number'],
    ])
  })

  it('delivers SIGHUP to os.signal(1, fn) and SIGTERM to its handler without dying', async () => {
    const script = `${SAY}
      const seen = []
      const keepAlive = os.setTimeout(() => say('timeout'), 10000)
      const note = (name) => () => {
        seen.push(name)
        say(name)
        if (seen.length === 2) os.clearTimeout(keepAlive)
      }
      os.signal(1, note('hup'))
      os.signal(os.SIGTERM, note('term'))
      say('ready')`
    const sent: string[] = []
    const r = await runQjs(script, (text, child) => {
      if (text.includes('ready') && !sent.includes('HUP')) {
        sent.push('HUP')
        child.kill('SIGHUP')
      }
      if (text.includes('hup') && !sent.includes('TERM')) {
        sent.push('TERM')
        child.kill('SIGTERM')
      }
    })
    expect([r.stdout, r.code]).toEqual(['ready\nhup\nterm\n', 0])
  })

  it('dies of SIGTERM once its handler is reset to the default (null)', async () => {
    const script = `${SAY}
      os.setTimeout(() => say('timeout'), 10000)
      os.signal(os.SIGTERM, () => say('handled'))
      os.signal(os.SIGTERM, null)
      say('ready')`
    const r = await runQjs(script, (text, child) => {
      if (text === 'ready\n') child.kill('SIGTERM')
    })
    expect([r.stdout, r.signal]).toEqual(['ready\n', 'SIGTERM'])
  })

  it('exits with the std.exit code, pending timer or not', async () => {
    const r = await runQjs(`os.setTimeout(() => print('never'), 10000)\nstd.exit(7)`)
    expect([r.code, r.stdout]).toEqual([7, ''])
  })

  it('keeps running while an os.setTimeout is pending', async () => {
    // Date.now, not os.now: os.now only exists from 2024-01-13.
    const r = await runQjs(
      `const t0 = Date.now()\nos.setTimeout(() => print('fired', Date.now() - t0 >= 290), 300)`
    )
    expect([r.code, r.stdout]).toEqual([0, 'fired true\n'])
  })

  it('ends when only signal handlers are left (a daemon needs a timer)', async () => {
    const started = Date.now()
    const r = await runQjs(
      `os.signal(os.SIGTERM, () => print('term'))\nos.signal(1, () => {})\nprint('ready')`
    )
    expect([r.code, r.stdout]).toEqual([0, 'ready\n'])
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('answers data calls with [value, positive errno] and plain calls with -errno', async () => {
    const r = await runQjs(`print(JSON.stringify([
      os.stat('/nonexistent-x'),
      os.readdir('/nonexistent-x'),
      os.remove('/nonexistent-x'),
      os.open('/nonexistent-x', os.O_RDONLY),
      os.kill(4194305, 0),
      os.waitpid(4194305, os.WNOHANG),
      std.Error.ENOENT,
      (() => { const e = {}; return [std.open('/nonexistent-x', 'r', e), e.errno] })(),
    ]))`)
    expect(JSON.parse(r.stdout)).toEqual([
      [null, 2],
      [[], 2],
      -2,
      -2,
      -3, // ESRCH
      [-10, 0], // ECHILD
      2,
      [null, 2],
    ])
  })

  it('gives 127 for a binary that cannot be run, and -signal for a blocking exec killed', async () => {
    const r = await runQjs(`print(JSON.stringify([
      os.exec(['false']),
      os.exec(['lanvpn-no-such-binary-7f3a']),
      os.exec(['sh', '-c', 'kill -9 $$']),
    ]))`)
    expect(JSON.parse(r.stdout)).toEqual([1, 127, -9])
  })

  it('returns undefined from FILE.flush and puts: only error() and close() carry a failed write', async () => {
    // /dev/full: every write fails with ENOSPC.
    const r = await runQjs(`
      const a = std.open('/dev/full', 'w')
      const puts = a.puts('x')
      const flush = a.flush()
      const flagged = a.error()
      a.close()
      const b = std.open('/dev/full', 'w')
      b.puts('y')
      const closed = b.close()
      print(JSON.stringify([String(puts), String(flush), flagged, closed, String(std.puts(''))]))`)
    expect(JSON.parse(r.stdout)).toEqual(['undefined', 'undefined', true, -28, 'undefined'])
  })

  it('lanvpn knows its pid without os.getpid (2024-01-13 and later only): /proc/self/stat', () => {
    const [cmd, ...args] = qjs()
    const child = spawnSync(cmd, [...args, bundle, root, 'pid'], { encoding: 'utf8' })
    expect(child.status).toBe(0)
    expect(JSON.parse(child.stdout)).toEqual({ pid: child.pid })
  })
})
