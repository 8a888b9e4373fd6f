// Running openvpn for a location: start it as a daemon of its own with lanvpn's run config
// (core/tunnel/openvpn-run.ts), and read what it and lanvpn's up hook write. Part of the
// lanvpn-openvpn package (applet/src/openvpn.ts); finding and stopping it is the main package's
// (system/openvpn.ts). Runs commands and reads files; the decisions live in daemon/tunnel*.ts.
import { errorText } from '../core/errors'
import { isUpFlags, parseOpenvpnStatus, type OpenvpnCounters } from '../core/observe/openvpn'
import { openvpnArgv, openvpnFiles, parsePushedDns } from '../core/tunnel/openvpn-run'
import type { Host } from '../host/host'
import { openvpnPid, readOrNull, sleep, stopOpenvpn } from './openvpn'
import { runChecked } from './run'

/** The run config the running openvpn was started with, or null. A daemon restart compares it
 * with the one it would render, to keep a working tunnel instead of cutting it. */
export function runningOpenvpnConfig(host: Host, runDir: string): string | null {
  return openvpnPid(host, runDir) ? host.readFile(openvpnFiles(runDir).config) : null
}

/** Starts openvpn with `runConfig` (a secret: written 0600 to the RAM run dir, never argv) and
 * returns its pid once it has written its pid file, or 0 when it is gone before that (it exited
 * at once: a key it cannot load, say). Throws when openvpn refuses to start (bad option, not
 * installed). Unless a pid is returned, nothing of it is left behind. */
export async function startOpenvpn(host: Host, runDir: string, runConfig: string): Promise<number> {
  const files = openvpnFiles(runDir)
  host.mkdirp(runDir, 0o755)
  host.removeFile(files.pid)
  host.removeFile(files.status)
  host.removeFile(files.dns)
  host.writeFileAtomic(files.config, runConfig, { mode: 0o600, durable: false })
  try {
    // The parent checks the options and returns once openvpn has forked.
    await runChecked(host, openvpnArgv(files), { timeoutMs: 10_000 })
  } catch (e) {
    await stopOpenvpn(host, runDir)
    throw new Error(`starting openvpn: ${errorText(e)}`, {
      cause: e,
    })
  }
  // The child writes the pid file a moment later, and removes it when it exits.
  for (let i = 0; i < 50; i++) {
    const pid = openvpnPid(host, runDir)
    if (pid) return pid
    await sleep(host, 100)
  }
  await stopOpenvpn(host, runDir)
  return 0
}

/** Whether the tun device exists and is up (openvpn sets it up once the server accepted us). Reads
 * sysfs: no process, so it can be asked often while a connection is being made. */
export function tunDeviceUp(host: Host, iface: string): boolean {
  return isUpFlags(readOrNull(host, `/sys/class/net/${iface}/flags`))
}

/** Traffic counters from openvpn's status file, or null before the first write. */
export function readOpenvpnCounters(host: Host, runDir: string): OpenvpnCounters | null {
  return parseOpenvpnStatus(host.readFile(openvpnFiles(runDir).status))
}

/** Whether lanvpn's up hook has run for the running openvpn: it writes its file (empty when the
 * server pushed no DNS) just after openvpn set the device up. Reads the run dir: no process. */
export function hasPushedDnsFile(host: Host, runDir: string): boolean {
  return host.stat(openvpnFiles(runDir).dns) !== null
}

/** The DNS servers the VPN server pushed, as the up hook recorded them; [] when it pushed none or
 * the hook has not run. A file read: no process. */
export function readPushedDns(host: Host, runDir: string): string[] {
  return parsePushedDns(host.readFile(openvpnFiles(runDir).dns))
}
