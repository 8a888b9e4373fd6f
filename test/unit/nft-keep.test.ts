// The rules' table anew over the live one, keeping the DNS sets of unchanged domain rules as they are
// (core/render/nft-keep.ts); the daemon's commands: transitions/daemon.test.ts.
import { describe, expect, it } from 'vitest'
import { replacingTable, tableObjects } from '../../applet/src/core/render/nft-keep'

const table = (body: string[]) =>
  [
    'table inet lanvpn_rules',
    'delete table inet lanvpn_rules',
    'table inet lanvpn_rules {',
    ...body,
    '}',
    '',
  ].join('\n')
const live = table([
  '\tchain applied {',
  '\t\tmeta mark 0x1',
  '\t}',
  '\tset rule1_dns4 {',
  '\t\ttype ipv4_addr',
  '\t\tflags timeout',
  '\t}',
  '\tset rule2_dns4 {',
  '\t\ttype ipv4_addr',
  '\t\tflags timeout',
  '\t}',
  '\tchain dest_rules {',
  '\t\ttype filter hook prerouting priority mangle; policy accept;',
  '\t\tip daddr @rule1_dns4 accept',
  '\t}',
])

describe('tableObjects', () => {
  it('lists the chains and sets a table declares, in order', () => {
    expect(tableObjects(live)).toEqual([
      'chain applied',
      'set rule1_dns4',
      'set rule2_dns4',
      'chain dest_rules',
    ])
  })
})

describe('replacingTable', () => {
  it('drops the rules, deletes every chain and every set but the kept ones, then declares the table', () => {
    const next = live.replace('0x1', '0x2')
    const script = replacingTable(next, tableObjects(live), ['rule1_dns4'])
    expect(script).toBe(
      [
        'table inet lanvpn_rules',
        'flush table inet lanvpn_rules',
        'delete chain inet lanvpn_rules applied',
        'delete set inet lanvpn_rules rule2_dns4',
        'delete chain inet lanvpn_rules dest_rules',
        next.slice(next.indexOf('table inet lanvpn_rules {')),
      ].join('\n')
    )
  })

  it('refuses a script that is not a whole table', () => {
    expect(() => replacingTable('add element inet lanvpn_rules x { 1 }\n', [], [])).toThrow(
      /not a rules table/
    )
  })
})
