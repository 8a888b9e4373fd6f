import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  AMNEZIA_REFUSAL,
  HOOK_REFUSAL,
  parseEndpoint,
  parseWireguardConf,
  type WireguardImport,
} from '../../applet/src/core/tunnel/wireguard-conf'
import { isProfileId, profileIdFromLabel } from '../../applet/src/core/tunnel/profile-id'

const fixture = (name: string): string => readFileSync(`test/fixtures/profiles/${name}`, 'utf8')
const ident = { id: 'ams', label: 'Amsterdam' }
const KEY = 'r0yIPqLNeXxOw/k66uK2v2ekNmi0w/KuM0MGHufE0po='
const PUB = 'rFN5+I12c4UgZYgJLCbEUbxBMyvBw1ue3Vhu7dbwI8w='
const conf = (...lines: string[]): string => `${lines.join('\n')}\n`
const minimal = (...extra: string[]): string =>
  conf(
    '[Interface]',
    `PrivateKey = ${KEY}`,
    'Address = 10.0.0.2/32',
    ...extra,
    'Address = fd00::2/128',
    'DNS = 10.0.0.1',
    '[Peer]',
    `PublicKey = ${PUB}`,
    'AllowedIPs = 0.0.0.0/0, ::/0',
    'Endpoint = vpn.example.net:51820'
  )

function ok(text: string): WireguardImport {
  const r = parseWireguardConf(text, ident)
  if (!r.ok) throw new Error(`expected a usable import: ${JSON.stringify(r.notes)}`)
  return r
}

describe('parseWireguardConf', () => {
  it('imports a Mullvad-style file and refuses its PostUp/PreDown kill-switch lines by line', () => {
    const r = ok(fixture('mullvad-se-got.conf'))
    expect(r.profile).toMatchObject({
      id: 'ams',
      label: 'Amsterdam',
      type: 'wireguard',
      addresses: ['10.68.12.34/32', 'fc00:bbbb:bbbb:bb01::5:c21/128'],
      dns: ['10.64.0.1'],
      peers: [{ endpointHost: '185.213.154.68', endpointPort: 51820 }],
    })
    expect(r.privateKey).toBe(KEY)
    expect(r.notes).toEqual([
      { line: 6, level: 'refused', message: `postup refused: ${HOOK_REFUSAL}` },
      { line: 7, level: 'refused', message: `predown refused: ${HOOK_REFUSAL}` },
    ])
  })

  it('never puts a hook command into the profile or the notes', () => {
    const r = ok(fixture('mullvad-se-got.conf'))
    expect(JSON.stringify(r)).not.toContain('iptables')
  })

  it('reads a ProtonVPN-style file with CRLF line endings and # comments in the peer', () => {
    const r = ok(fixture('protonvpn-nl-free-crlf.conf'))
    expect(r.profile.addresses).toEqual(['10.2.0.2/32'])
    expect(r.profile.peers[0]).toMatchObject({
      endpointHost: '190.2.132.139',
      allowedIps: ['0.0.0.0/0'],
    })
    // Proton's free file tunnels IPv4 only: the devices' IPv6 is blocked, and the import says so.
    expect(r.notes).toEqual([
      {
        line: 15,
        level: 'warning',
        message: "no ::/0 in AllowedIPs: the devices' IPv6 will be blocked, not tunnelled",
      },
    ])
  })

  it('reads an [IPv6]:port endpoint, v4 and v6 addresses, DNS search domains, MTU, ListenPort and a PSK', () => {
    const r = ok(fixture('ipv6-endpoint.conf'))
    expect(r.profile).toMatchObject({
      addresses: ['10.14.0.2/32', 'fd7d:76ee:e68f:a993::2/128'],
      dns: ['10.14.0.1', 'fd7d:76ee:e68f:a993::1'],
      dnsSearch: ['corp.example', 'lan'],
      mtu: 1380,
      listenPort: 51000,
    })
    expect(r.profile.peers[0]).toMatchObject({
      endpointHost: '2a03:1b20:1:f011::a01f',
      endpointPort: 51820,
      allowedIps: ['0.0.0.0/0', '::/0'],
      persistentKeepalive: 25,
      hasPresharedKey: true,
    })
    expect(r.presharedKeys).toEqual({ 0: 'VCoGuNbeqWpuSJsGqgPCEHjRSWyfUWGJNSVp755CRvY=' })
  })

  it('ignores Table, FwMark and SaveConfig with a warning each', () => {
    const r = ok(fixture('ipv6-endpoint.conf'))
    expect(r.notes.map((n) => [n.line, n.level])).toEqual([
      [8, 'warning'],
      [9, 'warning'],
      [10, 'warning'],
    ])
  })

  it('reads keys and section headers case-insensitively, as wg-quick does, and a host name endpoint', () => {
    const r = ok(fixture('hostname-endpoint.conf'))
    expect(r.profile.peers[0]).toMatchObject({
      endpointHost: 'de-fra.example-vpn.net',
      endpointPort: 1637,
      persistentKeepalive: 0,
    })
  })

  it('imports the usable peers of several and names the line of each one it dropped', () => {
    const r = ok(fixture('several-peers-one-bad.conf'))
    expect(r.profile.peers.map((p) => p.endpointHost)).toEqual([
      'se1.example-vpn.net',
      '203.0.113.9',
    ])
    // The preshared key follows its peer to its new index.
    expect(Object.keys(r.presharedKeys)).toEqual(['1'])
    expect(r.notes.map((n) => [n.line, n.level])).toEqual([
      [1, 'warning'], // no DNS line
      [8, 'warning'], // no ::/0
      [13, 'error'],
      [21, 'error'],
    ])
    expect(r.notes[3].message).toContain('[addr]:port')
  })

  it('reads DNS servers separated by spaces, as NordVPN-style files write them', () => {
    const r = ok(
      conf(
        '[Interface]',
        `PrivateKey = ${KEY}`,
        'Address = 10.5.0.2/32',
        'DNS = 103.86.96.100 103.86.99.100',
        '[Peer]',
        `PublicKey = ${PUB}`,
        'AllowedIPs = 0.0.0.0/0',
        'Endpoint = se123.nordvpn.com:51820',
        'PersistentKeepalive = 25'
      )
    )
    expect(r.profile.dns).toEqual(['103.86.96.100', '103.86.99.100'])
    expect(r.notes).toEqual([
      {
        line: 7,
        level: 'warning',
        message: "no ::/0 in AllowedIPs: the devices' IPv6 will be blocked, not tunnelled",
      },
    ])
  })

  it('says the IPv6 of devices is blocked when the file has ::/0 but no IPv6 address (Surfshark-style)', () => {
    const r = ok(minimal().replace('Address = fd00::2/128\n', ''))
    expect(r.notes).toEqual([
      {
        line: 3,
        level: 'warning',
        message: "no IPv6 Address: the devices' IPv6 will be blocked, not tunnelled",
      },
    ])
  })

  it('says which resolver the devices get when there is no DNS line (a wg-easy file without one)', () => {
    const r = ok(minimal().replace('DNS = 10.0.0.1\n', ''))
    expect(r.notes).toEqual([
      {
        line: 1,
        level: 'warning',
        message:
          "no DNS line: the devices' name lookups will fail (lanvpn sends them only to the tunnel's resolver)",
      },
    ])
  })

  it('refuses a file with two [Interface] sections, naming the line of the second', () => {
    // Two locations pasted into one file: the second's peer must not be glued onto the first key.
    const second = conf('[Interface]', `PrivateKey = ${KEY}`, 'Address = 10.9.0.2/32')
    const text =
      minimal() +
      second +
      conf(
        '[Peer]',
        `PublicKey = ${PUB.replace('r', 'q')}`,
        'AllowedIPs = 0.0.0.0/0, ::/0',
        'Endpoint = 198.51.100.9:51820'
      )
    const r = parseWireguardConf(text, ident)
    expect(r.ok).toBe(false)
    expect(r.notes).toEqual([
      {
        line: 10,
        level: 'error',
        message: 'a second [Interface]: one file is one tunnel; split it in two',
      },
    ])
  })

  it('refuses an AmneziaWG file, naming AmneziaWG and the packages the router would need', () => {
    const text = conf(
      '[Interface]',
      `PrivateKey = ${KEY}`,
      'Address = 10.8.1.2/32',
      'DNS = 1.1.1.1, 1.0.0.1',
      'Jc = 4',
      'Jmin = 40',
      'Jmax = 70',
      'S1 = 0',
      'S2 = 0',
      'H1 = 1',
      'H2 = 2',
      'H3 = 3',
      'H4 = 4',
      'I1 = <b 0xc10000000108>',
      '[Peer]',
      `PublicKey = ${PUB}`,
      'AllowedIPs = 0.0.0.0/0, ::/0',
      'Endpoint = 198.51.100.7:51820'
    )
    const r = parseWireguardConf(text, ident)
    expect(r.ok).toBe(false)
    expect(r.notes).toEqual([{ line: 5, level: 'error', message: `jc ${AMNEZIA_REFUSAL}` }])
    expect(AMNEZIA_REFUSAL).toContain('AmneziaWG')
    expect(AMNEZIA_REFUSAL).toContain('amneziawg-tools and kmod-amneziawg')
  })

  it('adds /32 and /128 to bare addresses', () => {
    const r = ok(minimal().replace('10.0.0.2/32', '10.0.0.2, fd00::3'))
    expect(r.profile.addresses).toEqual(['10.0.0.2/32', 'fd00::3/128', 'fd00::2/128'])
  })

  it('fails with the line when the private key is not base64 of 32 bytes', () => {
    const r = parseWireguardConf(minimal().replace(KEY, 'c2hvcnQ='), ident)
    expect(r.ok).toBe(false)
    expect(r.notes[0]).toMatchObject({ line: 2, level: 'error' })
    expect(r.notes[0].message).toContain('PrivateKey')
  })

  it('fails when no peer is usable, and when there is no [Peer] at all', () => {
    const bad = parseWireguardConf(minimal().replace(PUB, 'abc'), ident)
    expect(bad.ok).toBe(false)
    const none = parseWireguardConf(
      conf('[Interface]', `PrivateKey = ${KEY}`, 'Address = 10.0.0.2/32'),
      ident
    )
    expect(none.ok).toBe(false)
    expect(none.notes.map((n) => n.message)).toContain('no [Peer] section')
  })

  it('refuses a key given twice rather than guessing which one counts', () => {
    const r = parseWireguardConf(minimal(`PrivateKey = ${KEY}`), ident)
    expect(r.ok).toBe(false)
    expect(r.notes[0]).toMatchObject({ line: 4, level: 'error' })
  })

  it('rejects ports outside 1-65535 in Endpoint and ListenPort', () => {
    const r = parseWireguardConf(minimal().replace(':51820', ':65536'), ident)
    expect(r.ok).toBe(false)
    const lp = ok(minimal('ListenPort = 0'))
    expect(lp.notes[0]).toMatchObject({ line: 4, level: 'error' })
    expect(lp.profile.listenPort).toBeUndefined()
  })

  it('warns about unknown keys and keeps importing', () => {
    const r = ok(minimal('Flavour = 4'))
    expect(r.notes).toEqual([
      { line: 4, level: 'warning', message: 'unknown setting "flavour" in [Interface] ignored' },
    ])
  })

  it('routes everything through a peer without AllowedIPs, and says so', () => {
    const r = ok(minimal().replace('AllowedIPs = 0.0.0.0/0, ::/0\n', ''))
    expect(r.profile.peers[0].allowedIps).toEqual(['0.0.0.0/0', '::/0'])
    expect(r.notes[0]).toMatchObject({ line: 6, level: 'warning' })
  })

  it('names a line that is not Key = value', () => {
    const r = ok(minimal('this is not a setting'))
    expect(r.notes[0]).toMatchObject({ line: 4, level: 'error' })
  })

  it('refuses files larger than 64 KiB before reading them', () => {
    const r = parseWireguardConf(minimal() + '#'.repeat(70000), ident)
    expect(r).toEqual({
      ok: false,
      notes: [{ line: 0, level: 'error', message: 'the file is larger than 64 KiB' }],
    })
  })

  it('never quotes a key in a note', () => {
    const r = parseWireguardConf(minimal().replace(PUB, `${PUB.slice(0, 40)}xyz`), ident)
    expect(JSON.stringify(r.notes)).not.toContain(PUB.slice(0, 40))
  })
})

describe('parseEndpoint', () => {
  it('reads host:port, IPv4:port and [IPv6]:port', () => {
    expect(parseEndpoint('vpn.example.net:51820')).toEqual({ host: 'vpn.example.net', port: 51820 })
    expect(parseEndpoint('198.51.100.1:1')).toEqual({ host: '198.51.100.1', port: 1 })
    expect(parseEndpoint('[2001:db8::1]:65535')).toEqual({ host: '2001:db8::1', port: 65535 })
  })

  it('refuses a bare IPv6 endpoint, a missing port and a bracketed non-IPv6 host', () => {
    expect(parseEndpoint('2001:db8::1:51820')).toHaveProperty('reason')
    expect(parseEndpoint('vpn.example.net')).toHaveProperty('reason')
    expect(parseEndpoint('[vpn.example.net]:51820')).toHaveProperty('reason')
  })
})

describe('profileIdFromLabel', () => {
  it('derives a UCI-safe id and makes it unique with _2, _3', () => {
    expect(profileIdFromLabel('Amsterdam #2 (WG)', [])).toBe('amsterdam_2_wg')
    expect(profileIdFromLabel('Paris', ['paris'])).toBe('paris_2')
    expect(profileIdFromLabel('Paris', ['paris', 'paris_2'])).toBe('paris_3')
    expect(profileIdFromLabel('東京', [])).toBe('profile')
  })

  it('keeps ids within 32 characters, suffix included', () => {
    const long = 'a'.repeat(40)
    expect(profileIdFromLabel(long, [])).toHaveLength(32)
    const second = profileIdFromLabel(long, ['a'.repeat(32)])
    expect(second).toHaveLength(32)
    expect(second.endsWith('_2')).toBe(true)
    expect(isProfileId(second)).toBe(true)
  })
})
