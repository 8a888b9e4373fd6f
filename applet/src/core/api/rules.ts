// How the CLI and the web UI show a rule (issue 22) and give it back to setRule: its ports as UCI
// writes them and its `via` word. Pure; the web UI imports these two functions.
import type { PortMatch, Rule } from '../config/rules'
import { DEFAULT_GROUP_WORD } from '../ids'

/** Ports as UCI writes them: `443` where tcp and udp have the same, else `tcp:443`,
 * `udp:3074-3076`; each once. Pure. */
export function portWords(ports: PortMatch[]): string[] {
  const range = (p: PortMatch) => (p.first === p.last ? `${p.first}` : `${p.first}-${p.last}`)
  const words = ports.map((p) => {
    const both = ports.some((q) => q.proto !== p.proto && range(q) === range(p))
    return both ? range(p) : `${p.proto}:${range(p)}`
  })
  return [...new Set(words)]
}

/** A rule's `via` as UCI and setRule have it: vpn, direct, blocked, default or a group's name. */
export const viaWord = (r: Pick<Rule, 'via' | 'group'>): string =>
  r.via === 'group' ? r.group || DEFAULT_GROUP_WORD : r.via
