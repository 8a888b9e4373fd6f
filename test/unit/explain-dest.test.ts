// "netflix.com from the TV: direct, by rule 3" (issue 22): where a device's traffic to a domain or
// an address goes and what decided it, as dest_rules decides (rules-leaks.test.ts walks the same
// case's packets): a blocked device and DNS by the device's mode, local exceptions for addresses,
// then the first rule that matches.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../applet/src/core/config/validate'
import { explainDestination, inCidr } from '../../applet/src/core/devices/explain-dest'
import { destinationText } from '../../applet/src/core/devices/explain-text'
import { parsePort } from '../../applet/src/core/config/rules'

const CASE = join(__dirname, '../golden/rules-1')
const { config } = parseConfig(readFileSync(join(CASE, 'config'), 'utf8'))
const LOCAL = ['192.168.1.1/32', '192.168.2.0/24', 'fd00:1::1/128', '10.10.0.0/16']
const LAPTOP = '02:00:00:00:50:01' // vpn, default group
const TV = '02:00:00:00:50:02' // vpn, group tv
const CONSOLE = '02:00:00:00:50:03' // direct
const GUEST = '02:00:00:00:50:05' // blocked
const port = (s: string) => parsePort(s)?.[0] ?? null
/** Both tunnels up unless `up` says which are. */
const why = (mac: string, dest: string, p = '', up = ['', 'tv'], c = config) =>
  explainDestination(c, mac, dest, p ? port(p) : null, LOCAL, up)
/** The config with the default group's kill switch `auto` after a disconnect, and `over`. */
const disconnected = (over: object = {}) => ({
  ...config,
  globals: { ...config.globals, killSwitch: 'auto' as const, connect: false, ...over },
})

describe('explainDestination', () => {
  it('answers by the first rule that matches a domain, its subdomains too', () => {
    expect(why(LAPTOP, 'mybank.example')).toEqual({
      via: 'direct',
      group: '',
      by: 'rule',
      rule: 2,
      label: 'My bank',
    })
    expect(why(LAPTOP, 'www.mybank.example')).toMatchObject({ via: 'direct', rule: 2 })
    expect(why(LAPTOP, 'notmybank.example')).toEqual({ via: 'vpn', group: '', by: 'device' })
  })

  it('answers an address by the local exceptions first, then the rules, then the mode', () => {
    expect(why(LAPTOP, '192.168.2.10')).toEqual({ via: 'direct', group: '', by: 'local' })
    expect(why(LAPTOP, '198.51.100.7')).toMatchObject({ via: 'direct', by: 'rule', rule: 2 })
    expect(why(LAPTOP, '2001:db8:ba::1')).toMatchObject({ via: 'direct', rule: 2 })
    expect(why(LAPTOP, '2001:db8:bb::1')).toEqual({ via: 'vpn', group: '', by: 'device' })
    expect(why(TV, '8.8.8.8')).toEqual({ via: 'vpn', group: 'tv', by: 'device' })
  })

  it("sends a vpn rule's traffic through the device's own group's tunnel, whatever its mode", () => {
    expect(why(CONSOLE, 'stream.example')).toMatchObject({ via: 'vpn', group: '', by: 'rule' })
    expect(why(TV, 'stream.example')).toMatchObject({ via: 'vpn', group: 'tv', by: 'rule' })
  })

  it('matches a port rule on its protocol and ports, for its devices only', () => {
    const games = config.rules.find((r) => r.id === 'games')!
    expect(why(LAPTOP, '203.0.113.5', 'udp:3075')).toMatchObject({ by: 'rule', rule: games.number })
    expect(why(LAPTOP, '203.0.113.5', 'tcp:3075')).toMatchObject({ by: 'device' })
    expect(why(LAPTOP, '203.0.113.5')).toMatchObject({ by: 'device' })
    expect(why(TV, '203.0.113.5', 'udp:3075')).toMatchObject({ by: 'device' })
  })

  it('leaves a blocked device and DNS to the mode, and everything direct while lanvpn is off', () => {
    expect(why(GUEST, '192.168.2.10')).toEqual({ via: 'blocked', group: '', by: 'device' })
    expect(why(LAPTOP, '192.168.0.1', 'udp:53')).toEqual({ via: 'vpn', group: '', by: 'device' })
    const off = { ...config, globals: { ...config.globals, enabled: false } }
    expect(explainDestination(off, LAPTOP, 'mybank.example', null, LOCAL, [])).toMatchObject({
      via: 'direct',
      by: 'device',
    })
  })

  it('takes an unknown device by the default mode and the default group', () => {
    expect(why('02:00:00:00:99:99', 'stream.example')).toMatchObject({ via: 'vpn', by: 'rule' })
    // A group that is not (or no longer) there is the default one, as in the rules' table.
    const gone = {
      ...config,
      devices: config.devices.map((d) => (d.mac === TV ? { ...d, group: 'gone' } : d)),
    }
    expect(why(TV, '8.8.8.8', '', ['', 'tv'], gone)).toEqual({
      via: 'vpn',
      group: '',
      by: 'device',
    })
    expect(why(TV, '203.0.113.99', '', ['', 'tv'], gone)).toMatchObject({ group: 'tv', rule: 6 })
  })

  it('says the kill switch holds what goes to a tunnel that is not connected', () => {
    expect(why(LAPTOP, '8.8.8.8', '', ['tv'])).toEqual({
      via: 'vpn',
      group: '',
      by: 'device',
      held: true,
    })
    expect(why(TV, 'stream.example', '', [''])).toEqual({
      via: 'vpn',
      group: 'tv',
      by: 'rule',
      rule: 4,
      label: 'Streaming through the VPN',
      held: true,
    })
    // Another group's tunnel down changes nothing here; a direct device's rule follows its group.
    expect(why(CONSOLE, 'stream.example', '', ['tv'])).toMatchObject({ group: '', held: true })
    expect(why(CONSOLE, 'stream.example', '', [''])).not.toHaveProperty('held')
    expect(why(LAPTOP, '203.0.113.99', '', [''])).toMatchObject({ group: 'tv', held: true })
    // DNS keeps the device's mode: held with its tunnel too. What goes direct is not held.
    expect(why(LAPTOP, '192.168.0.1', 'udp:53', [])).toMatchObject({ via: 'vpn', held: true })
    for (const [mac, dest] of [
      [LAPTOP, 'mybank.example'],
      [LAPTOP, '192.168.2.10'],
      [CONSOLE, '8.8.8.8'],
      [GUEST, '8.8.8.8'],
    ])
      expect(why(mac, dest, '', []), `${mac} ${dest}`).not.toHaveProperty('held')
  })

  it('says the same as before while the tunnel is up', () => {
    expect(why(LAPTOP, '8.8.8.8', '', [''])).toEqual({ via: 'vpn', group: '', by: 'device' })
    expect(why(TV, '8.8.8.8', '', ['tv'])).toEqual({ via: 'vpn', group: 'tv', by: 'device' })
  })

  it('says IPv6 into a tunnel that carries none is dropped, connected or not', () => {
    // The tv group's location (uk) has no IPv6 address; the default one (ams) has.
    expect(why(TV, '2001:db8:99::1')).toEqual({
      via: 'vpn',
      group: 'tv',
      by: 'device',
      noIpv6: true,
    })
    expect(why(TV, '2001:db8:99::1', '', [])).toMatchObject({ noIpv6: true })
    expect(why(TV, '2001:db8:99::1', '', [])).not.toHaveProperty('held')
    expect(why(LAPTOP, '2001:db8:99::1')).toEqual({ via: 'vpn', group: '', by: 'device' })
    // IPv6 through the VPN off: no tunnel carries it.
    const off = { ...config, globals: { ...config.globals, ipv6: false } }
    expect(why(LAPTOP, '2001:db8:99::1', '', ['', 'tv'], off)).toMatchObject({ noIpv6: true })
    expect(why(LAPTOP, '8.8.8.8', '', ['', 'tv'], off)).not.toHaveProperty('noIpv6')
  })

  it('sends a vpn device by its mode to the WAN while bypassed, and still holds what a rule sends into a tunnel', () => {
    const auto = disconnected()
    const wan = { via: 'direct', group: '', by: 'device', bypass: 'vpn_auto_wan' }
    expect(why(LAPTOP, '8.8.8.8', '', ['tv'], auto)).toEqual(wan)
    expect(why(LAPTOP, '192.168.0.1', 'udp:53', ['tv'], auto)).toEqual(wan)
    // The rule's mark goes to the tunnel whatever the device's mode does (render/nft-rules.ts).
    expect(why(LAPTOP, 'stream.example', '', ['tv'], auto)).toMatchObject({ rule: 4, held: true })
    // The tv group keeps its own kill switch (always) and wish to be connected.
    expect(why(TV, '8.8.8.8', '', [], auto)).toEqual({
      via: 'vpn',
      group: 'tv',
      by: 'device',
      held: true,
    })
    const tvAuto = {
      ...config,
      groups: config.groups.map((g) => ({ ...g, killSwitch: 'auto' as const, connect: false })),
    }
    expect(why(TV, '8.8.8.8', '', [''], tvAuto)).toEqual(wan)
    expect(why(LAPTOP, '8.8.8.8', '', [''], tvAuto)).toEqual({
      via: 'vpn',
      group: '',
      by: 'device',
    })
  })

  it('sends vpn devices by their mode to the WAN before the first connect and with no location', () => {
    const armed = { ...config, globals: { ...config.globals, armed: false } }
    const none = { ...config, profiles: [] }
    for (const mac of [LAPTOP, TV]) {
      expect(why(mac, '8.8.8.8', '', [], armed)).toMatchObject({ bypass: 'vpn_not_armed' })
      expect(why(mac, '8.8.8.8', '', [], none)).toMatchObject({ bypass: 'vpn_no_profile' })
    }
    expect(why(CONSOLE, 'stream.example', '', [], none)).toMatchObject({ held: true })
  })

  it('knows which CIDR an address is in, both families', () => {
    expect(inCidr('192.168.2.10', '192.168.2.0/24')).toBe(true)
    expect(inCidr('192.168.3.10', '192.168.2.0/24')).toBe(false)
    expect(inCidr('fd00:1::1', 'fd00:1::/64')).toBe(true)
    expect(inCidr('fd00:2::1', 'fd00:1::/64')).toBe(false)
    expect(inCidr('::1', '::/0')).toBe(true)
    expect(inCidr('192.168.2.10', '::/0')).toBe(false)
    expect(inCidr('stream.example', '0.0.0.0/0')).toBe(false)
    expect(inCidr('192.168.0.1', '192.168.0.1')).toBe(true)
    expect(inCidr('192.168.0.2', '192.168.0.1')).toBe(false)
    expect(inCidr('fd00::1', 'fd00::1')).toBe(true)
  })
})

describe('destinationText', () => {
  it('says it in one line, as the issue writes it', () => {
    expect(
      destinationText('stream.example', 'TV', {
        via: 'vpn',
        group: 'tv',
        by: 'rule',
        rule: 3,
        label: 'Streaming',
      })
    ).toBe('stream.example from TV: through the VPN (tv), by rule 3 (Streaming).')
    expect(destinationText('nas.lan', 'Laptop', { via: 'direct', group: '', by: 'local' })).toBe(
      'nas.lan from Laptop: direct, a local address, always reached directly.'
    )
    expect(destinationText('x.example', 'Laptop', { via: 'vpn', group: '', by: 'device' })).toBe(
      'x.example from Laptop: through the VPN, by its mode.'
    )
  })

  it('says what the kill switch does while the tunnel is down, or why the mode uses the WAN', () => {
    expect(
      destinationText('netflix.com', 'the TV', {
        via: 'vpn',
        group: 'tv',
        by: 'rule',
        rule: 3,
        held: true,
      })
    ).toBe(
      'netflix.com from the TV: through the VPN (tv), by rule 3 — the VPN is not connected, so the kill switch holds this traffic until it is: none of it goes out through the WAN.'
    )
    expect(
      destinationText('2001:db8::1', 'the TV', {
        via: 'vpn',
        group: 'tv',
        by: 'device',
        noIpv6: true,
      })
    ).toBe(
      '2001:db8::1 from the TV: through the VPN (tv), by its mode — that VPN location carries no IPv6, so IPv6 to it is dropped: none of it goes out through the WAN.'
    )
    const wan = { via: 'direct', group: '', by: 'device' } as const
    expect(destinationText('x.example', 'Laptop', { ...wan, bypass: 'vpn_auto_wan' })).toBe(
      "x.example from Laptop: direct, by its mode. You disconnected the VPN and the kill switch is set to auto, so its traffic uses the WAN with the router's normal DNS until you connect again."
    )
    expect(destinationText('x.example', 'Laptop', { ...wan, bypass: 'vpn_not_armed' })).toContain(
      'by its mode. Nobody has connected the VPN yet'
    )
    expect(destinationText('x.example', 'Laptop', { ...wan, bypass: 'vpn_no_profile' })).toContain(
      'by its mode. No VPN location is set up yet'
    )
  })
})
