// The LAN as the router has it (issue 15): netifd's LAN-side interfaces and their devices, and the
// rules that follow them.
import { describe, expect, it } from 'vitest'
import { DEFAULT_GLOBALS } from '../../applet/src/core/config/defaults'
import {
  lanInterfaces,
  lanSideNetworks,
  mainLan,
  parseDumpNets,
  parseInterfaceDump,
} from '../../applet/src/core/observe/lan'
import { nftModel } from '../../applet/src/core/plan/plan'
import { renderNftTable } from '../../applet/src/core/render/nft'
import { defaultConfig } from '../../applet/src/core/config/defaults'
import { parseUci } from '../../applet/src/core/uci/parse'

// /etc/config/firewall as OpenWrt ships it, plus a guest and an IoT zone.
const FIREWALL = parseUci(`
config defaults
\toption forward 'REJECT'

config zone
\toption name 'lan'
\tlist network 'lan'

config zone
\toption name 'wan'
\tlist network 'wan'
\tlist network 'wan6'
\toption masq '1'

config zone
\toption name 'guest'
\toption network 'guest iot'
`)

// `ubus call network.interface dump` on a DSA router with bridge VLAN filtering (shortened).
const DUMP = JSON.stringify({
  interface: [
    { interface: 'lan', up: true, l3_device: 'br-lan.1', device: 'br-lan.1' },
    { interface: 'guest', up: true, l3_device: 'br-guest', device: 'br-guest' },
    { interface: 'iot', up: false, device: 'br-lan.3' },
    { interface: 'wan', up: true, l3_device: 'wan', device: 'wan' },
    { interface: 'loopback', up: true, l3_device: 'lo', device: 'lo' },
  ],
})

const G = { ...DEFAULT_GLOBALS, lanDirect: ['guest'], lanBlocked: ['iot'] }

describe('the LAN side', () => {
  it('is every network of a zone that does not masquerade, or lan when the firewall names none', () => {
    expect(lanSideNetworks(FIREWALL, 'wan')).toEqual(['lan', 'guest', 'iot'])
    expect(lanSideNetworks(null, 'wan')).toEqual(['lan'])
    // A LAN renamed `home`: it is the LAN, and no `lan` is made up.
    const renamed = parseUci("config zone\n\toption name 'lan'\n\tlist network 'home'\n")
    expect(lanSideNetworks(renamed, 'wan')).toEqual(['home'])
    expect(mainLan(lanInterfaces(null, ['home'], G))).toMatchObject({ device: 'br-lan' })
  })

  it("takes each interface's device from netifd (the VLAN device, not the bridge)", () => {
    const lan = lanInterfaces(parseInterfaceDump(DUMP), ['lan', 'guest', 'iot', 'gone'], G)
    expect(lan).toEqual([
      { name: 'lan', device: 'br-lan.1', up: true, policy: 'managed' },
      { name: 'guest', device: 'br-guest', up: true, policy: 'direct' },
      { name: 'iot', device: 'br-lan.3', up: false, policy: 'blocked' },
      { name: 'gone', device: '', up: false, policy: 'managed' },
    ])
  })

  it('is the one device lan_device where there is no netifd', () => {
    expect(parseInterfaceDump('Command failed: Not found')).toBeNull()
    expect(lanInterfaces(null, ['lan', 'guest'], G)).toEqual([
      { name: 'lan', device: 'br-lan', up: true, policy: 'managed' },
    ])
  })

  it('marks devices on the managed LAN only; a direct one is left alone, a blocked one blocked', () => {
    const lan = lanInterfaces(parseInterfaceDump(DUMP), ['lan', 'guest', 'iot'], G)
    const nft = renderNftTable(nftModel(defaultConfig(), { profile: null, up: false }, 'tun', lan))
    const chain = nft.slice(nft.indexOf('chain mark_devices'), nft.indexOf('chain dns_redirect'))
    expect(chain).toContain('iifname "br-guest" return')
    expect(chain).toMatch(/iifname "br-lan\.3" meta mark set .* \| 0x03000000 return/)
    expect(chain).toContain('iifname != "br-lan.1" return')
    // The DNS redirection is the managed LAN's alone too.
    expect(nft).toMatch(/chain dns_redirect \{\n.*\n\t\tiifname != "br-lan\.1" return/)
  })

  it('names every managed device, and lan_device when none is known', () => {
    const two = [
      { name: 'lan', device: 'br-lan', up: true, policy: 'managed' as const },
      { name: 'lan2', device: 'br-lan2', up: true, policy: 'managed' as const },
    ]
    const cfg = defaultConfig()
    expect(nftModel(cfg, { profile: null, up: false }, 'tun', two).lan.managed).toEqual([
      'br-lan',
      'br-lan2',
    ])
    expect(renderNftTable(nftModel(cfg, { profile: null, up: false }, 'tun', two))).toContain(
      'iifname != { "br-lan", "br-lan2" } return'
    )
    const none = [{ name: 'lan', device: '', up: false, policy: 'managed' as const }]
    expect(nftModel(cfg, { profile: null, up: false }, 'tun', none).lan.managed).toEqual(['br-lan'])
  })

  it('gives the networks the router is on for the local exceptions: addresses, assignments, gateways', () => {
    const dump = JSON.stringify({
      interface: [
        {
          interface: 'lan',
          up: true,
          'ipv4-address': [{ address: '192.168.1.1', mask: 24 }],
          'ipv6-prefix-assignment': [{ address: 'fd00:1::', mask: 64 }],
        },
        {
          interface: 'wan',
          up: true,
          'ipv4-address': [{ address: '198.51.100.2', mask: 24 }],
          route: [
            { target: '0.0.0.0', mask: 0, nexthop: '198.51.100.1' },
            { target: '10.0.0.0', mask: 8, nexthop: '198.51.100.9' },
          ],
        },
        // A bridge-mode modem's page, by a static address on the WAN device (wan zone).
        { interface: 'modem', up: true, 'ipv4-address': [{ address: '192.168.100.2', mask: 24 }] },
        { interface: 'wan6', up: true, 'ipv6-address': [{ address: '2001:db8::2', mask: 64 }] },
        { interface: 'guest', up: false },
        { interface: 'loopback', up: true, 'ipv4-address': [{ address: '127.0.0.1', mask: 8 }] },
      ],
    })
    expect(parseDumpNets(dump)).toEqual([
      '192.168.1.1/24',
      'fd00:1::/64',
      '198.51.100.2/24',
      '198.51.100.1',
      '192.168.100.2/24',
      '2001:db8::2/64',
    ])
    expect(parseDumpNets('Command failed: Not found')).toEqual([])
  })
})
