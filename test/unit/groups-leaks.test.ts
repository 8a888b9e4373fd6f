// The kill switch per group, proved on the rendered rules: for every group, with its tunnel down
// (the others up or down), a packet of one of its devices is marked with its mark, routed into its
// own table (which then has nothing but `unreachable default`), and dropped by nft whatever way out
// routing might give it — the WAN, the LAN or another group's tunnel. The walker (nft-walker.ts)
// reads the rule lines themselves (the `nft -c` of the golden cases checks that nft takes them);
// a rule it does not understand fails the test rather than being skipped.
import { describe, expect, it } from 'vitest'
import { defaultConfig } from '../../applet/src/core/config/defaults'
import type { Config, Profile } from '../../applet/src/core/config/types'
import { groupIface, groupMark, MARK_MASK, MAX_GROUPS } from '../../applet/src/core/ids'
import { desiredState, type GroupTunnels, type TunnelView } from '../../applet/src/core/plan/plan'
import { chain, route, sets, walk } from './nft-walker'

const WAN = 'eth1'
const LAN = 'br-lan'

function profile(id: string, n: number, type: Profile['type'], v6: boolean): Profile {
  return {
    id,
    label: id,
    type,
    addresses: [`10.6${n}.0.2/32`, ...(v6 ? [`fd6${n}::2/128`] : [])],
    dns: [`10.6${n}.0.1`],
    dnsSearch: [],
    mtu: 0,
    peers: [],
  }
}

const PROFILES = [
  profile('home', 0, 'wireguard', true),
  profile('uk', 1, 'openvpn', false),
  profile('us', 2, 'wireguard', true),
  profile('de', 3, 'openvpn', true),
  profile('fr', 4, 'wireguard', false),
]
const mac = (i: number) => `02:00:00:00:50:0${i}`

/** The default group and MAX_GROUPS others, one vpn device each (device i in group i). */
function config(): Config {
  const c = defaultConfig()
  c.profiles = PROFILES
  c.globals.activeProfile = 'home'
  c.globals.connect = true
  c.globals.defaultMode = 'direct'
  c.groups = PROFILES.slice(1, MAX_GROUPS + 1).map((p, i) => ({
    id: `g${i + 1}`,
    index: i + 1,
    label: p.id,
    profile: p.id,
    fallback: [],
    killSwitch: 'always',
    connect: true,
  }))
  c.devices = [0, 1, 2, 3, 4].map((i) => ({
    id: `d_02000000500${i}`,
    mac: mac(i),
    mode: 'vpn',
    label: '',
    kind: 'other',
    group: i === 0 ? '' : `g${i}`,
  }))
  return c
}

const ALL = Array.from({ length: MAX_GROUPS + 1 }, (_, i) => i)
const iface = (i: number) => groupIface('lanvpn0', i)

/** Group `down`'s tunnel down, every other one up on its own location. */
function scenario(down: number) {
  const c = config()
  const view = (i: number): TunnelView => ({
    profile: PROFILES[i],
    up: i !== down,
  })
  const groups: GroupTunnels = Object.fromEntries(c.groups.map((g) => [g.id, view(g.index)]))
  const seen = ALL.map((i) => ({ mac: mac(i), ipv4: [`192.168.1.10${i}`], ipv6: [] }))
  return desiredState(c, view(0), 'lanvpn0', seen, [], groups)
}

describe('the kill switch of each group', () => {
  it.each(ALL)('keeps group %i in when its tunnel is down and the others are up', (g) => {
    const d = scenario(g)
    const script = d.nft as string
    const members = sets(script)
    const mark = groupMark(g)
    for (const iif of [LAN, `${LAN}.1`]) {
      const marked = walk(
        chain(script, 'mark_devices'),
        {
          mark: 0,
          mac: mac(g),
          iif,
          oif: '',
          v6: false,
        },
        members
      )
      expect(marked.mark & MARK_MASK).toBe(mark)
    }
    // Routing: its own table, which has nothing but `unreachable default` now.
    expect(route(d.ip4, mark, `192.168.1.10${g}`)).toEqual(['unreachable'])
    expect(route(d.ip4, 0, `192.168.1.10${g}`)).toEqual(['unreachable'])
    expect(route(d.ip6, mark, '')).toEqual(['unreachable'])
    // nft: whatever way out it were given, it is dropped.
    const others = ALL.filter((i) => i !== g).map(iface)
    for (const oif of [WAN, LAN, 'wwan0', ...others])
      for (const v6 of [false, true]) {
        const p = { mark, mac: mac(g), iif: LAN, oif, v6 }
        expect(walk(chain(script, 'killswitch'), p, members).verdict, `${oif} v6=${v6}`).toBe(
          'drop'
        )
      }
    // The others keep their own tunnel and only it.
    for (const o of ALL.filter((i) => i !== g)) {
      expect(route(d.ip4, groupMark(o), `192.168.1.10${o}`)).toEqual([iface(o)])
      const p = { mark: groupMark(o), mac: mac(o), iif: LAN, oif: iface(o), v6: false }
      expect(walk(chain(script, 'killswitch'), p, members).verdict).toBe('end')
      const stray = { ...p, oif: iface(g) }
      expect(walk(chain(script, 'killswitch'), stray, members).verdict).toBe('drop')
    }
  })

  it.each(ALL)('sends what comes in by tunnel %i to the LAN or nowhere', (g) => {
    const script = scenario(-1).nft as string
    const members = sets(script)
    for (const oif of [WAN, ...ALL.filter((i) => i !== g).map(iface)]) {
      const p = { mark: 0, mac: '', iif: iface(g), oif, v6: false }
      expect(walk(chain(script, 'killswitch'), p, members).verdict).toBe('drop')
    }
    const home = { mark: 0, mac: '', iif: iface(g), oif: LAN, v6: false }
    expect(walk(chain(script, 'killswitch'), home, members).verdict).toBe('end')
  })

  it.each(ALL)("sends group %i's DNS to its own tunnel's resolver only", (g) => {
    const script = scenario(-1).nft as string
    const p = {
      mark: groupMark(g),
      mac: mac(g),
      iif: LAN,
      oif: '',
      v6: false,
      proto: 'udp' as const,
      dport: 53,
    }
    const jump = walk(chain(script, 'dns_redirect'), p, sets(script)).verdict
    expect(jump).toBe(g === 0 ? 'jump dns_vpn' : `jump dns_vpn${g}`)
    expect(chain(script, jump.slice(5))).toContain(`meta nfproto ipv4 dnat ip to 10.6${g}.0.1`)
  })

  it('keeps every group closed in the boot-time include, whatever the tunnels', () => {
    const d = scenario(-1)
    const script = d.fw4Include
    const members = sets(script)
    for (const g of ALL) {
      const marked = walk(
        chain(script, 'mark_devices'),
        {
          mark: 0,
          mac: mac(g),
          iif: LAN,
          oif: '',
          v6: false,
        },
        members
      )
      expect(marked.mark & MARK_MASK).toBe(groupMark(g))
      for (const oif of [WAN, ...ALL.filter((i) => i !== g).map(iface)]) {
        const p = { mark: groupMark(g), mac: mac(g), iif: LAN, oif, v6: false }
        expect(walk(chain(script, 'killswitch'), p, members).verdict).toBe('drop')
      }
    }
  })

  it('lets a group whose "unless I disconnect" is on and who disconnected use the WAN, unmarked, and no other group', () => {
    const c = config()
    c.groups[1] = { ...c.groups[1], killSwitch: 'auto', connect: false }
    const d = desiredState(c, { profile: PROFILES[0], up: true }, 'lanvpn0')
    const script = d.nft as string
    const members = sets(script)
    const rules = chain(script, 'mark_devices')
    const p = { mark: 0, mac: mac(2), iif: LAN, oif: WAN, v6: false }
    expect(walk(rules, p, members)).toEqual({ verdict: 'return', mark: 0 })
    expect(walk(chain(script, 'killswitch'), p, members).verdict).toBe('end')
    // The others still marked and held to their own tunnels.
    for (const g of [0, 1, 3, 4]) {
      const q = { mark: 0, mac: mac(g), iif: LAN, oif: WAN, v6: false }
      expect(walk(rules, q, members).mark & MARK_MASK).toBe(groupMark(g))
      expect(walk(chain(script, 'killswitch'), { ...q, mark: groupMark(g) }, members).verdict).toBe(
        'drop'
      )
    }
  })
})
