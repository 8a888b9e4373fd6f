// Rules by destination (issue 22), where each packet goes: the rules golden (test/golden/rules-1)
// walked packet by packet through the rendered chains (mark_devices, dest_rules, dns_redirect,
// killswitch, blocked_input) and the ip rules, with the walker of issue 21 (nft-walker.ts). The
// kernel's word on the same table: test/e2e/rules-kernel.test.ts.
//
// The household: a laptop (vpn, default group → lanvpn0), a TV (vpn, group tv → lanvpn1), a
// console (direct), a phone (direct, but in group tv), a guest (blocked). The rules: 1 DNS to the
// modem direct, 2 the bank direct (CIDRs and a domain), 3 the laptop's game ports direct,
// 4 streaming through the VPN, 5 ads blocked, 6 a UK site through the tv group for the default
// group, 7 (off) everything direct. Local exceptions: the router, a second LAN subnet
// 192.168.2.0/24 (br-lan2), the WAN's subnet and its modem 192.168.0.1, the user's 10.10.0.0/16.
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { MARK_MASK, MARK_RULES_SEEN } from '../../applet/src/core/ids'
import { planRulesCase, type RulesCase } from '../golden/rules'
import { explainDestination } from '../../applet/src/core/devices/explain-dest'
import { chain, inCidr, route, sets, walk, walkFrom, type Packet } from './nft-walker'

const CASE = join(__dirname, '../golden/rules-1')
const WAN = 'eth1'
const LAN = 'br-lan'
const LAN2 = 'br-lan2'

const LAPTOP = '02:00:00:00:50:01'
const TV = '02:00:00:00:50:02'
const CONSOLE = '02:00:00:00:50:03'
const PHONE = '02:00:00:00:50:04'
const GUEST = '02:00:00:00:50:05'
const SOURCE: Record<string, string> = {
  [LAPTOP]: '192.168.1.101',
  [TV]: '192.168.1.102',
  [CONSOLE]: '192.168.1.103',
  [PHONE]: '192.168.1.104',
  [GUEST]: '192.168.1.105',
}

/** The main table of the router: the LAN, a second LAN subnet, the router itself, else the WAN
 * (the modem's subnet is on the WAN side). */
function mainRoute(dst: string): string {
  if (dst === '192.168.1.1' || dst === 'fd00:1::1') return 'router'
  if (inCidr(dst, '192.168.1.0/24')) return LAN
  if (inCidr(dst, '192.168.2.0/24')) return LAN2
  return WAN
}

type Send = { dst: string; proto?: Packet['proto']; dport?: number }

/** Where a packet from `mac` ends: an interface, 'router' (delivered to it) or 'dropped'; a DNS
 * lookup says which resolver it was sent to. `filled`: addresses dnsmasq put in a domain set. */
function fate(c: RulesCase, mac: string, send: Send, filled: Record<string, string[]> = {}) {
  const script = c.nft
  const members = { ...sets(script), ...filled }
  const v6 = send.dst.includes(':')
  const p: Packet = { mark: 0, mac, iif: LAN, oif: '', v6, proto: 'tcp', dport: 443, ...send }
  p.mark = walk(chain(script, 'mark_devices'), p, members).mark
  p.mark = walkFrom(script, 'dest_rules', p, members).mark
  let dst = send.dst
  let dns = ''
  if (p.dport === 53) {
    const jump = walk(chain(script, 'dns_redirect'), p, members).verdict
    if (jump.startsWith('jump ')) {
      const rules = chain(script, jump.slice(5))
      const family = v6 ? 'ipv6' : 'ipv4'
      const dnat = rules.find((r) => r.startsWith(`meta nfproto ${family} dnat`))
      if (!dnat) return 'dropped'
      dst = dnat.split(' to ')[1]
      dns = ` (dns ${dst})`
    }
  }
  const way = route(v6 ? c.ip6 : c.ip4, p.mark, SOURCE[mac])[0]
  if (way === 'unreachable') return 'dropped'
  const oif = way === 'main' ? mainRoute(dst) : way
  if (oif === 'router') {
    const input = walk(chain(script, 'blocked_input'), p, members).verdict
    return input === 'drop' ? 'dropped' : 'router'
  }
  const verdict = walk(chain(script, 'killswitch'), { ...p, oif }, members).verdict
  return verdict === 'drop' ? 'dropped' : `${oif}${dns}`
}

const up = planRulesCase(CASE)
const down = planRulesCase(CASE, { '': false, tv: false })
const tvDown = planRulesCase(CASE, { tv: false })

describe('rules by destination, packet by packet', () => {
  it('reads the case without problems', () => {
    expect(up.problems).toEqual([])
    expect(up.model.rules.map((r) => r.number)).toEqual([1, 2, 3, 4, 5, 6, 7])
  })

  it('sends by the WAN only what a direct rule matches, tunnel up or down', () => {
    for (const c of [up, down]) {
      expect(fate(c, LAPTOP, { dst: '198.51.100.7' })).toBe(WAN)
      expect(fate(c, LAPTOP, { dst: '2001:db8:ba::1' })).toBe(WAN)
      expect(fate(c, TV, { dst: '198.51.100.7' })).toBe(WAN)
    }
    expect(fate(up, LAPTOP, { dst: '8.8.8.8' })).toBe('lanvpn0')
    expect(fate(down, LAPTOP, { dst: '8.8.8.8' })).toBe('dropped')
    expect(fate(down, LAPTOP, { dst: '2001:db8:99::1' })).toBe('dropped')
    expect(fate(down, TV, { dst: '8.8.8.8' })).toBe('dropped')
  })

  it("follows a domain rule once dnsmasq put the name's addresses in its set", () => {
    const answer = { rule2_dns4: ['203.0.113.50'], rule2_dns6: ['2001:db8:50::1'] }
    expect(fate(up, LAPTOP, { dst: '203.0.113.50' })).toBe('lanvpn0')
    expect(fate(up, LAPTOP, { dst: '203.0.113.50' }, answer)).toBe(WAN)
    expect(fate(up, LAPTOP, { dst: '2001:db8:50::1' }, answer)).toBe(WAN)
    expect(fate(down, LAPTOP, { dst: '203.0.113.51' }, answer)).toBe('dropped')
  })

  it("sends a direct device's matched traffic through its group's tunnel, and nowhere when that is down", () => {
    expect(fate(up, CONSOLE, { dst: '192.0.2.80' })).toBe('lanvpn0')
    expect(fate(up, PHONE, { dst: '192.0.2.80' })).toBe('lanvpn1')
    expect(fate(up, TV, { dst: '192.0.2.80' })).toBe('lanvpn1')
    expect(fate(up, LAPTOP, { dst: '192.0.2.80' })).toBe('lanvpn0')
    expect(fate(up, CONSOLE, { dst: '198.18.0.1' }, { rule4_dns4: ['198.18.0.1'] })).toBe('lanvpn0')
    // The rest of a direct device's traffic is its own business.
    expect(fate(up, CONSOLE, { dst: '8.8.8.8' })).toBe(WAN)
    expect(fate(down, CONSOLE, { dst: '8.8.8.8' })).toBe(WAN)
    for (const mac of [CONSOLE, PHONE, LAPTOP, TV])
      expect(fate(down, mac, { dst: '192.0.2.80' }), mac).toBe('dropped')
    expect(fate(tvDown, PHONE, { dst: '192.0.2.80' })).toBe('dropped')
    expect(fate(tvDown, CONSOLE, { dst: '192.0.2.80' })).toBe('lanvpn0')
  })

  it("sends a group rule's traffic through that group's tunnel only, for the devices it names", () => {
    expect(fate(up, LAPTOP, { dst: '203.0.113.99' })).toBe('lanvpn1')
    expect(fate(up, CONSOLE, { dst: '203.0.113.99' })).toBe('lanvpn1')
    expect(fate(tvDown, LAPTOP, { dst: '203.0.113.99' })).toBe('dropped')
    expect(fate(tvDown, CONSOLE, { dst: '203.0.113.99' })).toBe('dropped')
    // The rule is for the default group: the phone (group tv, direct) is not touched.
    expect(fate(up, PHONE, { dst: '203.0.113.99' })).toBe(WAN)
  })

  it('drops what a blocked rule matches, for every device', () => {
    for (const mac of [LAPTOP, TV, CONSOLE, PHONE]) {
      expect(fate(up, mac, { dst: '192.0.2.66' }), mac).toBe('dropped')
      expect(fate(up, mac, { dst: '2001:db8:ad::7' }), mac).toBe('dropped')
    }
  })

  it('lets every device reach the local exceptions directly, whatever its tunnel does', () => {
    for (const c of [up, down]) {
      for (const mac of [LAPTOP, TV, CONSOLE, PHONE]) {
        expect(fate(c, mac, { dst: '192.168.2.10' }), mac).toBe(LAN2)
        expect(fate(c, mac, { dst: '192.168.0.1', dport: 80 }), mac).toBe(WAN)
        expect(fate(c, mac, { dst: '192.168.0.20' }), mac).toBe(WAN)
        expect(fate(c, mac, { dst: '10.10.3.4' }), mac).toBe(WAN)
        expect(fate(c, mac, { dst: '192.168.1.1', dport: 80 }), mac).toBe('router')
      }
    }
    // A blocked device stays blocked: no rule and no exception lets it out.
    for (const dst of ['192.168.2.10', '192.168.0.1', '198.51.100.7', '192.168.1.1'])
      expect(fate(up, GUEST, { dst }), dst).toBe('dropped')
  })

  it('matches a port rule on its protocol and ports only, for its device only', () => {
    const at = (mac: string, proto: Packet['proto'], dport?: number) =>
      fate(up, mac, { dst: '8.8.4.4', proto, dport })
    expect(at(LAPTOP, 'udp', 3074)).toBe(WAN)
    expect(at(LAPTOP, 'udp', 3076)).toBe(WAN)
    expect(at(LAPTOP, 'tcp', 3074)).toBe(WAN)
    expect(at(LAPTOP, 'tcp', 3075)).toBe('lanvpn0')
    expect(at(LAPTOP, 'udp', 3077)).toBe('lanvpn0')
    expect(at(LAPTOP, 'icmp')).toBe('lanvpn0')
    expect(at(TV, 'udp', 3075)).toBe('lanvpn1')
  })

  it("sends a vpn device's DNS to its tunnel's resolver, never by the WAN, whatever rule or exception names it", () => {
    const resolvers = ['192.168.0.1', '192.168.1.1', '198.51.100.53', '10.10.0.53', '8.8.8.8']
    for (const dst of resolvers)
      for (const proto of ['udp', 'tcp'] as const) {
        const dns = { dst, proto, dport: 53 }
        expect(fate(up, LAPTOP, dns), dst).toBe('lanvpn0 (dns 10.64.0.1)')
        expect(fate(up, TV, dns), dst).toBe('lanvpn1 (dns 10.65.0.1)')
        expect(fate(down, LAPTOP, dns), dst).toBe('dropped')
        expect(fate(down, TV, dns), dst).toBe('dropped')
      }
  })

  it('with both tunnels down, lets nothing of a vpn device out by the WAN but what a direct rule or exception names', () => {
    const dests = ['8.8.8.8', '192.0.2.80', '192.0.2.66', '203.0.113.99', '198.51.100.7']
    // DNS never: it keeps its device's mark (to the tunnel's resolver), whatever a rule says.
    const allowed = (mac: string, s: Send) =>
      s.dport !== 53 &&
      (inCidr(s.dst, '198.51.100.0/24') ||
        (mac === LAPTOP &&
          ((s.proto === 'udp' && s.dport! >= 3074 && s.dport! <= 3076) ||
            (s.proto === 'tcp' && s.dport === 3074))))
    for (const mac of [LAPTOP, TV])
      for (const dst of dests)
        for (const [proto, dport] of [
          ['tcp', 443],
          ['udp', 3075],
          ['tcp', 3074],
          ['udp', 53],
          ['icmp', undefined],
        ] as const) {
          const s = { dst, proto, dport }
          const out = fate(down, mac, s)
          expect(out === WAN, `${mac} ${dst} ${proto} ${dport}: ${out}`).toBe(allowed(mac, s))
          if (out !== WAN) expect(out).toBe('dropped')
        }
  })

  it('keeps the boot-time include closed with rules in it, even with no ip rule at all', () => {
    const boot: RulesCase = {
      ...up,
      nft: up.fw4Include,
      ip4: { rules: [], routes: [] },
      ip6: { rules: [], routes: [] },
    }
    expect(fate(boot, LAPTOP, { dst: '8.8.8.8' })).toBe('dropped')
    expect(fate(boot, LAPTOP, { dst: '192.0.2.80' })).toBe('dropped')
    expect(fate(boot, TV, { dst: '203.0.113.99' })).toBe('dropped')
    expect(fate(boot, LAPTOP, { dst: '198.51.100.7' })).toBe(WAN)
    // The include (on flash) changes only with the config: local_dest is in it, the networks the
    // daemon observes are not, so a vpn device's way to the second subnet waits for the daemon.
    expect(boot.nft).toContain('elements = { 10.10.0.0/16 }')
    expect(boot.nft).not.toContain('192.168.2.0/24')
    expect(fate(boot, LAPTOP, { dst: '192.168.2.10' })).toBe('dropped')
    expect(fate(up, LAPTOP, { dst: '192.168.2.10' })).toBe(LAN2)
  })

  it('keeps the bits outside lanvpn mask that others (pbr, mwan3) set', () => {
    const script = up.nft
    const p: Packet = {
      mark: 0x00ff3f00,
      mac: LAPTOP,
      iif: LAN,
      oif: '',
      v6: false,
      dst: '198.51.100.7',
    }
    p.mark = walk(chain(script, 'mark_devices'), p, sets(script)).mark
    const out = walkFrom(script, 'dest_rules', p, sets(script)).mark
    expect(out & ~(MARK_MASK | MARK_RULES_SEEN)).toBe(0x00ff3f00)
    expect(out & MARK_RULES_SEEN).toBe(MARK_RULES_SEEN)
  })

  it('says where each packet goes as the walk finds it: tunnels up or down, a vpn mode bypassed, a tunnel held', () => {
    // The kill switch `auto` after a disconnect: the default group's, the tv group's; not armed yet.
    const auto = (text: string) =>
      text.replace("option connect '1'", "option connect '0'\n\toption kill_switch 'auto'")
    const tvAuto = (text: string) =>
      text.replace(
        "option profile 'uk'",
        "option profile 'uk'\n\toption kill_switch 'auto'\n\toption connect '0'"
      )
    const unarmed = (text: string) => text.replace("option connect '1'", "option armed '0'")
    const cases: [string, Record<string, boolean>, (t: string) => string][] = [
      ['up', {}, (t) => t],
      ['down', { '': false, tv: false }, (t) => t],
      ['tv down', { tv: false }, (t) => t],
      ['auto', { '': false }, auto],
      ['tv auto', { tv: false }, tvAuto],
      ['not armed', { '': false, tv: false }, unarmed],
    ]
    const sends: Send[] = [
      { dst: '8.8.8.8' },
      { dst: '192.0.2.80' },
      { dst: '203.0.113.99' },
      { dst: '198.51.100.7' },
      { dst: '192.0.2.66' },
      { dst: '192.168.2.10' },
      { dst: '2001:db8:99::1' },
      { dst: '8.8.4.4', proto: 'udp', dport: 3075 },
      { dst: '192.168.0.1', proto: 'udp', dport: 53 },
    ]
    let bypassed = 0
    let held = 0
    let noIpv6 = 0
    for (const [name, tunnels, edit] of cases) {
      const c = planRulesCase(CASE, tunnels, edit)
      expect(c.problems).toEqual([])
      const up = ['', 'tv'].filter((id) => tunnels[id] !== false)
      const local = [...c.model.local.v4, ...c.model.local.v6]
      for (const mac of [LAPTOP, TV, CONSOLE, PHONE, GUEST])
        for (const s of sends) {
          const port = s.dport ? { proto: s.proto as 'udp', first: s.dport, last: s.dport } : null
          const e = explainDestination(c.config, mac, s.dst, port, local, up)
          const said =
            e.held || e.noIpv6 || e.via === 'blocked'
              ? 'dropped'
              : e.via === 'vpn'
                ? `lanvpn${e.group ? 1 : 0}`
                : mainRoute(s.dst)
          const out = fate(c, mac, s).replace(/ \(dns .*\)$/, '')
          expect(out, `${name}: ${mac} → ${s.dst} ${s.dport ?? ''} ${JSON.stringify(e)}`).toBe(said)
          if (e.bypass) bypassed++
          if (e.held) held++
          if (e.noIpv6) noIpv6++
        }
    }
    // The walk went through all three: vpn modes by the WAN, tunnel marks held, IPv6 into the tv
    // group's tunnel (its location has no IPv6) dropped.
    expect(bypassed).toBeGreaterThan(10)
    expect(held).toBeGreaterThan(10)
    expect(noIpv6).toBeGreaterThan(0)
  })

  it("stops every packet of a managed device while the rules' table is missing, the tunnel up", () => {
    // The main table alone (someone deleted inet lanvpn_rules, or only 90-lanvpn.nft was loaded):
    // no rule is enforced, so nothing of the household's is forwarded until the daemon puts the
    // rules' table back. What a vpn device sends to the tunnel, a direct device to the WAN alike.
    const script = up.nft
    const members = sets(script)
    for (const [mac, oif] of [
      [LAPTOP, 'lanvpn0'],
      [CONSOLE, WAN],
      [TV, 'lanvpn1'],
    ]) {
      const p: Packet = { mark: 0, mac, iif: LAN, oif, v6: false, dst: '198.51.100.7' }
      p.mark = walk(chain(script, 'mark_devices'), p, members).mark
      expect(walk(chain(script, 'killswitch'), p, members).verdict, mac).toBe('drop')
    }
  })
})
