// Types for the part of QuickJS's `std` and `os` modules lanvpn uses (openwrt-contracts §8.4,
// §8.5), each checked against quickjs-libc.c of both releases that matter: 2021-03-27 (the tests'
// native qjs) and 2025-09-13 (OpenWrt 25.12). Nothing lanvpn does not call is declared, so a new
// call means checking it first. Types only: nothing here exists at runtime. With `qjs --std` both
// are globals; they are passed into createQuickjsHost explicitly so no other module can reach them
// (style.md, Boundaries).

/** A libc FILE wrapper (js_std_file_*). */
export interface QjsFile {
  /** fclose: 0, or -errno (a write still buffered that fails shows here). */
  close(): number
  /** fwrite of each argument; returns undefined whatever happened: check error() after a flush. */
  puts(text: string): void
  /** fflush, whose result is ignored: returns undefined. A failure sets the error flag. */
  flush(): void
  /** Reads to EOF, or at most maxBytes bytes, and decodes the bytes as UTF-8. */
  readAsString(maxBytes?: number): string
  /** ferror: the stream's error flag. */
  error(): boolean
}

/** Receives `errno` (positive) from std.open / std.fdopen; 0 when they succeed. */
export type QjsErrorObject = { errno?: number }

/** The `std` module. */
export interface QjsStd {
  /** fopen: a FILE, or null (errObj.errno says why). */
  open(path: string, mode: string, err?: QjsErrorObject): QjsFile | null
  /** fdopen: a FILE that owns `fd` (its close() closes the fd), or null. */
  fdopen(fd: number, mode: string, err?: QjsErrorObject): QjsFile | null
  readonly in: QjsFile
  readonly out: QjsFile
  readonly err: QjsFile
  /** The value, or undefined when unset. */
  getenv(name: string): string | undefined
  getenviron(): Record<string, string>
  exit(code: number): never
  strerror(errno: number): string
  /** Positive errno values (EBADF only from 2025: not used). */
  readonly Error: {
    readonly ENOENT: number
    readonly EEXIST: number
    readonly EIO: number
    readonly ENOSYS: number
  }
}

/** Options of os.exec. std* are fds dup2'ed onto 0/1/2 in the child; env REPLACES the environment. */
export type QjsExecOptions = {
  block?: boolean
  usePath?: boolean
  stdin?: number
  stdout?: number
  stderr?: number
  env?: Record<string, string>
}

/** What os.stat returns in its first slot (lanvpn reads these fields); times in milliseconds. */
export type QjsStat = {
  dev: number
  ino: number
  mode: number
  size: number
  mtime: number
}

/** A timer of os.setTimeout: an object in 2021-03-27, a number from 2025. Only ever handed back
 * to os.clearTimeout (which throws for anything else in 2021). */
export type QjsTimer = unknown

/** The `os` module. Plain calls return 0 (or a count / an fd) or -errno; data calls return
 * [value, errno] where errno is POSITIVE (0 on success). */
export interface QjsOs {
  /** An fd, or -errno. mode defaults to 0o666. */
  open(path: string, flags: number, mode?: number): number
  close(fd: number): number
  /** A byte count, or -errno. */
  read(fd: number, buffer: ArrayBuffer, offset: number, length: number): number
  write(fd: number, buffer: ArrayBuffer, offset: number, length: number): number
  remove(path: string): number
  rename(from: string, to: string): number
  mkdir(path: string, mode?: number): number
  /** [names with . and .., 0], or [[], errno]. */
  readdir(path: string): [string[], number]
  /** [stat, 0], or [null, errno]. Follows symlinks (and /proc/self/fd/N to the open file). */
  stat(path: string): [QjsStat | null, number]
  /** [read fd, write fd], or null. */
  pipe(): [number, number] | null
  /** block:false → the child's pid (reap it with waitpid). block:true → the exit code, or -signal.
   * Throws only when fork fails; a child that cannot exec (or set up its fds) exits 127. */
  exec(argv: string[], opts?: QjsExecOptions): number
  /** [pid, raw status] when the child ended; [0, ?] while it runs (WNOHANG; the status slot is
   * then uninitialised in 2021); [-errno, 0] when there is no such child. */
  waitpid(pid: number, options: number): [number, number]
  kill(pid: number, sig: number): number
  /** From 2024-01-13 only: feature-detect. */
  getpid?: () => number
  /** One handler per fd; null removes it. A pending handler keeps the event loop alive. */
  setReadHandler(fd: number, fn: (() => void) | null): void
  setWriteHandler(fd: number, fn: (() => void) | null): void
  /** A pending timer keeps the event loop alive. */
  setTimeout(fn: () => void, ms: number): QjsTimer
  clearTimeout(timer: QjsTimer): void
  /** fn: handler (does not keep the loop alive); null: default action; undefined: ignore.
   * Numbers 0–63, main thread only. */
  signal(sig: number, fn: (() => void) | null | undefined): void
  /** From 2024-01-13 only: feature-detect. Monotonic milliseconds (CLOCK_MONOTONIC), fractional. */
  now?: () => number
  readonly O_RDONLY: number
  readonly O_RDWR: number
  readonly O_WRONLY: number
  readonly O_CREAT: number
  readonly O_EXCL: number
  readonly O_TRUNC: number
  readonly S_IFMT: number
  readonly S_IFREG: number
  readonly S_IFDIR: number
  readonly WNOHANG: number
  readonly SIGPIPE: number
  readonly SIGUSR1: number
}
