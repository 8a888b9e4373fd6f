// Domain sets across a whole-table apply (issue 22): which rules' DNS sets keep their addresses
// (number and domains unchanged; after a restart, whatever the live sets' comments say was filled
// for the same domains), and the lines that put back what `nft -j list sets` said they held, each
// address with the time it had left. The daemon's commands: transitions/daemon.test.ts.
import { describe, expect, it } from 'vitest'
import type { Rule } from '../../applet/src/core/config/rules'
import { keptElements } from '../../applet/src/core/observe/nft'
import { fnv1a } from '../../applet/src/core/hash'
import { keptDnsSets } from '../../applet/src/core/render/nft-rules'
import { rule as base } from './rule-fixture'

const rule = (number: number, domains: string[], over: Partial<Rule> = {}): Rule =>
  base({ id: `r${number}`, number, label: '', domains, ...over })
/** The comment a rule's DNS sets carry: its domains' hash. */
const A_B = fnv1a('a.example,b.example')

// What nft 1.0.6 prints for `nft -j list sets table inet lanvpn_rules` (trimmed to three sets).
const LISTED = JSON.stringify({
  nftables: [
    { metainfo: { version: '1.0.6', release_name: 'Lester Gooch #5', json_schema_version: 1 } },
    {
      set: {
        family: 'inet',
        name: 'rule3_dns4',
        table: 'lanvpn_rules',
        type: 'ipv4_addr',
        handle: 1,
        comment: A_B,
        flags: ['timeout'],
        timeout: 86400,
        elem: [
          { elem: { val: '192.0.2.12', expires: 86399 } },
          { elem: { val: '192.0.2.13', timeout: 3600, expires: 3599 } },
          { elem: { val: '192.0.2.14', expires: 0 } },
        ],
      },
    },
    {
      set: {
        family: 'inet',
        name: 'rule3_dns6',
        table: 'lanvpn_rules',
        type: 'ipv6_addr',
        handle: 2,
        comment: A_B,
        flags: ['timeout'],
        timeout: 86400,
        elem: [{ elem: { val: '2001:db8:2::12', expires: 600 } }],
      },
    },
    {
      set: {
        family: 'inet',
        name: 'rule1_net4',
        table: 'lanvpn_rules',
        type: 'ipv4_addr',
        handle: 3,
        flags: ['interval'],
        elem: ['198.51.100.7', { prefix: { addr: '10.0.0.0', len: 8 } }],
      },
    },
    { set: { family: 'inet', name: 'rule4_dns4', table: 'lanvpn_rules', type: 'ipv4_addr' } },
  ],
})

describe('keptDnsSets', () => {
  it("keeps an unchanged domain rule's sets, whatever else of it changed", () => {
    const before = [rule(1, []), rule(2, ['bank.example']), rule(3, ['a.example', 'b.example'])]
    const after = [
      rule(1, [], { dests: ['192.0.2.0/24'] }),
      rule(2, ['bank.example'], { via: 'vpn' }),
      rule(3, ['a.example', 'b.example']),
    ]
    const bank = fnv1a('bank.example')
    expect(keptDnsSets(before, after)).toEqual({
      rule2_dns4: bank,
      rule2_dns6: bank,
      rule3_dns4: A_B,
      rule3_dns6: A_B,
    })
  })

  it('a rule whose number or domains changed, or that was or is off, starts empty', () => {
    const before = [rule(1, ['a.example']), rule(2, ['b.example']), rule(3, ['c.example'])]
    expect(
      keptDnsSets(before, [
        rule(1, ['b.example']), // rule 2 moved up
        rule(2, ['b.example', 'd.example']),
        rule(3, ['c.example'], { enabled: false }),
      ])
    ).toEqual({})
    expect(
      keptDnsSets([rule(1, ['a.example'], { enabled: false })], [rule(1, ['a.example'])])
    ).toEqual({})
    expect(keptDnsSets([], [rule(1, ['a.example'])])).toEqual({})
  })

  it('with the rules before unknown (a daemon restarted, or upgraded), every domain rule of an enabled one, to be kept by its comment', () => {
    expect(
      keptDnsSets(null, [
        rule(1, []),
        rule(2, ['a.example', 'b.example']),
        rule(3, ['c.example'], { enabled: false }),
      ])
    ).toEqual({ rule2_dns4: A_B, rule2_dns6: A_B })
  })
})

describe('keptElements', () => {
  it('puts back the addresses of the sets asked for, each with the time it had left', () => {
    expect(keptElements(LISTED, { rule3_dns4: A_B, rule3_dns6: A_B })).toBe(
      'add element inet lanvpn_rules rule3_dns4 { 192.0.2.12 timeout 86399s, 192.0.2.13 timeout 3599s }\n' +
        'add element inet lanvpn_rules rule3_dns6 { 2001:db8:2::12 timeout 600s }\n'
    )
  })

  it('nothing for sets not asked for, filled for other domains (another comment, or none), empty or expiring, another table, or text that is not JSON', () => {
    expect(keptElements(LISTED, { rule1_net4: A_B, rule4_dns4: A_B, rule9_dns4: A_B })).toBe('')
    expect(keptElements(LISTED, { rule3_dns4: fnv1a('a.example') })).toBe('')
    expect(keptElements(LISTED.replaceAll(`"comment":"${A_B}",`, ''), { rule3_dns4: A_B })).toBe('')
    const other = LISTED.replaceAll('"lanvpn_rules"', '"fw4"')
    expect(keptElements(other, { rule3_dns4: A_B })).toBe('')
    expect(keptElements('Error: No such file or directory', { rule3_dns4: A_B })).toBe('')
    expect(keptElements('{"nftables": []}', { rule3_dns4: A_B })).toBe('')
    expect(keptElements(LISTED, { constructor: A_B } as Record<string, string>)).toBe('')
  })

  it('leaves out anything that is not an address with whole seconds left (it goes into a script)', () => {
    const odd = JSON.stringify({
      nftables: [
        {
          set: {
            name: 'rule1_dns4',
            table: 'lanvpn_rules',
            comment: A_B,
            elem: [
              { elem: { val: '192.0.2.1 }; flush ruleset; add element x y { 1', expires: 60 } },
              { elem: { val: '192.0.2.2', expires: 1.5 } },
              { elem: { val: '192.0.2.3' } },
              { elem: { val: '192.0.2.4', expires: '60; flush ruleset' } },
              '192.0.2.5',
              { elem: { val: '192.0.2.6', expires: 1 } },
            ],
          },
        },
      ],
    })
    expect(keptElements(odd, { rule1_dns4: A_B })).toBe(
      'add element inet lanvpn_rules rule1_dns4 { 192.0.2.6 timeout 1s }\n'
    )
  })
})
