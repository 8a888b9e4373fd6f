// Reads the per-device proof counters out of `nft -j list sets table inet lanvpn` (the sets of
// core/render/nft.ts PROOF_SETS, each element with its own counter and timeout).
import { PROOF_SETS } from '../render/nft'

/** Packets of one device since counting began, by what became of them. */
export type ProofCounters = {
  /** Left through the tunnel. */
  tunnel: number
  /** Left by the WAN (or any way out but the tunnel and the LAN). */
  wan: number
  /** Dropped by the kill switch, the blocked mode or the vpn DNS rule. */
  stopped: number
  /** DNS lookups sent to the tunnel's resolver. */
  dns: number
  /** IPv6 packets that left the router. */
  ipv6: number
}

/** What the kernel holds for one device: its counters and how long ago counting began. */
export type ProofReading = { counters: ProofCounters; elapsedSeconds: number }

type JsonElem = { val?: unknown; timeout?: unknown; expires?: unknown; counter?: unknown }
type JsonSet = { name?: unknown; elem?: unknown }

const COUNTED = ['tunnel', 'wan', 'stopped', 'dns', 'ipv6'] as const

const num = (x: unknown): number => (typeof x === 'number' && Number.isFinite(x) ? x : 0)

/** The element of `mac` in each set, by set name. Elements nft prints bare (no timeout, no counter)
 * are strings; those with them are `{ elem: { val, … } }`. */
function elementsOf(json: string, mac: string): Map<string, JsonElem> {
  const out = new Map<string, JsonElem>()
  let doc: unknown
  try {
    doc = JSON.parse(json)
  } catch {
    return out
  }
  const items = (doc as { nftables?: unknown })?.nftables
  if (!Array.isArray(items)) return out
  for (const item of items) {
    const set = (item as { set?: JsonSet })?.set
    if (!set || typeof set.name !== 'string' || !Array.isArray(set.elem)) continue
    for (const e of set.elem) {
      const elem: JsonElem =
        typeof e === 'string' ? { val: e } : ((e as { elem?: JsonElem })?.elem ?? {})
      if (typeof elem.val === 'string' && elem.val.toLowerCase() === mac) out.set(set.name, elem)
    }
  }
  return out
}

/** The counters of `mac` (lower-case colon form), or null when it is not being counted: missing
 * from any proof set (never asked about, its time ran out, or the table was rebuilt since), or
 * output that is not nft's JSON. Pure. */
export function parseProofCounters(json: string, mac: string): ProofReading | null {
  const found = elementsOf(json, mac)
  const armed = found.get(PROOF_SETS.armed)
  if (!armed || COUNTED.some((k) => !found.has(PROOF_SETS[k]))) return null
  const counters = {} as ProofCounters
  for (const k of COUNTED) {
    const counter = found.get(PROOF_SETS[k])?.counter as { packets?: unknown } | undefined
    counters[k] = num(counter?.packets)
  }
  return { counters, elapsedSeconds: Math.max(0, num(armed.timeout) - num(armed.expires)) }
}
