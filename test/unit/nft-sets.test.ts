import { describe, expect, it } from 'vitest'
import {
  diffDeviceSets,
  isMembershipOnlyChange,
  renderMembershipUpdate,
  renderSetChanges,
  type DeviceSets,
} from '../../applet/src/core/render/nft-sets'
import { parseAppliedHash, renderNftTable, type NftModel } from '../../applet/src/core/render/nft'

const A = '02:00:00:00:50:01'
const B = '02:00:00:00:50:02'
const C = '02:00:00:00:50:03'
const sets = (over: Partial<DeviceSets>): DeviceSets => ({
  vpn: [],
  direct: [],
  mediastreamer: [],
  blocked: [],
  ...over,
})

describe('set membership changes', () => {
  it('moves a device into the vpn set without rebuilding the table', () => {
    const script = renderSetChanges(
      sets({ direct: [A, B], vpn: [C] }),
      sets({ direct: [B], vpn: [C, A] })
    )
    expect(script).toBe(
      [
        'flush set inet lanvpn vpn_devices',
        `add element inet lanvpn vpn_devices { ${A}, ${C} }`,
        'flush set inet lanvpn direct_devices',
        `add element inet lanvpn direct_devices { ${B} }`,
        '',
      ].join('\n')
    )
    expect(script).not.toMatch(/table inet lanvpn|chain|delete/)
  })

  it('touches only the sets whose members changed, and leaves an emptied set flushed', () => {
    const script = renderSetChanges(
      sets({ blocked: [A], vpn: [B] }),
      sets({ vpn: [B], direct: [A] })
    )
    expect(script).toBe(
      [
        'flush set inet lanvpn direct_devices',
        `add element inet lanvpn direct_devices { ${A} }`,
        'flush set inet lanvpn blocked_devices',
        '',
      ].join('\n')
    )
  })

  it('renders nothing when membership is the same in another order', () => {
    expect(renderSetChanges(sets({ vpn: [A, B] }), sets({ vpn: [B, A] }))).toBe('')
  })

  it('splits thousands of members over several add element lines of one script', () => {
    const macs = Array.from(
      { length: 1200 },
      (_, i) =>
        `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`
    )
    const lines = renderSetChanges(sets({}), sets({ vpn: macs }))
      .trim()
      .split('\n')
    expect(lines[0]).toBe('flush set inet lanvpn vpn_devices')
    expect(lines.slice(1).every((l) => l.startsWith('add element inet lanvpn vpn_devices {'))).toBe(
      true
    )
    expect(lines).toHaveLength(4)
  })

  it('names every MAC whose mode changed, including added and removed ones', () => {
    const d = diffDeviceSets(sets({ vpn: [A], direct: [B] }), sets({ vpn: [A, C], blocked: [] }))
    expect(d).toEqual({ changedModes: ['vpn', 'direct'], movedMacs: [B, C] })
  })

  const model: NftModel = {
    devices: sets({ vpn: [A] }),
    defaultMode: 'vpn',
    lan: { managed: ['br-lan'], direct: [], blocked: [] },
    tunnelIface: 'lanvpn0',
    vpnBypassed: false,
    tunnelCarriesV6: true,
    tunnelDns: { v4: ['10.64.0.1'], v6: [] },
    smartDns: { v4: [], v6: [] },
    routerViaWan: '',
  }

  it('tells a membership-only change from one that changes chains', () => {
    expect(isMembershipOnlyChange(model, { ...model, devices: sets({ direct: [A, B] }) })).toBe(
      true
    )
    expect(isMembershipOnlyChange(model, { ...model, defaultMode: 'direct' })).toBe(false)
  })

  it('updates the applied hash with the sets, to what a full apply would carry', () => {
    const after = { ...model, devices: sets({ direct: [A] }) }
    const hash = parseAppliedHash(renderNftTable(after))
    const script = renderMembershipUpdate(model, after, hash)!
    expect(hash).toMatch(/^0x[0-9a-f]{8}$/)
    expect(script.split('\n').slice(-3)).toEqual([
      'flush chain inet lanvpn applied',
      `add rule inet lanvpn applied meta mark ${hash}`,
      '',
    ])
    expect(renderMembershipUpdate(model, { ...model }, hash)).toBe('')
    expect(renderMembershipUpdate(model, { ...after, vpnBypassed: true }, hash)).toBeNull()
  })
})
