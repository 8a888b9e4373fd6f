// Runs the Host contract inside QuickJS: the cases are bundled exactly like the product and run
// under qjs-emu (always) and under a native `qjs` when one is on PATH. Also checks that qjs-emu
// itself behaves like qjs where the product depends on it.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hostCases } from '../contract/host-cases'
// @ts-expect-error: a plain .mjs module without type declarations
import { BUNDLE_OPTIONS } from '../../scripts/bundle-options.mjs'
import type { HostCaseResult } from '../contract/host-runner'

const here = dirname(fileURLToPath(import.meta.url))
const EMU = join(here, 'qjs-emu.mjs')
const root = mkdtempSync(join(tmpdir(), 'lanvpn-host-qjs-'))
const bundle = join(root, 'host-bundle.js')
const hasNativeQjs = spawnSync('sh', ['-c', 'command -v qjs'], { encoding: 'utf8' }).status === 0

afterAll(() => rmSync(root, { recursive: true, force: true }))

beforeAll(async () => {
  // Built like dist/lanvpn.js (scripts/bundle-options.mjs).
  await build({
    entryPoints: [join(here, '../contract/qjs-entry.ts')],
    outfile: bundle,
    ...BUNDLE_OPTIONS,
  })
})

function runCases(cmd: string[], name: string): () => HostCaseResult[] {
  let results: HostCaseResult[] | undefined
  return () => {
    if (!results) {
      const dir = join(root, name)
      execFileSync('mkdir', ['-p', dir])
      const out = execFileSync(cmd[0], [...cmd.slice(1), bundle, dir], {
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, LANVPN_LOG: 'off' },
      })
      results = JSON.parse(out.trim().split('\n').pop()!) as HostCaseResult[]
    }
    return results
  }
}

function contractSuite(label: string, cmd: string[]): void {
  describe(label, () => {
    const results = runCases(cmd, label.replace(/\W+/g, '-'))
    for (const c of hostCases) {
      it(c.name, () => {
        const r = results().find((x) => x.name === c.name)
        expect(r, 'case ran').toBeDefined()
        expect(r!.error ?? '').toBe('')
        expect(r!.ok).toBe(true)
      })
    }
  })
}

contractSuite('QuickjsHost under qjs-emu meets the Host contract', [process.execPath, EMU, '--std'])
describe.runIf(hasNativeQjs)('native qjs', () => {
  contractSuite('QuickjsHost under native qjs meets the Host contract', ['qjs', '--std'])
})

/** Runs a small script under qjs-emu; resolves with exit code, signal and output. */
function emu(
  source: string,
  opts: {
    onStdout?: (text: string, child: ReturnType<typeof spawn>) => void
    env?: Record<string, string>
  } = {}
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = join(root, `script-${Math.random().toString(36).slice(2)}.js`)
  writeFileSync(file, source)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [EMU, '--std', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
    })
    let stdout = ''
    let stderr = ''
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s
      opts.onStdout?.(stdout, child)
    })
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s))
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(killer)
      resolve({ code, stdout, stderr })
    })
  })
}

describe('qjs-emu behaves like qjs', () => {
  it('offers only the globals qjs offers', async () => {
    const names = [
      'setTimeout',
      'setInterval',
      'fetch',
      'TextEncoder',
      'TextDecoder',
      'Buffer',
      'require',
      'process',
      'module',
      'queueMicrotask',
      'structuredClone',
    ]
    const r = await emu(
      `print(JSON.stringify([${names.map((n) => `typeof ${n}`).join(', ')}, typeof console.error,
        typeof console.log, typeof print, typeof std, typeof os, Array.isArray(scriptArgs),
        typeof os.SIGHUP, typeof os.SIGTERM, typeof performance.now]))`
    )
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual([
      ...names.map(() => 'undefined'),
      'undefined',
      'function',
      'function',
      'object',
      'object',
      true,
      'undefined',
      'number',
      'function',
    ])
  })

  it('exits 1 on an unhandled rejection', async () => {
    const r = await emu(
      `os.setTimeout(() => print('never'), 500)\nPromise.reject(new Error('boom'))`
    )
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain('Possibly unhandled promise rejection: Error: boom')
  })

  it('exits 1 when an async function rejects unhandled', async () => {
    const r = await emu(`async function f() { await null; throw new Error('late') }\nf()`)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('Error: late')
  })

  it('does not mind a rejection that is handled before the loop sleeps', async () => {
    const r = await emu(`const p = Promise.reject(1)\np.catch(() => print('handled'))`)
    expect([r.code, r.stdout]).toEqual([0, 'handled\n'])
  })

  it('exits 1 on an uncaught exception in the script', async () => {
    const r = await emu(`throw new TypeError('top')`)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('TypeError: top')
  })

  it('keeps running while an os.setTimeout is pending', async () => {
    const r = await emu(
      `const t0 = os.now()\nos.setTimeout(() => print('fired', os.now() - t0 >= 290), 300)`
    )
    expect([r.code, r.stdout]).toEqual([0, 'fired true\n'])
  })

  it("writes the engine's memory figures to QJS_EMU_MEMORY_FILE (the bench's QuickJS heap)", async () => {
    const used = async (source: string) => {
      const file = join(root, `memory-${Math.random().toString(36).slice(2)}.json`)
      expect((await emu(source, { env: { QJS_EMU_MEMORY_FILE: file } })).code).toBe(0)
      return JSON.parse(readFileSync(file, 'utf8')).memory_used_size as number
    }
    const idle = await used('os.setTimeout(() => {}, 50)')
    const holding = await used(
      "globalThis.keep = Array.from({ length: 100000 }, (_, i) => 'x' + i)\nos.setTimeout(() => {}, 50)"
    )
    expect(idle).toBeGreaterThan(50_000)
    expect(holding - idle).toBeGreaterThan(1_000_000)
  })

  it('uses the std.exit code', async () => {
    const r = await emu(`os.setTimeout(() => {}, 10000)\nstd.exit(7)`)
    expect(r.code).toBe(7)
  })

  it('delivers SIGHUP to os.signal(1, fn), and SIGTERM with a handler does not kill', async () => {
    const script = `
      let seen = []
      const keepAlive = os.setTimeout(() => print('timeout'), 10000)
      const note = (name) => () => {
        seen.push(name)
        print(name)
        if (seen.length === 2) os.clearTimeout(keepAlive)
      }
      os.signal(1, note('hup'))
      os.signal(os.SIGTERM, note('term'))
      print('ready')`
    const sent: string[] = []
    const r = await emu(script, {
      onStdout(text, child) {
        if (text.includes('ready') && !sent.includes('HUP')) {
          sent.push('HUP')
          child.kill('SIGHUP')
        }
        if (text.includes('hup') && !sent.includes('TERM')) {
          sent.push('TERM')
          child.kill('SIGTERM')
        }
      },
    })
    expect(r.stdout).toBe('ready\nhup\nterm\n')
    expect(r.code).toBe(0)
  })

  it('dies of SIGTERM once the handler is reset to the default', async () => {
    const script = `
      os.setTimeout(() => print('timeout'), 10000)
      os.signal(os.SIGTERM, () => print('handled'))
      os.signal(os.SIGTERM, null)
      print('ready')`
    const r = await emu(script, {
      onStdout(text, child) {
        if (text === 'ready\n') child.kill('SIGTERM')
      },
    })
    expect(r.stdout).toBe('ready\n')
    expect(r.code).toBeNull()
  })

  it('reports data calls as [value, positive errno] and plain calls as -errno', async () => {
    const r =
      await emu(`print(JSON.stringify([os.stat('/nonexistent-x'), os.readdir('/nonexistent-x'),
      os.remove('/nonexistent-x'), os.open('/nonexistent-x', os.O_RDONLY), std.Error.ENOENT,
      os.exec(['false']), os.exec(['no-such-binary-x']), os.waitpid(12345678, os.WNOHANG)[0] < 0]))`)
    expect(JSON.parse(r.stdout)).toEqual([[null, 2], [[], 2], -2, -2, 2, 1, 127, true])
  })
})
