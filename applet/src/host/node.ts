// Host over Node.js (node:*). Loaded only through a dynamic import from main.ts, so the QuickJS
// path of the one bundle never evaluates these imports (esbuild keeps them lazy).
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import { constants as osConstants } from 'node:os'
import process from 'node:process'
import {
  atomicTempPath,
  DEFAULT_EXEC_TIMEOUT_MS,
  lockFailure,
  type ExecOptions,
  type ExecResult,
  type FileLock,
  type FileStat,
  type Host,
  type LineWatch,
  type LogLevel,
  type SignalName,
  type TimerHandle,
  type WriteOptions,
} from './host'

type NodeError = Error & { code?: string }

const codeOf = (e: unknown): string | undefined => (e as NodeError)?.code

/** Writes all bytes to an fd synchronously. Node may leave a pipe fd non-blocking, so EAGAIN is
 * retried after a short sleep instead of dropping output. */
function writeAllSync(fd: number, text: string): void {
  const buf = Buffer.from(text, 'utf8')
  let off = 0
  while (off < buf.length) {
    try {
      off += fs.writeSync(fd, buf, off, buf.length - off)
    } catch (e) {
      if (codeOf(e) !== 'EAGAIN') throw e
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2)
    }
  }
}

function signalNumber(sig: SignalName | 'KILL' | 0): NodeJS.Signals | 0 {
  return sig === 0 ? 0 : (`SIG${sig}` as NodeJS.Signals)
}

/** A Host over node:fs, node:child_process and process. exec never uses a shell and never
 * rejects; logs go to syslog through `logger` unless LANVPN_LOG says otherwise. */
export function createNodeHost(): Host {
  const signalHandlers = new Map<SignalName, () => void>()

  /** `ownStdin`: an fd of the caller's to give the child as its stdin (left open here). */
  function exec(argv: string[], opts: ExecOptions = {}, ownStdin?: number): Promise<ExecResult> {
    return new Promise((resolve) => {
      let stdout = ''
      let stderr = ''
      let timedOut = false
      let settled = false
      const finish = (result: Omit<ExecResult, 'stdout' | 'stderr' | 'timedOut'>): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        resolve({ ...result, stdout, stderr, timedOut })
      }
      const child = spawn(argv[0], argv.slice(1), {
        stdio: [ownStdin ?? (opts.stdin === undefined ? 'ignore' : 'pipe'), 'pipe', 'pipe'],
        env: opts.env ? { ...process.env, ...opts.env } : process.env,
      })
      const timer = setTimeout(() => {
        timedOut = true
        child.kill('SIGKILL')
      }, opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS)
      child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s))
      child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s))
      // A command that cannot start is a value, like the shell's 127, not an exception.
      child.on('error', (e) => {
        if (child.pid === undefined) {
          stderr += `${argv[0]}: ${e.message}\n`
          finish({ code: 127 })
        }
      })
      child.on('close', (code, signal) => {
        finish(signal ? { code: -1, signal: osConstants.signals[signal] } : { code: code ?? -1 })
      })
      if (child.stdin) {
        // The child may exit without reading its input (EPIPE): that is its business.
        child.stdin.on('error', () => {})
        child.stdin.end(opts.stdin, 'utf8')
      }
    })
  }

  function writeFileAtomic(
    path: string,
    content: string | Uint8Array,
    opts: WriteOptions = {}
  ): void {
    const tmp = atomicTempPath(path, process.pid)
    const flags = fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY
    let fd = -1
    try {
      try {
        fd = fs.openSync(tmp, flags, opts.mode ?? 0o644)
      } catch (e) {
        // Only a crashed earlier run with our pid can have left this name behind.
        if (codeOf(e) !== 'EEXIST') throw e
        fs.unlinkSync(tmp)
        fd = fs.openSync(tmp, flags, opts.mode ?? 0o644)
      }
      fs.writeFileSync(fd, content, 'utf8')
      if (opts.durable !== false) fs.fsyncSync(fd)
      fs.closeSync(fd)
      fd = -1
      fs.renameSync(tmp, path)
    } catch (e) {
      if (fd >= 0) fs.closeSync(fd)
      try {
        fs.unlinkSync(tmp)
      } catch {}
      throw new Error(`writing ${path}: ${(e as Error).message}`, { cause: e })
    }
  }

  async function lockFile(path: string, timeoutMs: number): Promise<FileLock> {
    let fd: number
    try {
      fd = fs.openSync(path, 'r+')
    } catch (e) {
      throw new Error(`locking ${path}: ${(e as Error).message}`, { cause: e })
    }
    // As on QuickJS (host.ts lockFile): flock(1) locks its stdin, this open file.
    const r = await exec(['flock', '-x', '0'], { timeoutMs }, fd)
    if (r.code !== 0) {
      fs.closeSync(fd)
      throw lockFailure(path, r, timeoutMs)
    }
    let held = true
    return {
      isCurrent() {
        try {
          const now = fs.statSync(path)
          const ours = fs.fstatSync(fd)
          return now.dev === ours.dev && now.ino === ours.ino
        } catch {
          return false
        }
      },
      read() {
        const data = fs.readFileSync(`/proc/self/fd/${fd}`)
        return new Uint8Array(data.buffer, data.byteOffset, data.length)
      },
      rewrite(content) {
        fs.ftruncateSync(fd, 0)
        for (let at = 0; at < content.length;)
          at += fs.writeSync(fd, content, at, content.length - at, at)
      },
      release() {
        if (held) fs.closeSync(fd)
        held = false
      },
    }
  }

  function watch(
    argv: string[],
    onLine: (line: string) => void,
    onExit: (code: number) => void
  ): LineWatch {
    let stopped = false
    let pending = ''
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] })
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      pending += s
      let i: number
      while ((i = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, i)
        pending = pending.slice(i + 1)
        if (!stopped) onLine(line)
      }
    })
    // 'close' follows 'error' too when the command cannot start (code null, no pid).
    let cannotStart = false
    child.on('error', () => {
      if (child.pid === undefined) cannotStart = true
    })
    child.on('close', (code) => {
      if (stopped) return
      stopped = true
      onExit(cannotStart ? 127 : (code ?? -1))
    })
    return {
      stop() {
        if (stopped) return
        stopped = true
        child.kill('SIGTERM')
      },
    }
  }

  return {
    runtime: 'node',
    argv: () => process.argv.slice(2),
    getEnv: (name) => process.env[name],

    readFile(path) {
      try {
        return fs.readFileSync(path, 'utf8')
      } catch (e) {
        if (codeOf(e) === 'ENOENT') return null
        throw new Error(`reading ${path}: ${(e as Error).message}`, { cause: e })
      }
    },
    readFileBytes(path) {
      try {
        const data = fs.readFileSync(path)
        return new Uint8Array(data.buffer, data.byteOffset, data.length)
      } catch (e) {
        if (codeOf(e) === 'ENOENT') return null
        throw new Error(`reading ${path}: ${(e as Error).message}`, { cause: e })
      }
    },
    writeFileAtomic,
    lockFile,
    createExclusive(path, content, mode = 0o644) {
      const flags = fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY
      let fd: number
      try {
        fd = fs.openSync(path, flags, mode)
      } catch (e) {
        if (codeOf(e) === 'EEXIST') return false
        throw new Error(`creating ${path}: ${(e as Error).message}`, { cause: e })
      }
      try {
        try {
          fs.writeFileSync(fd, content, 'utf8')
        } finally {
          fs.closeSync(fd)
        }
      } catch (e) {
        // A lock file left empty by a failed write would make every waiter wait for nobody.
        try {
          fs.unlinkSync(path)
        } catch {}
        throw new Error(`writing ${path}: ${(e as Error).message}`, { cause: e })
      }
      return true
    },
    removeFile(path) {
      try {
        fs.unlinkSync(path)
      } catch (e) {
        if (codeOf(e) !== 'ENOENT') throw new Error(`removing ${path}: ${(e as Error).message}`)
      }
    },
    mkdirp(path, mode = 0o755) {
      fs.mkdirSync(path, { recursive: true, mode })
    },
    listDir(path) {
      try {
        return fs.readdirSync(path).sort()
      } catch (e) {
        if (codeOf(e) === 'ENOENT') return null
        throw new Error(`listing ${path}: ${(e as Error).message}`, { cause: e })
      }
    },
    stat(path): FileStat | null {
      try {
        const st = fs.statSync(path)
        return {
          isFile: st.isFile(),
          isDir: st.isDirectory(),
          mode: st.mode & 0o7777,
          size: st.size,
          mtimeMs: Math.floor(st.mtimeMs),
        }
      } catch (e) {
        const code = codeOf(e)
        if (code === 'ENOENT' || code === 'ENOTDIR') return null
        throw new Error(`stat ${path}: ${(e as Error).message}`, { cause: e })
      }
    },

    exec,
    watch,

    setTimeout: (fn, ms): TimerHandle => ({ id: setTimeout(fn, ms) }),
    clearTimeout: (handle) => clearTimeout(handle.id as NodeJS.Timeout),
    onSignal(sig, fn) {
      // One handler per signal, as on QuickJS where os.signal replaces the previous one.
      const previous = signalHandlers.get(sig)
      if (previous) process.removeListener(`SIG${sig}`, previous)
      signalHandlers.set(sig, fn)
      process.on(`SIG${sig}`, fn)
    },
    kill(pid, sig) {
      try {
        return process.kill(pid, signalNumber(sig))
      } catch {
        return false
      }
    },
    pid: () => process.pid,

    // hrtime is CLOCK_MONOTONIC, the clock os.now() reads on QuickJS.
    monotonicMs: () => Number(process.hrtime.bigint()) / 1e6,
    wallMs: () => Date.now(),

    readStdin(maxBytes) {
      const chunks: Buffer[] = []
      let total = 0
      const buf = Buffer.alloc(65536)
      while (total <= maxBytes) {
        let n: number
        try {
          n = fs.readSync(0, buf, 0, Math.min(buf.length, maxBytes + 1 - total), null)
        } catch (e) {
          if (codeOf(e) === 'EAGAIN') {
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2)
            continue
          }
          if (codeOf(e) === 'EOF') break
          throw e
        }
        if (n === 0) break
        chunks.push(Buffer.from(buf.subarray(0, n)))
        total += n
      }
      return Buffer.concat(chunks).toString('utf8')
    },
    writeStdout: (text) => writeAllSync(1, text),
    writeStderr: (text) => writeAllSync(2, text),
    log(level: LogLevel, message: string) {
      const mode = process.env.LANVPN_LOG
      if (mode === 'off') return
      if (mode === 'stderr') {
        // procd forwards a daemon's stderr to syslog, so no logger process per line.
        writeAllSync(2, `lanvpn[${process.pid}]: ${level}: ${message}\n`)
        return
      }
      const child = spawn('logger', ['-t', 'lanvpn', '-p', `daemon.${level}`, '--', message], {
        stdio: 'ignore',
      })
      child.on('error', () => {})
      child.unref()
    },
    exit(code): never {
      // writeStdout is synchronous, so nothing is left to flush on our side.
      process.exit(code)
    },
  }
}
