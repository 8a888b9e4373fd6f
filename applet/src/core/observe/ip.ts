/** Priorities of `ip rule show` lines ("5200:\tfrom all fwmark … lookup 5201"). */
export function parseRulePriorities(text: string): number[] {
  const out: number[] = []
  for (const line of text.split('\n')) {
    const m = /^(\d+):/.exec(line.trim())
    if (m) out.push(Number(m[1]))
  }
  return out
}
