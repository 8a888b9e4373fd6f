// Runs the Host contract in a process of its own (test/contract/host-entry.ts, bundled like the
// product): under the native qjs, and under Node for the cases that need a process-wide setting.
import { execFileSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
// @ts-expect-error: a plain .mjs module without type declarations
import { BUNDLE_OPTIONS } from '../../scripts/bundle-options.mjs'
import type { HostCaseResult } from './host-runner'

const here = dirname(fileURLToPath(import.meta.url))

/** Bundles host-entry.ts into `outfile` exactly like dist/lanvpn.js is bundled. */
export async function bundleHostEntry(outfile: string): Promise<void> {
  await build({ entryPoints: [join(here, 'host-entry.ts')], outfile, ...BUNDLE_OPTIONS })
}

/** Which cases to run; `write-failures` runs under `ulimit -f 0` with SIGXFSZ ignored (so writing
 * a byte to a regular file fails with EFBIG instead of killing the process). */
export type HostCaseSet = 'contract' | 'write-failures'

/** Runs `runtime bundle tmpDir set` (runtime: `[qjs, '--std']` or `[node]`) and returns the results
 * it printed. Throws, with the process's stderr, when it printed none. */
export function runHostEntry(
  runtime: string[],
  bundle: string,
  tmpDir: string,
  set: HostCaseSet
): HostCaseResult[] {
  execFileSync('mkdir', ['-p', tmpDir])
  const argv = [...runtime, bundle, tmpDir, set]
  // An ignored signal stays ignored across exec, and Node ignores SIGXFSZ anyway.
  const limited = ['sh', '-c', `trap '' XFSZ; ulimit -f 0; exec "$@"`, 'sh', ...argv]
  const [cmd, ...args] = set === 'write-failures' ? limited : argv
  const out = execFileSync(cmd, args, {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, LANVPN_LOG: 'off' },
  })
  const last = out.trim().split('\n').pop() ?? ''
  return JSON.parse(last) as HostCaseResult[]
}
