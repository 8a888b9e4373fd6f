// The init script describes lanvpn's options to procd (validate_lanvpn, for `ubus call service
// validate` and LuCI). The daemon validates them itself (applet/src/core/config/validate.ts); this
// keeps the two from drifting: every option procd is told about is one the daemon reads, each type
// accepts what the daemon accepts at its edges, and each default is the daemon's default.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { validateConfig } from '../../applet/src/core/config/validate'
import { DEFAULT_CONFIG_TEXT, defaultConfig } from '../../applet/src/core/config/defaults'
import { parseUci } from '../../applet/src/core/uci/parse'
import { defaultsOf, GLOBAL_OPTIONS, GROUP_OPTIONS } from '../../applet/src/core/config/options'
import { RULE_OPTIONS } from '../../applet/src/core/config/rules'

const INIT = join(__dirname, '../../openwrt-package/files/etc/init.d/lanvpn')

/** What validate_lanvpn passes to uci_validate_section, per section: [name, type, default?]. */
function validationSpecs(): Record<string, Array<[string, string, string | undefined]>> {
  const out = execFileSync(
    '/bin/sh',
    [
      '-c',
      `uci_validate_section() { printf 'S %s\\n' "$2"; shift 3; printf '%s\\n' "$@"; }; . "$1"; validate_lanvpn`,
      'sh',
      INIT,
    ],
    { encoding: 'utf8' }
  )
  const specs: Record<string, Array<[string, string, string | undefined]>> = {}
  let section = ''
  for (const line of out.trim().split('\n')) {
    if (line.startsWith('S ')) specs[(section = line.slice(2))] = []
    else {
      const [name, type, dflt] = line.split(':')
      specs[section].push([name, type, dflt])
    }
  }
  return specs
}

/** A section with one option set; a rule gets the `via` it needs to be read at all. */
const sectionWith = (section: string, name: string, value: string) =>
  parseUci(
    `config ${section} '${section}'\n\toption ${name} '${value}'\n` +
      (section === 'rule' ? `\toption via 'direct'\n` : '')
  )

/** The daemon's problems with one option of one section set to `value`. */
function problemsWith(section: string, name: string, value: string): string[] {
  const doc = sectionWith(section, name, value)
  return validateConfig(doc)
    .problems.filter((p) => p.option === name)
    .map((p) => p.reason)
}

/** Values at the edges of a procd type: [accepted, refused]. */
function edges(type: string): [string[], string[]] | null {
  if (type === 'bool')
    return [
      ['0', '1'],
      ['2', 'maybe'],
    ]
  if (type === 'uciname') return [['wan_2'], ['wan-2', 'a b']]
  if (type === 'ipaddr')
    return [
      ['192.0.2.1', '2001:db8::1'],
      ['192.0.2.300', 'router'],
    ]
  if (type === 'hostname') return [['vpn.example.net'], ['a b', 'a/b']]
  const range = type.match(/^range\((\d+),(\d+)\)$/)
  if (range) {
    const [lo, hi] = [Number(range[1]), Number(range[2])]
    return [
      [String(lo), String(hi)],
      [String(lo - 1), String(hi + 1)],
    ]
  }
  const or = type.match(/^or\((.*)\)$/)
  if (or) return [or[1].split(',').map((v) => v.replace(/^'|'$/g, '')), ['none']]
  return null
}

describe('the init script describes lanvpn options to procd', () => {
  const specs = validationSpecs()

  it('registers validate_lanvpn with procd and describes the globals, mediastreamer, group and rule sections', () => {
    expect(readInit()).toMatch(/^\tprocd_add_validation validate_lanvpn$/m)
    expect(Object.keys(specs)).toEqual(['globals', 'mediastreamer', 'group', 'rule'])
  })

  it('names every option of a rule section the daemon reads, and nothing else', () => {
    expect(specs.rule.map(([name]) => name).sort()).toEqual(Object.keys(RULE_OPTIONS).sort())
  })

  it('names every option of the globals setConfig takes', () => {
    const settable = Object.entries(GLOBAL_OPTIONS).filter(([, o]) => !('internal' in o))
    for (const [name] of settable) expect(specs.globals.map(([n]) => n)).toContain(name)
  })

  it('names every option of a group section the daemon reads, and nothing else', () => {
    expect(specs.group.map(([name]) => name).sort()).toEqual(Object.keys(GROUP_OPTIONS).sort())
  })

  it('names every option of the shipped /etc/config/lanvpn', () => {
    for (const section of parseUci(DEFAULT_CONFIG_TEXT).sections)
      for (const o of section.options)
        expect(
          specs[section.type].map(([name]) => name),
          `${section.type}.${o.name}`
        ).toContain(o.name)
  })

  it('gives each typed option the values the daemon accepts at its edges, and refuses what it refuses', () => {
    for (const [section, list] of Object.entries(specs))
      for (const [name, type] of list) {
        const itemType = type.match(/^list\((.*)\)$/)?.[1] ?? type
        const e = edges(itemType)
        if (!e) continue
        for (const ok of e[0]) expect(problemsWith(section, name, ok), `${name}=${ok}`).toEqual([])
        for (const bad of e[1])
          expect(problemsWith(section, name, bad).length, `${name}=${bad}`).toBeGreaterThan(0)
      }
  })

  it("gives each option the daemon's own default", () => {
    const daemon = defaultConfig()
    for (const [section, list] of Object.entries(specs))
      for (const [name, , dflt] of list) {
        if (dflt === undefined) continue
        const { config, problems } = validateConfig(sectionWith(section, name, dflt))
        expect(
          problems.filter((p) => p.option === name),
          `${section}.${name}`
        ).toEqual([])
        if (section === 'group') {
          // A group section is a group of its own; its other fields are the table's defaults.
          const { id, index, ...fields } = config.groups[0]
          expect([id, index]).toEqual(['group', 1])
          const defaults = defaultsOf<typeof fields>(GROUP_OPTIONS)
          expect(fields, `${section}.${name}=${dflt}`).toEqual({ ...defaults, label: 'group' })
          continue
        }
        expect(problems, `${section}.${name}`).toEqual([])
        if (section === 'rule') {
          const option = RULE_OPTIONS[name as keyof typeof RULE_OPTIONS]
          expect(config.rules[0][option.field], name).toEqual(option.default)
          continue
        }
        const key = section as 'globals' | 'mediastreamer'
        expect(config[key], `${section}.${name}=${dflt}`).toEqual(daemon[key])
      }
  })
})

function readInit(): string {
  return execFileSync('cat', [INIT], { encoding: 'utf8' })
}
