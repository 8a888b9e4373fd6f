// Rules by destination (issue 22), the renderer's contract: nothing at all without rules or
// local exceptions, disabled rules left out, the default group read as "in no other group", the
// ip rule a direct rule needs, and dnsmasq's nftset= lines. Where packets go: rules-leaks.test.ts.
import { describe, expect, it } from 'vitest'
import {
  dnsmasqNftsets,
  localDestinations,
  movedByRules,
  renderRules,
  ruleIpRules,
  renderRulesTable,
  type NftRulesModel,
} from '../../applet/src/core/render/nft-rules'
import { rule } from './rule-fixture'

const model = (over: Partial<NftRulesModel>): NftRulesModel => ({
  rules: [],
  groups: [],
  devices: [],
  local: { v4: [], v6: [] },
  lan: ['br-lan'],
  ...over,
})

describe('renderRules', () => {
  it('renders nothing without an enabled rule or a local exception', () => {
    expect(renderRules(model({}))).toEqual([])
    expect(
      renderRules(model({ rules: [rule({ enabled: false, dests: ['10.0.0.0/8'] })] }))
    ).toEqual([])
  })

  it('reads a rule for the default group as "every device in no other group"', () => {
    const lines = renderRules(
      model({
        rules: [rule({ groups: [''], dests: ['10.0.0.0/8'] })],
        groups: [{ id: 'tv', index: 1 }],
        devices: [
          { mac: '02:00:00:00:00:02', group: 'tv' },
          { mac: '02:00:00:00:00:01', group: '' },
        ],
      })
    ).join('\n')
    expect(lines).toContain(
      '\tset rule1_others {\n\t\ttype ether_addr\n\t\telements = { 02:00:00:00:00:02 }'
    )
    expect(lines).toContain('ether saddr != @rule1_others ip daddr @rule1_net4 meta mark set')
    // Without other groups the default group is everyone: no device match at all.
    const alone = renderRules(model({ rules: [rule({ groups: [''], dests: ['10.0.0.0/8'] })] }))
    expect(alone.join('\n')).not.toContain('ether saddr')
  })

  it('matches everything for a rule with no match, and only ports of a port rule', () => {
    const all = renderRules(
      model({ rules: [rule({ via: 'blocked', devices: ['02:00:00:00:00:09'] })] })
    )
    expect(all).toContain(
      '\t\tether saddr @rule1_who meta mark set meta mark & 0xf0ffffff | 0x03000000 return'
    )
    const ports = renderRules(
      model({
        rules: [
          rule({
            ports: [
              { proto: 'udp', first: 500, last: 500 },
              { proto: 'udp', first: 4500, last: 4501 },
            ],
          }),
        ],
      })
    )
    expect(ports).toContain(
      '\t\tudp dport { 500, 4500-4501 } meta mark set meta mark & 0xf0ffffff | 0x0e000000 return'
    )
  })

  it('is a table of its own, with the hash of its body, and none for no lines', () => {
    const table = renderRulesTable(['\tchain x {', '\t}']) ?? ''
    expect(table.split('\n').slice(0, 3)).toEqual([
      'table inet lanvpn_rules',
      'delete table inet lanvpn_rules',
      'table inet lanvpn_rules {',
    ])
    expect(table).toMatch(/\tchain applied \{\n\t\tmeta mark 0x[0-9a-f]{8}\n\t\}/)
    expect(renderRulesTable([])).toBeNull()
  })
})

describe('what rules need besides the table', () => {
  it('routes MARK_DIRECT by main, before every fwmark and source rule of lanvpn', () => {
    expect(ruleIpRules()).toEqual([
      { priority: 5205, fwmark: '0xe000000/0xf000000', table: 'main' },
    ])
  })

  it('gives dnsmasq one nftset= line per domain of each enabled rule, both families', () => {
    const rules = [
      rule({ number: 2, domains: ['bank.example', 'bank2.example'] }),
      rule({ number: 3, domains: ['off.example'], enabled: false }),
    ]
    expect(dnsmasqNftsets(rules)).toEqual([
      'nftset=/bank.example/4#inet#lanvpn_rules#rule2_dns4,6#inet#lanvpn_rules#rule2_dns6',
      'nftset=/bank2.example/4#inet#lanvpn_rules#rule2_dns4,6#inet#lanvpn_rules#rule2_dns6',
    ])
  })

  it('takes the observed local addresses only while local_direct is on, the user ones always', () => {
    const observed = ['192.168.2.0/24', 'fd00:1::1', 'garbage']
    expect(localDestinations({ localDirect: true, localDest: ['10.10.0.0/16'] }, observed)).toEqual(
      {
        v4: ['192.168.2.0/24', '10.10.0.0/16'],
        v6: ['fd00:1::1/128'],
      }
    )
    expect(
      localDestinations({ localDirect: false, localDest: ['10.10.0.0/16'] }, observed)
    ).toEqual({
      v4: ['10.10.0.0/16'],
      v6: [],
    })
  })
})

describe('what a change of rules moves (conntrack)', () => {
  const devices = [
    { mac: '02:00:00:00:00:01', group: '' },
    { mac: '02:00:00:00:00:02', group: 'tv' },
  ]
  it('is nothing when the rules are the same but for their labels', () => {
    const a = [rule({ dests: ['10.0.0.0/8'] })]
    expect(movedByRules(a, [{ ...a[0], label: 'new' }], devices)).toEqual({ dests: [], macs: [] })
  })

  it("is a CIDR rule's destinations, added, removed, changed or turned off", () => {
    const a = rule({ number: 1, dests: ['10.0.0.0/8'] })
    const b = rule({ number: 2, dests: ['192.0.2.0/24'], via: 'vpn' })
    expect(movedByRules([a], [a, b], devices)).toEqual({ dests: ['192.0.2.0/24'], macs: [] })
    expect(movedByRules([a, b], [a], devices).dests).toEqual(['192.0.2.0/24'])
    expect(movedByRules([a], [{ ...a, enabled: false }], devices).dests).toEqual(['10.0.0.0/8'])
    expect(movedByRules([a], [{ ...a, via: 'blocked' }], devices).dests).toEqual(['10.0.0.0/8'])
  })

  it("is the devices a domain or port rule is for, every device when it is everyone's or too big", () => {
    const ports = rule({ ports: [{ proto: 'udp', first: 3074, last: 3074 }], groups: ['tv'] })
    expect(movedByRules([], [ports], devices)).toEqual({ dests: [], macs: ['02:00:00:00:00:02'] })
    const mine = rule({ domains: ['a.example'], devices: ['02:00:00:00:00:01'] })
    expect(movedByRules([mine], [], devices).macs).toEqual(['02:00:00:00:00:01'])
    expect(movedByRules([], [rule({ domains: ['a.example'] })], devices).macs).toBeNull()
    const many = Array.from({ length: 9 }, (_, i) => `10.${i}.0.0/16`)
    expect(movedByRules([], [rule({ dests: many })], devices)).toEqual({ dests: [], macs: null })
  })

  it('is nothing for the very same rules, compared no further', () => {
    const rules = [rule({ domains: ['a.example'] })]
    expect(movedByRules(rules, rules, devices)).toEqual({ dests: [], macs: [] })
  })

  it('is only the destinations added or taken out when a rule changed in nothing else', () => {
    const big = Array.from({ length: 10000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`)
    const bank = rule({ number: 2, dests: big, domains: ['bank.example'] })
    const one = { ...bank, dests: [...big.slice(1), '192.0.2.0/24'] }
    expect(movedByRules([bank], [one], devices)).toEqual({
      dests: ['10.0.0.0/24', '192.0.2.0/24'],
      macs: [],
    })
    // Many taken out of a rule for one device: that device's flows, not the household's.
    const mine = rule({ dests: big, devices: ['02:00:00:00:00:01'] })
    expect(movedByRules([mine], [{ ...mine, dests: big.slice(9) }], devices)).toEqual({
      dests: [],
      macs: ['02:00:00:00:00:01'],
    })
  })
})
