// A mode change (or a move between groups) without a table rebuild: one `nft -f` script of set-element changes. For each
// device set whose members changed it flushes the set and adds the new members; in one `nft -f`
// that is one kernel transaction, so no packet ever sees a half-changed set, no chain is touched,
// and the other sets (and the other devices' traffic) stay exactly as they were.
import { DEVICE_MODES, type DeviceMode } from '../config/types'
import { NFT_FAMILY, NFT_TABLE } from '../ids'
import { DEVICE_SETS, groupSet, type NftModel } from './nft'

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

/** The members of every device set of a table, by nft set name: the four mode sets, then each
 * group's vpn set (render/nft.ts groupSet). A MAC is in one set at most. */
export type Membership = Record<string, string[]>

/** The membership a table model declares. */
export function membershipOf(m: NftModel): Membership {
  const out: Membership = {}
  for (const mode of DEVICE_MODES) out[DEVICE_SETS[mode]] = m.devices[mode]
  for (const g of m.groups ?? []) out[groupSet(g.index)] = g.devices
  return out
}

/** MACs whose set differs between two memberships (added, removed, moved between modes or
 * groups), sorted: their existing connections must be dropped so they follow at once
 * (system/conntrack.ts), as for a mode change. */
export function movedMacs(before: Membership, after: Membership): string[] {
  const placeOf = (m: Membership): Map<string, string> => {
    const out = new Map<string, string>()
    for (const [set, macs] of Object.entries(m)) for (const mac of macs) out.set(mac, set)
    return out
  }
  const a = placeOf(before)
  const b = placeOf(after)
  const moved = new Set<string>()
  for (const [mac, set] of a) if (b.get(mac) !== set) moved.add(mac)
  for (const [mac, set] of b) if (a.get(mac) !== set) moved.add(mac)
  return [...moved].sort()
}

function setLines(before: Membership, after: Membership): string[] {
  const lines: string[] = []
  for (const [name, members] of Object.entries(after)) {
    if (sameMembers(before[name] ?? [], members)) continue
    const set = `${NFT_FAMILY} ${NFT_TABLE} ${name}`
    lines.push(`flush set ${set}`)
    const macs = [...members].sort()
    for (let i = 0; i < macs.length; i += CHUNK) {
      lines.push(`add element ${set} { ${macs.slice(i, i + CHUNK).join(', ')} }`)
    }
  }
  return lines
}

/** The one-transaction script that turns `before` into `after`: `flush set` + `add element` for
 * each changed set only; '' when nothing changed. Needs the table (renderNftTable) to exist. */
export function renderSetChanges(before: DeviceSets, after: DeviceSets): string {
  const named = (d: DeviceSets): Membership =>
    Object.fromEntries(DEVICE_MODES.map((mode) => [DEVICE_SETS[mode], d[mode]]))
  const lines = setLines(named(before), named(after))
  return lines.length ? `${lines.join('\n')}\n` : ''
}

const EMPTY: DeviceSets = { vpn: [], direct: [], mediastreamer: [], blocked: [] }

/** Whether going from `before` to `after` changes set membership only (every chain, set
 * declaration and rule the same), so renderSetChanges may replace a full table apply. The models
 * are compared, not their renderings: a model alone decides its table (renderNftTable is pure),
 * and the table is rendered once per reconcile. */
export function isMembershipOnlyChange(before: NftModel, after: NftModel): boolean {
  const frame = (m: NftModel) =>
    JSON.stringify({
      ...m,
      devices: EMPTY,
      groups: (m.groups ?? []).map((g) => ({ ...g, devices: [] })),
    })
  return frame(before) === frame(after)
}

/** The whole membership update from one table model to the next, or null when more than set
 * membership differs (then the full table must be applied). Besides the device sets it replaces
 * the hash in the `applied` chain with `afterHash` (the hash of `after`'s full table), in the same
 * transaction, so the table then carries exactly the hash a full apply would have given it and the
 * next reconcile finds nothing to do. '' when nothing changed. */
export function renderMembershipUpdate(
  before: NftModel,
  after: NftModel,
  afterHash: string
): string | null {
  if (!isMembershipOnlyChange(before, after)) return null
  const lines = setLines(membershipOf(before), membershipOf(after))
  if (lines.length === 0) return ''
  const sets = `${lines.join('\n')}\n`
  const hash = afterHash
  const applied = `${NFT_FAMILY} ${NFT_TABLE} applied`
  return `${sets}flush chain ${applied}\nadd rule ${applied} meta mark ${hash}\n`
}
