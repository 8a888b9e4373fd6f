// How lanvpn runs openvpn for a location: the argv that starts it and the config it runs (its
// files in the RAM run directory are named in core/observe/openvpn.ts). Pure: system/openvpn-run.ts
// carries it out. Part of the lanvpn-openvpn package (applet/src/openvpn.ts).
//
// openvpn runs as a daemon of its own (`--daemon`, pid in a file) rather than as a tracked child:
// QuickJS cannot keep a long-running child's pipes open without handlers, and a daemon that
// outlives lanvpnd keeps the tunnel working while the daemon restarts (the kill switch holds
// either way). Everything secret stays in files: argv carries only paths and numbers.
import { isIp } from '../config/formats'
import { MARK_TUNNEL } from '../ids'
import type { OpenvpnFiles } from '../observe/openvpn'

export { openvpnFiles, type OpenvpnFiles } from '../observe/openvpn'

/** How often openvpn rewrites its status file, in seconds. Counters in the UI lag at most this. */
export const OPENVPN_STATUS_INTERVAL_S = 5

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

/** One openvpn config argument, quoted when it has to be (openvpn's own quoting rules). */
export const quoteOvpnArg = (a: string): string =>
  /^[^\s"'\\#;]+$/.test(a) ? a : `"${a.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`

/** How lanvpn runs a sanitised profile. */
export type OvpnRunOptions = {
  /** The tun device lanvpn owns for this tunnel (e.g. `lanvpn_ovpn`). */
  dev: string
  /** Root-only file with the user name and password, one per line; when the profile needs them. */
  authFile?: string
  /** lanvpn's own --up hook (openwrt-package/…/ovpn-up) and the RAM file it writes the pushed DNS
   * servers to, passed as its argument. The only script openvpn runs: import refuses every hook. */
  upHook?: { script: string; dnsFile: string }
}

/** The most resolvers lanvpn takes from a push (openvpn clients use the first one or two). */
const MAX_PUSHED_DNS = 4

/** The DNS servers in the up hook's file (one per line): IP literals only, checked again here
 * since the file is the hook's word, at most MAX_PUSHED_DNS, no repeats. [] for null. */
export function parsePushedDns(text: string | null): string[] {
  const lines = (text ?? '').split('\n').map((l) => l.trim())
  return [...new Set(lines.filter((l) => isIp(l)))].slice(0, MAX_PUSHED_DNS)
}

/** The config lanvpn runs: the sanitised profile followed by lanvpn's own settings, which win
 * because openvpn takes the last value of a single-valued option and the profile can carry none
 * of the refused ones (no hook either: `script-security 2` only ever runs lanvpn's up hook).
 * Routing choice (as OpenWrt's own net/openvpn keeps ifconfig but hands route changes to hooks):
 * openvpn still sets the tunnel address and MTU on lanvpn's device, so lanvpn learns them from the
 * device; `route-noexec` keeps every pushed route (and redirect-gateway) out of the routing
 * tables, and the pull-filters drop pushed redirect-gateway and block-ipv6 before they are even
 * processed. Pushed DNS stays visible to the up hook (foreign_option_N), which `route-nopull`
 * would have discarded. Secrets stay in files: nothing here goes into argv. */
export function renderOvpnRunConfig(sanitised: string, opts: OvpnRunOptions): string {
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(opts.dev))
    throw new Error(`rendering openvpn config: bad device name ${opts.dev}`)
  const own = [
    '# lanvpn: device, routing and credentials',
    'client',
    `dev ${opts.dev}`,
    'dev-type tun',
    'persist-tun',
    'route-noexec',
    'pull-filter ignore "redirect-gateway"',
    'pull-filter ignore "block-ipv6"',
    'auth-retry nointeract',
  ]
  if (opts.authFile) own.push(`auth-user-pass ${quoteOvpnArg(opts.authFile)}`)
  if (opts.upHook) {
    // openvpn splits the command line itself and appends its own arguments after ours.
    const { script, dnsFile } = opts.upHook
    if (![script, dnsFile].every((f) => /^\/[A-Za-z0-9_./-]+$/.test(f)))
      throw new Error(`rendering openvpn config: bad up hook path ${script} ${dnsFile}`)
    own.push('script-security 2', `up "${script} ${dnsFile}"`)
  }
  // Inline blocks must come last only by convention; directives after them are fine for openvpn.
  return `${sanitised.replace(/\n*$/, '\n')}${own.join('\n')}\n`
}
