// THE Host contract, as plain data: every Host implementation must pass every case. No test
// framework imports, because this file is also bundled and run inside QuickJS (qjs-entry.ts).
import type { Host } from '../../applet/src/host/host'
import { resolvePaths } from '../../applet/src/core/paths'
import { findSection, replaceSection, setOption } from '../../applet/src/core/uci/doc'
import { parseUci } from '../../applet/src/core/uci/parse'
import { renderUci } from '../../applet/src/core/uci/render'
import { readConfigText, writeConfigText } from '../../applet/src/system/files'

/** What each case gets besides the host: a fresh directory of its own and assertion helpers. */
export type HostCaseTools = {
  tmpDir: string
  assert: (cond: unknown, msg: string) => void
  eq: (a: unknown, b: unknown, msg: string) => void
}

/** One contract case. It throws (through assert/eq) on failure. */
export type HostCase = { name: string; run: (host: Host, t: HostCaseTools) => Promise<void> }

const MULTI = 'emoji 🛡️🚀, 中文路由器, кириллица, ü\n'

const sleep = (host: Host, ms: number): Promise<void> =>
  new Promise((resolve) => host.setTimeout(resolve, ms))

const thrown = (fn: () => unknown): string => {
  try {
    fn()
    return ''
  } catch (e) {
    return (e as Error).message
  }
}

/** The contract suite, run against Node and the native qjs. */
export const hostCases: HostCase[] = [
  {
    name: 'readFile of a missing file is null',
    async run(host, t) {
      t.eq(host.readFile(`${t.tmpDir}/missing`), null, 'missing file')
    },
  },
  {
    name: 'readFile of a directory throws, naming the path and why',
    async run(host, t) {
      host.mkdirp(`${t.tmpDir}/lanvpn`)
      const message = thrown(() => host.readFile(`${t.tmpDir}/lanvpn`))
      t.assert(message.includes(`${t.tmpDir}/lanvpn`), `error names the path: ${message}`)
      t.assert(/directory/i.test(message), `error says it is a directory: ${message}`)
    },
  },
  {
    name: 'writeFileAtomic and readFile round-trip multi-byte UTF-8',
    async run(host, t) {
      const path = `${t.tmpDir}/utf8.txt`
      host.writeFileAtomic(path, MULTI)
      t.eq(host.readFile(path), MULTI, 'content')
      t.eq(host.stat(path)?.size, 59, 'size in UTF-8 bytes')
    },
  },
  {
    name: 'writeFileAtomic and readFileBytes keep bytes that are not UTF-8',
    async run(host, t) {
      const path = `${t.tmpDir}/bytes`
      const bytes = Uint8Array.from([0x61, 0xff, 0xc3, 0x28, 0x00, 0xed, 0xa0, 0x80, 0x0a])
      host.writeFileAtomic(path, bytes)
      t.eq(Array.from(host.readFileBytes(path) ?? []), Array.from(bytes), 'bytes')
      t.eq(host.readFileBytes(`${t.tmpDir}/missing`), null, 'missing file')
    },
  },
  {
    // Issue 20: a write used to turn every byte that is not UTF-8 into EF BF BD, changing
    // options lanvpn never touched.
    name: 'an edit of /etc/config/lanvpn keeps the bytes of the options it does not change',
    async run(host, t) {
      const paths = resolvePaths(t.tmpDir)
      const ascii = (s: string): number[] => s.split('').map((c) => c.charCodeAt(0))
      const other = [...ascii("\toption note 'caf"), 0xe9, 0xff, ...ascii("'\n")]
      const file = [...ascii("\nconfig globals 'globals'\n\toption enabled '1'\n"), ...other]
      host.mkdirp(`${t.tmpDir}/etc/config`)
      host.writeFileAtomic(paths.config, Uint8Array.from([...file, 0x0a]))
      const doc = parseUci(readConfigText(host, paths))
      const globals = findSection(doc, 'globals')!
      writeConfigText(
        host,
        paths,
        renderUci(replaceSection(doc, globals, setOption(globals, 'enabled', '0')))
      )
      const written = Array.from(host.readFileBytes(paths.config) ?? [])
      const expected = [
        ...ascii("\nconfig globals 'globals'\n\toption enabled '0'\n"),
        ...other,
        0x0a,
      ]
      t.eq(written, expected, 'file bytes after the edit')
    },
  },
  {
    // Issue 20: libuci's lock, taken by the `flock` command on our open file, stays ours after the
    // command exits, stays on that file when a rename replaces the path, and goes with release().
    name: 'lockFile holds flock(LOCK_EX) on the open file until release, across a rename',
    async run(host, t) {
      const path = `${t.tmpDir}/lanvpn`
      const bytes = (s: string): number[] => s.split('').map((c) => c.charCodeAt(0))
      // What another process sees: `flock -n` exits 1 while the file it opens is locked.
      const isFree = async (): Promise<boolean> =>
        (await host.exec(['flock', '-x', '-n', path, 'true'])).code === 0
      host.writeFileAtomic(path, 'old\n')
      const lock = await host.lockFile(path, 5000)
      t.eq(await isFree(), false, 'locked for another process')
      t.eq(lock.isCurrent(), true, 'the path names the locked file')
      t.eq(Array.from(lock.read()), bytes('old\n'), 'read')

      const waited = await host.lockFile(path, 200).then(
        () => 'taken',
        (e: Error) => e.message
      )
      t.assert(waited.includes(path) && /another writer/.test(waited), `timeout: ${waited}`)

      host.writeFileAtomic(path, 'new\n')
      t.eq(lock.isCurrent(), false, 'a rename over the path replaced it')
      t.eq(await isFree(), true, 'the new file is not locked')
      t.eq(Array.from(lock.read()), bytes('old\n'), 'read after the rename: the locked file')
      lock.rewrite(Uint8Array.from([0xff, 0x0a]))
      t.eq(Array.from(lock.read()), [0xff, 0x0a], 'rewritten in place')
      t.eq(host.readFile(path), 'new\n', 'the path keeps the new file')
      lock.release()
      lock.release()

      const again = await host.lockFile(path, 5000)
      t.eq(await isFree(), false, 'locked again')
      again.release()
      t.eq(await isFree(), true, 'free after release')
      const missing = await host.lockFile(`${t.tmpDir}/missing`, 200).then(
        () => '',
        (e: Error) => e.message
      )
      t.assert(missing.includes(`${t.tmpDir}/missing`), `a missing file: ${missing}`)
    },
  },
  {
    name: 'writeFileAtomic creates files with exactly the requested mode',
    async run(host, t) {
      host.writeFileAtomic(`${t.tmpDir}/secret`, 'k', { mode: 0o600 })
      host.writeFileAtomic(`${t.tmpDir}/public`, 'p', { mode: 0o644, durable: false })
      host.writeFileAtomic(`${t.tmpDir}/default`, 'd')
      t.eq(host.stat(`${t.tmpDir}/secret`)?.mode, 0o600, 'secret mode')
      t.eq(host.stat(`${t.tmpDir}/public`)?.mode, 0o644, 'public mode')
      t.eq(host.stat(`${t.tmpDir}/default`)?.mode, 0o644, 'default mode')
    },
  },
  {
    name: 'writeFileAtomic replaces a file and leaves no temp file behind',
    async run(host, t) {
      const path = `${t.tmpDir}/state.json`
      host.writeFileAtomic(path, 'old')
      host.writeFileAtomic(path, 'new', { mode: 0o600 })
      t.eq(host.readFile(path), 'new', 'content')
      t.eq(host.stat(path)?.mode, 0o600, 'mode of the replacement')
      t.eq(host.listDir(t.tmpDir), ['state.json'], 'directory')
    },
  },
  {
    name: 'writeFileAtomic writes through .<base>.tmp-<pid> beside the file, replacing a stale one',
    async run(host, t) {
      // What a crashed earlier process with our pid would have left: the name must be exactly the
      // one the host writes through, or this file would still be there afterwards.
      const stale = `${t.tmpDir}/.state.json.tmp-${host.pid()}`
      t.eq(host.createExclusive(stale, 'half a file', 0o600), true, 'stale temp file')
      host.writeFileAtomic(`${t.tmpDir}/state.json`, 'new', { durable: false })
      t.eq(host.readFile(`${t.tmpDir}/state.json`), 'new', 'content')
      t.eq(host.listDir(t.tmpDir), ['state.json'], 'directory')
    },
  },
  {
    name: 'writeFileAtomic into a missing directory throws naming the path',
    async run(host, t) {
      const path = `${t.tmpDir}/nope/file`
      let message = ''
      try {
        host.writeFileAtomic(path, 'x')
      } catch (e) {
        message = (e as Error).message
      }
      t.assert(message.includes(path), `error names the path: ${message}`)
    },
  },
  {
    name: 'createExclusive creates a file once and refuses when it exists',
    async run(host, t) {
      const path = `${t.tmpDir}/config.lock`
      t.eq(host.createExclusive(path, '123\n', 0o600), true, 'first create')
      t.eq(host.createExclusive(path, '456\n', 0o600), false, 'second create')
      t.eq(host.readFile(path), '123\n', 'content of the first')
      t.eq(host.stat(path)?.mode, 0o600, 'mode')
      host.removeFile(path)
      t.eq(host.createExclusive(path, '789\n'), true, 'create after removal')
      let message = ''
      try {
        host.createExclusive(`${t.tmpDir}/nope/lock`, 'x')
      } catch (e) {
        message = (e as Error).message
      }
      t.assert(message.includes(`${t.tmpDir}/nope/lock`), `error names the path: ${message}`)
    },
  },
  {
    name: 'mkdirp creates nested directories and is idempotent',
    async run(host, t) {
      host.mkdirp(`${t.tmpDir}/a/b/c`)
      host.mkdirp(`${t.tmpDir}/a/b/c`)
      t.eq(host.stat(`${t.tmpDir}/a/b/c`)?.isDir, true, 'nested dir')
      t.eq(host.listDir(`${t.tmpDir}/a`), ['b'], 'parent lists the child')
    },
  },
  {
    name: 'listDir is sorted, has no dot entries, and is null for a missing directory',
    async run(host, t) {
      for (const name of ['b', 'c', 'a']) host.writeFileAtomic(`${t.tmpDir}/${name}`, name)
      host.mkdirp(`${t.tmpDir}/d`)
      t.eq(host.listDir(t.tmpDir), ['a', 'b', 'c', 'd'], 'entries')
      t.eq(host.listDir(`${t.tmpDir}/missing`), null, 'missing dir')
    },
  },
  {
    name: 'stat describes files and directories and is null for a missing path',
    async run(host, t) {
      host.writeFileAtomic(`${t.tmpDir}/f`, 'abc')
      const f = host.stat(`${t.tmpDir}/f`)
      t.eq(f && [f.isFile, f.isDir, f.size], [true, false, 3], 'file')
      t.assert(f && Math.abs(f.mtimeMs - host.wallMs()) < 60_000, 'mtime is recent')
      const d = host.stat(t.tmpDir)
      t.eq(d && [d.isFile, d.isDir], [false, true], 'dir')
      t.eq(host.stat(`${t.tmpDir}/missing`), null, 'missing')
      t.eq(host.stat(`${t.tmpDir}/f/below-a-file`), null, 'below a file')
    },
  },
  {
    name: 'removeFile removes a file and ignores a missing one',
    async run(host, t) {
      host.writeFileAtomic(`${t.tmpDir}/f`, 'x')
      host.removeFile(`${t.tmpDir}/f`)
      host.removeFile(`${t.tmpDir}/f`)
      t.eq(host.readFile(`${t.tmpDir}/f`), null, 'gone')
    },
  },
  {
    name: 'exec reports exit codes as values',
    async run(host, t) {
      const ok = await host.exec(['true'])
      const bad = await host.exec(['false'])
      t.eq([ok.code, ok.timedOut, ok.signal], [0, false, undefined], 'true')
      t.eq(bad.code, 1, 'false')
    },
  },
  {
    name: 'exec passes stdin to the child',
    async run(host, t) {
      const r = await host.exec(['cat'], { stdin: MULTI })
      t.eq(r.stdout, MULTI, 'echoed')
    },
  },
  {
    name: 'exec without stdin gives the child an empty stdin',
    async run(host, t) {
      const r = await host.exec(['cat'], { timeoutMs: 5000 })
      t.eq([r.code, r.stdout, r.timedOut], [0, '', false], 'cat sees EOF')
    },
  },
  {
    name: 'exec moves 1 MB through cat without deadlock',
    async run(host, t) {
      const line = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdé\n'
      // repeat, not += in a loop: QuickJS before 2025-04-26 copies the whole string on every +=
      // (16,000 of them here took 14 s).
      const input = line.repeat(Math.ceil(1_048_576 / line.length))
      const r = await host.exec(['cat'], { stdin: input, timeoutMs: 20_000 })
      t.eq(r.timedOut, false, 'not timed out')
      t.eq(r.stdout.length, input.length, 'length')
      t.assert(r.stdout === input, 'content identical')
    },
  },
  {
    name: 'exec keeps stdout and stderr apart',
    async run(host, t) {
      const r = await host.exec(['sh', '-c', 'echo out; echo err >&2; exit 3'])
      t.eq([r.code, r.stdout, r.stderr], [3, 'out\n', 'err\n'], 'result')
    },
  },
  {
    name: 'exec passes argv verbatim, without a shell',
    async run(host, t) {
      const args = ['a b', "it's", '"q"', '$(echo x)', '`id`', '*', '', 'ü🚀']
      const r = await host.exec(['printf', '%s\\n', ...args])
      t.eq(r.stdout, args.map((a) => a + '\n').join(''), 'printf output')
    },
  },
  {
    name: 'exec of a missing binary gives 127',
    async run(host, t) {
      const r = await host.exec(['lanvpn-no-such-binary-7f3a'])
      t.eq([r.code, r.timedOut], [127, false], 'result')
    },
  },
  {
    name: 'exec kills a command that runs past its timeout',
    async run(host, t) {
      const start = host.monotonicMs()
      const r = await host.exec(['sleep', '5'], { timeoutMs: 200 })
      const took = host.monotonicMs() - start
      t.eq([r.timedOut, r.signal, r.code], [true, 9, -1], 'killed')
      t.assert(took < 3000, `returned after ${took} ms`)
    },
  },
  {
    name: 'exec env adds to the inherited environment',
    async run(host, t) {
      const r = await host.exec(['sh', '-c', 'echo "$LANVPN_T1:$PATH"'], {
        env: { LANVPN_T1: 'v 1' },
      })
      const [value, path] = r.stdout.trim().split(':')
      t.eq(value, 'v 1', 'added variable')
      t.assert(path && path.length > 0, 'PATH still inherited')
    },
  },
  {
    name: 'execs run in parallel',
    async run(host, t) {
      const start = host.monotonicMs()
      const run = (n: number) => host.exec(['sh', '-c', `sleep 0.3; echo ${n}`])
      const rs = await Promise.all([1, 2, 3, 4].map(run))
      const took = host.monotonicMs() - start
      t.eq(
        rs.map((r) => r.stdout),
        ['1\n', '2\n', '3\n', '4\n'],
        'outputs'
      )
      t.assert(took < 1000, `4 × 300 ms took ${took} ms`)
    },
  },
  {
    name: 'watch delivers each line as it comes, then the exit code',
    async run(host, t) {
      const lines: string[] = []
      let firstAt = -1
      const code = await new Promise<number>((resolve) => {
        host.watch(
          ['sh', '-c', 'echo one; sleep 0.3; printf "two\\nthr"; sleep 0.1; echo ee; exit 3'],
          (line) => {
            if (lines.length === 0) firstAt = host.monotonicMs()
            lines.push(line)
          },
          resolve
        )
      })
      t.eq(lines, ['one', 'two', 'three'], 'lines')
      t.eq(code, 3, 'exit code')
      t.assert(firstAt >= 0, 'the first line came before the exit')
    },
  },
  {
    name: 'watch stop() ends the command, reaps it and reports nothing more',
    async run(host, t) {
      const pidFile = `${t.tmpDir}/watched.pid`
      let exits = 0
      const seen: string[] = []
      let watch: { stop(): void } | null = null
      await new Promise<void>((resolve) => {
        watch = host.watch(
          ['sh', '-c', `echo $$ > ${pidFile}; echo ready; exec sleep 30`],
          (line) => {
            seen.push(line)
            resolve()
          },
          () => exits++
        )
      })
      const pid = Number(host.readFile(pidFile))
      t.assert(pid > 0 && host.kill(pid, 0), 'the command runs')
      watch!.stop()
      watch!.stop()
      for (let i = 0; i < 50 && host.kill(pid, 0); i++) await sleep(host, 20)
      t.assert(!host.kill(pid, 0), 'the command is gone (killed and reaped)')
      await sleep(host, 50)
      t.eq([seen, exits], [['ready'], 0], 'nothing after stop')
    },
  },
  {
    name: 'watch of a missing binary reports exit 127',
    async run(host, t) {
      const code = await new Promise<number>((resolve) =>
        host.watch(['no-such-binary-lanvpn'], () => {}, resolve)
      )
      t.eq(code, 127, 'exit code')
    },
  },
  {
    name: 'timers fire in order and clearTimeout cancels',
    async run(host, t) {
      const fired: string[] = []
      host.setTimeout(() => fired.push('b'), 60)
      host.setTimeout(() => fired.push('a'), 10)
      const c = host.setTimeout(() => fired.push('c'), 30)
      host.clearTimeout(c)
      await sleep(host, 150)
      t.eq(fired, ['a', 'b'], 'order')
    },
  },
  {
    name: 'the monotonic clock advances across a timer',
    async run(host, t) {
      const before = host.monotonicMs()
      await sleep(host, 100)
      const elapsed = host.monotonicMs() - before
      t.assert(elapsed >= 95 && elapsed < 2000, `elapsed ${elapsed}`)
    },
  },
  {
    name: 'wallMs is the epoch clock',
    async run(host, t) {
      t.assert(Math.abs(host.wallMs() - Date.now()) < 1000, 'near Date.now')
      t.assert(host.wallMs() > Date.UTC(2024, 0, 1), 'after 2024')
    },
  },
  {
    name: 'getEnv reads the environment',
    async run(host, t) {
      t.assert((host.getEnv('PATH') ?? '').length > 0, 'PATH')
      t.eq(host.getEnv('LANVPN_SURELY_UNSET_X'), undefined, 'unset')
    },
  },
  {
    name: 'kill with signal 0 probes a process',
    async run(host, t) {
      t.assert(host.pid() > 1, 'pid')
      t.eq(host.kill(host.pid(), 0), true, 'self exists')
      t.eq(host.kill(4_194_305, 0), false, 'pid above pid_max')
    },
  },
]

/** Cases for writes that fail half-way. The runner starts the process under `ulimit -f 0` with
 * SIGXFSZ ignored (`trap '' XFSZ`), so writing a byte to a regular file fails (EFBIG) while
 * creating empty files still works. Nothing else provokes a failed write portably. */
export const hostWriteFailureCases: HostCase[] = [
  {
    name: 'createExclusive whose write fails throws naming the path and leaves no file behind',
    async run(host, t) {
      const path = `${t.tmpDir}/config.lock`
      const message = thrown(() => host.createExclusive(path, '123\n', 0o600))
      t.assert(message.includes(path), `error names the path: ${message}`)
      t.eq(host.listDir(t.tmpDir), [], 'directory')
      t.eq(host.createExclusive(path, '', 0o600), true, 'the lock is free')
    },
  },
  {
    name: 'writeFileAtomic whose write fails throws, keeps the old file and leaves no temp file',
    async run(host, t) {
      const path = `${t.tmpDir}/state.json`
      host.writeFileAtomic(path, '', { durable: false })
      const message = thrown(() => host.writeFileAtomic(path, 'new', { mode: 0o600 }))
      t.assert(message.includes(path), `error names the path: ${message}`)
      t.eq(host.readFile(path), '', 'old content')
      t.eq(host.listDir(t.tmpDir), ['state.json'], 'directory')
    },
  },
]
