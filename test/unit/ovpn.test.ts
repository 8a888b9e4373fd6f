import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parsePushedDns, renderOvpnRunConfig } from '../../applet/src/core/tunnel/openvpn-run'
import { parseOvpn, splitOvpnLine, type OvpnImport } from '../../applet/src/core/tunnel/ovpn'

const fixture = (name: string): string => readFileSync(`test/fixtures/profiles/${name}`, 'utf8')

function ok(text: string): OvpnImport {
  const r = parseOvpn(text)
  if (!r.ok) throw new Error(`expected a usable import: ${JSON.stringify(r.notes)}`)
  return r
}

const CA = fixture('cert-inline.ovpn').match(/<ca>[\s\S]*?<\/ca>/)![0]
const base = (...lines: string[]): string =>
  ['client', 'remote vpn.example.net 1194', 'auth-user-pass', ...lines, CA, ''].join('\n')

// Directive lines of a sanitised config (no inline block content).
const directives = (text: string): string[] => {
  const out: string[] = []
  let inBlock = false
  for (const line of text.split('\n')) {
    if (/^<[a-z-]+>$/.test(line)) inBlock = true
    else if (/^<\/[a-z-]+>$/.test(line)) inBlock = false
    else if (!inBlock && line && !line.startsWith('#')) out.push(line)
  }
  return out
}

describe('parseOvpn', () => {
  it('keeps the connection settings and inline blocks of a provider file and drops every hostile line', () => {
    const r = ok(fixture('provider-hostile-crlf.ovpn'))
    expect(directives(r.sanitised)).toEqual([
      'client',
      'proto udp',
      'remote se-sto.example-vpn.net 1194',
      'remote 198.51.100.7 443 tcp',
      'remote-random',
      'resolv-retry infinite',
      'nobind',
      'persist-key',
      'persist-tun',
      'remote-cert-tls server',
      'cipher AES-256-GCM',
      'data-ciphers AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305',
      'auth SHA512',
      'verb 3',
      'comp-lzo no',
      'key-direction 1',
    ])
    expect(r.sanitised).toContain('<ca>\n-----BEGIN CERTIFICATE-----')
    expect(r.sanitised).toContain('<tls-auth>\n#\n# 2048 bit OpenVPN static key')
    expect(r.sanitised).not.toMatch(/\r|update-resolv-conf|wget|script-security|management|setenv/)
  })

  it('lists each refused directive with its line and the reason, including one written --route-up', () => {
    const r = ok(fixture('provider-hostile-crlf.ovpn'))
    const refused = r.notes
      .filter((n) => n.level === 'refused')
      .map((n) => [n.line, n.message.split(' ')[0]])
    expect(refused).toEqual([
      [20, 'script-security'],
      [21, 'up'],
      [22, 'down'],
      [23, 'route-up'],
      [24, 'redirect-gateway'],
      [25, 'route'],
      [29, 'log'],
      [30, 'setenv'],
      [31, 'management'],
    ])
    expect(r.notes.find((n) => n.line === 21)?.message).toContain('never runs')
  })

  it('takes pushed-style dhcp-option DNS and DOMAIN as the profile DNS instead of running them', () => {
    const r = ok(fixture('provider-hostile-crlf.ovpn'))
    expect(r.dns).toEqual(['10.8.0.1'])
    expect(r.dnsSearch).toEqual(['example-vpn.internal'])
    expect(r.sanitised).not.toContain('dhcp-option')
  })

  it('lists the servers with the default port and protocol filled in', () => {
    const r = ok(fixture('provider-hostile-crlf.ovpn'))
    expect(r.remotes).toEqual([
      { host: 'se-sto.example-vpn.net', port: 1194, proto: 'udp' },
      { host: '198.51.100.7', port: 443, proto: 'tcp' },
    ])
  })

  it('needs credentials for auth-user-pass and ignores the file it names', () => {
    const r = ok(fixture('provider-hostile-crlf.ovpn'))
    expect(r.needsCredentials).toBe(true)
    expect(r.notes.find((n) => n.line === 18)?.level).toBe('warning')
    expect(r.sanitised).not.toContain('credentials.txt')
  })

  it('clamps verb to 3 and warns about compression', () => {
    const r = ok(fixture('provider-hostile-crlf.ovpn'))
    expect(r.notes.find((n) => n.line === 16)?.message).toContain('verb lowered to 3')
    expect(r.notes.find((n) => n.line === 17)?.message).toContain('VORACLE')
  })

  it('accepts a certificate profile with inline cert, key and tls-crypt without credentials', () => {
    const r = ok(fixture('cert-inline.ovpn'))
    expect(r.needsCredentials).toBe(false)
    expect(r.notes).toEqual([])
    for (const tag of ['ca', 'cert', 'key', 'tls-crypt']) expect(r.sanitised).toContain(`<${tag}>`)
  })

  it('refuses file references, naming each missing file and where to paste it, by line', () => {
    const r = parseOvpn(fixture('file-references.ovpn'))
    expect(r.ok).toBe(false)
    expect(r.notes[0]).toEqual({
      line: 5,
      level: 'error',
      message:
        'ca names the file ca.crt, which is not in this profile: paste it between <ca> and </ca>',
    })
    expect(r.notes.slice(1, 4).map((n) => [n.line, n.message.split(',')[0]])).toEqual([
      [6, 'cert names the file client.crt'],
      [7, 'key names the file client.key'],
      [8, 'tls-auth names the file ta.key'],
    ])
  })

  it('uses the inline block when a line also names a file, as openvpn does (PiVPN, AirVPN)', () => {
    const r = ok(base('ca /etc/openvpn/ca.crt'))
    expect(r.notes).toEqual([])
    expect(directives(r.sanitised).join('\n')).not.toContain('ca.crt')
    expect(r.sanitised).toContain('<ca>')
  })

  it('takes a referenced file from the rest of the archive (a PIA-style zip with ca.rsa.2048.crt)', () => {
    const text = [
      'client',
      'remote nl.example.net 1198 udp',
      'auth-user-pass',
      'ca ca.rsa.2048.crt',
    ].join('\n')
    const pem = CA.replace(/<\/?ca>/g, '').trim()
    const r = parseOvpn(text, { 'ca.rsa.2048.crt': pem })
    if (!r.ok) throw new Error(JSON.stringify(r.notes))
    expect(r.sanitised).toContain(`<ca>\n${pem}\n</ca>`)
    expect(parseOvpn(text, { 'other.crt': pem }).notes[0].message).toContain('ca.rsa.2048.crt')
  })

  it('accepts a <tls-crypt-v2> client key, whose PEM label has dashes', () => {
    const v2 = [
      '<tls-crypt-v2>',
      '-----BEGIN OpenVPN tls-crypt-v2 client key-----',
      'dGVzdCBrZXkgbWF0ZXJpYWwgb25seQ==',
      '-----END OpenVPN tls-crypt-v2 client key-----',
      '</tls-crypt-v2>',
    ]
    const r = ok(base(...v2))
    expect(r.notes).toEqual([])
    expect(r.sanitised).toContain(v2.join('\n'))
  })

  it('refuses an encrypted client key, saying why and what to do', () => {
    for (const key of [
      [
        '-----BEGIN ENCRYPTED PRIVATE KEY-----',
        'MIIFHzBJBgkqhkiG9w0BBQ0wPDAbBgkqhkiG9w0BBQww',
        '-----END ENCRYPTED PRIVATE KEY-----',
      ],
      [
        '-----BEGIN RSA PRIVATE KEY-----',
        'Proc-Type: 4,ENCRYPTED',
        'DEK-Info: AES-256-CBC,5A1B',
        '',
        'MIIE',
        '-----END RSA PRIVATE KEY-----',
      ],
    ]) {
      const cert = [
        '<cert>',
        '-----BEGIN CERTIFICATE-----',
        'MIIB',
        '-----END CERTIFICATE-----',
        '</cert>',
      ]
      const text = [
        'client',
        'remote vpn.example.net 1194',
        CA,
        ...cert,
        '<key>',
        ...key,
        '</key>',
      ].join('\n')
      const r = parseOvpn(text)
      expect(r.ok).toBe(false)
      expect(r.notes[0]).toMatchObject({
        line: text.split('\n').indexOf('<key>') + 1,
        level: 'error',
      })
      expect(r.notes[0].message).toMatch(
        /^<key> is encrypted with a passphrase, which no one can type at the router/
      )
    }
  })

  it('refuses dev tap, static-key mode, connection blocks and unclosed blocks', () => {
    expect(parseOvpn(base('dev tap0')).ok).toBe(false)
    expect(parseOvpn(base('secret static.key')).ok).toBe(false)
    expect(parseOvpn(base('<connection>', 'remote a.example 1', '</connection>')).ok).toBe(false)
    expect(parseOvpn(base('<key>', '-----BEGIN PRIVATE KEY-----')).ok).toBe(false)
  })

  it('refuses a file without a server or without a CA', () => {
    expect(parseOvpn(base().replace('remote vpn.example.net 1194\n', '')).ok).toBe(false)
    expect(parseOvpn(base().replace(CA, '')).ok).toBe(false)
  })

  it('takes user and password from an inline <auth-user-pass> block and keeps them out of the config', () => {
    const r = ok(base('<auth-user-pass>', 'alice', 's3cret pass', '</auth-user-pass>'))
    expect(r.credentials).toEqual({ username: 'alice', password: 's3cret pass' })
    expect(r.sanitised).not.toContain('s3cret')
  })

  it('removes unknown directives with a warning and keeps importing', () => {
    const r = ok(base('frobnicate 1'))
    expect(r.notes).toEqual([
      {
        line: 4,
        level: 'warning',
        message: "frobnicate removed: not on lanvpn's list of safe directives",
      },
    ])
  })

  it('classifies directives case-insensitively, so UP is refused too', () => {
    const r = ok(base('UP /bin/true'))
    expect(r.notes[0]).toMatchObject({ line: 4, level: 'refused' })
  })
})

describe('splitOvpnLine', () => {
  it('splits on whitespace, honours quotes and stops at a comment', () => {
    expect(splitOvpnLine('remote  vpn.example.net 1194 # main')).toEqual([
      'remote',
      'vpn.example.net',
      '1194',
    ])
    expect(splitOvpnLine('verify-x509-name "C=SE, CN=se-sto" subject')).toEqual([
      'verify-x509-name',
      'C=SE, CN=se-sto',
      'subject',
    ])
    expect(splitOvpnLine("up '/bin/sh -c x'")).toEqual(['up', '/bin/sh -c x'])
  })
})

describe('renderOvpnRunConfig', () => {
  it('adds lanvpn device, route-noexec, pull filters and the credentials file after the profile', () => {
    const r = ok(fixture('provider-hostile-crlf.ovpn'))
    const run = renderOvpnRunConfig(r.sanitised, {
      dev: 'lanvpn_ovpn',
      authFile: '/etc/lanvpn/secrets/profile_se.auth',
    })
    expect(run.startsWith(r.sanitised)).toBe(true)
    expect(directives(run).slice(-9)).toEqual([
      'client',
      'dev lanvpn_ovpn',
      'dev-type tun',
      'persist-tun',
      'route-noexec',
      'pull-filter ignore "redirect-gateway"',
      'pull-filter ignore "block-ipv6"',
      'auth-retry nointeract',
      'auth-user-pass /etc/lanvpn/secrets/profile_se.auth',
    ])
  })

  it("runs lanvpn's own up hook with the DNS file as its argument, and nothing a profile supplied", () => {
    // A provider's file whose hook lines import refused: the run config's only script is lanvpn's.
    const sanitised = ok(
      base(
        'script-security 3',
        'up /tmp/evil.sh',
        'route-up "/bin/sh -c id"',
        'dhcp-option DNS 1.1.1.1'
      )
    ).sanitised
    const run = renderOvpnRunConfig(sanitised, {
      dev: 'tun9',
      upHook: { script: '/usr/libexec/lanvpn/ovpn-up', dnsFile: '/var/run/lanvpn/openvpn.dns' },
    })
    const d = directives(run)
    expect(
      d.filter((l) => /^(up|down|route-up|ipchange|script-security|setenv)\b/.test(l))
    ).toEqual(['script-security 2', 'up "/usr/libexec/lanvpn/ovpn-up /var/run/lanvpn/openvpn.dns"'])
    expect(renderOvpnRunConfig('client\n', { dev: 'tun9' })).not.toContain('script-security')
  })

  it('refuses an up hook path openvpn would split or that is not absolute', () => {
    for (const [script, dnsFile] of [
      ['/usr/libexec/lanvpn/ovpn-up', '/tmp/a b'],
      ['ovpn-up', '/var/run/lanvpn/openvpn.dns'],
      ['/usr/libexec/lanvpn/ovpn-up', '/tmp/x"\nup /bin/sh'],
    ])
      expect(() =>
        renderOvpnRunConfig('client\n', { dev: 'tun9', upHook: { script, dnsFile } })
      ).toThrow(/up hook path/)
  })

  it('refuses a device name that is not a Linux interface name', () => {
    expect(() => renderOvpnRunConfig('client\n', { dev: 'tun0\nup /bin/sh' })).toThrow(
      /device name/
    )
  })
})

describe('the DNS servers a VPN server pushed', () => {
  it('takes the IP literals of the up hook file, in order, without repeats', () => {
    expect(parsePushedDns('10.8.0.1\nfd00::53\n10.8.0.1\n')).toEqual(['10.8.0.1', 'fd00::53'])
  })

  it('ignores anything in the file that is not an address, and a missing file', () => {
    expect(parsePushedDns('$(reboot)\n10.8.0.1; id\n999.1.1.1\nexample.com\n')).toEqual([])
    expect(parsePushedDns(null)).toEqual([])
  })
})
