import { isIp } from '../config/formats'
import { NFT_FAMILY, NFT_RULES_TABLE } from '../ids'

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

/** `add element` lines putting back into the sets of the rules' table named in `keep` what `nft -j
 * list sets` said they held (`json`), each address with the time it had left: one line per set,
 * '' for none. Only a set whose comment is the one `keep` gives it (its domains' hash,
 * render/nft-rules.ts keptDnsSets), and anything but an address with whole seconds left is left
 * out. */
export function keptElements(json: string, keep: Record<string, string>): string {
  let out = ''
  try {
    for (const { set: s } of JSON.parse(json).nftables) {
      const comment: unknown = s?.comment
      if (s?.table !== NFT_RULES_TABLE || typeof comment !== 'string' || keep[s.name] !== comment)
        continue
      const elems = (s.elem ?? []).flatMap((e: { elem?: { val: unknown; expires: number } }) =>
        e.elem && isIp(`${e.elem.val}`) && Number.isInteger(e.elem.expires) && e.elem.expires > 0
          ? [`${e.elem.val} timeout ${e.elem.expires}s`]
          : []
      )
      if (elems.length)
        out += `add element ${NFT_FAMILY} ${NFT_RULES_TABLE} ${s.name} { ${elems.join(', ')} }\n`
    }
  } catch {
    // Not nft's JSON: nothing is kept.
  }
  return out
}
