// What lanvpn reads of the openvpn it runs: its pid file, /proc entries of that pid, and the status
// file. Pure parsers; system/openvpn.ts reads the files. Here, not with the run config
// (core/tunnel/openvpn-run.ts), because stopping an openvpn needs them without the lanvpn-openvpn
// package: a cleanup or a WireGuard location must stop one whatever is installed.

/** openvpn's files in the run directory (tmpfs). The config is a secret (inline keys): 0600. */
export type OpenvpnFiles = {
  /** The rendered run config (renderOvpnRunConfig). */
  config: string
  /** `--writepid`: the daemon's own pid, written after it forked. */
  pid: string
  /** `--status`: traffic counters, rewritten every few seconds; no addresses in client mode. */
  status: string
  /** Where lanvpn's up hook writes the DNS servers the VPN server pushed (RAM, like the rest). */
  dns: string
}

/** The files of the one openvpn lanvpn runs, under `runDir`. */
export function openvpnFiles(runDir: string): OpenvpnFiles {
  return {
    config: `${runDir}/openvpn.conf`,
    pid: `${runDir}/openvpn.pid`,
    status: `${runDir}/openvpn.status`,
    dns: `${runDir}/openvpn.dns`,
  }
}

/** The pid in an openvpn `--writepid` file, or 0 when the text is not one positive pid (> 1, so
 * init is never signalled). */
export function parsePidFile(text: string | null): number {
  const t = (text ?? '').trim()
  if (!/^[0-9]{1,10}$/.test(t)) return 0
  const pid = Number(t)
  return pid > 1 && pid <= 0x3fffffff ? pid : 0
}

/** Whether /proc/<pid>/cmdline (NUL-separated argv) is an openvpn that lanvpn started with this
 * run config. A pid from a stale pid file may belong to anything by now; only ours is signalled. */
export function isOurOpenvpn(cmdline: string | null, configPath: string): boolean {
  if (!cmdline) return false
  const argv = cmdline.split('\0')
  const name = argv[0].slice(argv[0].lastIndexOf('/') + 1)
  const at = argv.indexOf('--config')
  return name === 'openvpn' && at >= 0 && argv[at + 1] === configPath
}

/** Whether /proc/<pid>/stat describes a live process. A zombie (state Z) has already exited:
 * openvpn runs as a daemon whose parent is init, which may reap it late. */
export function isLiveProcStat(stat: string | null): boolean {
  if (!stat) return false
  // The command name is in parentheses and may itself contain ") "; the state follows the last ")".
  const rest = stat.slice(stat.lastIndexOf(')') + 1).trim()
  const state = rest.split(' ')[0]
  return state !== '' && state !== 'Z' && state !== 'X'
}

/** Traffic through the tunnel as openvpn reports it in its status file (version 1, client mode).
 * Sample input:
 * ```
 * OpenVPN STATISTICS
 * Updated,2025-01-01 12:00:00
 * TUN/TAP read bytes,1234
 * TUN/TAP write bytes,5678
 * TCP/UDP read bytes,7000
 * ...
 * END
 * ```
 * rx is what came out of the tunnel (written to the tun device), tx what went in (read from it). */
export type OpenvpnCounters = { rxBytes: number; txBytes: number }

/** Parses the status file; null when it has no counters (not written yet, or another format). */
export function parseOpenvpnStatus(text: string | null): OpenvpnCounters | null {
  if (!text || !/^OpenVPN STATISTICS\s*$/m.test(text)) return null
  const value = (name: string): number | null => {
    const m = new RegExp(`^${name.replace('/', '\\/')},([0-9]+)\\s*$`, 'm').exec(text)
    return m ? Number(m[1]) : null
  }
  const rx = value('TUN/TAP write bytes')
  const tx = value('TUN/TAP read bytes')
  if (rx === null || tx === null) return null
  return { rxBytes: rx, txBytes: tx }
}

/** Whether /sys/class/net/<dev>/flags (hex, e.g. `0x1091`) has IFF_UP: openvpn creates the tun
 * device, sets it up and gives it the pushed address only once the server accepted the login. */
export function isUpFlags(flags: string | null): boolean {
  const t = (flags ?? '').trim()
  return /^0x[0-9a-f]+$/i.test(t) && (parseInt(t, 16) & 0x1) === 1
}
