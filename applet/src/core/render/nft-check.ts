// What of a persisted table `nft -c` must still read. The boot include is the live table closed
// (render/nft.ts closedModel): the same sets, most of them with the same elements, above all the
// destination rules' (render/nft-rules.ts), which with 10,000 CIDRs are most of what nft parses.
// A set block that the live table, which nft has loaded, holds byte for byte, nft has read
// already: checking it again took as long as loading the table, on every device's mode change.

/** A set block as the renderers write it: `\tset NAME {`, its lines, `\t}`. */
const SET_BLOCK = /^\tset [^\n]*\{\n(?:\t\t[^\n]*\n)*\t\}$/gm

/** `text` with the elements of every set block that `live` holds identically left out (the block
 * stays: rules still name the set, and its type and flags are checked). Pure. */
export function withoutLoadedElements(text: string, live: string): string {
  const loaded = new Set(live.match(SET_BLOCK))
  return text.replace(SET_BLOCK, (block) =>
    loaded.has(block) ? block.replace(/^\t\telements = \{ [^\n]* \}\n/m, '') : block
  )
}
