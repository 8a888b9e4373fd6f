/** One nft table, as `nft list tables` names it. */
export type NftTableRef = { family: string; name: string }

/** Parses `nft list tables` output ("table inet fw4" per line). Unknown lines are ignored. */
export function parseNftTables(text: string): NftTableRef[] {
  const out: NftTableRef[] = []
  for (const line of text.split('\n')) {
    const m = /^table\s+(\S+)\s+(\S+)\s*$/.exec(line.trim())
    if (m) out.push({ family: m[1], name: m[2] })
  }
  return out
}
