// How lanvpn runs openvpn for a location: where its files live in the RAM run directory and the
// argv that starts it. Pure: system/openvpn.ts carries it out.
//
// openvpn runs as a daemon of its own (`--daemon`, pid in a file) rather than as a tracked child:
// QuickJS cannot keep a long-running child's pipes open without handlers, and a daemon that
// outlives lanvpnd keeps the tunnel working while the daemon restarts (the kill switch holds
// either way). Everything secret stays in files: argv carries only paths and numbers.
import { MARK_TUNNEL } from '../ids'

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

/** How often openvpn rewrites its status file, in seconds. Counters in the UI lag at most this. */
export const OPENVPN_STATUS_INTERVAL_S = 5

/** The files of the one openvpn lanvpn runs, under `runDir`. */
export function openvpnFiles(runDir: string): OpenvpnFiles {
  return {
    config: `${runDir}/openvpn.conf`,
    pid: `${runDir}/openvpn.pid`,
    status: `${runDir}/openvpn.status`,
    dns: `${runDir}/openvpn.dns`,
  }
}

/** The argv that starts openvpn for a run config. `--config` comes first so the options after it
 * win (openvpn keeps the last value of a single-valued option). `--mark` takes a decimal number
 * (openvpn reads it with atoi, so `0x…` would silently be 0): the tunnel's own UDP carries
 * MARK_TUNNEL, never MARK_VPN, so it is routed by `main` and not into the VPN table. `--log
 * /dev/null` keeps the server's address and the pushed addresses out of every file and of syslog;
 * the status file says what the UI needs. */
export function openvpnArgv(files: OpenvpnFiles, mark = MARK_TUNNEL): string[] {
  return [
    'openvpn',
    '--config',
    files.config,
    '--daemon',
    '--writepid',
    files.pid,
    '--log',
    '/dev/null',
    '--status',
    files.status,
    String(OPENVPN_STATUS_INTERVAL_S),
    '--mark',
    String(mark),
  ]
}
