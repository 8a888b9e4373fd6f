// Where lanvpn keeps its files on a router, and how a development or test run moves them.
import { groupIface, TUNNEL_IFACE } from './ids'

/** The files lanvpn reads and writes. All absolute. */
export type Paths = {
  /** The UCI config: desired state, the one thing users change. */
  config: string
  /** Root-only secrets (private keys, passwords, tokens): one 0600 file each. */
  secretsDir: string
  /** Persistent, non-secret state kept across reboots (connection history). Flash: written rarely. */
  stateDir: string
  /** RAM-only runtime files (tmpfs). */
  runDir: string
  /** The status file the web UI polls through rpcd's `file.read`. */
  status: string
  /** The daemon's pid, for the rpc face to signal a reload. */
  pidFile: string
  /** A copy of the config text the daemon applied last (RAM, root-only): after a daemon restart,
   * a config broken meanwhile is still measured against it (core/config/guard.ts). */
  appliedConfig: string
  /** The fw4 include carrying the fail-closed rules. */
  fw4Include: string
  /** The fw4 include carrying the destination rules' table (render/nft-rules.ts), while any. */
  fw4RulesInclude: string
  /** The keep.d list that puts the secrets into sysupgrade and LuCI backups; present only while
   * `backup_secrets` is on (daemon/privacy.ts). */
  backupSecretsList: string
  /** The router's own UCI files lanvpn reads (never writes): static leases and the firewall's
   * zones (which networks are on the LAN side). */
  dhcpConfig: string
  firewallConfig: string
  /** lanvpn's openvpn `--up` hook, shipped in the package: records the DNS servers a VPN server
   * pushes. Under the prefix too, so a lab runs the built one (copied from dist/root). */
  ovpnUpHook: string
  /** The tunnel interface. Only tests change it (LANVPN_TUNNEL_IFACE): wireguard-go sockets are
   * shared by every namespace of a machine, so concurrent labs need distinct names. */
  tunnelIface: string
  /** The interface that asks, on the side, whether the first location answers again (a fallback
   * carries the traffic meanwhile); it lives a few seconds and carries nothing. */
  sideIface: string
}

/** The router layout, optionally under a prefix (LANVPN_PREFIX) so tests and the lab keep their
 * files in a temporary directory. Pure: the caller reads the environment. */
export function resolvePaths(prefix = '', tunnelIface = TUNNEL_IFACE): Paths {
  const p = prefix.replace(/\/+$/, '')
  const runDir = `${p}/var/run/lanvpn`
  return {
    config: `${p}/etc/config/lanvpn`,
    secretsDir: `${p}/etc/lanvpn/secrets`,
    stateDir: `${p}/etc/lanvpn/state`,
    runDir,
    status: `${runDir}/status.json`,
    pidFile: `${runDir}/lanvpnd.pid`,
    appliedConfig: `${runDir}/config.applied`,
    fw4Include: `${p}/usr/share/nftables.d/ruleset-post/90-lanvpn.nft`,
    fw4RulesInclude: `${p}/usr/share/nftables.d/ruleset-post/90-lanvpn-rules.nft`,
    backupSecretsList: `${p}/lib/upgrade/keep.d/lanvpn-secrets`,
    dhcpConfig: `${p}/etc/config/dhcp`,
    firewallConfig: `${p}/etc/config/firewall`,
    ovpnUpHook: `${p}/usr/libexec/lanvpn/ovpn-up`,
    tunnelIface,
    sideIface: sideIfaceOf(tunnelIface),
  }
}

/** The side interface of a tunnel interface (failback's question, core/paths.ts sideIface). */
const sideIfaceOf = (tunnelIface: string) => `${tunnelIface.slice(0, 14)}b`

/** The paths a device group's tunnel driver uses (issue 21): group `index`'s tunnel interface
 * (groupIface), its own side interface, and a run directory of its own so that each group's
 * openvpn has its own run config, pid and pushed-DNS files. Index 0 (the default group) is
 * `paths` itself. Pure. */
export function groupPaths(paths: Paths, index: number): Paths {
  if (index === 0) return paths
  const tunnelIface = groupIface(paths.tunnelIface, index)
  return {
    ...paths,
    runDir: `${paths.runDir}/group${index}`,
    tunnelIface,
    sideIface: sideIfaceOf(tunnelIface),
  }
}
