// Renders the whole `inet lanvpn` table as one nft script. Applied with `nft -f`, it is one
// transaction: the table is created if missing, deleted and declared anew, so the result is exactly
// this text whatever was there before, with no moment in between where rules are missing.
import { NFT_FAMILY, NFT_TABLE } from '../ids'
import type { DeviceMode } from '../config/types'

/** What the table holds. The tunnel and sharing issues add chains; the sets exist from day one so
 * every later rule matches devices by MAC (IPv4 and IPv6 follow the device). */
export type NftModel = {
  /** MACs per mode (lower-case colon form), each list sorted for a stable rendering. */
  devices: Record<DeviceMode, string[]>
}

/** nft set name per device mode. */
export const DEVICE_SETS: Record<DeviceMode, string> = {
  vpn: 'vpn_devices',
  direct: 'direct_devices',
  mediastreamer: 'mediastreamer_devices',
  blocked: 'blocked_devices',
}

function renderSet(name: string, macs: string[]): string {
  const elements = macs.length ? `\n\t\telements = { ${macs.join(', ')} }` : ''
  return `\tset ${name} {\n\t\ttype ether_addr${elements}\n\t}`
}

/** The full script for `nft -f`. Deterministic: the same model gives the same bytes. */
export function renderNftTable(model: NftModel): string {
  const t = `${NFT_FAMILY} ${NFT_TABLE}`
  const sets = (Object.keys(DEVICE_SETS) as DeviceMode[]).map((mode) =>
    renderSet(DEVICE_SETS[mode], [...model.devices[mode]].sort())
  )
  return [`table ${t}`, `delete table ${t}`, `table ${t} {`, sets.join('\n'), '}', ''].join('\n')
}

/** Removes the table; for `enabled 0` and cleanup. */
export function renderNftDelete(): string {
  return `delete table ${NFT_FAMILY} ${NFT_TABLE}\n`
}
