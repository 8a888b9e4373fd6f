// The event streams that tell the daemon its ground moved: `nft monitor`, `ip monitor rule` and
// `ip monitor link`.
// A firewall stop (`fw4 flush` deletes every table), `nft flush ruleset`, a firewall reload (fw4
// loads the closed include over the live table) or someone deleting a rule shows here at once;
// the daemon answers with a reconcile instead of waiting for its 30 s timer. A table changed in
// part (one kill-switch rule deleted by its handle, an `accept` inserted) keeps its `applied`
// hash, so `nft monitor`'s transactions are read whole to tell it (tamperedTables).
import { NFT_FAMILY, NFT_RULES_TABLE, NFT_TABLE, PRIO_BASE, PRIO_SPAN } from '../ids'

const NFT_OBJECT = new RegExp(
  `^(add|delete|destroy|flush|replace|insert) (table|chain|rule|set|map|flowtable) ${NFT_FAMILY} (${NFT_TABLE}|${NFT_RULES_TABLE})(\\s|$)`
)

/** Whether a line of `nft monitor` is a change to one of lanvpn's tables other than set elements (which
 * only the daemon's own membership updates change). Its own full applies show here too: they
 * cost one reconcile that finds nothing to do. */
export function isNftDrift(line: string): boolean {
  return NFT_OBJECT.test(line.trim())
}

const NFT_PART = new RegExp(
  `^(?:add|delete|destroy|flush|replace|insert) (chain|rule|set|map|flowtable) ${NFT_FAMILY} (${NFT_TABLE}|${NFT_RULES_TABLE}) (\\S+)`
)
const NFT_WHOLE = new RegExp(
  `^(?:add|delete|destroy) table ${NFT_FAMILY} (${NFT_TABLE}|${NFT_RULES_TABLE})(\\s|$)`
)

/** Whether a line of `nft monitor` ends a transaction's lines ("# new generation 6 by process
 * 9025 (nft)"). */
export function isNftGeneration(line: string): boolean {
  return line.startsWith('# new generation')
}

/** lanvpn's tables that one transaction (the lines `nft monitor` printed for it) changed in part:
 * a rule, chain or set added or deleted while the table itself was neither deleted nor added. The
 * daemon's own transactions replace a table whole, or change set elements and the one rule of the
 * chain `applied` (a membership update); anything else is another hand, and the table is applied
 * anew though its hash still matches. */
export function tamperedTables(lines: string[]): string[] {
  const whole = new Set<string>()
  const part = new Set<string>()
  for (const line of lines) {
    const t = line.trim()
    const w = NFT_WHOLE.exec(t)
    if (w) whole.add(w[1])
    const p = NFT_PART.exec(t)
    if (p && !(p[1] === 'rule' && p[3] === 'applied')) part.add(p[2])
  }
  return [...part].filter((t) => !whole.has(t))
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
