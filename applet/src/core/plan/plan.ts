// desired (pure) and diff (pure): what the router should look like for a config, and which steps
// get it there from what was observed. Apply (system/apply.ts) only carries the steps out.
import type { Config, DeviceMode } from '../config/types'
import { fnv1a } from '../hash'
import { NFT_FAMILY, NFT_TABLE } from '../ids'
import type { NftTableRef } from '../observe/nft'
import { renderNftDelete, renderNftTable } from '../render/nft'

/** What lanvpn found on the router. `appliedNftHash` is what this daemon last applied ('' after a
 * start): the table's content is ours alone, so a matching hash means nothing to do. */
export type Observed = { nftTables: NftTableRef[]; appliedNftHash: string }

export type Desired = {
  /** The nft script for our table, or null when lanvpn is disabled (no table at all). */
  nft: string | null
  devices: Record<DeviceMode, number>
}

export type PlanStep =
  { kind: 'nft-apply'; script: string; hash: string } | { kind: 'nft-delete'; script: string }

/** The desired state for a config. Same input, same output. */
export function desiredState(config: Config): Desired {
  const devices: Record<DeviceMode, string[]> = {
    vpn: [],
    direct: [],
    mediastreamer: [],
    blocked: [],
  }
  for (const d of config.devices) devices[d.mode].push(d.mac)
  const counts = {
    vpn: devices.vpn.length,
    direct: devices.direct.length,
    mediastreamer: devices.mediastreamer.length,
    blocked: devices.blocked.length,
  }
  return { nft: config.globals.enabled ? renderNftTable({ devices }) : null, devices: counts }
}

/** The steps from observed to desired; empty when the router already matches. */
export function diffState(desired: Desired, observed: Observed): PlanStep[] {
  const present = observed.nftTables.some((t) => t.family === NFT_FAMILY && t.name === NFT_TABLE)
  if (desired.nft === null)
    return present ? [{ kind: 'nft-delete', script: renderNftDelete() }] : []
  const hash = fnv1a(desired.nft)
  if (present && hash === observed.appliedNftHash) return []
  return [{ kind: 'nft-apply', script: desired.nft, hash }]
}
