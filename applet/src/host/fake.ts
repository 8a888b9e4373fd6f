// An in-memory Host for unit and transition tests: files, a scripted exec with a transcript, a
// manual clock, signals on demand and captured output. Deterministic: nothing real is touched.
import type {
  ExecOptions,
  ExecResult,
  FileLock,
  FileStat,
  Host,
  LineWatch,
  LogLevel,
  SignalName,
  TimerHandle,
  WriteOptions,
} from './host'
import { decodeUtf8Lossless, encodeUtf8Lossless } from '../core/uci/bytes'

/** A command started with FakeHost.watch: `line` delivers a line of its output, `exit` ends it
 * (both do nothing once it was stopped or ended). */
export type FakeWatch = {
  argv: string[]
  running: boolean
  line(text: string): void
  exit(code: number): void
}

/** Thrown by FakeHost.exit so a test can assert the code and the code under test stops there. */
export class FakeExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`)
    this.name = 'FakeExit'
  }
}

/** Matches an exec: a prefix of argv (each element a string or RegExp), or a predicate. */
export type ExecMatcher = Array<string | RegExp> | ((argv: string[], opts: ExecOptions) => boolean)

/** A scripted answer: a result (missing fields default to success) or a function producing one. */
export type ExecReply =
  Partial<ExecResult> | ((argv: string[], opts: ExecOptions) => Partial<ExecResult>)

/** One recorded exec call, in call order. */
export type ExecCall = { argv: string[]; stdin?: string; env?: Record<string, string> }

type Timer = { id: number; at: number; fn: () => void }

function matches(m: ExecMatcher, argv: string[], opts: ExecOptions): boolean {
  if (typeof m === 'function') return m(argv, opts)
  return m.every((p, i) => (typeof p === 'string' ? argv[i] === p : p.test(argv[i] ?? '')))
}

/** FakeHost: a Host whose world is set up and inspected by the test. The latest matching onExec
 * wins; an unmatched exec succeeds with empty output (or use `strictExec` to make it code 127). */
export class FakeHost implements Host {
  readonly runtime = 'fake' as const
  files = new Map<string, { content: string; mode: number; mtimeMs: number }>()
  dirs = new Set<string>(['/'])
  env: Record<string, string> = {}
  args: string[] = []
  stdin = ''
  stdout = ''
  stderr = ''
  logs: Array<{ level: LogLevel; message: string }> = []
  transcript: ExecCall[] = []
  /** Every file write, in order (writeFileAtomic and createExclusive), e.g. to prove that idling
   * writes nothing to flash. */
  writes: Array<{ path: string; durable: boolean }> = []
  /** When true, an exec nothing matches resolves with code 127 instead of success. */
  strictExec = false
  pidValue = 4242
  /** Pids for which kill() answers true (the own pid always does). */
  livePids = new Set<number>()
  killed: Array<{ pid: number; sig: SignalName | 'KILL' | 0 }> = []
  /** Commands started with watch(), in order: a test feeds them lines and ends them. */
  watches: FakeWatch[] = []
  private monotonic = 0
  private wall = 0
  private timers: Timer[] = []
  private nextTimer = 1
  private rules: Array<{ matcher: ExecMatcher; reply: ExecReply }> = []
  private signals = new Map<SignalName, () => void>()

  /** Scripts the answer to execs matching `matcher`. Returns this for chaining. */
  onExec(matcher: ExecMatcher, reply: ExecReply): this {
    this.rules.push({ matcher, reply })
    return this
  }

  /** Moves both clocks forward by ms and fires due timers in deadline order (ties: creation). */
  advance(ms: number): void {
    const target = this.monotonic + ms
    for (;;) {
      const due = this.timers
        .filter((t) => t.at <= target)
        .sort((a, b) => a.at - b.at || a.id - b.id)[0]
      if (!due) break
      this.wall += due.at - this.monotonic
      this.monotonic = due.at
      this.timers = this.timers.filter((t) => t !== due)
      due.fn()
    }
    this.wall += target - this.monotonic
    this.monotonic = target
  }

  /** Sets the monotonic clock without firing timers (tests of clock arithmetic only). */
  setMonotonicMs(ms: number): void {
    this.monotonic = ms
  }

  /** Sets the wall clock alone, e.g. an NTP jump from 1970 to now; timers are unaffected. */
  setWallMs(ms: number): void {
    this.wall = ms
  }

  /** Delivers a signal to the registered handler; false when there is none. */
  raise(sig: SignalName): boolean {
    const fn = this.signals.get(sig)
    if (fn) fn()
    return !!fn
  }

  /** Number of timers still pending. */
  pendingTimers(): number {
    return this.timers.length
  }

  /** Lets queued promise callbacks run (exec replies resolve asynchronously, like real ones). */
  async flush(): Promise<void> {
    for (let i = 0; i < 10; i++) await Promise.resolve()
  }

  argv(): string[] {
    return this.args.slice()
  }
  getEnv(name: string): string | undefined {
    return this.env[name]
  }

  readFile(path: string): string | null {
    return this.files.get(path)?.content ?? null
  }
  readFileBytes(path: string): Uint8Array | null {
    const content = this.readFile(path)
    return content === null ? null : encodeUtf8Lossless(content)
  }
  writeFileAtomic(path: string, written: string | Uint8Array, opts: WriteOptions = {}): void {
    // Files are kept as strings; bytes are kept in the form readFileBytes gives back exactly.
    const content = typeof written === 'string' ? written : decodeUtf8Lossless(written)
    const dir = path.slice(0, path.lastIndexOf('/')) || '/'
    if (!this.dirs.has(dir)) throw new Error(`writing ${path}: No such file or directory`)
    this.writes.push({ path, durable: opts.durable !== false })
    this.files.set(path, { content, mode: opts.mode ?? 0o644, mtimeMs: this.wall })
  }
  createExclusive(path: string, content: string, mode = 0o644): boolean {
    if (this.files.has(path) || this.dirs.has(path)) return false
    this.writeFileAtomic(path, content, { mode, durable: false })
    return true
  }
  /** Files lockFile holds now. Nothing else runs in a FakeHost, so the lock never waits. */
  lockedFiles = new Set<string>()
  lockFile(path: string): Promise<FileLock> {
    if (!this.files.has(path)) return Promise.reject(new Error(`locking ${path}: No such file`))
    this.lockedFiles.add(path)
    return Promise.resolve({
      isCurrent: () => true,
      read: () => this.readFileBytes(path) ?? new Uint8Array(0),
      rewrite: () => {}, // The path and the locked file are always one here.
      release: () => void this.lockedFiles.delete(path),
    })
  }
  removeFile(path: string): void {
    this.files.delete(path)
  }
  mkdirp(path: string): void {
    let prefix = ''
    for (const part of path.split('/').filter(Boolean)) {
      prefix += '/' + part
      this.dirs.add(prefix)
    }
  }
  listDir(path: string): string[] | null {
    const dir = path.replace(/\/+$/, '') || '/'
    if (!this.dirs.has(dir)) return null
    const base = dir === '/' ? '/' : dir + '/'
    const names = new Set<string>()
    for (const p of [...this.files.keys(), ...this.dirs]) {
      if (p.startsWith(base) && p !== base) names.add(p.slice(base.length).split('/')[0])
    }
    return [...names].sort()
  }
  stat(path: string): FileStat | null {
    const f = this.files.get(path)
    if (f) {
      const size = f.content.length
      return { isFile: true, isDir: false, mode: f.mode, size, mtimeMs: f.mtimeMs }
    }
    if (this.dirs.has(path)) return { isFile: false, isDir: true, mode: 0o755, size: 0, mtimeMs: 0 }
    return null
  }

  watch(argv: string[], onLine: (line: string) => void, onExit: (code: number) => void): LineWatch {
    const w: FakeWatch = {
      argv: argv.slice(),
      running: true,
      line(text) {
        if (w.running) onLine(text)
      },
      exit(code) {
        if (!w.running) return
        w.running = false
        onExit(code)
      },
    }
    this.watches.push(w)
    return { stop: () => void (w.running = false) }
  }

  exec(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const call: ExecCall = { argv: argv.slice() }
    if (opts.stdin !== undefined) call.stdin = opts.stdin
    if (opts.env) call.env = { ...opts.env }
    this.transcript.push(call)
    const rule = [...this.rules].reverse().find((r) => matches(r.matcher, argv, opts))
    const base: ExecResult = { code: 0, stdout: '', stderr: '', timedOut: false }
    if (!rule) {
      const missing = { ...base, code: 127, stderr: `${argv[0]}: not scripted\n` }
      return Promise.resolve(this.strictExec ? missing : base)
    }
    const reply = typeof rule.reply === 'function' ? rule.reply(argv, opts) : rule.reply
    return Promise.resolve({ ...base, ...reply })
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.nextTimer++, at: this.monotonic + Math.max(0, ms), fn }
    this.timers.push(timer)
    return { id: timer.id }
  }
  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== handle.id)
  }
  onSignal(sig: SignalName, fn: () => void): void {
    this.signals.set(sig, fn)
  }
  kill(pid: number, sig: SignalName | 'KILL' | 0): boolean {
    this.killed.push({ pid, sig })
    return pid === this.pidValue || this.livePids.has(pid)
  }
  pid(): number {
    return this.pidValue
  }
  monotonicMs(): number {
    return this.monotonic
  }
  wallMs(): number {
    return this.wall
  }
  readStdin(maxBytes: number): string {
    return this.stdin.slice(0, maxBytes + 1)
  }
  writeStdout(text: string): void {
    this.stdout += text
  }
  writeStderr(text: string): void {
    this.stderr += text
  }
  log(level: LogLevel, message: string): void {
    this.logs.push({ level, message })
  }
  exit(code: number): never {
    throw new FakeExit(code)
  }
}
