// Issue 20: `uci commit` and lanvpn writing /etc/config/lanvpn at the same moment must both land.
// Round after round, a stand-in for `uci set lanvpn.globals.race_uci=<round>; uci commit lanvpn`
// (test/fixtures/uci-commit-standin.sh: libuci's commit, syscall for syscall, on util-linux
// flock) races the real `lanvpn default-mode …` (the bundle under the native qjs, then under
// Node). After each round the file must hold both: the round's race_uci and the round's mode.
// The stand-in starts at a point that moves, from round to round, through the part of lanvpn's run
// where it reads and writes the file, so the two meet in every order.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG_TEXT } from '../../applet/src/core/config/defaults'
import { parseConfig } from '../../applet/src/core/config/validate'
import { findSection, getOption } from '../../applet/src/core/uci/doc'
import { resolvePaths } from '../../applet/src/core/paths'
// @ts-expect-error: a plain .mjs module without type declarations
import { BUNDLE_OPTIONS } from '../../scripts/bundle-options.mjs'
import { qjsCommand } from '../../scripts/native-qjs.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const standin = join(here, '../fixtures/uci-commit-standin.sh')
const root = mkdtempSync(join(tmpdir(), 'lanvpn-uci-race-'))
const bundle = join(root, 'lanvpn.js')
/** Rounds per runtime, raced in LANES independent config directories at once (time, not load).
 * The code before the fix lost 24 to 45 of 100 under qjs and 10 to 12 under Node. */
const ROUNDS = 60
const LANES = 2

beforeAll(async () => {
  await build({
    entryPoints: [join(here, '../../applet/src/main.ts')],
    outfile: bundle,
    ...BUNDLE_OPTIONS,
  })
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

type Ran = { code: number | null; stderr: string; ms: number }

function run(argv: string[], env: Record<string, string> = {}, delayMs = 0): Promise<Ran> {
  return new Promise((resolve) =>
    setTimeout(() => {
      const start = performance.now()
      const child = spawn(argv[0], argv.slice(1), {
        env: { ...process.env, LANVPN_LOG: 'off', ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      })
      let stderr = ''
      child.stderr.on('data', (d) => (stderr += d))
      child.on('close', (code) => resolve({ code, stderr, ms: performance.now() - start }))
    }, delayMs)
  )
}

/** What the file says now: the stand-in's round and lanvpn's default mode. */
function written(config: string): { round: string; mode: string } {
  const { doc } = parseConfig(readFileSync(config, 'utf8'))
  const globals = findSection(doc, 'globals')
  return {
    round: String((globals && getOption(globals, 'race_uci')) ?? ''),
    mode: String((globals && getOption(globals, 'default_mode')) ?? ''),
  }
}

type Lane = { lost: { uci: number[]; lanvpn: number[] }; failed: string[]; problems: unknown[] }

async function race(runtime: string[], name: string, rounds: number[]): Promise<Lane> {
  const prefix = join(root, name)
  const paths = resolvePaths(prefix)
  const confdir = dirname(paths.config)
  mkdirSync(confdir, { recursive: true })
  writeFileSync(paths.config, DEFAULT_CONFIG_TEXT, { mode: 0o600 })
  const lanvpn = (mode: string, delayMs = 0) =>
    run([...runtime, bundle, 'default-mode', mode], { LANVPN_PREFIX: prefix }, delayMs)
  const uci = (round: number, delayMs = 0) =>
    run(['sh', standin, confdir, 'lanvpn', 'globals', 'race_uci', String(round)], {}, delayMs)

  // lanvpn holds the file near the end of its run (after the runtime's start), the stand-in for
  // nearly all of its own: starting the stand-in between 2 of its runs before lanvpn's end and
  // that end makes the two meet in every order. Both are timed once, alone, on this machine.
  const lanvpnMs = (await lanvpn('vpn')).ms
  const uciMs = (await uci(0)).ms
  const from = Math.max(0, lanvpnMs - 2 * uciMs)
  const lost = { uci: [] as number[], lanvpn: [] as number[] }
  const failed: string[] = []
  for (const [i, round] of rounds.entries()) {
    // Each round sets the other mode than the round before it in this directory.
    const mode = i % 2 ? 'vpn' : 'direct'
    // The golden-ratio sequence covers [0, 1) evenly whatever the round count.
    const delay = from + ((round * 0.618034) % 1) * (lanvpnMs - from)
    const [a, b] = await Promise.all([lanvpn(mode), uci(round, delay)])
    if (a.code !== 0) failed.push(`round ${round}: lanvpn exited ${a.code}: ${a.stderr}`)
    if (b.code !== 0) failed.push(`round ${round}: stand-in exited ${b.code}: ${b.stderr}`)
    const now = written(paths.config)
    if (now.round !== String(round)) lost.uci.push(round)
    if (now.mode !== mode) lost.lanvpn.push(round)
  }
  const { problems } = parseConfig(readFileSync(paths.config, 'utf8'))
  const leftovers = readdirSync(confdir).filter((f) => f !== 'lanvpn')
  if (leftovers.length) failed.push(`left in ${confdir}: ${leftovers.join(' ')}`)
  return { lost, failed, problems }
}

/** ROUNDS rounds over LANES directories; the lost rounds of both sides, summed up. */
async function raceAll(runtime: string[], name: string) {
  const lanes = await Promise.all(
    Array.from({ length: LANES }, (_, lane) => {
      const rounds = Array.from({ length: ROUNDS / LANES }, (_, i) => 1 + lane + i * LANES)
      return race(runtime, `${name}-${lane}`, rounds)
    })
  )
  const uci = lanes.flatMap((l) => l.lost.uci).sort((a, b) => a - b)
  const lanvpn = lanes.flatMap((l) => l.lost.lanvpn).sort((a, b) => a - b)
  return {
    lost:
      `uci lost ${uci.length} of ${ROUNDS} writes [${uci.join(' ')}], ` +
      `lanvpn lost ${lanvpn.length} of ${ROUNDS} [${lanvpn.join(' ')}]`,
    failed: lanes.flatMap((l) => l.failed),
    problems: lanes.flatMap((l) => l.problems),
  }
}

describe('uci commit racing lanvpn writes (issue 20)', () => {
  for (const [name, runtime] of [
    ['native qjs', () => qjsCommand()],
    ['Node', () => [process.execPath]],
  ] as const) {
    it(`loses no write of either side in ${ROUNDS} rounds (${name})`, async () => {
      const r = await raceAll(runtime(), name.replace(' ', '-'))
      expect(r.failed).toEqual([])
      // Lost: the round's write was not in the file once both sides had finished.
      expect(r.lost).toBe(`uci lost 0 of ${ROUNDS} writes [], lanvpn lost 0 of ${ROUNDS} []`)
      expect(r.problems).toEqual([])
    }, 180_000)
  }
})
