// A durable write under the native qjs costs no process: QuickJS has no fsync, so host/quickjs.ts
// opens the temp file O_SYNC (the rpc write's budget, product.md, has no room for a `sync` child).
// strace shows what the kernel was asked: the temp file's openat flags and every execve. Where the
// host cannot tell O_SYNC (an O_CREAT no known ABI has) it must still run `sync`, never skip it.
// Without strace or the native qjs these fail (run `make setup`); they never skip.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { qjsCommand } from '../../scripts/native-qjs.mjs'
import { bundleHostEntry } from './host-process'

const root = mkdtempSync(join(tmpdir(), 'lanvpn-durable-'))
const bundle = join(root, 'host-bundle.js')

beforeAll(() => bundleHostEntry(bundle))
afterAll(() => rmSync(root, { recursive: true, force: true }))

type Traced = { opens: string[]; execs: string[] }

/** Runs the host entry's `set` under the native qjs under `strace -f`; the openat lines that name
 * `dir` and every program run (the first is qjs itself). Throws when strace is missing. */
function traceHostEntry(set: string, dir: string): Traced {
  if (spawnSync('strace', ['-V']).status !== 0)
    throw new Error('strace is missing: run `make setup` (scripts/setup.sh installs it)')
  mkdirSync(dir, { recursive: true })
  const log = join(dir, '..', `${set}.strace`)
  const strace = ['strace', '-f', '-qq', '-e', 'trace=openat,execve', '-o', log]
  // A router's open-file limit: qjs's exec closes every fd up to it in the child, traced.
  execFileSync(
    'sh',
    ['-c', 'ulimit -n 1024; exec "$@"', 'sh', ...strace, ...qjsCommand(), bundle, dir, set],
    {
      env: { ...process.env, LANVPN_LOG: 'off' },
      stdio: 'pipe',
      timeout: 30_000,
    }
  )
  const lines = readFileSync(log, 'utf8').split('\n')
  return {
    opens: lines.filter((l) => l.includes(`openat(AT_FDCWD, "${dir}/`)).map(openOf),
    // execvp tries each PATH directory: only the execve that succeeded ran a program.
    execs: lines
      .map((l) => /execve\("([^"]+)".* = 0$/.exec(l)?.[1])
      .filter((p): p is string => !!p),
  }
}

/** `<pid> openat(AT_FDCWD, "/d/.text.tmp-1", O_WRONLY|…, 0600) = 3` → `.text.tmp-N O_WRONLY|…`. */
function openOf(line: string): string {
  const m = /openat\(AT_FDCWD, "[^"]*\/([^"/]+)", ([A-Z_|]+)/.exec(line)
  return m ? `${m[1].replace(/tmp-\d+$/, 'tmp-N')} ${m[2]}` : line
}

/** What a user of the directory sees afterwards: each file's content and mode, nothing else. */
function filesIn(dir: string): Record<string, string> {
  const files: Record<string, string> = {}
  for (const name of readdirSync(dir).sort()) {
    const mode = (statSync(join(dir, name)).mode & 0o777).toString(8)
    files[name] = `${mode} ${JSON.stringify(readFileSync(join(dir, name), 'utf8'))}`
  }
  return files
}

const WRITTEN = { bytes: '600 "ok\\n"', text: '600 "written durably\\n"' }

describe('durable writes under the native qjs', () => {
  it('open the temp file O_SYNC and run no process (no sync)', () => {
    const dir = join(root, 'known-abi')
    const traced = traceHostEntry('durable-write', dir)
    expect(traced.opens).toEqual([
      '.text.tmp-N O_WRONLY|O_CREAT|O_EXCL|O_TRUNC|O_SYNC',
      '.bytes.tmp-N O_WRONLY|O_CREAT|O_EXCL|O_TRUNC|O_SYNC',
    ])
    expect(traced.execs).toEqual([qjsCommand()[0]])
    expect(filesIn(dir)).toEqual(WRITTEN)
  })

  it('run `sync` on the temp file where O_SYNC is not known (an unknown O_CREAT)', () => {
    const dir = join(root, 'unknown-abi')
    const traced = traceHostEntry('durable-write-unknown-abi', dir)
    // Each temp file is opened without O_SYNC by qjs, then by `sync` (coreutils) to fsync it.
    expect(traced.opens).toEqual([
      '.text.tmp-N O_WRONLY|O_CREAT|O_EXCL|O_TRUNC',
      '.text.tmp-N O_RDONLY|O_NONBLOCK',
      '.bytes.tmp-N O_WRONLY|O_CREAT|O_EXCL|O_TRUNC',
      '.bytes.tmp-N O_RDONLY|O_NONBLOCK',
    ])
    expect(traced.execs.slice(1).map((p) => p.split('/').pop())).toEqual(['sync', 'sync'])
    expect(filesIn(dir)).toEqual(WRITTEN)
  })
})
