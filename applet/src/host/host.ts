// The runtime port. Everything lanvpn does to the outside world goes through a Host, so the same
// bundle runs under QuickJS on the router (host/quickjs.ts, over `std`/`os`) and under Node.js for
// development and bigger boxes (host/node.ts, over `node:*`). One contract suite
// (test/contract/host-cases.ts) proves both implementations behave the same.
//
// Design rules that follow from QuickJS (openwrt-contracts §8):
// - Files are synchronous (std/os are), small, and UTF-8 text.
// - exec never goes through a shell: argv is an array and is exec'ed directly.
// - There is no global setTimeout and no unhandled-rejection safety net: timers are Host methods,
//   and callers must catch everything.

/** How a command ended. A non-zero exit is a value, not an exception (style.md, Errors). */
export type ExecResult = {
  /** Exit code, or -1 when the process was killed by a signal or never started. */
  code: number
  /** Signal number that ended the process, when it died of one (SIGKILL on timeout). */
  signal?: number
  stdout: string
  stderr: string
  /** True when the process was killed because it ran past `timeoutMs`. */
  timedOut: boolean
}

export type ExecOptions = {
  /** Written to the child's stdin, which is then closed. Without it stdin is empty (/dev/null). */
  stdin?: string
  /** Kill the child with SIGKILL after this many ms and report `timedOut`. Default 30000. */
  timeoutMs?: number
  /** Extra environment entries, merged over the inherited environment. */
  env?: Record<string, string>
}

export type FileStat = {
  isFile: boolean
  isDir: boolean
  /** Permission bits only (mode & 0o7777). */
  mode: number
  size: number
  mtimeMs: number
}

export type WriteOptions = {
  /** Permission bits of the new file; default 0o644. Secrets use 0o600. */
  mode?: number
  /** fsync before rename so the content survives a power cut (flash). Default true. Files under
   * /var/run (tmpfs) pass false: there is nothing to make durable and it saves a process on QuickJS. */
  durable?: boolean
}

export type SignalName = 'HUP' | 'TERM' | 'INT' | 'USR1'

/** A file held open with flock(LOCK_EX) on it (Host.lockFile): the lock libuci takes to commit. */
export interface FileLock {
  /** Whether the path still names the locked file (false once a rename, as `uci commit` makes,
   * put another file there). */
  isCurrent(): boolean
  /** The locked file's bytes: the file itself, even when its path now names another one. */
  read(): Uint8Array
  /** Replaces the locked file's bytes in place (truncate, then write; not fsynced), so whoever
   * waits for its lock reads them. Throws when a step fails. */
  rewrite(content: Uint8Array): void
  /** Closes the file, which lets go of the lock. Safe twice. */
  release(): void
}

/** A long-running command read line by line (host.watch). */
export type LineWatch = {
  /** Ends the command (SIGTERM) and reaps it; no line or exit is reported after. Safe twice. */
  stop(): void
}

export type LogLevel = 'err' | 'warning' | 'notice' | 'info' | 'debug'

export type TimerHandle = { readonly id: unknown }

/** The runtime port. Implementations: NodeHost, QuickjsHost, FakeHost (tests). */
export interface Host {
  readonly runtime: 'node' | 'quickjs' | 'fake'

  /** Command-line arguments after the script path (`lanvpn.js rpc call status` → ['rpc','call','status']). */
  argv(): string[]
  /** One environment variable, or undefined. */
  getEnv(name: string): string | undefined

  /** File content as UTF-8, or null when the file does not exist. Throws on other errors. */
  readFile(path: string): string | null
  /** File content as bytes, or null when the file does not exist. Throws on other errors. For
   * files that must be written back byte for byte (/etc/config/lanvpn: core/uci/bytes.ts). */
  readFileBytes(path: string): Uint8Array | null
  /** Writes via `atomicTempPath(path, pid)` (`<dir>/.<base>.tmp-<pid>`): write, fsync (unless
   * durable=false), rename. Readers see the old or the new content, never a mix. The temp file is
   * created with `mode` (never wider); one a crashed earlier process with the same pid left is
   * replaced. On failure the temp file is removed and the old content stays. */
  writeFileAtomic(path: string, content: string | Uint8Array, opts?: WriteOptions): void
  /** Creates `path` with `content` only if it does not exist (O_CREAT|O_EXCL, atomic even between
   * processes): true when this call created it, false when it already existed. Not fsynced (meant
   * for lock files in /var/run). Throws on other errors (missing directory, read-only fs, a failed
   * write): then no file is left behind, so a lock is never left empty by a write that failed. */
  createExclusive(path: string, content: string, mode?: number): boolean
  /** Opens the existing file `path` read-write and takes flock(LOCK_EX) on that open file, as
   * libuci does before it commits a package, waiting up to timeoutMs. QuickJS has no flock: the
   * `flock` command does it with the file as its stdin, and the lock, which belongs to the open
   * file, stays held after it exits, until release(). Throws with the reason when the lock cannot
   * be had (the file is missing, the wait ran out, there is no `flock` command). */
  lockFile(path: string, timeoutMs: number): Promise<FileLock>
  /** Removes a file; no error when it is already gone. */
  removeFile(path: string): void
  /** Creates a directory and its parents; no error when it exists. */
  mkdirp(path: string, mode?: number): void
  /** Entry names of a directory without `.` and `..`, sorted; null when it does not exist. */
  listDir(path: string): string[] | null
  /** Metadata, or null when the path does not exist. Follows symlinks. */
  stat(path: string): FileStat | null

  /** Runs argv[0] (looked up in PATH) with argv, never through a shell. Resolves; never rejects for
   * a failing command. A command that cannot be started gives code 127. */
  exec(argv: string[], opts?: ExecOptions): Promise<ExecResult>

  /** Starts argv (no shell, stdin and stderr /dev/null) for as long as it runs, calling onLine with
   * each line of its stdout (without the newline) as it comes, and onExit once with its exit code
   * (-1 for a signal, 127 when it cannot start) unless stop() came first. For event streams such
   * as `nft monitor`; never blocks the event loop. */
  watch(argv: string[], onLine: (line: string) => void, onExit: (code: number) => void): LineWatch

  /** Calls fn once after ms. */
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
  /** Registers the one handler for a signal (replacing any earlier one). */
  onSignal(sig: SignalName, fn: () => void): void
  /** Sends a signal to a process; false when it does not exist or cannot be signalled. */
  kill(pid: number, sig: SignalName | 'KILL' | 0): boolean
  pid(): number

  /** Monotonic milliseconds: never jumps when NTP sets the wall clock. Use for every interval. */
  monotonicMs(): number
  /** Wall-clock milliseconds since the epoch: only for timestamps shown to people. */
  wallMs(): number

  /** Reads all of stdin, at most maxBytes+1 bytes so callers can detect oversize input. */
  readStdin(maxBytes: number): string
  writeStdout(text: string): void
  writeStderr(text: string): void
  /** Logs one line to syslog (tag `lanvpn`). Never pass secrets, addresses or names at level info. */
  log(level: LogLevel, message: string): void
  /** Ends the process with this code after flushing stdout. */
  exit(code: number): never
}

/** Milliseconds a command may run when the caller gives no timeout. */
export const DEFAULT_EXEC_TIMEOUT_MS = 30_000

/** Signal numbers shared by every Linux architecture OpenWrt runs on. QuickJS exports no SIGHUP
 * constant (openwrt-contracts §8.5), and SIGUSR1 differs on MIPS, so USR1 is looked up at runtime. */
export const SIGNAL_NUMBERS = { HUP: 1, INT: 2, KILL: 9, TERM: 15 } as const

/** The temp file `writeFileAtomic` writes `path` through: a dot-file beside it,
 * `<dir>/.<base>.tmp-<pid>`. The dot follows libuci's own commit, which writes its temporary as
 * `<confdir>/.<name>.uci-XXXXXX` (openwrt/uci file.c, uci_file_commit): UCI lists packages with
 * the glob `<confdir>/*` (uci_list_config_files), which skips dot-files, so a temp file left in
 * /etc/config by a killed save is never read as a package. The pid says whose it is, so leftovers
 * of dead writers can be swept (system/files.ts removeStaleTempFiles). */
export function atomicTempPath(path: string, pid: number): string {
  const slash = path.lastIndexOf('/')
  return `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.tmp-${pid}`
}

/** A file name made by `atomicTempPath`: group 1 is the base name, group 2 the writer's pid. */
export const ATOMIC_TEMP_NAME = /^\.(.+)\.tmp-([0-9]+)$/

/** The error of a `flock -x 0` run (Host.lockFile) that did not take the lock on `path`. */
export function lockFailure(path: string, r: ExecResult, timeoutMs: number): Error {
  const why = r.timedOut
    ? `another writer still held it after ${Math.round(timeoutMs)} ms`
    : r.code === 127
      ? 'no flock command (busybox has the flock applet by default; else install flock)'
      : `flock exited ${r.code}: ${r.stderr.trim()}`
  return new Error(`locking ${path}: ${why}`)
}
