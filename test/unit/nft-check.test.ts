// The boot include's check reads only what the live table has not loaded (core/render/nft-check.ts).
import { describe, expect, it } from 'vitest'
import { withoutLoadedElements } from '../../applet/src/core/render/nft-check'

const table = (applied: string, sets: string[]) =>
  [
    'table inet lanvpn',
    'delete table inet lanvpn',
    'table inet lanvpn {',
    '\tset applied {',
    '\t\ttype mark',
    `\t\telements = { ${applied} }`,
    '\t}',
    ...sets,
    '\tchain x {',
    '\t\tip daddr @dest_1 accept',
    '\t}',
    '}',
    '',
  ].join('\n')

const cidrs = (first: string) =>
  [
    '\tset dest_1 {',
    '\t\ttype ipv4_addr',
    '\t\tflags interval',
    '\t\tauto-merge',
    `\t\telements = { ${first}, 10.0.0.0/8 }`,
    '\t}',
  ].join('\n')
const macs = (mac: string) =>
  ['\tset vpn_devices {', '\t\ttype ether_addr', `\t\telements = { ${mac} }`, '\t}'].join('\n')

describe('withoutLoadedElements', () => {
  it('leaves out the elements of the sets the live table holds byte for byte, and only those', () => {
    const live = table('0x1', [macs('aa:bb:cc:00:00:01'), cidrs('192.0.2.0/24')])
    const include = table('0x2', [macs('aa:bb:cc:00:00:02'), cidrs('192.0.2.0/24')])
    const checked = withoutLoadedElements(include, live)
    expect(checked).not.toContain('10.0.0.0/8')
    // The set is still declared, with its type and flags, so the rule naming it is checked.
    expect(checked).toContain(
      '\tset dest_1 {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tauto-merge\n\t}'
    )
    expect(checked).toContain('ip daddr @dest_1 accept')
    // A set that differs, and the include's own hash, are checked whole.
    expect(checked).toContain('elements = { aa:bb:cc:00:00:02 }')
    expect(checked).toContain('elements = { 0x2 }')
  })

  it('checks everything when the live table differs in a set or is not there', () => {
    const include = table('0x2', [cidrs('192.0.2.0/24')])
    expect(withoutLoadedElements(include, table('0x1', [cidrs('198.51.100.0/24')]))).toBe(include)
    expect(withoutLoadedElements(include, '')).toBe(include)
  })
})
