#!/usr/bin/env node
// qjs-emu: runs a script the way `qjs [--std] script.js args...` does, inside quickjs-emscripten
// (the real QuickJS engine compiled to wasm), with `std`, `os`, `scriptArgs`, `print`,
// `console.log` and `performance.now` supplied from Node following bellard/quickjs
// (doc/quickjs.texi, quickjs-libc.c, qjs.c) and openwrt-contracts §8. It lets CI prove the bundle
// needs nothing QuickJS lacks, without a native qjs.
//
// Faithful on purpose:
// - Globals: only what qjs adds (no setTimeout, console.error, fetch, TextEncoder, Buffer, require).
// - Return conventions: 0 / -errno; [value, errno] with a POSITIVE errno for readdir/stat/lstat/
//   getcwd/realpath/readlink; waitpid → [pid | 0 | -errno, rawStatus]; exec block:true → code or
//   -signal, block:false → pid; a child whose exec fails exits 127; std.open sets errObj.errno.
// - The event loop is js_os_poll's: one callback per iteration; pending signals first (in
//   registration order), then the first expired timer in creation order, then the first ready fd
//   handler in registration order; VM jobs are drained after every callback. The process exits 0
//   when no timer and no fd handler is left. Signal handlers do NOT keep it alive (js_os_poll only
//   looks at timers, fd handlers and worker ports; openwrt-contracts §8.2 says otherwise).
// - Errors: an exception in the main script prints to stderr and exits 1 without running the loop;
//   an exception in a timer/handler/job is printed and the loop goes on (call_handler); an
//   unhandled rejection still unhandled when the loop is about to sleep prints
//   "Possibly unhandled promise rejection: <err>" and exits 1 (--no-unhandled-rejection disables).
// - os.signal(n, fn) catches real signals sent to this process; null restores the default action
//   (SIGTERM/SIGHUP/SIGINT kill), undefined ignores.
//
// Known differences from qjs (keep this list complete):
//  1. Rejection tracking is done in JS, not by the engine (quickjs-emscripten exposes no rejection
//     tracker). Promises are tracked when made by the global `Promise` (a subclass of the intrinsic
//     one), by `then`/`catch`/`finally` on any promise, or by async functions: the script is passed
//     through esbuild with async/await lowered to generators + global Promise so async results are
//     tracked too (set QJS_EMU_NATIVE_ASYNC=1 to skip). Consequences: a few extra microtask ticks per
//     await, `Promise !== Object.getPrototypeOf(Promise.prototype).constructor`, and stack traces
//     of lowered async code differ. Promises created by the engine without going through these
//     paths (e.g. dynamic import()) are not tracked.
//  2. os.pipe() returns virtual fds (numbers reserved by opening /dev/null, so they never clash with
//     real fds). A read on an empty pipe whose writer is still open returns -EAGAIN instead of
//     blocking; a write never blocks or splits (Node buffers it); a pipe counts as writable while
//     less than 64 KiB is queued to the child. Writing to a pipe without readers returns -EPIPE
//     when SIGPIPE is handled/ignored and otherwise exits with code 141 (qjs dies of SIGPIPE).
//  3. Real fds (os.open, 0/1/2) are always "ready" for setReadHandler/setWriteHandler.
//  4. Children are Node child processes: exec resolves PATH itself like my_execvpe (parent's PATH,
//     default /bin:/usr/bin); the child does not get fds >= 3 at all (qjs closes them after fork).
//     uid/gid are passed to Node. A blocking waitpid on a running child polls /proc/<pid>/stat
//     (state Z, exit_code field) every millisecond.
//  5. `undefined` (ignore) for a signal installs a no-op listener, not SIG_IGN: children do not
//     inherit "ignored". SIGKILL/SIGSTOP registrations are silently ineffective.
//  6. std FILE output is unbuffered (written synchronously), so flush() is a no-op and output
//     interleaves with children's output in call order. FILE.printf, std.printf/sprintf,
//     std.urlGet, std.popen, std.tmpfile, std.evalScript/loadScript, std.parseExtJSON (JSON.parse
//     here), os.Worker, os.utimes, os.ttySetRaw/ttyGetWinSize, sockets and __loadScript are missing.
//  7. print/console.log format non-strings with String()/JSON.stringify, not JS_PrintValue;
//     uncaught errors print as `Name: message` plus `stack`, close to but not exactly qjs's text.
//  8. Strings with lone surrogates are written as U+FFFD (qjs writes WTF-8 bytes); invalid UTF-8
//     read by loadFile/readAsString decodes to U+FFFD.
//  9. Only classic scripts (--std globals); `-m`/ES modules and `import 'std'` are not supported.
//     Other qjs options (-I, -e, --memory-limit, --stack-size, -q, --strict) are ignored.
//
// One addition qjs does not have: with QJS_EMU_MEMORY_FILE=<path>, whenever the loop goes idle (at
// most once a second) the engine's own figures (JS_ComputeMemoryUsage: memory_used_size,
// malloc_size, …) are written there as JSON. The bench reads the QuickJS heap of a script from it;
// the engine is 32-bit wasm, so pointers are 4 bytes, as on most routers.
import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { constants as osc } from 'node:os'
import { resolve as resolvePath } from 'node:path'
import { isatty } from 'node:tty'
import process from 'node:process'
import { getQuickJS } from 'quickjs-emscripten'

const ERRNO = osc.errno
const SIGNALS = osc.signals
const SIGNAME = Object.fromEntries(Object.entries(SIGNALS).map(([k, v]) => [v, k]))
const PIPE_CAPACITY = 65536
const sleepMs = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
const errnoOf = (e) => (e && e.code && ERRNO[e.code]) || ERRNO.EIO
const STRERROR = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  EINTR: 'Interrupted system call',
  EIO: 'I/O error',
  EBADF: 'Bad file descriptor',
  ECHILD: 'No child process',
  EAGAIN: 'Resource temporarily unavailable',
  EACCES: 'Permission denied',
  EBUSY: 'Resource busy',
  EEXIST: 'File exists',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EINVAL: 'Invalid argument',
  ENOSPC: 'No space left on device',
  EPIPE: 'Broken pipe',
  ENOSYS: 'Function not implemented',
}
const strerror = (n) => {
  const name = Object.keys(ERRNO).find((k) => ERRNO[k] === n)
  return (name && STRERROR[name]) || `Unknown error ${n}`
}

// ---------------------------------------------------------------- command line
const argv = process.argv.slice(2)
let useStd = false
let trackRejections = true
while (argv.length && argv[0].startsWith('-')) {
  const opt = argv.shift()
  if (opt === '--std') useStd = true
  else if (opt === '--no-unhandled-rejection') trackRejections = false
  else if (['-I', '--include', '--memory-limit', '--stack-size', '-e', '--eval'].includes(opt))
    argv.shift()
  else if (opt === '--') break
}
if (!argv.length) {
  process.stderr.write('usage: qjs-emu.mjs [--std] script.js [args...]\n')
  process.exit(2)
}
const scriptPath = argv[0]
let source
try {
  source = fs.readFileSync(scriptPath, 'utf8')
} catch (e) {
  process.stderr.write(`${scriptPath}: ${e.message}\n`)
  process.exit(1)
}
if (trackRejections && !process.env.QJS_EMU_NATIVE_ASYNC) {
  const { transformSync } = await import('esbuild')
  source = transformSync(source, {
    loader: 'js',
    target: 'esnext',
    supported: { 'async-await': false, 'async-generator': false, 'for-await': false },
  }).code
}

// ---------------------------------------------------------------- fds and pipes
/** vm fd -> { kind: 'real', fd } | { kind: 'r' | 'w', pipe, fd (placeholder) } */
const fds = new Map([0, 1, 2].map((n) => [n, { kind: 'real', fd: n }]))

function newPipe() {
  return { chunks: [], readers: 1, writers: 1, childIn: null }
}

function releaseWriter(pipe) {
  if (--pipe.writers === 0 && pipe.childIn) pipe.childIn.end()
  wake()
}

function releaseReader(pipe) {
  pipe.readers--
  wake()
}

function pushToPipe(pipe, buf) {
  if (pipe.childIn) pipe.childIn.write(buf)
  else pipe.chunks.push(Buffer.from(buf))
  wake()
}

function writeAllSync(fd, buf) {
  let off = 0
  while (off < buf.length) {
    try {
      off += fs.writeSync(fd, buf, off, buf.length - off)
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e
      sleepMs(1)
    }
  }
  return buf.length
}

const readable = (fd) => {
  const e = fds.get(fd)
  if (!e) return false
  if (e.kind === 'real') return true
  return e.kind === 'r' && (e.pipe.chunks.length > 0 || e.pipe.writers === 0)
}
const writable = (fd) => {
  const e = fds.get(fd)
  if (!e) return false
  if (e.kind === 'real') return true
  if (e.kind !== 'w') return false
  const p = e.pipe
  return p.readers === 0 || !p.childIn || p.childIn.writableLength < PIPE_CAPACITY
}

// ---------------------------------------------------------------- children
const children = new Map() // pid -> { status: number | null }
let fakePid = 4_194_304 + 1 // above Linux's pid_max, so kill() on it fails with ESRCH

function resolveExecutable(file, usePath, cwd) {
  if (file.includes('/')) return resolvePath(cwd ?? process.cwd(), file)
  if (!usePath) return resolvePath(cwd ?? process.cwd(), file)
  for (const dir of (process.env.PATH ?? '/bin:/usr/bin').split(':')) {
    const candidate = `${dir || '.'}/${file}`
    try {
      if (fs.statSync(candidate).isFile()) {
        fs.accessSync(candidate, fs.constants.X_OK)
        return resolvePath(candidate)
      }
    } catch {}
  }
  return null
}

function zombieStatus(pid) {
  let stat
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return null
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // fields[0] is field 3 (state); exit_code is field 52, "the status as reported by waitpid".
  return fields[0] === 'Z' ? Number(fields[49]) : null
}

function exec(args, opts) {
  opts = opts ?? {}
  if (!Array.isArray(args) || args.length < 1 || args.length > 65535)
    throw new TypeError('invalid number of arguments')
  args = args.map(String)
  const block = opts.block ?? true
  const file = opts.file ?? args[0]
  const stdNums = [opts.stdin ?? 0, opts.stdout ?? 1, opts.stderr ?? 2]
  const entries = stdNums.map((n) => fds.get(n))
  const path = resolveExecutable(file, opts.usePath ?? true, opts.cwd)
  const failed = () => {
    if (block) return 127
    const pid = fakePid++
    children.set(pid, { status: 127 << 8 })
    return pid
  }
  if (!path || entries.some((e) => !e)) return failed()
  const stdio = entries.map((e) => (e.kind === 'real' ? e.fd : 'pipe'))
  const options = {
    argv0: args[0],
    stdio,
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    uid: opts.uid,
    gid: opts.gid,
  }
  if (block) {
    const input =
      entries[0].kind === 'r' ? Buffer.concat(entries[0].pipe.chunks.splice(0)) : undefined
    const r = spawnSync(path, args.slice(1), { ...options, input })
    if (r.error && r.pid === 0) return 127
    for (const i of [1, 2])
      if (entries[i].kind === 'w' && r.output[i]) pushToPipe(entries[i].pipe, r.output[i])
    return r.signal ? -SIGNALS[r.signal] : r.status
  }
  let child
  try {
    child = spawn(path, args.slice(1), options)
  } catch {
    return failed()
  }
  if (child.pid === undefined) {
    child.on('error', () => {})
    return failed()
  }
  const record = { status: null }
  children.set(child.pid, record)
  const held = []
  entries.forEach((e, i) => {
    if (e.kind === 'real') return
    const pipe = e.pipe
    if (i === 0 && e.kind === 'r') {
      pipe.readers++
      pipe.childIn = child.stdin
      let released = false
      const release = () => {
        if (released) return
        released = true
        if (pipe.childIn === child.stdin) pipe.childIn = null
        releaseReader(pipe)
      }
      child.stdin.on('error', release)
      child.on('exit', release)
      child.stdin.on('drain', wake)
      for (const c of pipe.chunks.splice(0)) child.stdin.write(c)
      if (pipe.writers === 0) child.stdin.end()
    } else if (i > 0 && e.kind === 'w') {
      pipe.writers++
      held.push(pipe)
      ;(i === 1 ? child.stdout : child.stderr).on('data', (buf) => pushToPipe(pipe, buf))
    } else {
      // A read end as stdout (or write end as stdin): nothing sensible flows; give the child EOF.
      const s = i === 0 ? child.stdin : i === 1 ? child.stdout : child.stderr
      if (i === 0) s.end()
      else s.resume()
    }
  })
  child.on('exit', (code, signal) => {
    record.status = signal ? SIGNALS[signal] : (code & 0xff) << 8
    wake()
  })
  // The child's write ends go away on 'close' (after 'exit' and after its output was delivered),
  // so a script that waits for EOF and then calls waitpid(pid, 0) always finds the child exited.
  child.on('close', () => held.forEach(releaseWriter))
  child.on('error', () => {})
  return child.pid
}

function waitpid(pid, options) {
  const pick = () => {
    if (pid !== -1) return children.has(pid) ? pid : null
    const done = [...children].find(([, r]) => r.status !== null)
    return done ? done[0] : (children.keys().next().value ?? null)
  }
  const target = pick()
  if (target === null) return [-ERRNO.ECHILD, 0]
  for (;;) {
    const record = children.get(target)
    if (record.status === null) {
      const z = zombieStatus(target)
      if (z !== null) record.status = z
    }
    if (record.status !== null) {
      children.delete(target)
      return [target, record.status]
    }
    if (options & 1) return [0, 0]
    sleepMs(1)
  }
}

// ---------------------------------------------------------------- signals
const sigMode = new Map() // num -> 'handler' | 'ignore'
const sigListeners = new Map()
const sigOrder = [] // registration order of handlers, as in os_signal_handlers
const pendingSignals = new Set()

function setSignal(num, mode) {
  const name = SIGNAME[num]
  const idx = sigOrder.indexOf(num)
  if (idx >= 0) sigOrder.splice(idx, 1)
  if (mode === 'handler') sigOrder.push(num)
  if (mode === 'default') sigMode.delete(num)
  else sigMode.set(num, mode)
  if (!name || name === 'SIGKILL' || name === 'SIGSTOP') return
  if (mode === 'default') {
    const l = sigListeners.get(num)
    if (l) process.removeListener(name, l)
    sigListeners.delete(num)
    return
  }
  if (!sigListeners.has(num)) {
    const l = () => {
      if (sigMode.get(num) === 'handler') {
        pendingSignals.add(num)
        wake()
      }
    }
    sigListeners.set(num, l)
    try {
      process.on(name, l)
    } catch {}
  }
}

// ---------------------------------------------------------------- std FILE
const files = new Map() // id -> { fd (real), vmFd, eof, error, closeFd }
let nextFile = 1
const newFile = (fd, vmFd, closeFd) => {
  files.set(nextFile, { fd, vmFd, eof: false, error: false, closeFd })
  return nextFile++
}
const STDIN_FILE = newFile(0, 0, false)
const STDOUT_FILE = newFile(1, 1, false)
const STDERR_FILE = newFile(2, 2, false)

function fopenFlags(mode) {
  const base = mode.replace('b', '')
  const table = { r: 'r', 'r+': 'r+', w: 'w', 'w+': 'w+', a: 'a', 'a+': 'a+' }
  return table[base]
}

function readBytes(f, max) {
  const chunks = []
  let total = 0
  const buf = Buffer.alloc(65536)
  while (max < 0 || total < max) {
    let n
    try {
      const want = max < 0 ? buf.length : Math.min(buf.length, max - total)
      n = fs.readSync(f.fd, buf, 0, want, null)
    } catch (e) {
      if (e.code === 'EAGAIN') {
        sleepMs(1)
        continue
      }
      if (e.code === 'EOF') n = 0
      else {
        f.error = true
        break
      }
    }
    if (n === 0) {
      f.eof = true
      break
    }
    chunks.push(Buffer.from(buf.subarray(0, n)))
    total += n
  }
  return Buffer.concat(chunks)
}

// ---------------------------------------------------------------- host primitives
const monoMs = () => Number(process.hrtime.bigint()) / 1e6

const host = {
  stdout: (s) => writeAllSync(1, Buffer.from(s, 'utf8')),
  stderr: (s) => writeAllSync(2, Buffer.from(s, 'utf8')),
  exit: (code) => exitNow(code),
  getenv: (name) => process.env[name],
  setenv: (name, value) => void (process.env[name] = value),
  unsetenv: (name) => void delete process.env[name],
  getenviron: () => ({ ...process.env }),
  strerror,
  loadFile(path) {
    try {
      const st = fs.statSync(path)
      if (st.isDirectory()) return null
      return fs.readFileSync(path).toString('utf8')
    } catch {
      return null
    }
  },
  fopen(path, mode) {
    try {
      const fd = fs.openSync(path, fopenFlags(mode), 0o666)
      fds.set(fd, { kind: 'real', fd })
      return newFile(fd, fd, true)
    } catch (e) {
      return -errnoOf(e)
    }
  },
  fdopen(vmFd, mode) {
    const e = fds.get(vmFd)
    if (!e || e.kind !== 'real') return -ERRNO.EBADF
    return newFile(e.fd, vmFd, true)
  },
  fputs(id, s) {
    const f = files.get(id)
    if (!f) return
    try {
      writeAllSync(f.fd, Buffer.from(s, 'utf8'))
    } catch {
      f.error = true
    }
  },
  fwrite(id, bytes) {
    const f = files.get(id)
    try {
      return writeAllSync(f.fd, Buffer.from(bytes))
    } catch {
      f.error = true
      return 0
    }
  },
  fread(id, len) {
    const f = files.get(id)
    return readBytes(f, len)
  },
  freadAsString(id, max) {
    const f = files.get(id)
    return readBytes(f, max).toString('utf8')
  },
  fgetline(id) {
    const f = files.get(id)
    const bytes = []
    const one = Buffer.alloc(1)
    for (;;) {
      let n
      try {
        n = fs.readSync(f.fd, one, 0, 1, null)
      } catch (e) {
        if (e.code === 'EAGAIN') {
          sleepMs(1)
          continue
        }
        n = 0
      }
      if (n === 0) {
        f.eof = true
        if (!bytes.length) return null
        break
      }
      if (one[0] === 10) break
      bytes.push(one[0])
    }
    return Buffer.from(bytes).toString('utf8')
  },
  fclose(id) {
    const f = files.get(id)
    if (!f) return -ERRNO.EBADF
    files.delete(id)
    if (!f.closeFd) return 0
    fds.delete(f.vmFd)
    try {
      fs.closeSync(f.fd)
      return 0
    } catch (e) {
      return -errnoOf(e)
    }
  },
  finfo: (id) => {
    const f = files.get(id)
    return f ? [f.eof, f.error, f.vmFd] : [true, true, -1]
  },
  fclearerr: (id) => {
    const f = files.get(id)
    if (f) f.eof = f.error = false
  },

  open(path, flags, mode) {
    try {
      const fd = fs.openSync(path, flags, mode)
      fds.set(fd, { kind: 'real', fd })
      return fd
    } catch (e) {
      return -errnoOf(e)
    }
  },
  close(fd) {
    const e = fds.get(fd)
    if (!e) return -ERRNO.EBADF
    fds.delete(fd)
    try {
      fs.closeSync(e.fd)
    } catch (err) {
      return -errnoOf(err)
    }
    if (e.kind === 'r') releaseReader(e.pipe)
    if (e.kind === 'w') releaseWriter(e.pipe)
    return 0
  },
  seek(fd, pos, whence) {
    // Node has no lseek; only the common "rewind/skip on a real file" is needed by nobody here.
    return -ERRNO.ENOSYS
  },
  read(fd, len) {
    const e = fds.get(fd)
    if (!e) return -ERRNO.EBADF
    if (e.kind === 'w') return -ERRNO.EBADF
    if (e.kind === 'r') {
      const p = e.pipe
      if (!p.chunks.length) return p.writers === 0 ? 0 : -ERRNO.EAGAIN
      const out = []
      let n = 0
      while (p.chunks.length && n < len) {
        const c = p.chunks[0]
        const take = Math.min(c.length, len - n)
        out.push(c.subarray(0, take))
        n += take
        if (take === c.length) p.chunks.shift()
        else p.chunks[0] = c.subarray(take)
      }
      return Buffer.concat(out)
    }
    const buf = Buffer.alloc(len)
    try {
      return buf.subarray(0, fs.readSync(e.fd, buf, 0, len, null))
    } catch (err) {
      return -errnoOf(err)
    }
  },
  write(fd, bytes) {
    const e = fds.get(fd)
    if (!e || e.kind === 'r') return -ERRNO.EBADF
    const buf = Buffer.from(bytes)
    if (e.kind === 'w') {
      if (e.pipe.readers === 0) {
        if (!sigMode.has(SIGNALS.SIGPIPE)) exitNow(128 + SIGNALS.SIGPIPE)
        return -ERRNO.EPIPE
      }
      pushToPipe(e.pipe, buf)
      return buf.length
    }
    try {
      return fs.writeSync(e.fd, buf)
    } catch (err) {
      return -errnoOf(err)
    }
  },
  isatty: (fd) => {
    const e = fds.get(fd)
    return !!e && e.kind === 'real' && isatty(e.fd)
  },
  pipe() {
    try {
      const p = newPipe()
      const r = fs.openSync('/dev/null', 'r')
      const w = fs.openSync('/dev/null', 'r')
      fds.set(r, { kind: 'r', pipe: p, fd: r })
      fds.set(w, { kind: 'w', pipe: p, fd: w })
      return [r, w]
    } catch {
      return null
    }
  },
  remove(path) {
    try {
      const st = fs.lstatSync(path)
      if (st.isDirectory()) fs.rmdirSync(path)
      else fs.unlinkSync(path)
      return 0
    } catch (e) {
      return -errnoOf(e)
    }
  },
  rename(a, b) {
    try {
      fs.renameSync(a, b)
      return 0
    } catch (e) {
      return -errnoOf(e)
    }
  },
  mkdir(path, mode) {
    try {
      fs.mkdirSync(path, { mode })
      return 0
    } catch (e) {
      return -errnoOf(e)
    }
  },
  chdir(path) {
    try {
      process.chdir(path)
      return 0
    } catch (e) {
      return -errnoOf(e)
    }
  },
  getcwd: () => [process.cwd(), 0],
  realpath(path) {
    try {
      return [fs.realpathSync(path), 0]
    } catch (e) {
      return ['', errnoOf(e)]
    }
  },
  readlink(path) {
    try {
      return [fs.readlinkSync(path), 0]
    } catch (e) {
      return ['', errnoOf(e)]
    }
  },
  symlink(target, path) {
    try {
      fs.symlinkSync(target, path)
      return 0
    } catch (e) {
      return -errnoOf(e)
    }
  },
  readdir(path) {
    try {
      return [['.', '..', ...fs.readdirSync(path)], 0]
    } catch (e) {
      return [[], errnoOf(e)]
    }
  },
  stat(path, isLstat) {
    try {
      const st = isLstat ? fs.lstatSync(path) : fs.statSync(path)
      const o = {}
      for (const k of ['dev', 'ino', 'mode', 'nlink', 'uid', 'gid', 'rdev', 'size', 'blocks'])
        o[k] = st[k]
      o.atime = Math.floor(st.atimeMs)
      o.mtime = Math.floor(st.mtimeMs)
      o.ctime = Math.floor(st.ctimeMs)
      return [o, 0]
    } catch (e) {
      return [null, errnoOf(e)]
    }
  },
  exec,
  waitpid,
  kill(pid, sig) {
    try {
      process.kill(pid, sig)
      return 0
    } catch (e) {
      return -errnoOf(e)
    }
  },
  getpid: () => process.pid,
  now: monoMs,
  sleep: (ms) => {
    sleepMs(Math.max(0, ms))
    return 0
  },
  timerAdd(id, delay) {
    timers.set(id, Math.floor(monoMs()) + delay)
  },
  timerDel: (id) => void timers.delete(id),
  rwSet(fd, hasRead, hasWrite) {
    if (!hasRead && !hasWrite) rw.delete(fd)
    else if (rw.has(fd)) rw.set(fd, [hasRead, hasWrite])
    else rw.set(fd, [hasRead, hasWrite])
    wake()
  },
  signal: (num, mode) => setSignal(num, mode),
}

// ---------------------------------------------------------------- the VM
const timers = new Map() // id -> deadline (integer ms), insertion order = creation order
const rw = new Map() // fd -> [hasRead, hasWrite], insertion order = registration order

const QuickJS = await getQuickJS()
const rt = QuickJS.newRuntime()
const vm = rt.newContext()

// vm.newString goes through a C string and would cut at the first NUL; QuickJS's own strings (from
// readAsString of /proc/<pid>/cmdline, say) keep them. Join the NUL-free pieces inside the VM.
let nulJoiner
function newStringWithNul(v) {
  nulJoiner ??= vm.unwrapResult(
    vm.evalCode('(function (parts) { return parts.join(String.fromCharCode(0)) })')
  )
  const parts = toVm(v.split('\0'))
  const out = vm.unwrapResult(vm.callFunction(nulJoiner, vm.undefined, parts))
  parts.dispose()
  return out
}

function toVm(v) {
  if (v === undefined) return vm.undefined
  if (v === null) return vm.null
  if (v === true) return vm.true
  if (v === false) return vm.false
  if (typeof v === 'number') return vm.newNumber(v)
  if (typeof v === 'string') return v.includes('\0') ? newStringWithNul(v) : vm.newString(v)
  if (v instanceof Uint8Array) {
    const copy = new Uint8Array(v.length)
    copy.set(v)
    return vm.newArrayBuffer(copy.buffer)
  }
  if (Array.isArray(v)) {
    const a = vm.newArray()
    v.forEach((x, i) => {
      const h = toVm(x)
      vm.setProp(a, i, h)
      if (h.alive && h !== vm.undefined && h !== vm.null && h !== vm.true && h !== vm.false)
        h.dispose()
    })
    return a
  }
  const o = vm.newObject()
  for (const [k, x] of Object.entries(v)) {
    const h = toVm(x)
    vm.setProp(o, k, h)
    if (h.alive && h !== vm.undefined && h !== vm.null && h !== vm.true && h !== vm.false)
      h.dispose()
  }
  return o
}

function fromVm(h) {
  const type = vm.typeof(h)
  if (type === 'object') {
    // ArrayBuffers are the only objects primitives take that dump() cannot carry.
    const isAb = vm.dump(vm.unwrapResult(vm.callFunction(isArrayBuffer, vm.undefined, h)))
    if (isAb) {
      const lt = vm.getArrayBuffer(h)
      const copy = Buffer.from(lt.value)
      lt.dispose()
      return copy
    }
  }
  return vm.dump(h)
}

const isArrayBuffer = vm.unwrapResult(vm.evalCode('(x) => x instanceof ArrayBuffer'))
const hostObj = vm.newObject()
for (const [name, fn] of Object.entries(host)) {
  const f = vm.newFunction(name, (...args) => toVm(fn(...args.map(fromVm))))
  vm.setProp(hostObj, name, f)
  f.dispose()
}

const preludeFn = vm.unwrapResult(vm.evalCode(`(${prelude.toString()})`, '<qjs-emu prelude>'))
const config = toVm({
  useStd,
  trackRejections,
  scriptArgs: argv,
  O: {
    O_RDONLY: fs.constants.O_RDONLY,
    O_WRONLY: fs.constants.O_WRONLY,
    O_RDWR: fs.constants.O_RDWR,
    O_APPEND: fs.constants.O_APPEND,
    O_CREAT: fs.constants.O_CREAT,
    O_EXCL: fs.constants.O_EXCL,
    O_TRUNC: fs.constants.O_TRUNC,
    S_IFMT: fs.constants.S_IFMT,
    S_IFIFO: fs.constants.S_IFIFO,
    S_IFCHR: fs.constants.S_IFCHR,
    S_IFDIR: fs.constants.S_IFDIR,
    S_IFBLK: fs.constants.S_IFBLK,
    S_IFREG: fs.constants.S_IFREG,
    S_IFSOCK: fs.constants.S_IFSOCK,
    S_IFLNK: fs.constants.S_IFLNK,
    S_ISGID: 0o2000,
    S_ISUID: 0o4000,
    WNOHANG: 1,
  },
  // No SIGHUP: qjs exports exactly these (quickjs-libc.c js_os_funcs).
  SIG: Object.fromEntries(
    [
      'SIGINT',
      'SIGABRT',
      'SIGFPE',
      'SIGILL',
      'SIGSEGV',
      'SIGTERM',
      'SIGQUIT',
      'SIGPIPE',
      'SIGALRM',
      'SIGUSR1',
      'SIGUSR2',
      'SIGCHLD',
      'SIGCONT',
      'SIGSTOP',
      'SIGTSTP',
      'SIGTTIN',
      'SIGTTOU',
    ].map((n) => [n, SIGNALS[n]])
  ),
  E: Object.fromEntries(
    [
      'EINVAL',
      'EIO',
      'EACCES',
      'EEXIST',
      'ENOSPC',
      'ENOSYS',
      'EBUSY',
      'ENOENT',
      'EPERM',
      'EPIPE',
      'EBADF',
    ].map((n) => [n, ERRNO[n]])
  ),
  files: { in: STDIN_FILE, out: STDOUT_FILE, err: STDERR_FILE },
})
const api = vm.unwrapResult(vm.callFunction(preludeFn, vm.undefined, hostObj, config))
preludeFn.dispose()
config.dispose()
hostObj.dispose()
const apiFn = (name) => vm.getProp(api, name)
const dispatchFn = apiFn('dispatch')
const formatFn = apiFn('format')
const rejectionsFn = apiFn('rejections')

function formatError(handle) {
  const r = vm.callFunction(formatFn, vm.undefined, handle)
  if (r.error) {
    r.error.dispose()
    return 'uncaught exception'
  }
  const s = vm.getString(r.value)
  r.value.dispose()
  return s
}

function drainJobs() {
  while (rt.hasPendingJob()) {
    const r = rt.executePendingJobs(1)
    if (r.error) {
      host.stderr(formatError(r.error) + '\n')
      r.error.dispose()
    }
  }
  if (!trackRejections) return
  const r = vm.callFunction(rejectionsFn, vm.undefined)
  const text = vm.getString(r.value)
  r.value.dispose()
  if (text) {
    host.stderr(text)
    exitNow(1)
  }
}

function dispatch(kind, key) {
  const k = vm.newString(kind)
  const n = vm.newNumber(key)
  const r = vm.callFunction(dispatchFn, vm.undefined, k, n)
  k.dispose()
  n.dispose()
  if (r.error) {
    host.stderr(formatError(r.error) + '\n')
    r.error.dispose()
  } else r.value.dispose()
}

// ---------------------------------------------------------------- event loop (js_os_poll)
const memoryFile = process.env.QJS_EMU_MEMORY_FILE
let memoryReportedAt = 0

/** QJS_EMU_MEMORY_FILE (see the header): the engine's memory figures, at most once a second. */
function reportMemory() {
  if (!memoryFile || Date.now() - memoryReportedAt < 1000) return
  memoryReportedAt = Date.now()
  const usage = rt.computeMemoryUsage()
  fs.writeFileSync(memoryFile, JSON.stringify(vm.dump(usage)))
  usage.dispose()
}

let scheduled = false
let nodeTimer = null
const keepAlive = setInterval(() => {}, 1 << 30)

function wake() {
  if (scheduled) return
  scheduled = true
  setImmediate(loop)
}

function exitNow(code) {
  clearInterval(keepAlive)
  process.exit(code)
}

/** One js_os_poll step without the select(): 'ran' a callback, 'idle' (wait), or 'done'. */
function pollOnce() {
  for (const num of sigOrder) {
    if (pendingSignals.has(num)) {
      pendingSignals.delete(num)
      dispatch('signal', num)
      return 'ran'
    }
  }
  if (!rw.size && !timers.size) return 'done'
  const now = Math.floor(monoMs())
  for (const [id, deadline] of timers) {
    if (deadline <= now) {
      timers.delete(id)
      dispatch('timer', id)
      return 'ran'
    }
  }
  for (const [fd, [r, w]] of rw) {
    if (r && readable(fd)) {
      dispatch('read', fd)
      return 'ran'
    }
    if (w && writable(fd)) {
      dispatch('write', fd)
      return 'ran'
    }
  }
  return 'idle'
}

function loop() {
  scheduled = false
  if (nodeTimer) clearTimeout(nodeTimer)
  nodeTimer = null
  // Yield to Node now and then so pipes, children and signals make progress even when a handler
  // is always ready (real qjs would spin in select() the same way, but the kernel keeps working).
  const until = Date.now() + 20
  for (;;) {
    drainJobs()
    const state = pollOnce()
    if (state === 'done') {
      drainJobs()
      exitNow(0)
    }
    if (state === 'idle') break
    if (Date.now() > until) return wake()
  }
  reportMemory()
  if (timers.size) {
    const next = Math.min(...timers.values()) - Math.floor(monoMs())
    nodeTimer = setTimeout(wake, Math.max(0, Math.min(next, 10_000)))
  }
}

const result = vm.evalCode(source, scriptPath)
if (result.error) {
  host.stderr(formatError(result.error) + '\n')
  exitNow(1)
}
result.value.dispose()
loop()

// ---------------------------------------------------------------- inside the VM
// Evaluated inside QuickJS (from its source text), so it must not touch anything of this module.
// `h` holds the host primitives above; it stays in this closure and never becomes a global.
function prelude(h, cfg) {
  'use strict'
  const g = globalThis
  const define = (obj, name, value) =>
    Object.defineProperty(obj, name, {
      value,
      writable: true,
      configurable: true,
      enumerable: false,
    })

  // ---- unhandled rejection tracking (difference 1 in the header)
  const NativePromise = Promise
  const nativeThen = NativePromise.prototype.then
  const unhandled = new Map()
  const handled = new WeakSet()
  let internal = false
  const track = (p) => {
    internal = true
    try {
      nativeThen.call(p, undefined, (reason) => {
        if (!handled.has(p)) unhandled.set(p, reason)
      })
    } finally {
      internal = false
    }
  }
  if (cfg.trackRejections) {
    class Promise extends NativePromise {
      constructor(executor) {
        super(executor)
        if (!internal) track(this)
      }
    }
    define(NativePromise.prototype, 'then', function then(onFulfilled, onRejected) {
      handled.add(this)
      unhandled.delete(this)
      return nativeThen.call(this, onFulfilled, onRejected)
    })
    define(g, 'Promise', Promise)
  }

  const format = (e) => {
    try {
      if (e instanceof Error) {
        const stack = typeof e.stack === 'string' ? e.stack.replace(/\n$/, '') : ''
        return `${e.name}: ${e.message}` + (stack ? `\n${stack}` : '')
      }
      return String(e)
    } catch {
      return '[exception]'
    }
  }
  const show = (v) => {
    if (typeof v === 'string') return v
    if (v === null || typeof v !== 'object') return String(v)
    if (v instanceof Error) return format(v)
    try {
      return JSON.stringify(v)
    } catch {
      return String(v)
    }
  }
  const print = (...args) => h.stdout(args.map(show).join(' ') + '\n')
  define(g, 'print', print)
  define(g, 'console', { log: print })
  define(g, 'performance', { now: () => h.now() })
  define(g, 'scriptArgs', cfg.scriptArgs.slice())

  // ---- callbacks kept inside the VM; the host only knows ids
  const timerFns = new Map()
  let nextTimer = 1
  let nextSleep = -1
  const rwFns = new Map()
  const sigFns = new Map()
  const addTimer = (id, fn, delay) => {
    timerFns.set(id, fn)
    h.timerAdd(id, delay)
  }
  const toInt = (v) => {
    const n = Math.trunc(Number(v))
    return Number.isFinite(n) ? n : 0
  }

  const checkBuffer = (ab, pos, len) => {
    if (!(ab instanceof ArrayBuffer)) throw new TypeError('not an ArrayBuffer')
    if (pos < 0 || len < 0 || pos + len > ab.byteLength)
      throw new RangeError('read/write array buffer overflow')
  }

  // ---- os
  const os = {
    open: (path, flags, mode) =>
      h.open(String(path), toInt(flags), mode === undefined ? 0o666 : toInt(mode)),
    close: (fd) => h.close(toInt(fd)),
    seek: (fd, pos, whence) => h.seek(toInt(fd), Number(pos), toInt(whence)),
    read(fd, ab, pos, len) {
      checkBuffer(ab, pos, len)
      const r = h.read(toInt(fd), len)
      if (typeof r === 'number') return r
      new Uint8Array(ab, pos, r.byteLength).set(new Uint8Array(r))
      return r.byteLength
    },
    write(fd, ab, pos, len) {
      checkBuffer(ab, pos, len)
      return h.write(toInt(fd), ab.slice(pos, pos + len))
    },
    isatty: (fd) => h.isatty(toInt(fd)),
    remove: (path) => h.remove(String(path)),
    rename: (a, b) => h.rename(String(a), String(b)),
    mkdir: (path, mode) => h.mkdir(String(path), mode === undefined ? 0o777 : toInt(mode)),
    chdir: (path) => h.chdir(String(path)),
    getcwd: () => h.getcwd(),
    realpath: (p) => h.realpath(String(p)),
    readlink: (p) => h.readlink(String(p)),
    symlink: (t, p) => h.symlink(String(t), String(p)),
    readdir: (p) => h.readdir(String(p)),
    stat: (p) => h.stat(String(p), false),
    lstat: (p) => h.stat(String(p), true),
    pipe: () => h.pipe(),
    exec(args, opts) {
      if (opts !== undefined && (opts === null || typeof opts !== 'object'))
        throw new TypeError('invalid options')
      const o = {}
      if (opts) {
        for (const k of ['block', 'usePath']) if (opts[k] !== undefined) o[k] = !!opts[k]
        for (const k of ['file', 'cwd']) if (opts[k] !== undefined) o[k] = String(opts[k])
        for (const k of ['stdin', 'stdout', 'stderr', 'uid', 'gid'])
          if (opts[k] !== undefined) o[k] = toInt(opts[k])
        if (opts.env !== undefined) {
          o.env = {}
          for (const k of Object.keys(opts.env)) o.env[k] = String(opts.env[k])
        }
      }
      return h.exec(Array.from(args, String), o)
    },
    waitpid: (pid, options) => h.waitpid(toInt(pid), toInt(options)),
    kill: (pid, sig) => h.kill(toInt(pid), toInt(sig)),
    getpid: () => h.getpid(),
    now: () => h.now(),
    sleep: (ms) => h.sleep(toInt(ms)),
    sleepAsync: (ms) =>
      new NativePromise((resolve) => {
        const id = nextSleep--
        addTimer(id, () => resolve(undefined), toInt(ms))
      }),
    setTimeout(fn, delay) {
      if (typeof fn !== 'function') throw new TypeError('not a function')
      const id = nextTimer
      nextTimer = nextTimer === 0x7fffffff ? 1 : nextTimer + 1
      addTimer(id, fn, toInt(delay))
      return id
    },
    clearTimeout(id) {
      id = toInt(id)
      if (id > 0 && timerFns.delete(id)) h.timerDel(id)
    },
    setReadHandler: (fd, fn) => setRw(toInt(fd), 0, fn),
    setWriteHandler: (fd, fn) => setRw(toInt(fd), 1, fn),
    signal(sig, fn) {
      const n = Number(sig) >>> 0
      if (n >= 64) throw new RangeError('invalid signal number')
      if (fn === null || fn === undefined) {
        sigFns.delete(n)
        h.signal(n, fn === null ? 'default' : 'ignore')
        return
      }
      if (typeof fn !== 'function') throw new TypeError('not a function')
      sigFns.set(n, fn)
      h.signal(n, 'handler')
    },
    platform: 'linux',
  }
  function setRw(fd, which, fn) {
    if (fn === null) {
      const e = rwFns.get(fd)
      if (!e) return
      e[which] = null
      if (!e[0] && !e[1]) rwFns.delete(fd)
    } else {
      if (typeof fn !== 'function') throw new TypeError('not a function')
      if (!rwFns.has(fd)) rwFns.set(fd, [null, null])
      rwFns.get(fd)[which] = fn
    }
    const e = rwFns.get(fd)
    h.rwSet(fd, !!(e && e[0]), !!(e && e[1]))
  }
  Object.assign(os, cfg.O, cfg.SIG)

  // ---- std
  const fileIds = new WeakMap()
  const idOf = (f) => {
    const id = fileIds.get(f)
    if (id === undefined) throw new TypeError('invalid FILE')
    return id
  }
  function FILE() {
    throw new TypeError('FILE is not a constructor')
  }
  const fileProto = {
    close() {
      const r = h.fclose(idOf(this))
      fileIds.delete(this)
      return r
    },
    puts(s) {
      h.fputs(idOf(this), String(s))
    },
    flush: () => 0,
    eof() {
      return h.finfo(idOf(this))[0]
    },
    error() {
      return h.finfo(idOf(this))[1]
    },
    clearerr() {
      h.fclearerr(idOf(this))
    },
    fileno() {
      return h.finfo(idOf(this))[2]
    },
    readAsString(max) {
      return h.freadAsString(idOf(this), max === undefined ? -1 : toInt(max))
    },
    getline() {
      return h.fgetline(idOf(this))
    },
    read(ab, pos, len) {
      checkBuffer(ab, pos, len)
      const r = h.fread(idOf(this), len)
      new Uint8Array(ab, pos, r.byteLength).set(new Uint8Array(r))
      return r.byteLength
    },
    write(ab, pos, len) {
      checkBuffer(ab, pos, len)
      return h.fwrite(idOf(this), ab.slice(pos, pos + len))
    },
    getByte() {
      const r = h.fread(idOf(this), 1)
      return r.byteLength ? new Uint8Array(r)[0] : -1
    },
    putByte(c) {
      const b = new Uint8Array([toInt(c) & 0xff])
      h.fwrite(idOf(this), b.buffer)
      return toInt(c)
    },
  }
  FILE.prototype = fileProto
  const makeFile = (id) => {
    const f = Object.create(fileProto)
    fileIds.set(f, id)
    return f
  }
  const setErr = (obj, errno) => {
    if (obj !== undefined && obj !== null) obj.errno = errno
  }
  const checkMode = (mode) => {
    if (!/^[rwa]b?\+?b?$/.test(mode)) throw new TypeError('invalid file mode')
  }
  const std = {
    exit: (code) => h.exit(toInt(code)),
    getenv: (name) => h.getenv(String(name)),
    setenv: (name, value) => h.setenv(String(name), String(value)),
    unsetenv: (name) => h.unsetenv(String(name)),
    getenviron: () => h.getenviron(),
    loadFile: (path) => h.loadFile(String(path)),
    strerror: (n) => h.strerror(toInt(n)),
    parseExtJSON: (s) => JSON.parse(s),
    open(path, mode, errObj) {
      mode = String(mode)
      checkMode(mode)
      const id = h.fopen(String(path), mode)
      if (id < 0) {
        setErr(errObj, -id)
        return null
      }
      setErr(errObj, 0)
      return makeFile(id)
    },
    fdopen(fd, mode, errObj) {
      mode = String(mode)
      checkMode(mode)
      const id = h.fdopen(toInt(fd), mode)
      if (id < 0) {
        setErr(errObj, -id)
        return null
      }
      setErr(errObj, 0)
      return makeFile(id)
    },
    puts: (s) => h.stdout(String(s)),
    in: makeFile(cfg.files.in),
    out: makeFile(cfg.files.out),
    err: makeFile(cfg.files.err),
    SEEK_SET: 0,
    SEEK_CUR: 1,
    SEEK_END: 2,
    Error: Object.assign({}, cfg.E),
  }
  if (cfg.useStd) {
    define(g, 'std', std)
    define(g, 'os', os)
  }

  const call = (fn) => {
    try {
      fn()
    } catch (e) {
      h.stderr(format(e) + '\n')
    }
  }
  return {
    format,
    dispatch(kind, key) {
      if (kind === 'timer') {
        const fn = timerFns.get(key)
        timerFns.delete(key)
        if (fn) call(fn)
      } else if (kind === 'read' || kind === 'write') {
        const e = rwFns.get(key)
        const fn = e && e[kind === 'read' ? 0 : 1]
        if (fn) call(fn)
      } else if (kind === 'signal') {
        const fn = sigFns.get(key)
        if (fn) call(fn)
      }
    },
    rejections() {
      if (!unhandled.size) return ''
      let text = ''
      for (const reason of unhandled.values())
        text += `Possibly unhandled promise rejection: ${format(reason)}\n`
      return text
    },
  }
}
