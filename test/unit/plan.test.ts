import { describe, expect, it } from 'vitest'
import type { Config } from '../../applet/src/core/config/types'
import type { LanInterface } from '../../applet/src/core/observe/lan'
import { parseIpRoutes, parseIpRules, parseRulePriorities } from '../../applet/src/core/observe/ip'
import { parseNftTables } from '../../applet/src/core/observe/nft'
import { desiredIp, diffIp, VPN_RULE } from '../../applet/src/core/plan/ip'
import {
  desiredState,
  diffState,
  nftModel,
  tunnelResolvers,
  type Observed,
} from '../../applet/src/core/plan/plan'
import { parseAppliedHash } from '../../applet/src/core/render/nft'
import { connectedConfig, PROFILE } from './connected-config'

/** connectedConfig with a TV (direct) and a laptop (vpn). */
function config(): Config {
  const c = connectedConfig()
  c.devices = [
    {
      id: 'd_020000005002',
      mac: '02:00:00:00:50:02',
      mode: 'direct',
      label: 'TV',
      kind: 'tv',
      group: '',
    },
    {
      id: 'd_020000005001',
      mac: '02:00:00:00:50:01',
      mode: 'vpn',
      label: 'Laptop',
      kind: 'laptop',
      group: '',
    },
  ]
  return c
}

const down = { profile: null, up: false }
const up = { profile: PROFILE, up: true }
const empty = { rules: [], routes: [] }
const nothing: Observed = { nftHash: '', fw4Include: null, ip4: empty, ip6: empty }

describe('the nft model', () => {
  it('lets vpn devices use the WAN while no location is set up, so an install breaks nothing', () => {
    const c = config()
    c.profiles = []
    expect(nftModel(c, down, 'lanvpn0').vpnBypassed).toBe(true)
    expect(desiredState(c, down, 'lanvpn0').nft).not.toContain('| 0x01000000')
  })

  it('lets vpn devices use the WAN from the first import until the first connect, then never again', () => {
    const c = config()
    c.globals.armed = false
    c.globals.connect = false
    expect(nftModel(c, down, 'lanvpn0').vpnBypassed).toBe(true)
    c.globals.armed = true
    expect(nftModel(c, down, 'lanvpn0').vpnBypassed).toBe(false)
  })

  it('keeps vpn devices closed after a manual disconnect with the kill switch always', () => {
    const c = config()
    c.globals.connect = false
    expect(nftModel(c, down, 'lanvpn0').vpnBypassed).toBe(false)
    expect(desiredState(c, down, 'lanvpn0').nft).toContain('oifname != "lanvpn0" drop')
  })

  it('opens vpn devices to the WAN after a manual disconnect with the kill switch auto, but never in the boot-time include', () => {
    const c = config()
    c.globals.connect = false
    c.globals.killSwitch = 'auto'
    const d = desiredState(c, down, 'lanvpn0')
    expect(d.nft).not.toContain('meta mark set meta mark & 0xf0ffffff | 0x01000000')
    expect(d.fw4Include).toContain('meta mark set meta mark & 0xf0ffffff | 0x01000000')
  })

  it("keeps the tunnel's own addresses out of the boot-time include (a file on flash)", () => {
    const d = desiredState(config(), up, 'lanvpn0')
    expect(d.nft).toContain('ip saddr { 10.64.0.2 } drop')
    expect(d.fw4Include).not.toContain('10.64.0.2')
    expect(d.fw4Include).toContain('oifname != "lanvpn0" drop')
  })

  it("sends vpn devices' DNS to the tunnel's resolver and drops a family it has none for", () => {
    const nft = desiredState(config(), up, 'lanvpn0').nft!
    expect(nft).toContain('meta nfproto ipv4 dnat ip to 10.64.0.1')
    expect(nft).toContain('meta nfproto ipv6 drop')
  })

  it("sends vpn devices' DNS to the resolver the VPN server pushed, over the profile's own", () => {
    const d = desiredState(config(), { ...up, pushedDns: ['10.8.0.1', 'fd00::53'] }, 'lanvpn0')
    expect(d.nft).toContain('meta nfproto ipv4 dnat ip to 10.8.0.1')
    expect(d.nft).toContain('meta nfproto ipv6 dnat ip6 to fd00::53')
    expect(d.nft).not.toContain('10.64.0.1')
    // The boot-time include keeps the profile's own: it changes only when the user changes something.
    expect(d.fw4Include).toBe(desiredState(config(), up, 'lanvpn0').fw4Include)
  })

  it("falls back to the profile's DNS when the server pushed none, and drops DNS with neither", () => {
    const pushedNone = desiredState(config(), { ...up, pushedDns: [] }, 'lanvpn0').nft!
    expect(pushedNone).toContain('meta nfproto ipv4 dnat ip to 10.64.0.1')
    const c = config()
    c.profiles = [{ ...PROFILE, dns: [] }]
    const neither = desiredState(c, { profile: c.profiles[0], up: true, pushedDns: [] }, 'lanvpn0')
    // (the rule before the drop only counts, for "is this device protected?")
    expect(neither.nft).toContain(
      '\tchain dns_vpn {\n\t\tmeta nfproto ipv4 ether saddr @proof_stopped\n\t\tmeta nfproto ipv4 drop'
    )
    expect(tunnelResolvers(c.profiles[0], ['10.8.0.1'])).toEqual(['10.8.0.1'])
  })

  it('drops IPv6 of vpn devices when the location has no IPv6', () => {
    const c = config()
    c.profiles = [{ ...PROFILE, addresses: ['10.64.0.2/32'] }]
    expect(desiredState(c, { profile: c.profiles[0], up: true }, 'lanvpn0').nft).toContain(
      'meta mark & 0x0f000000 == 0x01000000 meta nfproto ipv6 drop'
    )
    expect(desiredState(config(), up, 'lanvpn0').nft).not.toContain(
      'meta nfproto ipv6 drop\n\t}\n\tchain blocked'
    )
  })

  it('carries the hash of its own content, the same for the same devices in any order', () => {
    const a = desiredState(config(), up, 'lanvpn0')
    const c = config()
    c.devices.reverse()
    const b = desiredState(c, up, 'lanvpn0')
    expect(b.nft).toBe(a.nft)
    expect(parseAppliedHash(a.nft!)).toBe(a.nftHash)
    expect(a.nftHash).toMatch(/^0x[0-9a-f]{8}$/)
  })
})

/** The source rule for the tunnel's own address while it is up (core/plan/plan.ts). */
const TUNNEL_SOURCE = { priority: 5220, fwmark: '', table: '5201', from: '10.64.0.2/32' }

describe("the router's own traffic", () => {
  it('uses the WAN by default: no output marking, no WAN-bound rule', () => {
    const d = desiredState(config(), { ...up, wanDevice: 'wan' }, 'lanvpn0')
    expect(d.nft).not.toContain('router_output')
    expect(d.ip4.rules).toEqual([VPN_RULE, TUNNEL_SOURCE])
  })

  it('goes through the tunnel when asked, except sockets bound to the WAN and the router DNS', () => {
    const c = config()
    c.globals.routerViaVpn = true
    const d = desiredState(c, { ...up, wanDevice: 'eth1' }, 'lanvpn0')
    expect(d.nft).toContain(
      '\tchain router_output {\n\t\ttype route hook output priority mangle; policy accept;\n\t\tmeta mark & 0x0f000000 != 0x00000000 return\n\t\toifname != "eth1" return\n\t\tmeta l4proto { tcp, udp } th dport 53 return\n\t\tmeta mark set meta mark & 0xf0ffffff | 0x01000000\n\t}'
    )
    expect(d.ip4.rules).toEqual([
      { priority: 5200, fwmark: '', table: 'main', oif: 'eth1' },
      VPN_RULE,
      TUNNEL_SOURCE,
    ])
    expect(diffIp(d.ip4, empty)[0]).toBe('rule add oif eth1 lookup main priority 5200')
  })

  it('uses the WAN again while vpn devices do (kill switch auto, disconnected on purpose)', () => {
    const c = config()
    c.globals.routerViaVpn = true
    c.globals.killSwitch = 'auto'
    c.globals.connect = false
    const d = desiredState(c, { ...down, wanDevice: 'eth1' }, 'lanvpn0')
    expect(d.nft).not.toContain('router_output')
    expect(d.ip4.rules).toEqual([VPN_RULE])
  })
})

describe('desired and diff', () => {
  it('first start: the table, the rules and routes, then the persisted include', () => {
    const d = desiredState(config(), down, 'lanvpn0')
    expect(diffState(d, nothing).map((s) => s.kind)).toEqual([
      'nft-apply',
      'ip-batch',
      'ip-batch',
      'persist-include',
    ])
  })

  it('does nothing when the router matches', () => {
    const d = desiredState(config(), up, 'lanvpn0')
    const observed: Observed = {
      nftHash: d.nftHash,
      fw4Include: d.fw4Include,
      ip4: d.ip4,
      ip6: d.ip6,
    }
    expect(diffState(d, observed)).toEqual([])
  })

  it('re-applies when the firewall loaded the closed include over a different live table', () => {
    const c = config()
    c.globals.connect = false
    c.globals.killSwitch = 'auto'
    const d = desiredState(c, down, 'lanvpn0')
    const observed: Observed = {
      nftHash: parseAppliedHash(d.fw4Include),
      fw4Include: d.fw4Include,
      ip4: d.ip4,
      ip6: d.ip6,
    }
    expect(diffState(d, observed).map((s) => s.kind)).toEqual(['nft-apply'])
  })

  it('a mode change on the table it applied: one set update, with the whole table to fall back on', () => {
    const before = desiredState(config(), up, 'lanvpn0')
    const c = config()
    c.devices[0].mode = 'blocked'
    const after = desiredState(c, up, 'lanvpn0')
    const observed: Observed = { ...nothing, nftHash: before.nftHash, fw4Include: after.fw4Include }
    const applied = { model: before.model, hash: before.nftHash }
    const [step, ...rest] = diffState(after, observed, applied)
    expect(rest.map((s) => s.kind)).toEqual(['ip-batch', 'ip-batch'])
    expect(step).toEqual({
      kind: 'nft-sets',
      script: expect.stringContaining('flush set inet lanvpn blocked_devices'),
      table: after.nft,
    })
    // The live table is not the one applied (flushed, reloaded by fw4): the whole table.
    const flushed = diffState(after, { ...observed, nftHash: '' }, applied)
    expect(flushed[0].kind).toBe('nft-apply')
  })

  it('removes everything when lanvpn is disabled', () => {
    const c = config()
    const on = desiredState(c, up, 'lanvpn0')
    c.globals.enabled = false
    const off = desiredState(c, up, 'lanvpn0')
    const steps = diffState(off, {
      nftHash: on.nftHash,
      fw4Include: on.fw4Include,
      ip4: on.ip4,
      ip6: on.ip6,
    })
    expect(steps).toEqual([
      { kind: 'nft-delete', script: 'delete table inet lanvpn\n' },
      {
        kind: 'ip-batch',
        family: 4,
        lines: [
          'rule del priority 5210 fwmark 0x1000000/0xf000000',
          'rule del priority 5220 from 10.64.0.2/32',
          'route del default dev lanvpn0 table 5201 metric 0',
          'route del unreachable default table 5201 metric 4278198272',
        ],
      },
      {
        kind: 'ip-batch',
        family: 6,
        lines: [
          'rule del priority 5210 fwmark 0x1000000/0xf000000',
          'rule del priority 5220 from fd64::2/128',
          'route del default dev lanvpn0 table 5201 metric 1024',
          'route del unreachable default table 5201 metric 4278198272',
        ],
      },
      { kind: 'persist-include', file: 'fw4Include', text: '' },
    ])
  })
})

describe('policy routing', () => {
  const input = {
    enabled: true,
    tunnelIface: 'lanvpn0',
    tunnelUp: true,
    tunnelCarriesV6: true,
    keepOnWan: '',
    vpnSources: [] as string[],
  }

  it('routes marked traffic to the tunnel with an unreachable default behind it', () => {
    expect(desiredIp(input, 4)).toEqual({
      rules: [VPN_RULE],
      routes: [
        { dst: 'default', type: 'unicast', dev: 'lanvpn0', metric: 0 },
        { dst: 'default', type: 'unreachable', dev: '', metric: 4278198272 },
      ],
    })
  })

  it('keeps only the unreachable default while the tunnel is down (routing fails closed)', () => {
    expect(desiredIp({ ...input, tunnelUp: false }, 4).routes).toEqual([
      { dst: 'default', type: 'unreachable', dev: '', metric: 4278198272 },
    ])
  })

  it('adds before it deletes, and leaves rules outside its window alone', () => {
    const observed = {
      rules: [
        { priority: 5210, fwmark: '0x5/0xf', table: '9' },
        { priority: 30000, fwmark: '0x10000/0xff0000', table: 'pbr_wan' },
      ],
      routes: [],
    }
    expect(diffIp(desiredIp({ ...input, tunnelUp: false }, 4), observed)).toEqual([
      'rule add fwmark 0x1000000/0xf000000 lookup 5201 priority 5210',
      'route replace unreachable default table 5201 metric 4278198272',
      'rule del priority 5210 fwmark 0x5/0xf',
    ])
  })

  it("leads vpn devices' own addresses into the VPN table too, so routing alone holds without nft", () => {
    const rules = desiredIp({ ...input, vpnSources: ['192.168.50.20', '192.168.50.10'] }, 4).rules
    expect(rules.slice(1)).toEqual([
      { priority: 5220, fwmark: '', table: '5201', from: '192.168.50.10/32' },
      { priority: 5220, fwmark: '', table: '5201', from: '192.168.50.20/32' },
    ])
    const observed = { rules: [VPN_RULE, rules[2]], routes: desiredIp(input, 4).routes }
    const now = desiredIp({ ...input, vpnSources: ['192.168.50.10'] }, 4)
    expect(diffIp(now, observed)).toEqual([
      'rule add from 192.168.50.10/32 lookup 5201 priority 5220',
      'rule del priority 5220 from 192.168.50.20/32',
    ])
    expect(
      parseIpRules('[{"priority":5220,"src":"fd50::10","srclen":128,"table":"5201"}]')
    ).toEqual([{ priority: 5220, fwmark: '', table: '5201', from: 'fd50::10/128' }])
  })

  it("takes the vpn devices' addresses from the devices seen, default mode included, never while bypassed", () => {
    const c = config()
    c.globals.defaultMode = 'vpn'
    c.devices = [{ ...c.devices[0], mac: '02:00:00:00:50:01', mode: 'direct' }]
    const seen = [
      { mac: '02:00:00:00:50:01', ipv4: ['192.168.50.10'], ipv6: [] },
      { mac: '02:00:00:00:50:02', ipv4: ['192.168.50.20'], ipv6: ['fe80::2', 'fd50::20'] },
    ]
    const d = desiredState(c, up, 'lanvpn0', seen)
    expect(d.ip4.rules.map((r) => r.from).filter(Boolean)).toEqual([
      '10.64.0.2/32',
      '192.168.50.20/32',
    ])
    expect(d.ip6.rules.map((r) => r.from).filter(Boolean)).toEqual(['fd50::20/128', 'fd64::2/128'])
    c.profiles = []
    expect(desiredState(c, down, 'lanvpn0', seen).ip4.rules.some((r) => r.from)).toBe(false)
  })

  it('reads ip -j rule and route output', () => {
    expect(
      parseIpRules(
        '[{"priority":5210,"src":"all","fwmark":"0x1000000","fwmask":"0xf000000","table":"5201"}]'
      )
    ).toEqual([VPN_RULE])
    expect(
      parseIpRoutes(
        '[{"type":"unreachable","dst":"default","dev":"lo","metric":4278198272,"flags":[]},{"dst":"default","dev":"lanvpn0","metric":1024}]'
      )
    ).toEqual([
      { dst: 'default', type: 'unreachable', dev: '', metric: 4278198272 },
      { dst: 'default', type: 'unicast', dev: 'lanvpn0', metric: 1024 },
    ])
    expect(parseIpRules('garbage')).toEqual([])
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
        '0:\tfrom all lookup local\n5200:\tfrom all fwmark 0x1000000/0xf000000 lookup 5201\n'
      )
    ).toEqual([0, 5200])
  })

  it('reads the applied hash nft prints', () => {
    expect(
      parseAppliedHash('table inet lanvpn {\n\tchain applied {\n\t\tmeta mark 0x0012abcd\n\t}\n}\n')
    ).toBe('0x0012abcd')
    expect(parseAppliedHash('')).toBe('')
    // A flushed table (`nft flush table` keeps chains, takes their rules): no hash, applied again.
    expect(parseAppliedHash('table inet lanvpn {\n\tchain applied {\n\t}\n}\n')).toBe('')
  })
})

describe('rules by destination in the desired state (issue 22)', () => {
  const down = { profile: PROFILE, up: false }
  const empty = { rules: [], routes: [] }
  const observed = (nftHash: string): Observed => ({
    nftHash,
    fw4Include: null,
    ip4: empty,
    ip6: empty,
  })
  const nets = ['192.168.1.1/24', '192.168.100.2/24']

  it('leaves the table and the ip rules as they were with no rule and no local exception', () => {
    const c = config()
    const before = desiredState(c, down, 'lanvpn0')
    c.globals.localDirect = false
    const off = desiredState(c, down, 'lanvpn0', [], [], {}, nets)
    expect(off.nft).toBe(before.nft)
    expect(off.nft).not.toContain('dest_rules')
    expect(off.ip4.rules).toEqual(before.ip4.rules)
    expect(off.model).toEqual(before.model)
  })

  it("puts the observed local exceptions into the rules' table, live only, and the main table holds to it", () => {
    const d = desiredState(config(), down, 'lanvpn0', [], [], {}, nets)
    const rules = d.rules?.nft ?? ''
    expect(rules).toMatch(/^table inet lanvpn_rules\n/)
    expect(rules).toContain('chain dest_rules')
    expect(rules).toContain('elements = { 192.168.1.1/24, 192.168.100.2/24 }')
    expect(rules).toMatch(/ip daddr @rules_local4 meta mark set .* \| 0x0e000000 return/)
    expect(d.rules?.hash).toBe(parseAppliedHash(rules))
    expect(d.nft).not.toContain('dest_rules')
    // The main table drops what the rules' table did not see (it marks all it sees).
    expect(rules).toContain('meta mark set meta mark | 0x10000000')
    expect(d.nft).toContain('iifname "br-lan" meta mark & 0x10000000 == 0x00000000 drop')
    // At boot there is nothing observed: no rules' table, and no main table waiting for one.
    expect(d.rules?.include).toBe('')
    expect(d.fw4Include).not.toContain('0x10000000')
    expect(d.ip4.rules[0]).toMatchObject({ priority: 5205, table: 'main' })
    expect(d.ip6.rules[0]).toMatchObject({ priority: 5205, table: 'main' })
  })

  it("renders the rules' table anew for other rules, other local exceptions or another LAN, and the same for the same (it keeps the last two it made)", () => {
    const a = config()
    bank(a)
    const b = config()
    bank(b)
    b.rules = [{ ...b.rules[0], dests: ['203.0.113.0/24'] }]
    const lan = (device: string): LanInterface[] => [
      { name: 'lan', device, up: true, policy: 'managed' },
    ]
    const of = (c: Config, n = nets, l = lan('br-lan')) =>
      desiredState(c, down, 'lanvpn0', [], l, {}, n)
    const first = of(a)
    expect(first.rules?.nft).toContain('198.51.100.0/24')
    expect(of(b).rules?.nft).toContain('203.0.113.0/24')
    expect(of(b).rules?.nft).not.toContain('198.51.100.0/24')
    expect(of(a)).toEqual(first)
    expect(of(a, ['192.168.7.1/24']).rules?.nft).toContain('192.168.7.1/24')
    expect(of(a, ['192.168.7.1/24']).rules?.include).toBe(first.rules?.include)
    expect(of(a, nets, lan('br-lan.1')).rules?.nft).toContain('iifname != "br-lan.1" return')
    expect(of(a)).toEqual(first)
    // A config parsed anew (as the daemon does for an edited file) is another object: anew.
    const c = config()
    bank(c)
    c.globals.localDest = ['10.9.0.0/16']
    expect(of(c).rules?.nft).toContain('10.9.0.0/16')
    expect(of(c).rules?.include).toContain('10.9.0.0/16')
  })

  const bank = (c: Config) => {
    c.rules = [
      {
        id: 'bank',
        number: 1,
        label: 'bank',
        enabled: true,
        domains: [],
        dests: ['198.51.100.0/24'],
        ports: [],
        via: 'direct',
        group: '',
        devices: [],
        groups: [],
      },
    ]
    c.globals.localDest = ['10.10.0.0/16']
  }

  it("applies a change of rules as the rules' table alone, in one transaction: the main table stays", () => {
    const c = config()
    const before = desiredState(c, down, 'lanvpn0', [], [], {}, nets)
    bank(c)
    const after = desiredState(c, down, 'lanvpn0', [], [], {}, nets)
    expect(after.nft).toBe(before.nft)
    const seen = {
      ...observed(before.nftHash),
      rulesHash: before.rules?.hash,
      fw4Include: before.fw4Include,
    }
    const steps = diffState(after, seen, { model: before.model, hash: before.nftHash })
    // Its include first (the main one now waits for a rules' table at boot too).
    expect(steps.map((s) => [s.kind, 'file' in s ? s.file : ''])).toEqual([
      ['nft-rules', ''],
      ['ip-batch', ''],
      ['ip-batch', ''],
      ['persist-include', 'fw4RulesInclude'],
      ['persist-include', 'fw4Include'],
    ])
    // The include has the rules and local_dest, never what was observed.
    const include = after.rules?.include ?? ''
    expect(include).toContain('ip daddr @rule1_net4')
    expect(include).toContain('elements = { 10.10.0.0/16 }')
    expect(include).not.toContain('192.168.100.2/24')
    expect(after.fw4Include).toContain('meta mark & 0x10000000 == 0x00000000 drop')
  })

  it("takes the rules' table away after the main table stops holding to it, and its include last", () => {
    const c = config()
    bank(c)
    const before = desiredState(c, down, 'lanvpn0')
    c.rules = []
    c.globals.localDest = []
    const after = desiredState(c, down, 'lanvpn0')
    expect(after.rules).toBeNull()
    const seen: Observed = {
      nftHash: before.nftHash,
      fw4Include: before.fw4Include,
      rulesHash: before.rules?.hash,
      fw4RulesInclude: before.rules?.include,
      ip4: before.ip4,
      ip6: before.ip6,
    }
    const steps = diffState(after, seen, { model: before.model, hash: before.nftHash })
    expect(steps.map((s) => [s.kind, 'file' in s ? s.file : ''])).toEqual([
      ['nft-apply', ''],
      ['nft-delete', ''],
      ['ip-batch', ''],
      ['ip-batch', ''],
      ['persist-include', 'fw4Include'],
      ['persist-include', 'fw4RulesInclude'],
    ])
    expect(steps[1]).toEqual({ kind: 'nft-delete', script: 'delete table inet lanvpn_rules\n' })
    expect(steps[5]).toMatchObject({ text: '' })
  })

  it('adds nothing while lanvpn is disabled', () => {
    const c = config()
    c.globals.enabled = false
    const d = desiredState(c, down, 'lanvpn0', [], [], {}, nets)
    expect(d.nft).toBeNull()
    expect(d.ip4.rules).toEqual([])
  })
})
