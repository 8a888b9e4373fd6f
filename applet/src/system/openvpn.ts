// The openvpn process of the active location: find it (also after lanvpnd restarted) and stop it.
// In the main package, not lanvpn-openvpn's (system/openvpn-run.ts starts it): a cleanup, a package
// removal or a WireGuard location must stop an openvpn whatever is installed. Reads files and
// sends signals; the decisions live in daemon/tunnel.ts, the parsing in core/observe/openvpn.ts.
import { isLiveProcStat, isOurOpenvpn, openvpnFiles, parsePidFile } from '../core/observe/openvpn'
import type { Host } from '../host/host'

/** Resolves after `ms` on the host's clock. */
export const sleep = (host: Host, ms: number) =>
  new Promise<void>((resolve) => host.setTimeout(resolve, ms))

/** The file's text, or null when it cannot be read: /proc and /sys entries vanish when the
 * process or device does, sometimes between open and read. */
export function readOrNull(host: Host, path: string): string | null {
  try {
    return host.readFile(path)
  } catch {
    return null
  }
}

/** The pid of the openvpn lanvpn started for `runDir`, or 0 when none runs (no pid file, a stale
 * one, a pid now used by another program, or a zombie). Reads /proc only: no process. */
export function openvpnPid(host: Host, runDir: string): number {
  const files = openvpnFiles(runDir)
  const pid = parsePidFile(host.readFile(files.pid))
  if (pid === 0) return 0
  if (!isOurOpenvpn(readOrNull(host, `/proc/${pid}/cmdline`), files.config)) return 0
  return isLiveProcStat(readOrNull(host, `/proc/${pid}/stat`)) ? pid : 0
}

/** Stops the openvpn lanvpn started (SIGTERM, SIGKILL after 3 s) and removes its run config, pid,
 * status and pushed-DNS files. The tun device goes with the process. Returns whether a process was
 * running. Safe to call when none runs: then it only removes leftover files, and starts none. */
export async function stopOpenvpn(host: Host, runDir: string): Promise<boolean> {
  const files = openvpnFiles(runDir)
  const pid = openvpnPid(host, runDir)
  if (pid) {
    host.kill(pid, 'TERM')
    for (let i = 0; i < 30 && openvpnPid(host, runDir) === pid; i++) await sleep(host, 100)
    if (openvpnPid(host, runDir) === pid) {
      host.kill(pid, 'KILL')
      for (let i = 0; i < 20 && openvpnPid(host, runDir) === pid; i++) await sleep(host, 100)
    }
  }
  for (const f of [files.config, files.pid, files.status, files.dns, `${files.dns}.tmp`])
    host.removeFile(f)
  return pid !== 0
}
