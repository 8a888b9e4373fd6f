// Types for the subset of QuickJS's `std` and `os` modules lanvpn uses (openwrt-contracts §8.4,
// §8.5; bellard/quickjs doc/quickjs.texi and quickjs-libc.c). Types only: nothing here exists at
// runtime. With `qjs --std` both are globals; they are passed into createQuickjsHost explicitly so
// no other module can reach them (style.md, Boundaries).

/** A libc FILE wrapper. Methods that can fail return 0 / a count, or a negative errno. */
export interface QjsFile {
  close(): number
  puts(text: string): void
  printf(format: string, ...args: unknown[]): number
  /** Returns undefined (js_std_file_flush ignores fflush's result): check error() after it. */
  flush(): void
  /** Reads to EOF, or at most maxBytes bytes, and decodes the bytes as UTF-8. */
  readAsString(maxBytes?: number): string
  /** One line without its newline, or null at EOF. */
  getline(): string | null
  eof(): boolean
  error(): boolean
  fileno(): number
  read(buffer: ArrayBuffer, position: number, length: number): number
  write(buffer: ArrayBuffer, position: number, length: number): number
}

/** Receives `errno` (a positive number) from std.open / std.fdopen when they return null. */
export type QjsErrorObject = { errno?: number }

/** The `std` module. */
export interface QjsStd {
  loadFile(path: string): string | null
  open(path: string, mode: string, err?: QjsErrorObject): QjsFile | null
  fdopen(fd: number, mode: string, err?: QjsErrorObject): QjsFile | null
  readonly in: QjsFile
  readonly out: QjsFile
  readonly err: QjsFile
  puts(text: string): void
  getenv(name: string): string | undefined
  setenv(name: string, value: string): void
  unsetenv(name: string): void
  getenviron(): Record<string, string>
  exit(code: number): never
  strerror(errno: number): string
  /** Positive errno values. */
  readonly Error: {
    readonly ENOENT: number
    readonly EEXIST: number
    readonly EACCES: number
    readonly EINVAL: number
    readonly EIO: number
    readonly ENOSPC: number
    readonly EPERM: number
    readonly EPIPE: number
    readonly EBUSY: number
    readonly ENOSYS: number
  }
}

/** Options of os.exec. std* are fds dup2'ed onto 0/1/2 in the child; env REPLACES the environment. */
export type QjsExecOptions = {
  block?: boolean
  usePath?: boolean
  file?: string
  cwd?: string
  stdin?: number
  stdout?: number
  stderr?: number
  env?: Record<string, string>
  uid?: number
  gid?: number
}

/** What os.stat / os.lstat return in the first slot; times are in milliseconds. */
export type QjsStat = {
  dev: number
  ino: number
  mode: number
  nlink: number
  uid: number
  gid: number
  rdev: number
  size: number
  blocks: number
  atime: number
  mtime: number
  ctime: number
}

/** The `os` module. Plain calls return 0 or -errno; data calls return [value, errno] where the
 * errno slot is POSITIVE (0 on success), except waitpid whose first slot is the pid or -errno. */
export interface QjsOs {
  open(path: string, flags: number, mode?: number): number
  close(fd: number): number
  read(fd: number, buffer: ArrayBuffer, offset: number, length: number): number
  write(fd: number, buffer: ArrayBuffer, offset: number, length: number): number
  remove(path: string): number
  rename(from: string, to: string): number
  mkdir(path: string, mode?: number): number
  readdir(path: string): [string[], number]
  stat(path: string): [QjsStat | null, number]
  lstat(path: string): [QjsStat | null, number]
  pipe(): [number, number] | null
  /** block:true → exit code or -signal; block:false → the child's pid (reap it with waitpid). */
  exec(argv: string[], opts?: QjsExecOptions): number
  waitpid(pid: number, options: number): [number, number]
  kill(pid: number, sig: number): number
  /** Missing before QuickJS 2024-01-13. */
  getpid?: () => number
  /** One handler per fd; null removes it. */
  setReadHandler(fd: number, fn: (() => void) | null): void
  setWriteHandler(fd: number, fn: (() => void) | null): void
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  /** fn: handler; null: default action; undefined: ignore. Numbers 0–63, main thread only. */
  signal(sig: number, fn: (() => void) | null | undefined): void
  /** Monotonic milliseconds (CLOCK_MONOTONIC), fractional. */
  now?: () => number
  sleep(ms: number): number
  readonly O_RDONLY: number
  readonly O_WRONLY: number
  readonly O_RDWR: number
  readonly O_APPEND: number
  readonly O_CREAT: number
  readonly O_EXCL: number
  readonly O_TRUNC: number
  readonly S_IFMT: number
  readonly S_IFREG: number
  readonly S_IFDIR: number
  readonly S_IFLNK: number
  readonly WNOHANG: number
  readonly SIGINT: number
  readonly SIGTERM: number
  readonly SIGPIPE: number
  readonly SIGUSR1: number
  readonly SIGUSR2: number
  readonly SIGCHLD: number
}
