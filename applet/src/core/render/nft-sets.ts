// A mode change without a table rebuild: one `nft -f` script of set-element changes. For each
// device set whose members changed it flushes the set and adds the new members; in one `nft -f`
// that is one kernel transaction, so no packet ever sees a half-changed set, no chain is touched,
// and the other sets (and the other devices' traffic) stay exactly as they were.
import { DEVICE_MODES, type DeviceMode } from '../config/types'
import { NFT_FAMILY, NFT_TABLE } from '../ids'
import { DEVICE_SETS, type NftModel } from './nft'

/** MACs per mode, as in NftModel.devices. */
export type DeviceSets = Record<DeviceMode, string[]>

/** What changed between two memberships. `changedModes`: sets whose members differ.
 * `movedMacs`: MACs whose mode is different (added, removed or moved), sorted: their existing
 * connections must be dealt with (system/conntrack.ts). */
export type DeviceSetsDiff = { changedModes: DeviceMode[]; movedMacs: string[] }

/** Elements per `add element` line: keeps lines short for nft's parser; still one transaction. */
const CHUNK = 500

function modeOf(sets: DeviceSets): Map<string, DeviceMode> {
  const out = new Map<string, DeviceMode>()
  for (const mode of DEVICE_MODES) for (const mac of sets[mode]) out.set(mac, mode)
  return out
}

const sameMembers = (a: string[], b: string[]): boolean => {
  if (a.length !== b.length) return false
  const set = new Set(a)
  return b.every((x) => set.has(x))
}

/** Compares two memberships. Same input, same output. */
export function diffDeviceSets(before: DeviceSets, after: DeviceSets): DeviceSetsDiff {
  const changedModes = DEVICE_MODES.filter((m) => !sameMembers(before[m], after[m]))
  const a = modeOf(before)
  const b = modeOf(after)
  const moved = new Set<string>()
  for (const [mac, mode] of a) if (b.get(mac) !== mode) moved.add(mac)
  for (const [mac, mode] of b) if (a.get(mac) !== mode) moved.add(mac)
  return { changedModes, movedMacs: [...moved].sort() }
}

/** The one-transaction script that turns `before` into `after`: `flush set` + `add element` for
 * each changed set only; '' when nothing changed. Needs the table (renderNftTable) to exist. */
export function renderSetChanges(before: DeviceSets, after: DeviceSets): string {
  const lines: string[] = []
  for (const mode of diffDeviceSets(before, after).changedModes) {
    const set = `${NFT_FAMILY} ${NFT_TABLE} ${DEVICE_SETS[mode]}`
    lines.push(`flush set ${set}`)
    const macs = [...after[mode]].sort()
    for (let i = 0; i < macs.length; i += CHUNK) {
      lines.push(`add element ${set} { ${macs.slice(i, i + CHUNK).join(', ')} }`)
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : ''
}

const EMPTY: DeviceSets = { vpn: [], direct: [], mediastreamer: [], blocked: [] }

/** Whether going from `before` to `after` changes set membership only (every chain, set
 * declaration and rule the same), so renderSetChanges may replace a full table apply. The models
 * are compared, not their renderings: a model alone decides its table (renderNftTable is pure),
 * and the table is rendered once per reconcile. */
export function isMembershipOnlyChange(before: NftModel, after: NftModel): boolean {
  return (
    JSON.stringify({ ...before, devices: EMPTY }) === JSON.stringify({ ...after, devices: EMPTY })
  )
}

/** The whole membership update from one table model to the next, or null when more than set
 * membership differs (then the full table must be applied). Besides the device sets it replaces
 * the hash in the `applied` set with `afterHash` (the hash of `after`'s full table), in the same
 * transaction, so the table then carries exactly the hash a full apply would have given it and the
 * next reconcile finds nothing to do. '' when nothing changed. */
export function renderMembershipUpdate(
  before: NftModel,
  after: NftModel,
  afterHash: string
): string | null {
  if (!isMembershipOnlyChange(before, after)) return null
  const sets = renderSetChanges(before.devices, after.devices)
  if (sets === '') return ''
  const hash = afterHash
  const applied = `${NFT_FAMILY} ${NFT_TABLE} applied`
  return `${sets}flush set ${applied}\nadd element ${applied} { ${hash} }\n`
}
