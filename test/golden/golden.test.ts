// Golden cases: test/golden/<case>/config (a /etc/config/lanvpn) in; expected.nft (the script the
// daemon applies with the tunnel down, or "(no table)"), expected.rules (the ip commands of a first
// start) and expected.problems (one line per config problem) out, compared exactly. Regenerate with `npm run golden:update` and review the diff.
// An optional state.json says which tunnels are up (by group id, '' the default group: the profile
// in use and whether it is up) and which devices are on the LAN with which addresses; without it
// every tunnel is down and no device is seen.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../applet/src/core/config/validate'
import { desiredState, diffState } from '../../applet/src/core/plan/plan'
import type { SeenDevice, TunnelView } from '../../applet/src/core/plan/plan'

const DIR = __dirname
const update = process.env.UPDATE_GOLDEN === '1'
// rules-* cases, with their observed local exceptions, are rules-golden.test.ts's.
const cases = readdirSync(DIR).filter(
  (d) => !d.startsWith('rules-') && statSync(join(DIR, d)).isDirectory()
)

function check(file: string, actual: string) {
  if (update || !existsSync(file)) writeFileSync(file, actual)
  expect(actual).toBe(readFileSync(file, 'utf8'))
}

describe('golden', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(0))

  it.each(cases)('%s', (name) => {
    const { config, problems } = parseConfig(readFileSync(join(DIR, name, 'config'), 'utf8'))
    const statePath = join(DIR, name, 'state.json')
    const state = (existsSync(statePath) ? JSON.parse(readFileSync(statePath, 'utf8')) : {}) as {
      tunnels?: Record<string, { profile: string; up: boolean }>
      seen?: SeenDevice[]
    }
    const view = (t?: { profile: string; up: boolean }): TunnelView => ({
      profile: config.profiles.find((p) => p.id === t?.profile) ?? null,
      up: t?.up ?? false,
    })
    const { '': home, ...others } = state.tunnels ?? {}
    const groups = Object.fromEntries(Object.entries(others).map(([id, t]) => [id, view(t)]))
    const desired = desiredState(config, view(home), 'lanvpn0', state.seen ?? [], [], groups)
    check(join(DIR, name, 'expected.nft'), desired.nft ?? '(no table)\n')
    // What a first start runs for routing, from a router with nothing of lanvpn on it.
    const empty = { rules: [], routes: [] }
    const steps = diffState(desired, { nftHash: '', fw4Include: null, ip4: empty, ip6: empty })
    const rules = steps.flatMap((s) =>
      s.kind === 'ip-batch' ? s.lines.map((l) => `ip -${s.family} ${l}\n`) : []
    )
    check(join(DIR, name, 'expected.rules'), rules.join(''))
    check(
      join(DIR, name, 'expected.problems'),
      problems.map((p) => `${p.section}.${p.option}: ${p.reason}\n`).join('')
    )
  })
})
