// lanvpn's own dnsmasq instances and the no-nftset look-ups (core/render/dnsmasq.ts): which
// instances a config needs and what each is told, and busybox nslookup's output read back into
// the rules' sets. The look-up script is run for real by busybox sh, against a stand-in `busybox nslookup`.
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../applet/src/core/config/validate'
import {
  hasNftset,
  localDnsPlan,
  parseLookups,
  pollArgv,
  type DnsGroup,
} from '../../applet/src/core/render/dnsmasq'

const LAPTOP = 'aa:bb:cc:00:00:01'
const TV = 'aa:bb:cc:00:00:02'

function config(globals = '', rules = '') {
  return parseConfig(`config globals 'globals'
${globals}
config group 'tv'
	option profile 'uk'

config device 'd_aabbcc000001'
	option mac '${LAPTOP}'
	option mode 'vpn'

config device 'd_aabbcc000002'
	option mac '${TV}'
	option mode 'direct'
	option group 'tv'
${rules}`).config
}

const BANK = `
config rule 'bank'
	list domain 'bank.example'
	option via 'direct'
	list device '${LAPTOP}'
`
const STREAM = `
config rule 'stream'
	list domain 'stream.example'
	list domain 'tv.example'
	option via 'vpn'
	list group 'tv'
`

const groups: DnsGroup[] = [
  { index: 0, id: '', iface: 'lanvpn0', resolvers: ['10.64.0.1'], on: true, ifindex: '7' },
  {
    index: 1,
    id: 'tv',
    iface: 'lanvpn1',
    resolvers: ['10.65.0.1', 'fd65::1'],
    on: true,
    ifindex: '',
  },
]
const plan = (c: ReturnType<typeof config>, nftset = true, g = groups) =>
  localDnsPlan(c, g, nftset, '/var/run/lanvpn/dns', ['br-lan'], ['lan', 'home.arpa'])

describe("lanvpn's dnsmasq instances", () => {
  it('run for each connected group with local_direct on (the default): bound to the tunnel, the router asked for local names, no hosts, no log, no cache', () => {
    const [g0, g1, ...more] = plan(config())
    expect(more).toEqual([])
    expect([g0.name, g0.port, g1.name, g1.port]).toEqual(['g0', 5330, 'g1', 5331])
    const lines = g0.conf.split('\n')
    expect(lines).toEqual(
      expect.arrayContaining([
        'port=5330',
        'interface=br-lan',
        'interface=lo',
        'no-hosts',
        'no-resolv',
        'log-facility=/dev/null',
        'cache-size=0',
        'pid-file=/var/run/lanvpn/dns/g0.pid',
        'server=10.64.0.1@lanvpn0',
        'server=//127.0.0.1',
        '# 7',
      ])
    )
    const local = lines.find((l) => l.startsWith('server=/lan/'))
    expect(local).toMatch(/^server=\/lan\/home\.arpa\/10\.in-addr\.arpa\/168\.192\.in-addr\.arpa\//)
    expect(local).toContain('/31.172.in-addr.arpa/d.f.ip6.arpa/127.0.0.1')
    expect(g1.conf).toContain('server=10.65.0.1@lanvpn1\nserver=fd65::1@lanvpn1\n')
    expect(lines.some((l) => /dhcp|log-queries|nftset/.test(l))).toBe(false)
  })

  it('with local_direct off, only for a group a domain rule applies to; none while disconnected or without a resolver', () => {
    expect(plan(config("\toption local_direct '0'"))).toEqual([])
    expect(plan(config("\toption local_direct '0'", BANK)).map((i) => i.name)).toEqual(['g0'])
    const off = groups.map((g) => ({
      ...g,
      on: g.index === 1,
      resolvers: g.index ? [] : g.resolvers,
    }))
    expect(plan(config('', BANK), true, off)).toEqual([])
  })

  it("carry the nftset lines of the rules that apply to their group's devices; with nftset, one more for the devices that are not vpn, asking the router", () => {
    const [g0, g1, direct] = plan(config('', BANK + STREAM))
    const set = (n: number, d: string) =>
      `nftset=/${d}/4#inet#lanvpn_rules#rule${n}_dns4,6#inet#lanvpn_rules#rule${n}_dns6`
    expect(g0.conf).toContain(`${set(1, 'bank.example')}\n`)
    expect(g0.conf).not.toContain('stream.example')
    expect(g1.conf).toContain(`${set(2, 'stream.example')}\n${set(2, 'tv.example')}\n`)
    expect(g1.conf).not.toContain('bank.example')
    // The TV is direct in group tv: rule 2 applies to it, so its lookups go to this one.
    expect([direct.name, direct.port]).toEqual(['direct', 5339])
    expect(direct.conf).toContain('server=127.0.0.1\n')
    expect(direct.conf).toContain(set(2, 'tv.example'))
    expect(direct.conf).not.toContain('bank.example')
    // Without nftset: no nftset line, no instance for the other devices.
    const poll = plan(config('', BANK + STREAM), false)
    expect(poll.map((i) => i.name)).toEqual(['g0', 'g1'])
    expect(poll.some((i) => i.conf.includes('nftset'))).toBe(false)
  })

  it("read nftset from dnsmasq --version's compile options", () => {
    const full =
      'Dnsmasq version 2.90  Copyright (c) 2000-2024 Simon Kelley\nCompile time options: IPv6 GNU-getopt DBus no-UBus i18n IDN2 DHCP DHCPv6 no-Lua TFTP conntrack ipset nftset auth cryptohash DNSSEC loop-detect inotify dumpfile\n'
    expect(hasNftset(full)).toBe(true)
    expect(hasNftset(full.replace(' nftset', ' no-nftset'))).toBe(false)
    expect(hasNftset('Compile time options: IPv6 GNU-getopt no-DBus UBus no-i18n')).toBe(false)
  })
})

describe('without nftset: the look-ups every 5 minutes', () => {
  // busybox nslookup's own output (v1.35, as on a router): the server, then each answer.
  const answer = (server: string, name: string, ...ips: string[]) =>
    `Server:\t\t${server}\nAddress:\t${server}\n\n` +
    ips.map((ip) => `Name:\t${name}\nAddress: ${ip}\n\n`).join('')

  it("read busybox nslookup's answers into each rule's sets, one transaction; failures and the server's own address are not answers", () => {
    const out = [
      '#1',
      answer('127.0.0.1:5330', 'bank.example', '192.0.2.11', '2001:db8:2::11'),
      "** server can't find nope.example: NXDOMAIN",
      '#2',
      answer('127.0.0.1', 'stream.example', '192.0.2.13', '192.0.2.14'),
      ';; connection timed out; no servers could be reached',
      answer('127.0.0.1:5331', 'stream.example', '192.0.2.13'),
    ].join('\n')
    expect(parseLookups(out)).toBe(
      'add element inet lanvpn_rules rule1_dns4 { 192.0.2.11 }\n' +
        'add element inet lanvpn_rules rule1_dns6 { 2001:db8:2::11 }\n' +
        'add element inet lanvpn_rules rule2_dns4 { 192.0.2.13, 192.0.2.14 }\n'
    )
    expect(parseLookups(answer('127.0.0.1', 'x.example'))).toBe('')
  })

  it("ask each rule's domains of the resolvers its devices use, in one sh: the groups' instances and, for devices that are not vpn, the router's", () => {
    const c = config('', BANK + STREAM)
    const argv = pollArgv(c, [
      { index: 0, id: '', port: 5330 },
      { index: 1, id: 'tv', port: 5331 },
    ])
    expect(argv?.slice(0, 2)).toEqual(['sh', '-c'])
    expect(argv?.slice(3)).toEqual([
      'sh',
      '@127.0.0.1:5330',
      '#1',
      'bank.example',
      '@127.0.0.1:5331',
      '#2',
      'stream.example',
      'tv.example',
      '@127.0.0.1',
      '#2',
      'stream.example',
      'tv.example',
    ])
    expect(pollArgv(config(), [])).toBeNull()
    // Run by busybox sh with a stand-in `busybox nslookup` that answers as busybox's does.
    const dir = mkdtempSync(join(tmpdir(), 'lanvpn-nslookup-'))
    try {
      writeFileSync(
        join(dir, 'busybox'),
        `#!/bin/sh\n[ "$1" = nslookup ] || exec /usr/bin/busybox "$@"\nprintf 'Server:\\t\\t%s\\nAddress:\\t%s\\n\\nName:\\t%s\\nAddress: 192.0.2.%s\\n\\n' "$3" "$3" "$2" "\${#2}"\n`
      )
      chmodSync(join(dir, 'busybox'), 0o755)
      const out = execFileSync('busybox', argv ?? [], {
        env: { PATH: `${dir}:/usr/bin:/bin` },
        encoding: 'utf8',
      })
      expect(parseLookups(out)).toBe(
        'add element inet lanvpn_rules rule1_dns4 { 192.0.2.12 }\n' +
          'add element inet lanvpn_rules rule2_dns4 { 192.0.2.14, 192.0.2.10 }\n'
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
