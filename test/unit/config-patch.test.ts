import { describe, expect, it } from 'vitest'
import { applyConfigPatch } from '../../applet/src/core/config/patch'
import type { ConfigPatch } from '../../applet/src/core/config/patch'
import { DEFAULT_CONFIG_TEXT } from '../../applet/src/core/config/defaults'
import { validateConfig } from '../../applet/src/core/config/validate'
import { parseUci } from '../../applet/src/core/uci/parse'
import { renderUci } from '../../applet/src/core/uci/render'

const base = parseUci(`${DEFAULT_CONFIG_TEXT}
config device 'd_aabbccddeeff'
\toption mac 'aa:bb:cc:dd:ee:ff'
\toption mode 'direct'
\toption owner_note 'kept by another tool'

config other_tool 'x'
\tlist y 'z'
`)

describe('applyConfigPatch', () => {
  it('converts JSON booleans, numbers and arrays into UCI values', () => {
    const patch: ConfigPatch = {
      globals: { enabled: false, health_interval: 10, log_level: 'info' },
      mediastreamer: { dns_server: ['198.51.100.53', '2001:db8::53'] },
    }
    const { doc, problems } = applyConfigPatch(base, patch)
    expect(problems).toEqual([])
    const { config } = validateConfig(doc)
    expect(config.globals).toMatchObject({ enabled: false, healthInterval: 10, logLevel: 'info' })
    expect(config.mediastreamer.dnsServers).toEqual(['198.51.100.53', '2001:db8::53'])
    expect(renderUci(doc)).toContain("\toption enabled '0'\n\toption kill_switch")
    expect(renderUci(doc)).toContain("\toption health_interval '10'\n")
  })

  it('keeps every other section and option exactly as it was', () => {
    const { doc } = applyConfigPatch(base, { globals: { ipv6: false } })
    expect(doc.sections.slice(1)).toEqual(base.sections.slice(1))
    const before = renderUci(base).split('\n')
    const after = renderUci(doc).split('\n')
    expect(after.filter((l, i) => l !== before[i])).toEqual(["\toption ipv6 '0'"])
  })

  it('creates a missing section and puts globals first', () => {
    const empty = parseUci("config other_tool 'x'\n")
    const patch: ConfigPatch = {
      globals: { kill_switch: 'auto' },
      mediastreamer: { enabled: false },
    }
    const { doc, problems } = applyConfigPatch(empty, patch)
    expect(problems).toEqual([])
    expect(renderUci(doc)).toBe(
      [
        '',
        "config globals 'globals'",
        "\toption kill_switch 'auto'",
        '',
        "config other_tool 'x'",
        '',
        "config mediastreamer 'mediastreamer'",
        "\toption enabled '0'",
        '',
        '',
      ].join('\n')
    )
  })

  it('removes an option given an empty value so its default applies', () => {
    const { doc } = applyConfigPatch(base, { globals: { lan_device: '' } })
    expect(renderUci(doc)).not.toContain('lan_device')
    expect(validateConfig(doc).config.globals.lanDevice).toBe('br-lan')
  })

  it('rejects unknown options and wrong JSON types, returning the original document', () => {
    const patch = {
      globals: { enabled: 'yes', health_interval: 2.5, fallback: 'ams', colour: 'blue' },
      mediastreamer: { dns_server: [1] },
      devices: {},
    } as unknown as ConfigPatch
    const { doc, problems } = applyConfigPatch(base, patch)
    expect(doc).toBe(base)
    expect(problems).toEqual([
      { section: 'globals', option: 'enabled', reason: 'must be true or false' },
      { section: 'globals', option: 'health_interval', reason: 'must be a whole number' },
      { section: 'globals', option: 'fallback', reason: 'must be an array of text' },
      { section: 'globals', option: 'colour', reason: 'unknown option' },
      { section: 'mediastreamer', option: 'dns_server', reason: 'must be an array of text' },
      { section: 'devices', option: '', reason: 'unknown section' },
    ])
  })

  it('changes nothing when one of several options is invalid', () => {
    const before = renderUci(base)
    const patch: ConfigPatch = { globals: { enabled: false, health_interval: 99 } }
    const { doc, problems } = applyConfigPatch(base, patch)
    expect(doc).toBe(base)
    expect(renderUci(base)).toBe(before)
    expect(problems).toEqual([
      {
        section: 'globals',
        option: 'health_interval',
        reason: 'must be a whole number from 2 to 60',
      },
    ])
  })

  it('rejects a change that breaks a cross-field rule', () => {
    const { doc, problems } = applyConfigPatch(base, { mediastreamer: { enabled: true } })
    expect(doc).toBe(base)
    expect(problems.map((p) => p.option)).toEqual(['dns_server', 'url'])
  })

  it('rejects an active profile that does not exist', () => {
    const { doc, problems } = applyConfigPatch(base, { globals: { active_profile: 'nowhere' } })
    expect(doc).toBe(base)
    expect(problems).toEqual([
      {
        section: 'globals',
        option: 'active_profile',
        reason: 'must be empty or name a usable profile section',
      },
    ])
  })

  it('is not blocked by an old problem elsewhere, but is by one in an option it sets', () => {
    const badDevice = "\nconfig device 'd_000000000001'\n\toption mac 'nope'\n"
    const broken = parseUci(DEFAULT_CONFIG_TEXT + badDevice)
    expect(validateConfig(broken).problems).toHaveLength(1)
    expect(applyConfigPatch(broken, { globals: { ipv6: false } }).problems).toEqual([])
    const badHealth = parseUci("config globals 'globals'\n\toption health_target 'x'\n")
    const again = applyConfigPatch(badHealth, { globals: { health_target: 'y' } })
    expect(again.doc).toBe(badHealth)
    expect(again.problems.map((p) => p.option)).toEqual(['health_target'])
  })

  it('ignores the session id uhttpd adds to every call', () => {
    const session = { ubus_rpc_session: '0123456789abcdef0123456789abcdef' }
    const patch = { ...session, globals: { ipv6: true } } as ConfigPatch
    expect(applyConfigPatch(base, patch).problems).toEqual([])
  })
})
