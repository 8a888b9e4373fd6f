// What the daemon does so that the router keeps no more than product.md's privacy rules allow, and
// shows it to nobody it should not (docs/security.md, "What the router keeps"):
// - the log: names lanvpn knows (device labels, the host names devices announce) are redacted below
//   debug like addresses are, and `log_level debug` turns itself back to notice after an hour;
// - backups: sysupgrade and LuCI backups carry the secrets only while `backup_secrets` is on (the
//   list sysupgrade reads, /lib/upgrade/keep.d/lanvpn-secrets, exists only then);
// - RAM files: the device list goes when the daemon stops (nobody keeps it current then), and the
//   run directory is shared with rpcd's group only when rpcd does not run as root.
import { errorText } from '../core/errors'
import type { Config } from '../core/config/types'
import type { SeenDevice } from '../core/devices/inventory'
import type { Paths } from '../core/paths'
import { setGlobalOptions } from '../core/tunnel/profile-doc'
import { devicesFilePath } from '../system/devices-file'
import { changeConfig } from '../system/change'
import { DEBUG_LOG_MS, type LevelledHost } from '../system/log'
import { run } from '../system/run'

/** What sysupgrade keeps of lanvpn's secrets: a keep.d list (openwrt-contracts §7.1), read by
 * `sysupgrade` and by LuCI's backup (`sysupgrade --create-backup`). Its lines are paths. */
export function backupSecretsText(paths: Paths): string {
  return `${paths.secretsDir}/\n`
}

export type PrivacyKeeper = {
  /** Each reconcile, with the config in force and the devices seen: log names, debug expiry, the
   * backup list. Writes only on a change (flash: the keep.d list, the config once per debug). */
  onReconcile(config: Config, seen: SeenDevice[]): Promise<void>
  /** The daemon stops: the device list goes. */
  stop(): void
}

/** Creates the keeper; its first reconcile shares the run directory with rpcd when rpcd is not
 * root. */
export function createPrivacyKeeper(host: LevelledHost, paths: Paths): PrivacyKeeper {
  const debugMarker = `${paths.runDir}/debug-since`
  let shared = false

  /** Since when (monotonic ms, since boot: it survives a daemon restart) debug has been on. */
  const debugSince = (): number => {
    const text = host.readFile(debugMarker)
    const since = text === null ? NaN : Number(text)
    if (Number.isFinite(since) && since <= host.monotonicMs()) return since
    const now = host.monotonicMs()
    host.writeFileAtomic(debugMarker, `${now}\n`, { mode: 0o600, durable: false })
    host.log('notice', 'log level debug: addresses and names go to the log for one hour')
    return now
  }

  const endDebug = async () => {
    await changeConfig(host, paths, ({ doc, config }) => ({
      doc:
        config.globals.logLevel === 'debug' ? setGlobalOptions(doc, { log_level: 'notice' }) : doc,
    }))
    host.setLogLevel('notice')
    host.log('notice', 'log level debug ended after an hour: back to notice')
  }

  const syncBackupList = (keep: boolean) => {
    const text = backupSecretsText(paths)
    const current = host.readFile(paths.backupSecretsList)
    if (keep && current !== text) {
      host.mkdirp(paths.backupSecretsList.replace(/\/[^/]+$/, ''), 0o755)
      host.writeFileAtomic(paths.backupSecretsList, text, { mode: 0o644, durable: true })
    } else if (!keep && current !== null) host.removeFile(paths.backupSecretsList)
  }

  return {
    async onReconcile(config, seen) {
      if (!shared) {
        shared = true
        await shareRunDirWithRpcd(host, paths).catch((e: unknown) =>
          host.log('warning', `sharing ${paths.runDir} with rpcd: ${errorText(e)}`)
        )
      }
      host.setLogNames([
        ...config.devices.map((d) => d.label),
        ...seen.map((d) => d.hostname),
        config.mediastreamer.hostname,
      ])
      try {
        syncBackupList(config.globals.backupSecrets)
      } catch (e) {
        host.log('warning', `updating ${paths.backupSecretsList}: ${errorText(e)}`)
      }
      try {
        if (config.globals.logLevel !== 'debug') host.removeFile(debugMarker)
        else if (host.monotonicMs() - debugSince() >= DEBUG_LOG_MS) await endDebug()
      } catch (e) {
        host.log('warning', `ending log level debug: ${errorText(e)}`)
      }
    },
    stop() {
      try {
        host.removeFile(devicesFilePath(paths))
      } catch (e) {
        host.log('warning', `removing the device list: ${errorText(e)}`)
      }
    },
  }
}

/** The status file is 0640 in the run directory: root and the directory's group. rpcd runs as
 * root on OpenWrt (its init script sets no user), and then the group is root's and nobody else
 * reads it. Should rpcd run as another user, the directory takes that user's group (setgid, so
 * every file written in it gets the group too) and the UI's `file.read` still works. */
async function shareRunDirWithRpcd(host: LevelledHost, paths: Paths): Promise<void> {
  // Found in /proc, once at start, rather than by a process (pidof) the daemon would spawn.
  const pid = (host.listDir('/proc') ?? []).find(
    (name) => /^\d+$/.test(name) && host.readFile(`/proc/${name}/comm`) === 'rpcd\n'
  )
  if (!pid) return
  const status = host.readFile(`/proc/${pid}/status`) ?? ''
  const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1]
  const gid = /^Gid:\s+(\d+)/m.exec(status)?.[1]
  if (!uid || !gid || uid === '0') return
  await run(host, ['chgrp', gid, paths.runDir])
  await run(host, ['chmod', '2750', paths.runDir])
}
