// lanvpn's own files: the UCI config, root-only secrets, the daemon's pid file.
import { errorText } from '../core/errors'
import { DEFAULT_CONFIG_TEXT } from '../core/config/defaults'
import type { Paths } from '../core/paths'
import { decodeUtf8Lossless, encodeUtf8Lossless } from '../core/uci/bytes'
import type { FileLock, Host } from '../host/host'

/** The config text, or the shipped default when the file does not exist yet. */
export function readConfigText(host: Host, paths: Paths): string {
  // As bytes, so that bytes which are not UTF-8 (a hand edit, another tool) are not replaced by
  // U+FFFD and reach writeConfigText unchanged (core/uci/bytes.ts).
  const bytes = host.readFileBytes(paths.config)
  return bytes ? decodeUtf8Lossless(bytes) : DEFAULT_CONFIG_TEXT
}

/** Saves the config atomically and durably: a crash leaves the old file or the new one. 0600 like
 * `uci commit` (UCI_FILEMODE). Then sweeps the temp files dead writers left (callers hold the
 * config lock, so saves are rare and one at a time). */
export function writeConfigText(host: Host, paths: Paths, text: string): void {
  host.mkdirp(dirOf(paths.config), 0o755)
  host.writeFileAtomic(paths.config, encodeUtf8Lossless(text), { mode: 0o600, durable: true })
  removeStaleTempFiles(host, paths)
}

const dirOf = (path: string): string => path.replace(/\/[^/]+$/, '') || '/'
const baseOf = (path: string): string => path.slice(path.lastIndexOf('/') + 1)

/** A temp file of writeFileAtomic (host.ts atomicTempPath, `.<base>.tmp-<pid>`), or one named
 * `<base>.tmp-<pid>` as lanvpn wrote them before it used dot-files. */
const TEMP_FILE = /^\.?(.+)\.tmp-([0-9]+)$/

/** Where lanvpn writes with writeFileAtomic. `base`: the directory is shared with other packages
 * (/etc/config, the fw4 include directory), so only temp files of that one file are ours. */
function tempFileDirs(host: Host, paths: Paths): Array<{ dir: string; base?: string }> {
  const ours = [paths.secretsDir, paths.stateDir, paths.runDir]
  // One level down too: the run dir's requests/ (system/requests.ts).
  const below = ours.flatMap((dir) =>
    (host.listDir(dir) ?? []).map((name) => `${dir}/${name}`).filter((p) => host.stat(p)?.isDir)
  )
  return [
    { dir: dirOf(paths.config), base: baseOf(paths.config) },
    { dir: dirOf(paths.fw4Include), base: baseOf(paths.fw4Include) },
    { dir: dirOf(paths.fw4RulesInclude), base: baseOf(paths.fw4RulesInclude) },
    ...[...ours, ...below].map((dir) => ({ dir })),
  ]
}

/** Removes the temp files that writers killed mid-write (kill -9, power cut) left behind: UCI would
 * take a plain one in /etc/config for a package, and any of them fills flash or RAM for good. Only
 * files whose writer's pid is not alive go; a live writer's file is in use. Runs when the config is
 * saved and when the daemon starts. Never throws (a sweep must not fail a save): returns the paths
 * removed. */
export function removeStaleTempFiles(host: Host, paths: Paths): string[] {
  const removed: string[] = []
  try {
    for (const { dir, base } of tempFileDirs(host, paths)) {
      for (const name of host.listDir(dir) ?? []) {
        const m = TEMP_FILE.exec(name)
        if (!m || (base !== undefined && m[1] !== base)) continue
        const pid = Number(m[2])
        // pid 0 is no writer (a qjs that could not tell its pid named its files .tmp-0).
        if (pid === host.pid() || (pid > 0 && host.kill(pid, 0))) continue
        host.removeFile(`${dir}/${name}`)
        removed.push(`${dir}/${name}`)
        host.log('notice', `removed ${dir}/${name}, left by a writer that died (process ${pid})`)
      }
    }
  } catch (e) {
    host.log('warning', `sweeping temp files: ${errorText(e)}`)
  }
  return removed
}

/** Secret names are ours (never user input), so they are safe file names. A profile's secrets are
 * `profile_<id>` plus `.ovpn`, `.auth` or `.psk<n>` (a dot cannot occur in an id, so two profiles'
 * names never collide). */
export type SecretName = 'ms_token' | 'ms_password' | `profile_${string}`

/** The secret file holding a WireGuard profile's private key (getConfig reports it as privateKey).
 * The daemon reads a profile's secrets by these names; system/profiles.ts writes them. */
export const wgKeySecret = (id: string): SecretName => `profile_${id}`
/** The secret file holding the preshared key of peer `index` (0 = the first peer). */
export const pskSecret = (id: string, index: number): SecretName => `profile_${id}.psk${index}`
/** The sanitised OpenVPN config (it carries the inline keys, so it is a secret). */
export const ovpnConfigSecret = (id: string): SecretName => `profile_${id}.ovpn`
/** OpenVPN user name and password, one per line, for `auth-user-pass <file>` (never argv). */
export const ovpnAuthSecret = (id: string): SecretName => `profile_${id}.auth`

function secretPath(paths: Paths, name: SecretName): string {
  if (!/^[A-Za-z0-9_]+(\.(ovpn|auth|psk[0-9]{1,2}))?$/.test(name))
    throw new Error(`invalid secret name ${JSON.stringify(name)}`)
  return `${paths.secretsDir}/${name}`
}

/** Stores a secret root-only (0600, in a 0700 directory). An empty value deletes it. */
export function writeSecret(host: Host, paths: Paths, name: SecretName, value: string): void {
  const path = secretPath(paths, name)
  if (value === '') return host.removeFile(path)
  host.mkdirp(paths.secretsDir, 0o700)
  host.writeFileAtomic(path, value, { mode: 0o600, durable: true })
}

/** Whether a secret is stored. The API reports only this, never the value. */
export function hasSecret(host: Host, paths: Paths, name: SecretName): boolean {
  return host.stat(secretPath(paths, name))?.isFile === true
}

/** The secret, or null. Only the daemon reads secrets, to hand them to wg/openvpn/fetchers. */
export function readSecret(host: Host, paths: Paths, name: SecretName): string | null {
  return host.readFile(secretPath(paths, name))
}

/** The running daemon's pid, or 0. A stale pid file (process gone or not ours) reads as 0, so a
 * reload request never signals an unrelated process that reused the pid. */
export function readDaemonPid(host: Host, paths: Paths): number {
  const pid = Number((host.readFile(paths.pidFile) ?? '').trim())
  if (!Number.isInteger(pid) || pid <= 1) return 0
  const cmdline = host.readFile(`/proc/${pid}/cmdline`)
  if (cmdline === null || !cmdline.includes('lanvpn')) return 0
  return pid
}

/** Asks the daemon to reload its config (SIGHUP, as procd's reload_signal would). False when no
 * daemon runs. */
export function notifyDaemon(host: Host, paths: Paths): boolean {
  const pid = readDaemonPid(host, paths)
  return pid > 0 && host.kill(pid, 'HUP')
}

/** How long a writer waits for another one before giving up with a clear error. Critical sections
 * are a read, a parse and a write of a small file: milliseconds even on a slow router. */
export const LOCK_WAIT_MS = 10_000

/** The config lock: in the RAM run dir, so a reboot clears a lock left by a crash and taking it
 * costs no flash write. */
export function configLockPath(paths: Paths): string {
  return `${paths.runDir}/config.lock`
}

const sleep = (host: Host, ms: number) =>
  new Promise<void>((resolve) => host.setTimeout(resolve, ms))

function lockOwner(host: Host, lockPath: string): number {
  const pid = Number((host.readFile(lockPath) ?? '').trim())
  return Number.isInteger(pid) && pid > 0 ? pid : 0
}

/** An empty lock file is one being written right now, or one whose writer died between the create
 * and the write; after a couple of seconds it can only be the latter. */
function isAbandoned(host: Host, lockPath: string): boolean {
  const st = host.stat(lockPath)
  return st !== null && Math.abs(host.wallMs() - st.mtimeMs) > 2000
}

/** Removes `lockPath` when the process named in it is gone. The removal itself runs under a second,
 * short-lived lock so two waiters that both saw the dead owner cannot remove each other's fresh
 * lock (the second re-reads the owner under that lock and finds the first one alive). */
function breakStaleLock(host: Host, lockPath: string): void {
  const takeover = `${lockPath}.takeover`
  if (!host.createExclusive(takeover, `${host.pid()}\n`, 0o600)) {
    const holder = lockOwner(host, takeover)
    if (holder > 0 ? !host.kill(holder, 0) : isAbandoned(host, takeover)) host.removeFile(takeover)
    return
  }
  try {
    const owner = lockOwner(host, lockPath)
    if (owner > 0 ? owner !== host.pid() && !host.kill(owner, 0) : isAbandoned(host, lockPath))
      host.removeFile(lockPath)
  } finally {
    host.removeFile(takeover)
  }
}

/** Runs `fn` holding an exclusive lock file (O_EXCL create holding our pid), so read-modify-write
 * cycles of several processes (concurrent rpc calls) never lose an update. A lock whose process is
 * dead (kill -9 mid-change) is taken over; a live holder is waited for up to `waitMs`, then this
 * throws. No flock: QuickJS has none. Not re-entrant. */
export async function withFileLock<T>(
  host: Host,
  lockPath: string,
  fn: () => T | Promise<T>,
  waitMs = LOCK_WAIT_MS
): Promise<T> {
  host.mkdirp(lockPath.replace(/\/[^/]+$/, ''), 0o755)
  const start = host.monotonicMs()
  // Spread the retries of processes started at the same moment.
  const step = 5 + (host.pid() % 16)
  for (;;) {
    if (host.createExclusive(lockPath, `${host.pid()}\n`, 0o600)) break
    const owner = lockOwner(host, lockPath)
    // A dead owner (or a writer that died before writing its pid) left the lock behind.
    if (owner > 0 ? !host.kill(owner, 0) : isAbandoned(host, lockPath)) {
      breakStaleLock(host, lockPath)
      continue
    }
    if (host.monotonicMs() - start >= waitMs)
      throw new Error(
        `another change is in progress${owner ? ` (process ${owner})` : ''}; try again in a moment`
      )
    await sleep(host, step)
  }
  try {
    return await fn()
  } finally {
    if (lockOwner(host, lockPath) === host.pid()) host.removeFile(lockPath)
  }
}

/** /etc/config/lanvpn as a change sees it under withConfigLock: its text, read under the locks
 * (the shipped default when there is no file), and the one way to save a new text. */
export type ConfigFile = { text: string; isMissing: boolean; save(text: string): void }

/** How long a `.<pkg>.uci-XXXXXX` may be older than now and still be a commit on its way: libuci
 * renames it right after writing it, so an older one was left by a `uci` that died. */
const UCI_TEMP_FRESH_MS = 2000

/** Whether a `uci commit` of this package is between writing its new file and renaming it over
 * the path: its temp file (`<confdir>/.<pkg>.uci-XXXXXX`, file.c uci_file_commit) exists. */
function isUciCommitPending(host: Host, paths: Paths): boolean {
  const dir = dirOf(paths.config)
  const prefix = `.${baseOf(paths.config)}.uci-`
  return (host.listDir(dir) ?? []).some((name) => {
    if (!name.startsWith(prefix)) return false
    const st = host.stat(`${dir}/${name}`)
    return st !== null && Math.abs(host.wallMs() - st.mtimeMs) < UCI_TEMP_FRESH_MS
  })
}

/** Takes libuci's lock on the config file (flock on the file itself, util.c uci_open_stream) in a
 * state where no commit is on its way. libuci lets go of that lock BEFORE it renames its new file
 * over the path (file.c uci_file_commit), so holding the lock is not enough: while a commit's temp
 * file is there its rename is still to come, and once the path names another file (that rename
 * came while we waited) the lock is on a file nobody reads any more. Both mean: wait, and lock the
 * file the path names then. Throws when that does not happen by `deadline`. */
async function lockUciConfig(host: Host, paths: Paths, deadline: number): Promise<FileLock> {
  for (;;) {
    const lock = await host.lockFile(paths.config, Math.max(1, deadline - host.monotonicMs()))
    while (isUciCommitPending(host, paths) && host.monotonicMs() < deadline) await sleep(host, 5)
    if (lock.isCurrent() && !isUciCommitPending(host, paths)) return lock
    lock.release()
    if (host.monotonicMs() >= deadline)
      throw new Error(`locking ${paths.config}: uci kept replacing it; try again in a moment`)
  }
}

/** Runs `fn`, the read-modify-write of /etc/config/lanvpn, as its one writer. Two locks: lanvpn's
 * own lock file (`withFileLock`: its writers among themselves, the secrets a change writes, and a
 * file that does not exist yet), then libuci's, so `uci commit` and LuCI never write it at the
 * same time (issue 20). Under libuci's lock the text is read from the locked file itself, and a
 * save renames the new file over the path (atomic on a power cut), then also writes it into the
 * locked file: a `uci commit` already waiting for that lock re-reads the file it opened, not the
 * path, and must find the change there. Every change goes through this helper (rpc methods,
 * profile import, CLI, daemon). Not re-entrant. */
export function withConfigLock<T>(
  host: Host,
  paths: Paths,
  fn: (file: ConfigFile) => T | Promise<T>,
  waitMs = LOCK_WAIT_MS
): Promise<T> {
  const deadline = host.monotonicMs() + waitMs
  return withFileLock(
    host,
    configLockPath(paths),
    async () => {
      // No file, no uci commit of it (`uci set` refuses a package that does not exist).
      if (host.stat(paths.config) === null) {
        const save = (text: string) => writeConfigText(host, paths, text)
        return fn({ text: DEFAULT_CONFIG_TEXT, isMissing: true, save })
      }
      const lock = await lockUciConfig(host, paths, deadline)
      try {
        return await fn({
          text: decodeUtf8Lossless(lock.read()),
          isMissing: false,
          save(text) {
            writeConfigText(host, paths, text)
            try {
              lock.rewrite(encodeUtf8Lossless(text))
            } catch (e) {
              // Saved all the same (the rename): only a commit waiting right now could miss it.
              host.log(
                'warning',
                `writing the change into the old ${paths.config}: ${errorText(e)}`
              )
            }
          },
        })
      } finally {
        lock.release()
      }
    },
    waitMs
  )
}
