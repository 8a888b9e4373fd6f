// Host over QuickJS's `std` and `os` (openwrt-contracts §8). The only file that touches them.
//
// Two releases matter: bellard QuickJS 2025-09-13 (OpenWrt 25.12's `quickjs` package, the router)
// and 2021-03-27 (the native qjs every test runs, scripts/native-qjs.mjs). lanvpn uses only what
// both have, checked against quickjs-libc.c of each (test/quickjs/host-quickjs.test.ts runs them):
// - std: open (null, and errObj.errno, on failure), fdopen, in/out/err, getenv (undefined when
//   unset), getenviron, strerror, exit, Error.{ENOENT,EEXIST,EIO,ENOSYS}. Not std.loadFile: it
//   sizes the file with ftell, so /proc files read as "".
// - FILE: puts and flush (both return undefined: flush ignores fflush's result), error() (the
//   stream's error flag), close() (0 or -errno, from fclose), readAsString(max).
// - os: open/close/read/write/remove/rename/mkdir/kill (a count, 0 or -errno); readdir and stat
//   ([value, errno], errno positive; readdir gives [] and stat null on failure; stat's dev and
//   ino are numbers, and stat of /proc/self/fd/N is the open file's); pipe ([r, w] or
//   null); exec (block:false → the child's pid; throws only when fork fails; a binary that cannot
//   be run exits 127); waitpid ([pid | 0 | -errno, raw status]); setReadHandler/setWriteHandler;
//   setTimeout/clearTimeout (the handle is an object in 2021 and a number from 2025: opaque here);
//   signal(n, fn | null | undefined); the O_* (O_RDWR too), S_IF*, WNOHANG, SIGPIPE and SIGUSR1
//   constants.
// Feature-detected (newer releases only), with a fallback:
// - os.getpid (2024-01-13): else the first field of /proc/self/stat.
// - os.now (2024-01-13), then the global performance.now: else Date.now(). Only a test machine's
//   old qjs lacks both; there NTP could step the "monotonic" clock.
// - Unhandled promise rejections: fatal (exit 1) from 2025-04-26, silently dropped before. lanvpn
//   relies on neither: main.ts catches every failure itself and exits 1.
//
// Facts of the runtime this file is shaped by:
// - Everything in std/os is synchronous; the only concurrency is the event loop of os.setTimeout,
//   os.setReadHandler/setWriteHandler and os.signal. exec therefore uses non-blocking children
//   with pipes and read/write handlers: a blocking os.exec stalls the loop, so it runs only
//   commands that return at once (`flock -xn`, the fallback `sync`).
// - The loop ends when no timer and no read/write handler is left. Signal handlers do NOT keep it
//   alive (js_os_poll checks only timers, fd handlers and worker ports): a daemon needs a timer.
// - There is no fsync, and no O_SYNC constant, but os.open passes its flags to open(2) unchanged:
//   a durable write opens its temp file O_SYNC (each write is on disk before it returns, as write +
//   fsync), no process. Where oSyncFlag cannot tell O_SYNC, it runs `sync FILE` (a blocking exec,
//   so callers pass durable:false for tmpfs files; busybox without FEATURE_SYNC_FANCY syncs all).
// - Nothing ignores SIGPIPE: writing to a pipe whose reader died would kill qjs. We install a
//   no-op handler (a caught signal, unlike SIG_IGN, is reset to default in exec'ed children), so
//   os.write returns -EPIPE instead.
// - A forked child closes every fd from 3 up to sysconf(_SC_OPEN_MAX) in 2021 (at most 1024 from
//   2025): with a high `ulimit -n` each exec costs more on a test machine than on a router.
import {
  atomicTempPath,
  DEFAULT_EXEC_TIMEOUT_MS,
  SIGNAL_NUMBERS,
  lockFailure,
  type ExecOptions,
  type ExecResult,
  type FileLock,
  type FileStat,
  type Host,
  type LineWatch,
  type LogLevel,
  type TimerHandle,
  type WriteOptions,
} from './host'
import type { QjsOs, QjsStd } from './quickjs-types'
import { encodeUtf8, Utf8Decoder } from './utf8'

// Same value on every Linux architecture (the first 34 errnos are shared, MIPS included).
const EINTR = 4
const EAGAIN = 11
const ENOTDIR = 20
const EISDIR = 21
const READ_CHUNK = 65536
// One pipe buffer: a write of this size never blocks once select() reports the pipe writable
// enough; smaller than the Linux default pipe capacity (64 KiB) would cost more wake-ups.
const WRITE_CHUNK = 4096
// After a timeout kill, how long to wait for EOF before giving up on a background grandchild
// that still holds the pipes (openwrt-contracts §10.2).
const KILL_GRACE_MS = 1000

/** O_SYNC of this CPU's Linux ABI (QuickJS exports none), told by its O_CREAT and ENOSYS, or 0 when
 * not known: durable writes then run `sync`. Values from the kernel's uapi fcntl.h and errno.h. */
function oSyncFlag(oCreat: number, enosys: number): number {
  // asm-generic (x86, ARM, AArch64, RISC-V, PowerPC, LoongArch): __O_SYNC | O_DSYNC.
  if (oCreat === 0o100) return 0o4010000
  // MIPS, most OpenWrt routers: __O_SYNC 0x4000 | O_DSYNC 0x0010. PA-RISC has MIPS's O_CREAT
  // (and O_EXCL, O_TRUNC, O_APPEND) but another O_SYNC: only its ENOSYS (251, MIPS 89) differs.
  if (oCreat === 0x100 && enosys === 89) return 0x4010
  return 0
}

/** Creates the QuickJS host. Pass the `std`, `os` and `scriptArgs` globals of `qjs --std`.
 * Installs a SIGPIPE handler so writes to dead pipes fail with -EPIPE instead of killing qjs. */
export function createQuickjsHost(std: QjsStd, os: QjsOs, scriptArgs: string[]): Host {
  const E = std.Error
  os.signal(os.SIGPIPE, () => {})

  let cachedPid = 0
  function pid(): number {
    if (cachedPid) return cachedPid
    if (typeof os.getpid === 'function') cachedPid = os.getpid()
    else {
      // os.getpid arrived in QuickJS 2024-01-13; /proc/self/stat starts with "<pid> (". Not
      // std.loadFile: it sizes the file with ftell, which is 0 for /proc files, and reads "".
      const stat = readFile('/proc/self/stat')
      cachedPid = stat ? parseInt(stat, 10) : 0
    }
    return cachedPid
  }

  const fail = (what: string, path: string, errno: number): Error =>
    new Error(`${what} ${path}: ${std.strerror(Math.abs(errno))}`)

  function readFile(path: string): string | null {
    const err: { errno?: number } = {}
    const f = std.open(path, 'r', err)
    if (!f) {
      if (err.errno === E.ENOENT) return null
      throw fail('reading', path, err.errno ?? E.EIO)
    }
    try {
      const text = f.readAsString()
      // fopen opens a directory for reading; only the read fails, and FILE has no errno to tell.
      if (f.error()) throw fail('reading', path, stat(path)?.isDir ? EISDIR : E.EIO)
      return text
    } finally {
      f.close()
    }
  }

  // Bytes through the fd (FILE's readAsString decodes, and puts encodes, as UTF-8).
  function readFileBytes(path: string): Uint8Array | null {
    const fd = os.open(path, os.O_RDONLY)
    if (fd === -E.ENOENT) return null
    if (fd < 0) throw fail('reading', path, fd)
    const chunks: Uint8Array[] = []
    let total = 0
    try {
      for (;;) {
        const buf = new ArrayBuffer(READ_CHUNK)
        const n = os.read(fd, buf, 0, READ_CHUNK)
        if (n === -EINTR) continue
        if (n < 0) throw fail('reading', path, n)
        if (n === 0) break
        chunks.push(new Uint8Array(buf, 0, n))
        total += n
      }
    } finally {
      os.close(fd)
    }
    const out = new Uint8Array(total)
    let at = 0
    for (const chunk of chunks) {
      out.set(chunk, at)
      at += chunk.length
    }
    return out
  }

  /** Writes all of `bytes` to `fd` and closes it; throws when any write or the close failed. */
  function writeBytesAndClose(fd: number, path: string, bytes: Uint8Array): void {
    try {
      const buffer = bytes.slice().buffer
      for (let at = 0; at < bytes.length;) {
        const n = os.write(fd, buffer, at, bytes.length - at)
        if (n === -EINTR) continue
        if (n <= 0) throw fail('writing', path, n < 0 ? n : E.EIO)
        at += n
      }
    } catch (e) {
      os.close(fd)
      throw e
    }
    const closed = os.close(fd)
    if (closed < 0) throw fail('writing', path, closed)
  }

  const O_SYNC = oSyncFlag(os.O_CREAT, E.ENOSYS)

  function openExclusive(tmp: string, mode: number, extraFlags: number): number {
    const flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_TRUNC | extraFlags
    let fd = os.open(tmp, flags, mode)
    if (fd === -E.EEXIST) {
      // Only a crashed earlier run with our pid can have left this name behind.
      os.remove(tmp)
      fd = os.open(tmp, flags, mode)
    }
    if (fd < 0) throw fail('creating', tmp, fd)
    return fd
  }

  /** Writes `content` to the open `fd` of `path` and closes it; throws when any step failed. */
  function writeAndClose(fd: number, path: string, content: string): void {
    const f = std.fdopen(fd, 'w')
    if (!f) {
      os.close(fd)
      throw fail('opening', path, E.EIO)
    }
    f.puts(content)
    // FILE.flush() returns undefined (js_std_file_flush ignores fflush's result): a failed flush
    // shows in the stream's error flag, and a failed fclose (ENOSPC on NFS-like fs) in its result.
    f.flush()
    const hadError = f.error()
    // fclose also closes the fd. After a failed flush it returns 0 (glibc), so both are needed.
    const closed = f.close()
    if (hadError || closed !== 0) throw fail('writing', path, closed < 0 ? closed : E.EIO)
  }

  function writeFileAtomic(
    path: string,
    content: string | Uint8Array,
    opts: WriteOptions = {}
  ): void {
    const tmp = atomicTempPath(path, pid())
    const durable = opts.durable !== false
    let created = false
    try {
      const fd = openExclusive(tmp, opts.mode ?? 0o644, durable ? O_SYNC : 0)
      created = true
      if (typeof content === 'string') writeAndClose(fd, tmp, content)
      else writeBytesAndClose(fd, tmp, content)
      if (durable && !O_SYNC) {
        const code = os.exec(['sync', tmp], { block: true, usePath: true })
        if (code !== 0) throw new Error(`syncing ${tmp}: sync exited ${code}`)
      }
      const renamed = os.rename(tmp, path)
      if (renamed < 0) throw fail('renaming', tmp, renamed)
    } catch (e) {
      if (created) os.remove(tmp)
      throw new Error(`writing ${path}: ${(e as Error).message}`, { cause: e })
    }
  }

  /** Takes the lock on `fd` if it is free, by `flock -xn 0` run as a blocking exec: it returns at
   * once, and costs no pipes, no loop turns and no waitpid poll timer. False when it is busy (or
   * flock failed otherwise: the waiting exec then reports why). */
  function tryLock(fd: number): boolean {
    const devnull = os.open('/dev/null', os.O_WRONLY)
    if (devnull < 0) return false
    try {
      const opts = { block: true, usePath: true, stdin: fd, stdout: devnull, stderr: devnull }
      return os.exec(['flock', '-xn', '0'], opts) === 0
    } catch {
      return false
    } finally {
      os.close(devnull)
    }
  }

  async function lockFile(path: string, timeoutMs: number): Promise<FileLock> {
    const fd = os.open(path, os.O_RDWR)
    if (fd < 0) throw fail('locking', path, fd)
    // flock(1) locks its stdin, which is this open file: the lock is the open file's, so it
    // outlives the command. The fd is ours alone: exec'ed children close every fd from 3 up.
    if (!tryLock(fd)) {
      const argv = ['flock', '-x', '0']
      const r = await new Promise<ExecResult>((done) => runChild(argv, { timeoutMs }, done, fd))
      if (r.code !== 0) {
        os.close(fd)
        throw lockFailure(path, r, timeoutMs)
      }
    }
    // The open file by a name of its own, even once a rename unlinked it from `path`. Opening it
    // again makes another open file: closing that one keeps the lock (flock, unlike fcntl).
    const self = `/proc/self/fd/${fd}`
    let held = true
    return {
      isCurrent() {
        const [now] = os.stat(path)
        const [ours] = os.stat(self)
        return !!now && !!ours && now.dev === ours.dev && now.ino === ours.ino
      },
      read: () => readFileBytes(self) ?? new Uint8Array(0),
      rewrite(content) {
        const w = os.open(self, os.O_WRONLY | os.O_TRUNC)
        if (w < 0) throw fail('rewriting', path, w)
        writeBytesAndClose(w, path, content)
      },
      release() {
        if (held) os.close(fd)
        held = false
      },
    }
  }

  function createExclusive(path: string, content: string, mode = 0o644): boolean {
    const fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    if (fd === -E.EEXIST) return false
    if (fd < 0) throw fail('creating', path, fd)
    try {
      writeAndClose(fd, path, content)
    } catch (e) {
      // A lock file left empty by a failed write would make every waiter wait for nobody.
      os.remove(path)
      throw e
    }
    return true
  }

  function mkdirp(path: string, mode = 0o755): void {
    const parts = path.split('/')
    let prefix = path.startsWith('/') ? '' : '.'
    for (const part of parts) {
      if (!part) continue
      prefix += '/' + part
      const ret = os.mkdir(prefix, mode)
      if (ret < 0 && ret !== -E.EEXIST) throw fail('creating directory', prefix, ret)
    }
    const st = stat(path)
    if (!st || !st.isDir) throw new Error(`creating directory ${path}: not a directory`)
  }

  function listDir(path: string): string[] | null {
    const [names, err] = os.readdir(path)
    if (err === E.ENOENT) return null
    if (err) throw fail('listing', path, err)
    return names.filter((n) => n !== '.' && n !== '..').sort()
  }

  function stat(path: string): FileStat | null {
    const [st, err] = os.stat(path)
    if (err === E.ENOENT || err === ENOTDIR) return null
    if (err || !st) throw fail('stat', path, err || E.EIO)
    const type = st.mode & os.S_IFMT
    return {
      isFile: type === os.S_IFREG,
      isDir: type === os.S_IFDIR,
      mode: st.mode & 0o7777,
      size: st.size,
      mtimeMs: st.mtime,
    }
  }

  function environment(extra?: Record<string, string>): Record<string, string> | undefined {
    // os.exec's env REPLACES the environment; the contract is "merged over the inherited one".
    if (!extra) return undefined
    return Object.assign({}, std.getenviron(), extra)
  }

  function exec(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return new Promise((resolve) => runChild(argv, opts, resolve))
  }

  /** `ownStdin`: an fd of the caller's to give the child as its stdin (left open here). */
  function runChild(
    argv: string[],
    opts: ExecOptions,
    resolve: (r: ExecResult) => void,
    ownStdin?: number
  ): void {
    const notStarted = (why: string): void =>
      resolve({ code: 127, stdout: '', stderr: `${argv[0]}: ${why}\n`, timedOut: false })
    const out = os.pipe()
    const err = os.pipe()
    const inp = opts.stdin !== undefined ? os.pipe() : null
    const stdinFd = ownStdin ?? (inp ? inp[0] : os.open('/dev/null', os.O_RDONLY))
    const opened = [out, err, inp].filter((p): p is [number, number] => !!p).flat()
    if (stdinFd >= 0 && !inp && ownStdin === undefined) opened.push(stdinFd)
    if (!out || !err || (opts.stdin !== undefined && !inp) || stdinFd < 0) {
      opened.forEach((fd) => os.close(fd))
      return notStarted('cannot create pipes')
    }
    let child: number
    try {
      child = os.exec(argv, {
        block: false,
        usePath: true,
        stdin: stdinFd,
        stdout: out[1],
        stderr: err[1],
        env: environment(opts.env),
      })
    } catch (e) {
      opened.forEach((fd) => os.close(fd))
      return notStarted((e as Error).message)
    }
    // The child has its copies; ours must go or we would never see EOF.
    os.close(out[1])
    os.close(err[1])
    if (ownStdin === undefined) os.close(stdinFd)

    let timedOut = false
    let open = 2
    let isReaping = false
    let stdout = ''
    let stderr = ''
    let graceTimer: unknown = null

    const closed = (): void => {
      if (--open === 0) reap()
    }
    readPipe(out[0], (text) => (stdout += text), closed)
    readPipe(err[0], (text) => (stderr += text), closed)

    const stopWriter = inp ? writeStdin(inp[1], opts.stdin ?? '') : () => {}

    const timer = os.setTimeout(() => {
      timedOut = true
      os.kill(child, SIGNAL_NUMBERS.KILL)
      graceTimer = os.setTimeout(forceClose, KILL_GRACE_MS)
    }, opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS)

    function forceClose(): void {
      graceTimer = null
      for (const fd of [out![0], err![0]]) {
        os.setReadHandler(fd, null)
        os.close(fd)
      }
      open = 0
      reap()
    }

    function reap(): void {
      if (isReaping) return
      isReaping = true
      reapLater(child, (ret, status) => {
        os.clearTimeout(timer)
        if (graceTimer !== null) os.clearTimeout(graceTimer)
        stopWriter()
        const signal = status & 0x7f
        const base = { stdout, stderr, timedOut }
        if (ret < 0) resolve({ ...base, code: -1 })
        else if (signal === 0) resolve({ ...base, code: (status >> 8) & 0xff })
        else resolve({ ...base, code: -1, signal })
      })
    }
  }

  /** Reads the pipe `fd` as data comes, decoded as UTF-8 (a character may arrive split across two
   * reads): `onText` gets each piece; at EOF (or a read error) the fd is closed, then `onEnd` runs. */
  function readPipe(fd: number, onText: (text: string) => void, onEnd: () => void): void {
    const buf = new ArrayBuffer(READ_CHUNK)
    const decoder = new Utf8Decoder()
    os.setReadHandler(fd, () => {
      const n = os.read(fd, buf, 0, READ_CHUNK)
      if (n > 0) return onText(decoder.decode(new Uint8Array(buf, 0, n), true))
      if (n === -EAGAIN || n === -EINTR) return
      onText(decoder.end())
      os.setReadHandler(fd, null)
      os.close(fd)
      onEnd()
    })
  }

  /** Feeds stdin in chunks as the pipe drains, so a big input never blocks the loop. Returns a
   * function that abandons the rest (the child exited without reading it). */
  function writeStdin(fd: number, input: string): () => void {
    const bytes = encodeUtf8(input)
    let offset = 0
    let done = false
    const stop = (): void => {
      if (done) return
      done = true
      os.setWriteHandler(fd, null)
      os.close(fd)
    }
    if (bytes.length === 0) {
      stop()
      return stop
    }
    os.setWriteHandler(fd, () => {
      const len = Math.min(WRITE_CHUNK, bytes.length - offset)
      const n = os.write(fd, bytes.buffer as ArrayBuffer, bytes.byteOffset + offset, len)
      if (n === -EAGAIN || n === -EINTR) return
      if (n < 0) return stop() // -EPIPE: the reader is gone.
      offset += n
      if (offset >= bytes.length) stop()
    })
    return stop
  }

  // Logger children are started without waiting; one poll timer reaps them so no zombies pile up.
  const loggers = new Set<number>()
  let reaperArmed = false
  function reapLoggers(): void {
    reaperArmed = false
    for (const child of loggers) {
      const [ret] = os.waitpid(child, os.WNOHANG)
      if (ret !== 0) loggers.delete(child)
    }
    if (loggers.size && !reaperArmed) {
      reaperArmed = true
      os.setTimeout(reapLoggers, 50)
    }
  }

  function log(level: LogLevel, message: string): void {
    const mode = std.getenv('LANVPN_LOG')
    if (mode === 'off') return
    if (mode === 'stderr') {
      // procd forwards a daemon's stderr to syslog, so no logger process per line.
      std.err.puts(`lanvpn[${pid()}]: ${level}: ${message}\n`)
      std.err.flush()
      return
    }
    try {
      const devnull = os.open('/dev/null', os.O_RDONLY)
      const argv = ['logger', '-t', 'lanvpn', '-p', `daemon.${level}`, '--', message]
      const child = os.exec(argv, { block: false, usePath: true, stdin: devnull < 0 ? 0 : devnull })
      if (devnull >= 0) os.close(devnull)
      loggers.add(child)
      if (!reaperArmed) {
        reaperArmed = true
        os.setTimeout(reapLoggers, 20)
      }
    } catch {
      // Logging must never take the daemon down.
    }
  }

  const signalNumber = (sig: 'HUP' | 'TERM' | 'INT' | 'USR1' | 'KILL'): number =>
    sig === 'USR1' ? os.SIGUSR1 : SIGNAL_NUMBERS[sig]

  /** Reaps `child`, then calls done with waitpid's result and raw status. Polls with WNOHANG
   * instead of a blocking waitpid: a child that closed its output but keeps running would
   * otherwise freeze the whole event loop (and its own timeout with it). */
  function reapLater(child: number, done: (ret: number, status: number) => void, delay = 0): void {
    const [ret, status] = os.waitpid(child, os.WNOHANG)
    if (ret === 0 || ret === -EINTR) {
      const next = Math.min(100, delay * 2 || 2)
      os.setTimeout(() => reapLater(child, done, next), next)
      return
    }
    done(ret, status)
  }

  function watch(
    argv: string[],
    onLine: (line: string) => void,
    onExit: (code: number) => void
  ): LineWatch {
    let stopped = false
    const noStart = (): LineWatch => {
      os.setTimeout(() => onExit(127), 0)
      return { stop: () => {} }
    }
    const out = os.pipe()
    if (!out) return noStart()
    const input = os.open('/dev/null', os.O_RDONLY)
    const errors = os.open('/dev/null', os.O_WRONLY)
    let child: number
    try {
      child = os.exec(argv, {
        block: false,
        usePath: true,
        stdin: input < 0 ? 0 : input,
        stdout: out[1],
        stderr: errors < 0 ? 2 : errors,
      })
    } catch {
      os.close(out[0])
      os.close(out[1])
      return noStart()
    } finally {
      for (const fd of [input, errors]) if (fd >= 0) os.close(fd)
    }
    os.close(out[1])
    let pending = ''
    const onText = (text: string): void => {
      pending += text
      let i: number
      while ((i = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, i)
        pending = pending.slice(i + 1)
        if (!stopped) onLine(line)
      }
    }
    // EOF (the command ended, or stop() killed it): reap it either way, report only the first.
    readPipe(out[0], onText, () =>
      reapLater(child, (ret, status) => {
        if (stopped) return
        stopped = true
        onExit(ret < 0 || (status & 0x7f) !== 0 ? -1 : (status >> 8) & 0xff)
      })
    )
    return {
      stop() {
        if (stopped) return
        stopped = true
        os.kill(child, SIGNAL_NUMBERS.TERM)
      },
    }
  }

  return {
    runtime: 'quickjs',
    argv: () => scriptArgs.slice(1),
    getEnv: (name) => std.getenv(name) ?? undefined,
    readFile,
    readFileBytes,
    writeFileAtomic,
    createExclusive,
    lockFile,
    removeFile(path) {
      const ret = os.remove(path)
      if (ret < 0 && ret !== -E.ENOENT) throw fail('removing', path, ret)
    },
    mkdirp,
    listDir,
    stat,
    exec,
    watch,
    setTimeout: (fn, ms): TimerHandle => ({ id: os.setTimeout(fn, ms) }),
    clearTimeout: (handle) => os.clearTimeout(handle.id),
    // os.signal keeps one handler per signal number: a new one replaces the old.
    onSignal: (sig, fn) => os.signal(signalNumber(sig), fn),
    kill: (target, sig) => os.kill(target, sig === 0 ? 0 : signalNumber(sig)) === 0,
    pid,
    monotonicMs() {
      if (typeof os.now === 'function') return os.now()
      const perf = (globalThis as { performance?: { now(): number } }).performance
      return perf ? perf.now() : Date.now()
    },
    wallMs: () => Date.now(),
    readStdin: (maxBytes) => std.in.readAsString(maxBytes + 1),
    writeStdout(text) {
      std.out.puts(text)
      std.out.flush()
    },
    writeStderr(text) {
      std.err.puts(text)
      std.err.flush()
    },
    log,
    exit(code): never {
      std.out.flush()
      std.exit(code)
      throw new Error('std.exit returned')
    },
  }
}
