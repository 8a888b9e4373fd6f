// Runs the Host contract cases one after another, each in its own subdirectory of tmpDir.
// Framework-free so the same code runs under vitest and bundled inside QuickJS.
import type { Host } from '../../applet/src/host/host'
import { hostCases, type HostCase } from './host-cases'

/** Outcome of one case; `error` is the failure message. */
export type HostCaseResult = { name: string; ok: boolean; error?: string }

const show = (v: unknown): string => JSON.stringify(v) ?? String(v)

/** Runs every case (never throws): case i gets `${tmpDir}/case-i`, created through host.mkdirp. */
export async function runHostCases(
  host: Host,
  tmpDir: string,
  cases: HostCase[] = hostCases
): Promise<HostCaseResult[]> {
  const results: HostCaseResult[] = []
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i]
    const dir = `${tmpDir}/case-${i}`
    try {
      host.mkdirp(dir)
      await c.run(host, {
        tmpDir: dir,
        assert(cond, msg) {
          if (!cond) throw new Error(msg)
        },
        eq(a, b, msg) {
          if (show(a) !== show(b)) throw new Error(`${msg}: got ${show(a)}, want ${show(b)}`)
        },
      })
      results.push({ name: c.name, ok: true })
    } catch (e) {
      results.push({ name: c.name, ok: false, error: (e as Error)?.message ?? String(e) })
    }
  }
  return results
}
