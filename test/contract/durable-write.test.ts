// A durable write under the native qjs costs no process: QuickJS has no fsync, so host/quickjs.ts
// opens the temp file O_SYNC (the rpc write's budget, product.md, has no room for a `sync` child).
// strace shows what the kernel was asked: the temp file's openat flags and every execve. Where the
// host cannot tell O_SYNC (an O_CREAT no known ABI has) it must still run `sync`, never skip it.
// A whole rpc write runs one process: libuci's lock, `flock -xn 0` (a blocking exec when free).
// Without strace or the native qjs these fail (run `make setup`); they never skip.
import { execFileSync, spawnSync } from 'node:child_process'
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG_TEXT } from '../../applet/src/core/config/defaults'
import { parseConfig } from '../../applet/src/core/config/validate'
import { resolvePaths } from '../../applet/src/core/paths'
// @ts-expect-error: a plain .mjs module without type declarations
import { BUNDLE_OPTIONS } from '../../scripts/bundle-options.mjs'
import { qjsCommand } from '../../scripts/native-qjs.mjs'
import { bundleHostEntry } from './host-process'

const here = dirname(fileURLToPath(import.meta.url))

const root = mkdtempSync(join(tmpdir(), 'lanvpn-durable-'))
const bundle = join(root, 'host-bundle.js')
const lanvpn = join(root, 'lanvpn.js')

beforeAll(async () => {
  await bundleHostEntry(bundle)
  await build({
    entryPoints: [join(here, '../../applet/src/main.ts')],
    outfile: lanvpn,
    ...BUNDLE_OPTIONS,
  })
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** What strace saw: the openat calls of files in the directory watched (`<name> <flags>`, a temp
 * file's pid as N) and the argv of every process qjs started (not qjs itself). */
type Traced = { opens: string[]; children: string[] }

/** Runs `args` under the native qjs under `strace -f`, with a router's open-file limit (qjs's exec
 * closes every fd up to it in the child, traced). Throws when strace is missing. */
function traceQjs(
  args: string[],
  watched: string,
  opts: { input?: string; env?: object } = {}
): Traced {
  if (spawnSync('strace', ['-V']).status !== 0)
    throw new Error('strace is missing: run `make setup` (scripts/setup.sh installs it)')
  const log = join(root, `trace-${Math.random().toString(36).slice(2)}`)
  const strace = ['strace', '-f', '-qq', '-s', '4096', '-e', 'trace=openat,execve', '-o', log]
  execFileSync(
    'sh',
    ['-c', 'ulimit -n 1024; exec "$@"', 'sh', ...strace, ...qjsCommand(), ...args],
    {
      env: { ...process.env, LANVPN_LOG: 'off', ...opts.env },
      input: opts.input ?? '',
      stdio: 'pipe',
      timeout: 30_000,
    }
  )
  const lines = readFileSync(log, 'utf8').split('\n')
  const dir = (s: string): string => s.replace(/tmp-\d+/g, 'tmp-N').replaceAll(watched, '<dir>')
  // execvp tries each PATH directory: only the execve that succeeded ran a program.
  const execs = lines.map((l) => /execve\("[^"]+", \[(.*)\], .* = 0$/.exec(l)?.[1])
  const inWatched = new RegExp(
    `openat\\(AT_FDCWD, "${watched.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/([^"/]+)", ([A-Z_|]+)`
  )
  return {
    opens: lines.map((l) => inWatched.exec(l)).flatMap((m) => (m ? [dir(`${m[1]} ${m[2]}`)] : [])),
    children: execs
      .filter((a): a is string => a !== undefined)
      .slice(1)
      .map((a) => dir([...a.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]).join(' '))),
  }
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
    mkdirSync(dir)
    const traced = traceQjs([bundle, dir, 'durable-write'], dir)
    expect(traced).toEqual({
      opens: [
        '.text.tmp-N O_WRONLY|O_CREAT|O_EXCL|O_TRUNC|O_SYNC',
        '.bytes.tmp-N O_WRONLY|O_CREAT|O_EXCL|O_TRUNC|O_SYNC',
      ],
      children: [],
    })
    expect(filesIn(dir)).toEqual(WRITTEN)
  })

  it('run `sync` on the temp file where O_SYNC is not known (an unknown O_CREAT)', () => {
    const dir = join(root, 'unknown-abi')
    mkdirSync(dir)
    const traced = traceQjs([bundle, dir, 'durable-write-unknown-abi'], dir)
    // Each temp file is opened without O_SYNC by qjs, then by `sync` (coreutils) to fsync it.
    expect(traced).toEqual({
      opens: [
        '.text.tmp-N O_WRONLY|O_CREAT|O_EXCL|O_TRUNC',
        '.text.tmp-N O_RDONLY|O_NONBLOCK',
        '.bytes.tmp-N O_WRONLY|O_CREAT|O_EXCL|O_TRUNC',
        '.bytes.tmp-N O_RDONLY|O_NONBLOCK',
      ],
      children: ['sync <dir>/.text.tmp-N', 'sync <dir>/.bytes.tmp-N'],
    })
    expect(filesIn(dir)).toEqual(WRITTEN)
  })
})

describe('an rpc write (setDeviceMode) under the native qjs', () => {
  it("runs one process, `flock -xn 0` (libuci's lock, free), and saves the config O_SYNC", () => {
    const prefix = join(root, 'rpc')
    const paths = resolvePaths(prefix)
    const confdir = dirname(paths.config)
    mkdirSync(confdir, { recursive: true })
    writeFileSync(paths.config, DEFAULT_CONFIG_TEXT, { mode: 0o600 })
    const input = JSON.stringify({ mac: '02:00:00:00:50:01', mode: 'direct' })
    const args = [lanvpn, 'rpc', 'call', 'setDeviceMode']
    const traced = traceQjs(args, confdir, { input, env: { LANVPN_PREFIX: prefix } })
    expect(traced).toEqual({
      opens: ['lanvpn O_RDWR', '.lanvpn.tmp-N O_WRONLY|O_CREAT|O_EXCL|O_TRUNC|O_SYNC'],
      children: ['flock -xn 0'],
    })
    const { config } = parseConfig(readFileSync(paths.config, 'utf8'))
    expect(config.devices.map((d) => [d.mac, d.mode])).toEqual([['02:00:00:00:50:01', 'direct']])
  })
})
