// Rules golden cases (issue 22): each test/golden/rules-*/ case (a config with `config rule`
// sections, state.json with the tunnels, the devices seen and the local addresses observed) is
// planned as test/golden/rules.ts says. Out, compared exactly: expected-rules.nft (the live rules'
// table, then the main table), expected-rules.ip (the ip -batch lines of a first start, the rule for
// MARK_DIRECT among them), expected-rules.dnsmasq (the nftset= lines for the rules' domains) and
// expected-rules.problems. Regenerate with `npm run golden:update`.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { diffIp } from '../../applet/src/core/plan/ip'
import {
  dnsmasqNftsets,
  localDestinations,
  renderRules,
  renderRulesTable,
} from '../../applet/src/core/render/nft-rules'
import { parseConfig } from '../../applet/src/core/config/validate'
import { planRulesCase } from './rules'

const DIR = __dirname
const update = process.env.UPDATE_GOLDEN === '1'
const cases = readdirSync(DIR).filter(
  (d) => d.startsWith('rules-') && statSync(join(DIR, d)).isDirectory()
)
const others = readdirSync(DIR).filter(
  (d) => !d.startsWith('rules-') && statSync(join(DIR, d)).isDirectory()
)

function check(file: string, actual: string) {
  if (update || !existsSync(file)) writeFileSync(file, actual)
  expect(actual).toBe(readFileSync(file, 'utf8'))
}

describe('rules golden', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(0))

  it.each(cases)('%s', (name) => {
    const dir = join(DIR, name)
    const c = planRulesCase(dir)
    check(join(dir, 'expected-rules.nft'), c.nft)
    const empty = { rules: [], routes: [] }
    const ip = [
      ...diffIp(c.ip4, empty).map((l) => `ip -4 ${l}\n`),
      ...diffIp(c.ip6, empty).map((l) => `ip -6 ${l}\n`),
    ]
    check(join(dir, 'expected-rules.ip'), ip.join(''))
    check(join(dir, 'expected-rules.dnsmasq'), dnsmasqNftsets(c.model.rules).join('\n') + '\n')
    check(
      join(dir, 'expected-rules.problems'),
      c.problems.map((p) => `${p.section}.${p.option}: ${p.reason}\n`).join('')
    )
  })

  it.each(others)('has no rules table for %s (no rules, no local exceptions)', (name) => {
    const text = readFileSync(join(DIR, name, 'config'), 'utf8')
    const { config } = parseConfig(text)
    const { rules, globals: local } = config
    const lines = renderRules({
      rules,
      groups: config.groups,
      devices: config.devices,
      local: localDestinations(local, []),
      lan: ['br-lan'],
    })
    expect(lines).toEqual([])
    expect(renderRulesTable(lines)).toBeNull()
  })
})
