import { describe, expect, it } from 'vitest'
import { defaultConfig } from '../../applet/src/core/config/defaults'
import type { Config } from '../../applet/src/core/config/types'
import { fnv1a } from '../../applet/src/core/hash'
import { parseRulePriorities } from '../../applet/src/core/observe/ip'
import { parseNftTables } from '../../applet/src/core/observe/nft'
import { desiredState, diffState } from '../../applet/src/core/plan/plan'
import { renderNftTable } from '../../applet/src/core/render/nft'

function withDevices(): Config {
  const c = defaultConfig()
  c.devices = [
    { id: 'd_020000005002', mac: '02:00:00:00:50:02', mode: 'direct', label: 'TV', kind: 'tv' },
    {
      id: 'd_020000005001',
      mac: '02:00:00:00:50:01',
      mode: 'vpn',
      label: 'Laptop',
      kind: 'laptop',
    },
    { id: 'd_020000005003', mac: '02:00:00:00:50:03', mode: 'vpn', label: 'Phone', kind: 'phone' },
  ]
  return c
}

describe('the nft table', () => {
  it('renders one transaction that creates, deletes and declares the table', () => {
    expect(
      renderNftTable({
        devices: {
          vpn: ['02:00:00:00:50:03', '02:00:00:00:50:01'],
          direct: [],
          mediastreamer: [],
          blocked: [],
        },
      })
    ).toBe(`table inet lanvpn
delete table inet lanvpn
table inet lanvpn {
\tset vpn_devices {
\t\ttype ether_addr
\t\telements = { 02:00:00:00:50:01, 02:00:00:00:50:03 }
\t}
\tset direct_devices {
\t\ttype ether_addr
\t}
\tset mediastreamer_devices {
\t\ttype ether_addr
\t}
\tset blocked_devices {
\t\ttype ether_addr
\t}
}
`)
  })

  it('is the same bytes for the same devices in any order', () => {
    const a = desiredState(withDevices())
    const c = withDevices()
    c.devices.reverse()
    expect(desiredState(c).nft).toBe(a.nft)
  })
})

describe('desired and diff', () => {
  it('counts devices per mode', () => {
    expect(desiredState(withDevices()).devices).toEqual({
      vpn: 2,
      direct: 1,
      mediastreamer: 0,
      blocked: 0,
    })
  })

  it('applies the table on first start', () => {
    const d = desiredState(withDevices())
    const steps = diffState(d, { nftTables: [{ family: 'inet', name: 'fw4' }], appliedNftHash: '' })
    expect(steps).toEqual([{ kind: 'nft-apply', script: d.nft, hash: fnv1a(d.nft!) }])
  })

  it('does nothing when the table it applied is still there', () => {
    const d = desiredState(withDevices())
    expect(
      diffState(d, {
        nftTables: [{ family: 'inet', name: 'lanvpn' }],
        appliedNftHash: fnv1a(d.nft!),
      })
    ).toEqual([])
  })

  it('re-applies when someone deleted the table (firewall stop flushes every table)', () => {
    const d = desiredState(withDevices())
    expect(diffState(d, { nftTables: [], appliedNftHash: fnv1a(d.nft!) })).toHaveLength(1)
  })

  it('removes the table when lanvpn is disabled, and does nothing more once it is gone', () => {
    const c = withDevices()
    c.globals.enabled = false
    const d = desiredState(c)
    expect(d.nft).toBeNull()
    expect(
      diffState(d, { nftTables: [{ family: 'inet', name: 'lanvpn' }], appliedNftHash: 'x' })
    ).toEqual([{ kind: 'nft-delete', script: 'delete table inet lanvpn\n' }])
    expect(diffState(d, { nftTables: [], appliedNftHash: '' })).toEqual([])
  })
})

describe('observe parsers', () => {
  it('reads nft list tables', () => {
    expect(parseNftTables('table inet fw4\ntable inet lanvpn\n')).toEqual([
      { family: 'inet', name: 'fw4' },
      { family: 'inet', name: 'lanvpn' },
    ])
  })

  it('reads ip rule priorities', () => {
    expect(
      parseRulePriorities(
        '0:\tfrom all lookup local\n5200:\tfrom all fwmark 0x1000000/0xf000000 lookup 5201\n32766:\tfrom all lookup main\n'
      )
    ).toEqual([0, 5200, 32766])
  })
})
