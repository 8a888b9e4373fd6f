// The diagnostics bundle (core/diagnostics.ts, rpc getDiagnostics): built from a router full of
// secrets, addresses and names, it contains none of them, and still reads as a report.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { rule } from './rule-fixture'
import { redactText } from '../../applet/src/core/diagnostics'
import { fnv1a } from '../../applet/src/core/hash'
import { renderRules, renderRulesTable } from '../../applet/src/core/render/nft-rules'
import { resolvePaths } from '../../applet/src/core/paths'
import { FakeHost } from '../../applet/src/host/fake'
import { methods } from '../../applet/src/rpc/methods'
import { handleCall } from '../../applet/src/rpc/protocol'
import { runCli } from '../../applet/src/cli/cli'
import { withLogLevel } from '../../applet/src/system/log'

const fixture = (name: string) =>
  readFileSync(join(__dirname, '../fixtures/profiles', name), 'utf8')
const none = { secrets: [], names: [] }

describe('redactText', () => {
  it('replaces IPv4 and IPv6 addresses but keeps prefixes and ports readable', () => {
    expect(redactText('10.64.0.2/32 via [2a03:1b20:1:f011::a01f]:51820 fd64::2 ::1', none)).toBe(
      '[redacted-ip]/32 via [[redacted-ip]]:51820 [redacted-ip] [redacted-ip]'
    )
  })

  it('replaces MAC addresses, WireGuard keys, PEM blocks and e-mail addresses', () => {
    const text =
      'mac 02:00:00:00:50:01 key o3+LdGXKA4fu5I1xAIJ/SJ/pQ9nPt/ukL0lND9Wigkk= ' +
      '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY----- me@example.org'
    expect(redactText(text, none)).toBe(
      'mac [redacted-mac] key [redacted-key] [redacted-pem] [redacted-email]'
    )
  })

  it('leaves times, versions, nft syntax and file names alone', () => {
    const text =
      'at 12:34:56 version 1.2.3 ether_addr status.json 90-lanvpn.nft meta mark 0x1000000'
    expect(redactText(text, none)).toBe(text)
  })

  it('replaces known secrets and names in their JSON and UCI escaped forms too', () => {
    const known = { secrets: ['p"ss\'word'], names: ["Bob's TV", 'laptop'] }
    const text = `${JSON.stringify({ a: 'p"ss\'word', b: "Bob's TV" })} 'Bob'\\''s TV' laptop laptops`
    const out = redactText(text, known)
    expect(out).not.toContain('ss')
    expect(out).not.toContain('Bob')
    expect(out).toContain('[redacted-name] laptops')
  })

  it('replaces query values in URLs and dotted host names', () => {
    expect(redactText('https://members.dyn.example/nic/update?token=abc&x=1', none)).toBe(
      'https://[redacted-domain]/nic/update?token=[redacted]&x=[redacted]'
    )
  })
})

describe('getDiagnostics', () => {
  it('builds a bundle from a router full of secrets, addresses and names that contains none of them', async () => {
    const host = new FakeHost()
    const paths = resolvePaths('')
    host.setWallMs(1_763_800_000_000)
    const call = (m: string, args: object) =>
      handleCall(methods, { host, paths }, m, JSON.stringify(args))
    for (const [name, file] of [
      ['Frankfurt', 'hostname-endpoint.conf'],
      ['Dual stack', 'ipv6-endpoint.conf'],
    ])
      expect(await call('importProfile', { name, text: fixture(file) })).not.toHaveProperty('error')
    expect(
      await call('importProfile', {
        name: 'Office',
        text: fixture('cert-inline.ovpn'),
        username: 'alice-vpn-user',
        password: 'correct horse battery staple',
      })
    ).not.toHaveProperty('error')
    expect(
      await call('setConfig', {
        globals: { health_target: '9.9.9.9' },
        mediastreamer: {
          enabled: true,
          method: 'dyndns2',
          server: 'members.dyndns.example',
          hostname: 'myhome.dyndns.example',
          username: 'dyn-user-42',
          password: 'dyn-Pa55word!',
          token: 'tok_5f2e9a0c7d1b',
          dns_server: ['192.0.2.54'],
        },
      })
    ).not.toHaveProperty('error')
    expect(await call('setDeviceMode', { mac: '02:00:00:00:50:01', mode: 'vpn' })).toHaveProperty(
      'ok'
    )
    expect(
      await call('renameDevice', { mac: '02:00:00:00:50:01', label: 'Alice laptop' })
    ).toHaveProperty('ok')
    host.mkdirp(paths.runDir)
    host.writeFileAtomic(
      `${paths.runDir}/devices.json`,
      JSON.stringify({
        version: 1,
        generation: 3,
        updatedAt: 1,
        devices: [
          {
            mac: '02:00:00:00:50:02',
            hostname: 'livingroom-tv',
            ipv4: ['192.168.50.77'],
            ipv6: ['fd50::77'],
            online: true,
            lastSeenWallMs: 1,
            privateMac: false,
            wireless: true,
          },
        ],
      })
    )
    host.writeFileAtomic(
      paths.status,
      JSON.stringify({
        version: 1,
        tunnel: {
          state: 'failed',
          reason:
            'setting up the tunnel failed (wg: de-fra.example-vpn.net:1637 unreachable from 198.51.100.7)',
        },
        apply: { ok: false, errors: ['ip exited 2: RTNETLINK answers: 2001:db8::5 exists'] },
      })
    )
    host.mkdirp('/usr/share/nftables.d/ruleset-post')
    host.writeFileAtomic(
      paths.fw4Include,
      'table inet lanvpn {\n\tset vpn_devices {\n\t\telements = { 02:00:00:00:50:01 }\n\t}\n}\n'
    )

    const result = (await call('getDiagnostics', {})) as { filename: string; text: string }
    expect(result.filename).toBe('lanvpn-diagnostics-20251122-0826.txt')
    const text = result.text
    const secretsAndNames = [
      'hgmjOfYHhTfELt1rVkoDJcQL3WH2PeqcmEO+j0LWDX8=', // private key
      '9N+6viIFgIQ2oftjBVEi890I/7YeFhYVVEXz7jOlcRo=',
      'VCoGuNbeqWpuSJsGqgPCEHjRSWyfUWGJNSVp755CRvY=', // preshared key
      'k57FTQnDS/5OB3llzh0SP1aL78Ul0DWQb91C6//Jhbk=', // public key
      'alice-vpn-user',
      'correct horse',
      'dyn-Pa55word!',
      'tok_5f2e9a0c7d1b',
      'dyn-user-42',
      'dyndns.example',
      'example-vpn.net',
      'corp.example',
      'Alice laptop',
      'livingroom-tv',
      '02:00:00:00:50',
      '020000005001', // the device's section name is its MAC
      '10.14.0',
      '172.16.0.2',
      '1.1.1.1',
      '9.9.9.9',
      '192.0.2.54',
      '192.168.50',
      '198.51.100',
      '2001:db8',
      '2a03:1b20',
      'fd7d:76ee',
      'fd50::',
      'BEGIN',
    ]
    for (const s of secretsAndNames) expect(text, s).not.toContain(s)
    expect(text).toContain('== config ==')
    expect(text).toContain('"type": "wireguard"')
    expect(text).toContain('[redacted-ip]')
    expect(text).toContain('[redacted-mac]')
    expect(text).toContain('"0.0.0.0/0"')
    expect(text).toContain('seen: 1, online: 1')
    expect(text).toContain('table inet lanvpn')
  })

  it("shows the destination rules' boot include in outline: no destination, device, local exception or domains' hash, each set's elements counted", async () => {
    const host = new FakeHost()
    const paths = resolvePaths('')
    const call = (m: string) => handleCall(methods, { host, paths }, m, '{}')
    const section = (text: string) =>
      text.slice(
        text.indexOf('== destination rules'),
        text.indexOf('\n\n', text.indexOf('== destination rules'))
      )
    const none = (await call('getDiagnostics')) as { text: string }
    expect(section(none.text)).toMatch(/\nnot written$/)

    // 10,000 CIDRs as the issue's budget has them, a domain rule, a rule for one device.
    const cidrs = Array.from({ length: 10_000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`)
    const domains = ['bank.example', 'www.bank.example']
    const include = renderRulesTable(
      renderRules({
        rules: [
          rule({ number: 1, dests: cidrs }),
          rule({ number: 2, domains, via: 'vpn' }),
          rule({
            number: 3,
            dests: ['2001:db8:ba::/48'],
            devices: ['02:00:00:00:50:01'],
            via: 'blocked',
          }),
        ],
        groups: [],
        devices: [{ mac: '02:00:00:00:50:01', group: '' }],
        local: { v4: ['172.30.0.0/16'], v6: [] },
        lan: ['br-lan'],
      })
    )!
    host.mkdirp('/usr/share/nftables.d/ruleset-post')
    host.writeFileAtomic(paths.fw4RulesInclude, include, { mode: 0o600 })
    const text = section(((await call('getDiagnostics')) as { text: string }).text)
    for (const s of [
      '10.0.0.0/24',
      '10.39.15.0',
      '2001:db8',
      '02:00:00:00:50',
      '172.30',
      'bank.example',
      fnv1a(`${domains}`),
    ])
      expect(text, s).not.toContain(s)
    // What boot would load, and that it holds to the rules: its chains, its sets and how big.
    expect(text).toContain('table inet lanvpn_rules {')
    expect(text).toContain('chain dest_rules {')
    expect(text).toContain('meta mark set meta mark | 0x10000000')
    expect(text).toContain('ip daddr @rule1_net4 meta mark set')
    expect(text).toMatch(
      /set rule1_net4 \{\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tauto-merge\n\t\t# 10000 elements \(left out\)\n/
    )
    expect(text).toMatch(/set rule3_who \{\n\t\ttype ether_addr\n\t\t# 1 element \(left out\)\n/)
    expect(text).toMatch(
      /set rule2_dns4 \{\n\t\ttype ipv4_addr\n\t\tflags timeout\n\t\ttimeout 1d\n\t\t# the domains' hash \(left out\)\n/
    )
    // A few KB, not the include's own size.
    expect(include.length).toBeGreaterThan(100_000)
    expect(text.length).toBeLessThan(4_096)
  })

  it('prints the same bundle from lanvpn diagnostics', async () => {
    const host = new FakeHost()
    const paths = resolvePaths('')
    expect(await runCli(withLogLevel(host), paths, ['diagnostics'])).toBe(0)
    expect(host.stdout).toMatch(/^lanvpn diagnostics\nversion: /)
    expect(host.stdout).toContain('generated: unknown (the clock is not set)')
  })
})
