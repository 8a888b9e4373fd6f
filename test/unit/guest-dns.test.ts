// vpn devices' DNS on a guest network whose firewall zone rejects input (issue 22). fw4's
// input_<zone> chain accepts `ct status dnat` only in zones with port redirects, then jumps to the
// zone's input policy (openwrt/firewall4 templates/ruleset.uc); a guest zone allows port 53 and 67
// by rules. A lookup redirected to lanvpn's own dnsmasq (port 5330+i) would be rejected there, so
// on such a network vpn devices' DNS goes to the tunnel's resolver as before e3df7a3, and unmarked
// devices' to the router's dnsmasq; everywhere else it is redirected as before.
import { describe, expect, it } from 'vitest'
import { DEFAULT_GLOBALS } from '../../applet/src/core/config/defaults'
import {
  closedNetworks,
  lanInterfaces,
  parseInterfaceDump,
  type LanInterface,
} from '../../applet/src/core/observe/lan'
import { desiredState, type TunnelView } from '../../applet/src/core/plan/plan'
import { parseUci } from '../../applet/src/core/uci/parse'
import { connectedConfig, PROFILE } from './connected-config'
import { chain } from './nft-walker'

// OpenWrt's /etc/config/firewall with the guest network of its guide, and an IoT zone that says no
// input of its own (the defaults' REJECT).
const FIREWALL = `
config defaults
\toption input 'REJECT'
\toption output 'ACCEPT'
\toption forward 'REJECT'

config zone
\toption name 'lan'
\tlist network 'lan'
\toption input 'ACCEPT'

config zone
\toption name 'wan'
\tlist network 'wan'
\toption input 'REJECT'
\toption masq '1'

config zone
\toption name 'guest'
\tlist network 'guest'
\toption input 'REJECT'
\toption forward 'REJECT'

config zone
\toption name 'iot'
\toption network 'iot cams'

config rule
\toption name 'Allow-DNS-Guest'
\toption src 'guest'
\toption dest_port '53'
\toption target 'ACCEPT'
`

const DUMP = parseInterfaceDump(
  JSON.stringify({
    interface: [
      { interface: 'lan', up: true, l3_device: 'br-lan' },
      { interface: 'guest', up: true, l3_device: 'br-guest' },
    ],
  })
)

const lan = (closed: string[]): LanInterface[] =>
  lanInterfaces(DUMP, ['lan', 'guest'], DEFAULT_GLOBALS, closed)

// The tunnel up, lanvpn's own dnsmasq for the vpn devices (5330) and for the others (5339).
const VIEW: TunnelView = { profile: PROFILE, up: true, dnsPort: 5330, directDnsPort: 5339 }
const plan = (l: LanInterface[], view = VIEW) =>
  desiredState(connectedConfig(), view, 'lanvpn0', [], l, {}, [])

describe('a LAN-side zone that rejects input', () => {
  it("is read from the firewall as fw4 reads it: the zone's input, else the defaults', else drop", () => {
    const fw = parseUci(FIREWALL)
    expect(closedNetworks(fw)).toEqual(['wan', 'guest', 'iot', 'cams'])
    const noDefaults = parseUci("config zone\n\toption name 'lan'\n\tlist network 'lan'\n")
    expect(closedNetworks(noDefaults)).toEqual(['lan'])
    const accepting = parseUci(
      "config defaults\n\toption input 'accept'\n\nconfig zone\n\tlist network 'lan'\n"
    )
    expect(closedNetworks(accepting)).toEqual([])
    expect(closedNetworks(null)).toEqual([])
    expect(lan(closedNetworks(fw))).toEqual([
      { name: 'lan', device: 'br-lan', up: true, policy: 'managed' },
      { name: 'guest', device: 'br-guest', up: true, policy: 'managed', closed: true },
    ])
  })

  it("sends vpn devices' DNS there to the tunnel's resolver and unmarked devices' to the router's; the rest to lanvpn's dnsmasq", () => {
    const d = plan(lan(['guest']))
    expect(d.model.lan.closed).toEqual(['br-guest'])
    const script = d.nft!
    expect(chain(script, 'dns_vpn')).toEqual([
      'iifname "br-guest" meta nfproto ipv4 ether saddr @proof_dns',
      'iifname "br-guest" meta nfproto ipv4 dnat ip to 10.64.0.1',
      'iifname "br-guest" meta nfproto ipv6 ether saddr @proof_stopped',
      'iifname "br-guest" meta nfproto ipv6 drop',
      'ether saddr @proof_dns',
      'meta l4proto { tcp, udp } redirect to :5330',
    ])
    expect(chain(script, 'dns_redirect')).toContain(
      'iifname != "br-guest" meta mark & 0x0f000000 == 0x00000000 meta l4proto { tcp, udp } th dport 53 redirect to :5339'
    )
    // The boot-time include: the same for vpn devices, nothing redirected for the others.
    expect(chain(d.fw4Include, 'dns_vpn')).toEqual(chain(script, 'dns_vpn'))
    expect(d.fw4Include).not.toContain(':5339')
  })

  it('changes nothing where every zone accepts input, or when no lanvpn dnsmasq runs', () => {
    const open = plan(lan([])).nft!
    expect(open).not.toContain('br-guest" meta')
    expect(chain(open, 'dns_vpn')).toEqual([
      'ether saddr @proof_dns',
      'meta l4proto { tcp, udp } redirect to :5330',
    ])
    expect(chain(open, 'dns_redirect')).toContain(
      'meta mark & 0x0f000000 == 0x00000000 meta l4proto { tcp, udp } th dport 53 redirect to :5339'
    )
    const noInstance = { profile: PROFILE, up: true }
    expect(plan(lan(['guest']), noInstance).nft).toBe(plan(lan([]), noInstance).nft)
  })
})
