import { describe, expect, it } from 'vitest'
import {
  groupIface,
  groupMark,
  groupPriority,
  groupTable,
  isOwnedTable,
  MARK_BLOCKED,
  MARK_MASK,
  MARK_MEDIASTREAMER,
  MARK_TUNNEL,
  MARK_VPN,
  MAX_GROUPS,
  PRIO_BASE,
  PRIO_SPAN,
  TUNNEL_IFACE,
  VPN_TABLE,
} from '../../applet/src/core/ids'

const ALL = Array.from({ length: MAX_GROUPS + 1 }, (_, i) => i)
/** pbr's mark bits (fw_mask) and mwan3's (mmx_mask), openwrt-contracts.md. */
const PBR_MASK = 0x00ff0000
const MWAN3_MASK = 0x3f00

describe('the names each device group owns', () => {
  it('gives the default group the names it had before groups', () => {
    expect(groupMark(0)).toBe(MARK_VPN)
    expect(groupTable(0)).toBe(VPN_TABLE)
    expect(groupPriority(PRIO_BASE + 10, 0)).toBe(PRIO_BASE + 10)
    expect(groupIface(TUNNEL_IFACE, 0)).toBe(TUNNEL_IFACE)
  })

  it('allows at least four groups besides the default one', () => {
    expect(MAX_GROUPS).toBeGreaterThanOrEqual(4)
  })

  it('marks each group with a value of its own inside lanvpn mask, clear of the modes, pbr and mwan3', () => {
    const marks = ALL.map(groupMark)
    expect(new Set(marks).size).toBe(marks.length)
    for (const m of marks.slice(1)) {
      expect(m & ~MARK_MASK).toBe(0)
      expect([MARK_VPN, MARK_TUNNEL, MARK_BLOCKED, MARK_MEDIASTREAMER, 0]).not.toContain(m)
    }
    for (const m of marks) expect(m & (PBR_MASK | MWAN3_MASK)).toBe(0)
  })

  it('gives each group its own table and, per kind of rule, its own priority inside the window', () => {
    const tables = ALL.map(groupTable)
    expect(new Set(tables).size).toBe(tables.length)
    expect(tables.every(isOwnedTable)).toBe(true)
    expect(isOwnedTable(VPN_TABLE + MAX_GROUPS + 1)).toBe(false)
    const fwmark = ALL.map((i) => groupPriority(PRIO_BASE + 10, i))
    const source = ALL.map((i) => groupPriority(PRIO_BASE + 20, i))
    const all = [PRIO_BASE, ...fwmark, ...source]
    expect(new Set(all).size).toBe(all.length)
    for (const p of all) expect(p >= PRIO_BASE && p < PRIO_BASE + PRIO_SPAN).toBe(true)
    // Every fwmark rule before every source rule: the mark nft sets wins.
    expect(Math.max(...fwmark)).toBeLessThan(Math.min(...source))
  })

  it('names the tunnels lanvpn1… beside lanvpn0, and a lab base gets a digit', () => {
    expect(ALL.map((i) => groupIface('lanvpn0', i))).toEqual([
      'lanvpn0',
      'lanvpn1',
      'lanvpn2',
      'lanvpn3',
      'lanvpn4',
    ])
    expect(groupIface('lab7tun', 2)).toBe('lab7tun2')
    expect(groupIface('a-very-long-name', 3)).toBe('a-very-long-na3')
  })

  it('refuses an index outside the groups', () => {
    expect(() => groupMark(MAX_GROUPS + 1)).toThrow(/outside/)
    expect(() => groupTable(-1)).toThrow(/outside/)
  })
})
