// Rules by destination (issue 22), the config: `config rule` sections read in file order with
// every bad value named by its field (and item position, never its value: problems reach the
// log), and a rule that would read as "everything" or "everyone" by a typo skipped.
import { describe, expect, it } from 'vitest'
import { parseConfig, validateConfig } from '../../applet/src/core/config/validate'
import { applyConfigPatch } from '../../applet/src/core/config/patch'
import {
  MAX_RULE_DESTS,
  MAX_RULE_DOMAINS,
  parsePort,
  RULE_OPTIONS,
} from '../../applet/src/core/config/rules'
import type { ConfigProblem } from '../../applet/src/core/config/types'

const PROFILE = `config profile 'uk'
	option type 'openvpn'
	list remote 'uk.vpn.example 1194 udp'

config group 'tv'
	option profile 'uk'
`

/** Rules, local exceptions and problems of a config text (globals and a group `tv` come first). */
function read(text: string, globals = '') {
  const full = `config globals 'globals'\n${globals}\n${PROFILE}\n${text}`
  const { config, problems } = parseConfig(full)
  const { localDirect, localDest } = config.globals
  return { rules: config.rules, local: { localDirect, localDest }, problems }
}

const said = (problems: ConfigProblem[]) =>
  problems.map((p) => `${p.section}.${p.option}: ${p.reason}`)

describe('config rule sections', () => {
  it('reads a rule with every kind of match, in file order, numbered from 1', () => {
    const { rules, problems } = read(`config rule 'bank'
	option label 'My bank'
	list domain 'MyBank.Example.'
	list dest '198.51.100.0/24'
	list dest '2001:db8::1'
	list port 'tcp:443'
	list port 'udp:3074-3076'
	list port '8080'
	option via 'direct'
	list device 'AA-BB-CC-DD-EE-FF'
	list group 'tv'
	list group 'default'

config rule
	option via 'tv'
	list domain 'stream.example'
`)
    expect(problems).toEqual([])
    expect(rules).toEqual([
      {
        id: 'bank',
        number: 1,
        label: 'My bank',
        enabled: true,
        domains: ['mybank.example'],
        dests: ['198.51.100.0/24', '2001:db8::1/128'],
        ports: [
          { proto: 'tcp', first: 443, last: 443 },
          { proto: 'udp', first: 3074, last: 3076 },
          { proto: 'tcp', first: 8080, last: 8080 },
          { proto: 'udp', first: 8080, last: 8080 },
        ],
        via: 'direct',
        group: '',
        devices: ['aa:bb:cc:dd:ee:ff'],
        groups: ['tv', ''],
      },
      expect.objectContaining({ id: '@rule[1]', number: 2, via: 'group', group: 'tv' }),
    ])
  })

  it('names the field and the item of every bad value', () => {
    const { rules, problems } = read(`config rule 'bank'
	list dest '10.0.0.300/8'
	list dest '10.0.0.0/8'
	list domain 'bad_name!'
	list domain 'ok.example'
	list port 'tcp:0'
	list port 'sctp:5'
	list port '500-400'
	list port '53'
	list device 'not-a-mac'
	list device '02:00:00:00:00:01'
	list group 'nosuch'
	option via 'vpn'
	option enabled 'maybe'
`)
    expect(said(problems)).toEqual([
      'bank.dest: item 1 is not an IPv4 or IPv6 address or CIDR',
      'bank.domain: item 1 is not a domain name (letters, digits, - and dots)',
      'bank.port: item 1 is not a port: tcp:N, udp:N, N (both) or a range N-M, from 1 to 65535',
      'bank.port: item 2 is not a port: tcp:N, udp:N, N (both) or a range N-M, from 1 to 65535',
      'bank.port: item 3 is not a port: tcp:N, udp:N, N (both) or a range N-M, from 1 to 65535',
      'bank.device: item 1 is not a MAC address such as aa:bb:cc:dd:ee:ff',
      'bank.group: item 1 must name a group section or default',
      'bank.enabled: must be 0 or 1 (or true/false, yes/no, on/off)',
    ])
    // The good items are kept: the rule is narrower, never wider.
    expect(rules[0]).toMatchObject({
      dests: ['10.0.0.0/8'],
      domains: ['ok.example'],
      devices: ['02:00:00:00:00:01'],
      enabled: true,
    })
  })

  it('skips a rule whose matches or devices are all bad, rather than read it as everything', () => {
    const { rules, problems } = read(`config rule 'typo'
	list dest '10.0.0.300'
	option via 'direct'

config rule 'nobody'
	list dest '10.0.0.0/8'
	list device 'zz:zz'
	option via 'direct'

config rule 'everyone'
	option via 'vpn'
`)
    expect(said(problems)).toContain(
      'typo.: nothing it matches is usable (domain, dest, port); rule skipped'
    )
    expect(said(problems)).toContain(
      'nobody.: none of the devices or groups it is for is usable; rule skipped'
    )
    // Rule 3 keeps its number: "by rule 3" names the third section the user wrote.
    expect(rules.map((r) => [r.id, r.number])).toEqual([['everyone', 3]])
  })

  it('needs a via it knows, and keeps a disabled rule (off, with its number)', () => {
    const { rules, problems } = read(`config rule 'a'
	list dest '10.0.0.0/8'

config rule 'b'
	list dest '10.0.0.0/8'
	option via 'moon'

config rule 'c'
	option via 'default'
	option enabled '0'
`)
    expect(said(problems)).toEqual([
      'a.via: required: where matching traffic goes (vpn, direct, blocked or a group); rule skipped',
      "b.via: must be vpn, direct, blocked, default or a group's name; rule skipped",
    ])
    expect(rules).toEqual([
      expect.objectContaining({ id: 'c', number: 3, enabled: false, via: 'group', group: '' }),
    ])
  })

  it('keeps every rule within the budget: destinations and domains past it are left out and named', () => {
    const dests = Array.from(
      { length: MAX_RULE_DESTS - 1 },
      (_, i) => `\tlist dest '10.${i >> 8}.${i & 255}.0/24'`
    )
    const domains = Array.from(
      { length: MAX_RULE_DOMAINS + 2 },
      (_, i) => `\tlist domain 'd${i}.example'`
    )
    const { rules, problems } = read(`config rule 'big'
${dests.join('\n')}
${domains.join('\n')}
	option via 'vpn'

config rule 'more'
	list dest '192.0.2.1'
	list dest '192.0.2.2'
	list dest '192.0.2.3'
	option via 'vpn'
`)
    expect(said(problems)).toEqual([
      `big.domain: items from ${MAX_RULE_DOMAINS + 1} on are past the limit of ${MAX_RULE_DOMAINS} domains in all rules; left out`,
      `more.dest: items from 2 on are past the limit of ${MAX_RULE_DESTS} destinations in all rules; left out`,
    ])
    expect(rules[0].domains).toHaveLength(MAX_RULE_DOMAINS)
    expect(rules[1].dests).toEqual(['192.0.2.1/32'])
  })

  it('reads the local exceptions from the globals: on by default, with the user own destinations', () => {
    expect(read('').local).toEqual({ localDirect: true, localDest: [] })
    const { local, problems } = read(
      '',
      "\toption local_direct '0'\n\tlist local_dest '192.168.8.0/24'\n\tlist local_dest 'nas'\n\tlist local_dest 'fd00:8::1'\n"
    )
    expect(local).toEqual({ localDirect: false, localDest: ['192.168.8.0/24', 'fd00:8::1/128'] })
    expect(said(problems)).toEqual([
      'globals.local_dest: item 2 is not an IPv4 or IPv6 address or CIDR',
    ])
  })

  it('reads ports as the issue writes them', () => {
    expect(parsePort('443')).toEqual([
      { proto: 'tcp', first: 443, last: 443 },
      { proto: 'udp', first: 443, last: 443 },
    ])
    expect(parsePort('udp:3074-3076')).toEqual([{ proto: 'udp', first: 3074, last: 3076 }])
    for (const bad of ['', 'tcp:', '65536', 'tcp:1-', 'udp:9-8', 'tcp:0443x', 'icmp:1'])
      expect(parsePort(bad), bad).toBeNull()
  })

  it('declares every option it reads once, as GROUP_OPTIONS does', () => {
    expect(Object.keys(RULE_OPTIONS)).toEqual([
      'label',
      'enabled',
      'domain',
      'dest',
      'port',
      'via',
      'device',
      'group',
    ])
  })

  it('is part of parseConfig: Config.rules, and a bad rule is a problem named by its field', () => {
    const text = `config globals 'globals'\n\nconfig rule 'x'\n\toption via 'moon'\n`
    const { config, problems } = parseConfig(text)
    expect(config.rules).toEqual([])
    expect(said(problems)).toEqual([
      "x.via: must be vpn, direct, blocked, default or a group's name; rule skipped",
    ])
  })

  it("setConfig's globals take local_direct and local_dest; a bad item is named by field and position, nothing saved", () => {
    const { doc } = parseConfig(`config globals 'globals'\n`)
    const ok = applyConfigPatch(doc, {
      globals: { local_direct: false, local_dest: ['192.168.8.0/24', 'fd00:8::1'] },
    })
    expect(ok.problems).toEqual([])
    expect(validateConfig(ok.doc).config.globals).toMatchObject({
      localDirect: false,
      localDest: ['192.168.8.0/24', 'fd00:8::1/128'],
    })
    const bad = applyConfigPatch(doc, { globals: { local_dest: ['10.0.0.0/8', 'nas.lan'] } })
    expect(bad.doc).toBe(doc)
    expect(said(bad.problems)).toEqual([
      'globals.local_dest: item 2 is not an IPv4 or IPv6 address or CIDR',
    ])
  })
})
