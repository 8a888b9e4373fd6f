// Form helpers shared by Settings and MediaStreamer: which field an rpc error is about.
import { LanvpnError } from '../api/lanvpn'

/** The field an error names (`globals.health_interval` → `health_interval` for prefix `globals`),
 * or '' when it names none of that section. Pure. */
export function fieldOf(e: Error | null, section: string): string {
  if (!(e instanceof LanvpnError) || !e.field) return ''
  const [head, ...rest] = e.field.split('.')
  return head === section ? rest.join('.') : ''
}

/** Only the entries of `next` that differ from `before` (arrays compared by content). Pure. */
export function changedOnly<T extends Record<string, unknown>>(before: T, next: T): Partial<T> {
  const out: Partial<T> = {}
  for (const key of Object.keys(next) as Array<keyof T>) {
    const a = before[key]
    const b = next[key]
    const same = Array.isArray(a) && Array.isArray(b) ? a.join('\n') === b.join('\n') : a === b
    if (!same) out[key] = b
  }
  return out
}
