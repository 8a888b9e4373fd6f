// The event streams that tell the daemon its ground moved: `nft monitor`, `ip monitor rule` and
// `ip monitor link`.
// A firewall stop (`fw4 flush` deletes every table), `nft flush ruleset`, a firewall reload (fw4
// loads the closed include over the live table) or someone deleting a rule shows here at once;
// the daemon answers with a reconcile instead of waiting for its 30 s timer. A table changed in
// part (one kill-switch rule deleted by its handle, an `accept` inserted, a device taken out of
// its set) keeps its `applied` hash, so `nft monitor`'s transactions are read whole to tell it
// (tamperedTables).
import { NFT_FAMILY, NFT_RULES_TABLE, NFT_TABLE, PRIO_BASE, PRIO_SPAN } from '../ids'
import { DEVICE_SETS, groupSet } from '../render/nft'

/** A change to one of lanvpn's tables other than set elements: verb, kind, table, and the
 * object's name (none for a table). */
const NFT_OBJECT = new RegExp(
  `^(add|delete|destroy|flush|replace|insert) (table|chain|rule|set|map|flowtable) ${NFT_FAMILY} (${NFT_TABLE}|${NFT_RULES_TABLE})(?:\\s+(\\S+)|$)`
)
/** An element of one of the main table's device sets (a mode's, a group's) added or deleted. */
const DEVICE_ELEMENT = new RegExp(
  `^(?:add|delete|destroy) element ${NFT_FAMILY} ${NFT_TABLE} (?:${Object.values(DEVICE_SETS).join('|')}|${groupSet(0).replace('0', '\\d+')}) `
)

/** Whether a line of `nft monitor` ends a transaction's lines ("# new generation 6 by process
 * 9025 (nft)"). */
export function isNftGeneration(line: string): boolean {
  return line.startsWith('# new generation')
}

/** One transaction of `nft monitor` as read so far (readNftLine), in what tells its hand: which of
 * lanvpn's tables it deleted or added whole, which it changed in part, and whether it changed the
 * main table's device sets and its `applied` rule. A few flags, whatever its size. */
export type NftTransaction = {
  whole: Set<string>
  part: Set<string>
  devices: boolean
  applied: boolean
}

export const newNftTransaction = (): NftTransaction => ({
  whole: new Set(),
  part: new Set(),
  devices: false,
  applied: false,
})

/** Takes one line of `nft monitor` into `tx`; whether it is a change to one of lanvpn's tables
 * other than set elements (drift: the daemon's own full applies show too, and cost one reconcile
 * that finds nothing to do). */
export function readNftLine(tx: NftTransaction, line: string): boolean {
  const t = line.trim()
  if (DEVICE_ELEMENT.test(t)) tx.devices = true
  const m = NFT_OBJECT.exec(t)
  if (!m) return false
  const [, verb, kind, table, name] = m
  if (kind === 'table') {
    if (verb === 'add' || verb === 'delete' || verb === 'destroy') tx.whole.add(table)
  } else if (kind === 'rule' && name === 'applied') {
    if (table === NFT_TABLE) tx.applied = true
  } else tx.part.add(table)
  return true
}

/** lanvpn's tables that one transaction changed in part, by another hand than the daemon's, whose
 * own transactions replace a table whole, or change set elements together with the one rule of
 * the chain `applied` (a membership update: the device sets and the table's new hash). So: a
 * rule, chain or set added or deleted while the table itself was neither deleted nor added, or a
 * device set's elements changed without the hash (a device taken out of vpn_devices). Such a
 * table is applied anew though its hash still matches. */
export function tamperedTables(tx: NftTransaction): string[] {
  const part = new Set(tx.part)
  if (tx.devices && !tx.applied) part.add(NFT_TABLE)
  return [...part].filter((t) => !tx.whole.has(t))
}

/** Whether a line of `ip monitor rule` is one of lanvpn's rules (its priority window) deleted. */
export function isRuleDrift(line: string): boolean {
  const m = /^Deleted (\d+):/.exec(line.trim())
  if (!m) return false
  const priority = Number(m[1])
  return priority >= PRIO_BASE && priority < PRIO_BASE + PRIO_SPAN
}

/** Whether a line of `ip monitor link` is a network device added, changed or deleted: the LAN may
 * have moved (netifd renamed it, made a VLAN device or a second bridge), so the LAN is read again.
 * Not lanvpn's own devices (`own`: the tunnel and the failback check's side interface come and go
 * with every connect and check, and each would cost a reconcile). */
export function isLinkChange(line: string, own: string[] = []): boolean {
  const device = /^(?:Deleted )?\d+: ([^:@\s]+)/.exec(line.trim())?.[1]
  return device !== undefined && !own.includes(device)
}
