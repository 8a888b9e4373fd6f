import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG_TEXT, defaultConfig } from '../../applet/src/core/config/defaults'
import {
  deviceSectionName,
  isCidr,
  isHostname,
  isIp,
  isIpv4,
  isIpv6,
  isUciName,
  isWgKey,
  normaliseMac,
  parseConfig,
  validateConfig,
} from '../../applet/src/core/config/validate'
import { parseUci } from '../../applet/src/core/uci/parse'
import { renderUci } from '../../applet/src/core/uci/render'

const lines = (...text: string[]): string => `${text.join('\n')}\n`
const KEY = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg='
const PROFILE = lines(
  '',
  "config profile 'ams'",
  "\toption label 'Amsterdam'",
  "\toption type 'wireguard'",
  "\tlist address '10.64.0.2'",
  "\tlist address 'fd00::2/128'",
  "\tlist dns '10.64.0.1'",
  `\toption public_key '${KEY}'`,
  "\toption endpoint_host 'ams.example.net'"
)
const where = (p: { section: string; option: string }): string => `${p.section}.${p.option}`

describe('default config', () => {
  it('ships exactly DEFAULT_CONFIG_TEXT as /etc/config/lanvpn', () => {
    const shipped = readFileSync('openwrt-package/files/etc/config/lanvpn', 'utf8')
    expect(shipped).toBe(DEFAULT_CONFIG_TEXT)
  })

  it('validates with no problems into defaultConfig()', () => {
    const { config, problems } = parseConfig(DEFAULT_CONFIG_TEXT)
    expect(problems).toEqual([])
    expect(config).toEqual(defaultConfig())
  })

  it('is written the way uci commit writes it', () => {
    expect(renderUci(parseUci(DEFAULT_CONFIG_TEXT))).toBe(DEFAULT_CONFIG_TEXT)
  })

  it('uses the defaults for an empty file', () => {
    const empty = {
      doc: { sections: [] },
      config: defaultConfig(),
      problems: [],
      unreadable: false,
    }
    expect(parseConfig('')).toEqual(empty)
  })
})

describe('parseConfig', () => {
  it('reads a profile with its peer, normalising bare addresses to /32 and /128', () => {
    const text = PROFILE + lines("config globals 'globals'", "\toption active_profile 'ams'")
    const { config, problems } = parseConfig(text)
    expect(problems).toEqual([])
    expect(config.globals.activeProfile).toBe('ams')
    expect(config.profiles).toEqual([
      {
        id: 'ams',
        label: 'Amsterdam',
        type: 'wireguard',
        addresses: ['10.64.0.2/32', 'fd00::2/128'],
        dns: ['10.64.0.1'],
        dnsSearch: [],
        mtu: 0,
        peers: [
          {
            publicKey: KEY,
            endpointHost: 'ams.example.net',
            endpointPort: 51820,
            allowedIps: ['0.0.0.0/0', '::/0'],
            persistentKeepalive: 0,
            hasPresharedKey: false,
          },
        ],
      },
    ])
  })

  it('adds peers from anonymous peer sections to their profile', () => {
    const text =
      PROFILE +
      lines(
        'config peer',
        "\toption profile 'ams'",
        `\toption public_key '${KEY}'`,
        "\toption endpoint_host '2001:db8::1'",
        "\toption endpoint_port '443'"
      )
    const { config, problems } = parseConfig(text)
    expect(problems).toEqual([])
    expect(config.profiles[0].peers.map((p) => [p.endpointHost, p.endpointPort])).toEqual([
      ['ams.example.net', 51820],
      ['2001:db8::1', 443],
    ])
  })

  it('reports every problem at once and falls back to each default', () => {
    const text = lines(
      "config globals 'globals'",
      "\toption enabled 'maybe'",
      "\toption default_mode 'tunnel'",
      "\toption health_interval '61'",
      "\toption health_target 'router'",
      "\toption kill_switch 'never'",
      "\toption lan_device 'br/lan'"
    )
    const { config, problems } = parseConfig(text)
    const globals = (option: string, reason: unknown) => ({ section: 'globals', option, reason })
    expect(problems).toEqual([
      globals('enabled', 'must be 0 or 1 (or true/false, yes/no, on/off)'),
      globals('kill_switch', 'must be one of always, auto'),
      globals('default_mode', 'must be one of vpn, direct, mediastreamer, blocked'),
      globals('health_target', 'must be empty or an IPv4 or IPv6 address'),
      globals('health_interval', 'must be a whole number from 2 to 60'),
      globals('lan_device', expect.stringMatching(/^must be a Linux interface name/)),
    ])
    expect(config.globals).toEqual(defaultConfig().globals)
  })

  it('accepts the boolean spellings UCI scripts accept', () => {
    const text = lines(
      "config globals 'globals'",
      "\toption router_via_vpn 'yes'",
      "\toption ipv6 'off'"
    )
    const { config, problems } = parseConfig(text)
    expect(problems).toEqual([])
    expect([config.globals.routerViaVpn, config.globals.ipv6]).toEqual([true, false])
  })

  it('turns a syntax error into one problem with the line and the default config', () => {
    const text = lines("config globals 'globals'", "\toption a-b '1'")
    const { config, problems, doc } = parseConfig(text)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ section: '', option: '' })
    expect(problems[0].reason).toMatch(/line 2: invalid option name "a-b"/)
    expect(config).toEqual(defaultConfig())
    expect(doc.sections).toEqual([])
  })

  it('reports secret options anywhere and never reads them', () => {
    const extra = lines(
      "\toption private_key 'c2VjcmV0'",
      '',
      'config other',
      "\toption token 'x'",
      '',
      "config mediastreamer 'mediastreamer'",
      "\toption password 'y'"
    )
    const text = PROFILE + extra
    const { config, problems } = parseConfig(text)
    const reason =
      'secrets do not belong in /etc/config/lanvpn; import the profile again (lanvpn stores keys root-only)'
    expect(problems).toEqual([
      { section: 'ams', option: 'private_key', reason },
      { section: '@other[0]', option: 'token', reason },
      {
        section: 'mediastreamer',
        option: 'password',
        reason:
          'secrets do not belong in /etc/config/lanvpn; enter it in the MediaStreamer settings (lanvpn stores it root-only)',
      },
    ])
    expect(JSON.stringify(config)).not.toContain('c2VjcmV0')
  })

  it('keeps unknown sections and options without reporting them', () => {
    const text = lines(
      "config globals 'globals'",
      "\toption future 'x'",
      '',
      "config something_else 'y'",
      "\toption a 'b'"
    )
    const { doc, problems } = parseConfig(text)
    expect(problems).toEqual([])
    expect(doc).toEqual(parseUci(text))
  })

  it('skips a wireguard profile without a usable peer and the references to it', () => {
    const text = lines(
      "config profile 'bad'",
      "\toption label 'Broken'",
      "\toption public_key 'short='",
      '',
      "config globals 'globals'",
      "\toption active_profile 'bad'"
    )
    const { config, problems } = parseConfig(text)
    expect(config.profiles).toEqual([])
    expect(config.globals.activeProfile).toBe('')
    expect(problems.map(where)).toEqual([
      'globals.active_profile',
      'bad.public_key',
      'bad.endpoint_host',
      'bad.',
    ])
  })

  it('checks the fallback list for unknown, repeated and active profiles', () => {
    const text =
      PROFILE +
      PROFILE.replace(/ams/g, 'ber') +
      lines(
        "config globals 'globals'",
        "\toption active_profile 'ams'",
        "\tlist fallback 'ber'",
        "\tlist fallback 'ber'",
        "\tlist fallback 'ams'",
        "\tlist fallback 'nyc'"
      )
    const { config, problems } = parseConfig(text)
    expect(config.globals.fallback).toEqual(['ber'])
    expect(problems.map((p) => p.reason)).toEqual([
      'item 2 repeats an earlier item',
      'item 3 is the active profile already',
      'item 4 must name a usable profile section',
    ])
  })

  it('reads devices whose section name matches their MAC and skips the rest', () => {
    const text = lines(
      "config globals 'globals'",
      "\toption default_mode 'direct'",
      '',
      "config device 'd_aabbccddeeff'",
      "\toption mac 'AA-BB-CC-DD-EE-FF'",
      "\toption label 'TV'",
      "\toption kind 'tv'",
      '',
      "config device 'd_000000000001'",
      "\toption mac '00:00:00:00:00:02'",
      '',
      "config device 'd_112233445566'",
      "\toption mac '11:22:33:44:55:66'",
      "\toption mode 'vpn'",
      "\toption kind 'fridge'"
    )
    const { config, problems } = parseConfig(text)
    expect(config.devices).toEqual([
      {
        id: 'd_aabbccddeeff',
        mac: 'aa:bb:cc:dd:ee:ff',
        mode: 'direct',
        label: 'TV',
        kind: 'tv',
        group: '',
      },
      {
        id: 'd_112233445566',
        mac: '11:22:33:44:55:66',
        mode: 'vpn',
        label: '',
        kind: 'other',
        group: '',
      },
    ])
    expect(problems).toEqual([
      { section: 'd_000000000001', option: '', reason: expect.stringContaining('d_000000000002') },
      {
        section: 'd_112233445566',
        option: 'kind',
        reason: expect.stringMatching(/^must be one of phone, laptop/),
      },
    ])
  })

  it('reports a duplicate device MAC', () => {
    const text = lines("config device 'd_aabbccddeeff'", "\toption mac 'aa:bb:cc:dd:ee:ff'")
    const device = parseUci(text)
    const twice = { sections: [device.sections[0], { ...device.sections[0] }] }
    const { config, problems } = validateConfig(twice)
    expect(config.devices).toHaveLength(1)
    expect(problems).toEqual([
      { section: 'd_aabbccddeeff', option: 'mac', reason: expect.stringContaining('same MAC') },
    ])
  })

  it('checks mediastreamer fields against each other only when it is enabled', () => {
    const off = lines("config mediastreamer 'mediastreamer'", "\toption enabled '0'")
    expect(parseConfig(off).problems).toEqual([])
    const on = lines("config mediastreamer 'mediastreamer'", "\toption enabled '1'")
    const { config, problems } = parseConfig(on)
    expect(problems.map(where)).toEqual(['mediastreamer.dns_server', 'mediastreamer.url'])
    expect(config.mediastreamer.enabled).toBe(false)
    const good =
      on +
      lines(
        "\toption url 'https://ms.example.net/activate?ip={ip}&t={token}'",
        "\tlist dns_server '198.51.100.53'"
      )
    expect(parseConfig(good)).toMatchObject({
      problems: [],
      config: { mediastreamer: { enabled: true } },
    })
    expect(parseConfig(good.replace('{ip}', 'x')).problems).toEqual([
      {
        section: 'mediastreamer',
        option: 'url',
        reason: 'must be an https:// URL containing {ip} (and optionally {token})',
      },
    ])
  })

  it('requires server, hostname and username for dyndns2', () => {
    const text = lines(
      "config mediastreamer 'mediastreamer'",
      "\toption enabled '1'",
      "\toption method 'dyndns2'",
      "\tlist dns_server '1.1.1.1'"
    )
    const options = parseConfig(text).problems.map((p) => p.option)
    expect(options).toEqual(['server', 'hostname', 'username'])
  })

  it('names a second globals section and ignores it', () => {
    const text = lines(
      'config globals',
      "\toption log_level 'debug'",
      '',
      "config globals 'globals'",
      "\toption log_level 'info'"
    )
    const { config, problems } = parseConfig(text)
    expect(config.globals.logLevel).toBe('info')
    expect(problems).toEqual([
      {
        section: '@globals[0]',
        option: '',
        reason: 'only one globals section is used; this one is ignored',
      },
    ])
  })
})

describe('formats', () => {
  it.each(['0.0.0.0', '10.64.0.1', '255.255.255.255'])('accepts IPv4 %s', (s) => {
    expect(isIpv4(s)).toBe(true)
  })

  it.each(['256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', ''])('rejects IPv4 %j', (s) => {
    expect(isIpv4(s)).toBe(false)
  })

  it.each(['::', '::1', 'fd00::2', '2001:db8:0:0:0:0:0:1', '::ffff:10.0.0.1', 'fe80::1:2'])(
    'accepts IPv6 %s',
    (s) => {
      expect(isIpv6(s)).toBe(true)
    }
  )

  const badIpv6 = ['1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', '[::1]', 'fe80::1%eth0']
  it.each([...badIpv6, '1:2:3:4:5:6:7', ':', '1.2.3.4::'])('rejects IPv6 %s', (s) => {
    expect(isIpv6(s)).toBe(false)
  })

  it('takes either family as an IP address, and nothing else', () => {
    expect([isIp('10.0.0.1'), isIp('::1'), isIp('host')]).toEqual([true, true, false])
  })

  it('checks CIDR prefixes per family', () => {
    const good = ['10.0.0.0/8', '::/0', 'fd00::2/128']
    const bad = ['10.0.0.0/33', '::/129', '10.0.0.1', '1.0.0.0/08', 'x/8']
    expect(good.map(isCidr)).toEqual([true, true, true])
    expect(bad.map(isCidr)).toEqual([false, false, false, false, false])
  })

  it('accepts host names but not a mistyped IPv4 address', () => {
    const good = ['ams.example.net', 'localhost', 'xn--bcher-kva.de']
    const bad = ['10.0.0.300', '-a.b', 'a..b', 'a_b.c', 'a.b.']
    expect(good.map(isHostname)).toEqual([true, true, true])
    expect(bad.map(isHostname)).toEqual([false, false, false, false, false])
  })

  it('accepts only 32-byte base64 WireGuard keys', () => {
    const cases = [KEY, KEY.slice(1), `${KEY.slice(0, 42)}B=`, `${KEY.slice(0, 43)}A`]
    expect(cases.map(isWgKey)).toEqual([true, false, false, false])
  })

  it('normalises MAC addresses and derives device section names', () => {
    expect(normaliseMac('AA-BB-CC-DD-EE-0F')).toBe('aa:bb:cc:dd:ee:0f')
    expect(normaliseMac('aa:bb-cc:dd:ee:ff')).toBeNull()
    expect(deviceSectionName('AA:BB:CC:DD:EE:0F')).toBe('d_aabbccddee0f')
    expect(() => deviceSectionName('nope')).toThrow(/not a MAC address/)
  })

  it('accepts UCI names of letters, digits and _ only', () => {
    expect(['d_aabbccddee0f', 'a-b', ''].map(isUciName)).toEqual([true, false, false])
  })
})
