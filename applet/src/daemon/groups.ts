// The tunnels of device groups (issue 21) that no group runs: a group removed while the daemon was
// down, or renumbered (a group before it removed), leaves its interface and maybe its openvpn.
// They carry nothing any rule points at, but a WireGuard session left open keeps the server's one
// endpoint record for that key, and an openvpn keeps a session of the account.
import { MAX_GROUPS } from '../core/ids'
import { groupPaths, type Paths } from '../core/paths'
import type { Host } from '../host/host'
import { openvpnPid, stopOpenvpn } from '../system/openvpn'
import { deleteWgInterface } from '../system/wireguard'

/** Takes down the tunnel of every group index (1…MAX_GROUPS) not in `used`: its openvpn, its
 * tunnel and side interfaces. Reads /proc and /sys only when nothing is left, so it costs no
 * process per reconcile. Safe to call repeatedly. */
export async function retireGroupTunnels(host: Host, paths: Paths, used: Set<number>) {
  for (let index = 1; index <= MAX_GROUPS; index++) {
    if (used.has(index)) continue
    const own = groupPaths(paths, index)
    if (openvpnPid(host, own.runDir)) await stopOpenvpn(host, own.runDir)
    for (const iface of [own.tunnelIface, own.sideIface])
      if (host.stat(`/sys/class/net/${iface}`)) await deleteWgInterface(host, iface)
  }
}
