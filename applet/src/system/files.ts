// lanvpn's own files: the UCI config, root-only secrets, the daemon's pid file.
import { DEFAULT_CONFIG_TEXT } from '../core/config/defaults'
import type { Paths } from '../core/paths'
import type { Host } from '../host/host'

/** The config text, or the shipped default when the file does not exist yet. */
export function readConfigText(host: Host, paths: Paths): string {
  return host.readFile(paths.config) ?? DEFAULT_CONFIG_TEXT
}

/** Saves the config atomically and durably: a crash leaves the old file or the new one. 0600 like
 * `uci commit` (UCI_FILEMODE). */
export function writeConfigText(host: Host, paths: Paths, text: string): void {
  host.mkdirp(paths.config.replace(/\/[^/]+$/, ''), 0o755)
  host.writeFileAtomic(paths.config, text, { mode: 0o600, durable: true })
}

/** Secret names are ours (never user input), so they are safe file names. A profile's secrets are
 * `profile_<id>` plus `.ovpn`, `.auth` or `.psk<n>` (a dot cannot occur in an id, so two profiles'
 * names never collide). */
export type SecretName = 'ms_token' | 'ms_password' | `profile_${string}`

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
