// Observes the LAN for the device list: dnsmasq's lease file, the static leases in
// /etc/config/dhcp, the neighbour tables of the LAN devices, hostapd's clients when hostapd and
// ubus are there, and the LAN devices' own MACs (never a device). Runs at most 1 + (LAN devices) +
// (APs) processes; parsing lives in core/observe/.
import { errorText } from '../core/errors'
import { normaliseMac } from '../core/config/formats'
import type { Observation } from '../core/devices/inventory'
import { parseDhcpHosts, type StaticLease } from '../core/observe/dhcp-hosts'
import { parseHostapdClients, parseHostapdObjects } from '../core/observe/hostapd'
import { parseLeases } from '../core/observe/leases'
import { parseNeighbours, type Neighbour } from '../core/observe/neigh'
import type { Paths } from '../core/paths'
import type { Host } from '../host/host'
import { run } from './run'

/** dnsmasq's lease file on OpenWrt (its init script passes --dhcp-leasefile=/tmp/dhcp.leases). */
export const OPENWRT_LEASE_FILE = '/tmp/dhcp.leases'

/** Where to look: the lease file (the lab passes `$LAB_STATE/dhcp.leases`) and the Linux devices
 * of the LAN-side interfaces whose devices lanvpn manages (core/observe/lan.ts). */
export type InventorySources = { leaseFile: string; lanDevices: string[] }

/** One observation plus what could not be read, in plain words without addresses. A missing
 * source gives nothing from it, never a failure: a router without wireless has no hostapd. */
export async function observeInventory(
  host: Host,
  paths: Paths,
  sources: InventorySources
): Promise<Observation & { errors: string[] }> {
  const errors: string[] = []
  const leases = parseLeases(host.readFile(sources.leaseFile) ?? '')

  let staticLeases: StaticLease[] = []
  const dhcp = host.readFile(paths.dhcpConfig)
  if (dhcp !== null) {
    try {
      staticLeases = parseDhcpHosts(dhcp)
    } catch (e) {
      errors.push(`reading static leases: ${errorText(e)}`)
    }
  }

  // No -4/-6: iproute2 lists both families when none is given, one process for both tables.
  const neighbours: Neighbour[] = []
  for (const dev of sources.lanDevices) {
    const neigh = await run(host, ['ip', '-j', 'neigh', 'show', 'dev', dev])
    if (neigh.code === 0) neighbours.push(...parseNeighbours(neigh.stdout))
    else errors.push(`reading neighbours of ${dev}: ip exited ${neigh.code}`)
  }

  const wireless: string[] = []
  const list = await run(host, ['ubus', 'list', 'hostapd.*'])
  // 127: no ubus (not OpenWrt); non-zero: no hostapd object. Neither is an error.
  const objects = list.code === 0 ? parseHostapdObjects(list.stdout) : []
  for (const obj of objects) {
    const r = await run(host, ['ubus', 'call', obj, 'get_clients'])
    if (r.code === 0) for (const mac of parseHostapdClients(r.stdout)) wireless.push(mac)
    else errors.push(`reading wireless clients of ${obj}: ubus exited ${r.code}`)
  }
  // sysfs of the daemon's own network namespace (ip netns exec mounts the namespace's own).
  const ownMacs = sources.lanDevices.flatMap(
    (dev) => normaliseMac(host.readFile(`/sys/class/net/${dev}/address`)?.trim() ?? '') ?? []
  )
  return { leases, staticLeases, neighbours, wireless, ownMacs, errors }
}
