import { describe, expect, it } from 'vitest'
import { groupOfDevice, householdGroups } from '../../applet/src/core/config/groups'
import { applyConfigPatch, applyDeviceEdits } from '../../applet/src/core/config/patch'
import { parseConfig, validateConfig } from '../../applet/src/core/config/validate'
import { parseUci } from '../../applet/src/core/uci/parse'
import { renderUci } from '../../applet/src/core/uci/render'

const KEY = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg='
const wg = (id: string, n: number) => `
config profile '${id}'
\toption type 'wireguard'
\tlist address '10.6${n}.0.2/32'
\tlist dns '10.6${n}.0.1'
\toption public_key '${KEY}'
\toption endpoint_host '203.0.113.${n}'
`
const ovpn = (id: string) => `
config profile '${id}'
\toption type 'openvpn'
\tlist remote 'nl.example.net 1194 udp'
`
const PROFILES = [wg('home', 1), wg('uk', 2), wg('us', 3), wg('de', 4), wg('fr', 5), ovpn('nl')]

const configText = (...sections: string[]) => `
config globals 'globals'
\toption active_profile 'home'
\toption connect '1'
${PROFILES.join('')}${sections.join('')}`

const where = (p: { section: string; option: string }) => `${p.section}.${p.option}`

describe('device groups in the config', () => {
  it('reads a config without groups as before: one default group made of the globals', () => {
    const { config, problems } = parseConfig(configText())
    expect(problems).toEqual([])
    expect(config.groups).toEqual([])
    expect(householdGroups(config)).toEqual([
      {
        id: '',
        index: 0,
        label: '',
        profile: 'home',
        fallback: [],
        killSwitch: 'always',
        connect: true,
      },
    ])
  })

  it('numbers the groups in file order, each with its location, fallback and kill switch', () => {
    const text = configText(`
config group 'tv_uk'
\toption label 'TV (UK)'
\toption profile 'uk'
\tlist fallback 'nl'
\toption kill_switch 'auto'
\toption connect '0'

config group 'work'
\toption profile 'us'

config device 'd_020000005001'
\toption mac '02:00:00:00:50:01'
\toption mode 'vpn'
\toption group 'tv_uk'
`)
    const { config, problems } = parseConfig(text)
    expect(problems).toEqual([])
    expect(config.groups).toEqual([
      {
        id: 'tv_uk',
        index: 1,
        label: 'TV (UK)',
        profile: 'uk',
        fallback: ['nl'],
        killSwitch: 'auto',
        connect: false,
      },
      {
        id: 'work',
        index: 2,
        label: 'work',
        profile: 'us',
        fallback: [],
        killSwitch: 'always',
        connect: true,
      },
    ])
    expect(config.devices[0].group).toBe('tv_uk')
    expect(groupOfDevice(config, '02:00:00:00:50:01').index).toBe(1)
    expect(groupOfDevice(config, '02:00:00:00:50:99').index).toBe(0)
  })

  it('keeps a group without a usable location, so its devices are blocked, not sent elsewhere', () => {
    const text = configText(`
config group 'nowhere'
\toption label 'Nowhere'

config group 'gone'
\toption profile 'atlantis'
`)
    const { config, problems } = parseConfig(text)
    expect(config.groups.map((g) => [g.id, g.profile])).toEqual([
      ['nowhere', ''],
      ['gone', ''],
    ])
    expect(problems.map(where)).toEqual(['nowhere.profile', 'gone.profile'])
    expect(problems[0].reason).toMatch(/^required: the group's location/)
    expect(problems[1].reason).toBe('must name a usable profile section')
  })

  it('gives a location to one group only, the default group first', () => {
    const text = configText(`
config group 'a'
\toption profile 'home'

config group 'b'
\toption profile 'uk'
\tlist fallback 'de'

config group 'c'
\toption profile 'de'
\tlist fallback 'uk'
\tlist fallback 'fr'
\tlist fallback 'fr'
`)
    const { config, problems } = parseConfig(text)
    expect(config.groups.map((g) => [g.id, g.profile, g.fallback])).toEqual([
      ['a', '', []],
      ['b', 'uk', ['de']],
      ['c', '', ['fr']],
    ])
    expect(problems.map((p) => `${where(p)}: ${p.reason}`)).toEqual([
      'a.profile: is a location of the default group (globals) already: a location serves one group',
      'c.profile: is a location of group b already: a location serves one group',
      'c.fallback: item 1 is a location of group b already: a location serves one group',
      'c.fallback: item 3 repeats its location or an earlier item',
    ])
  })

  it('skips a group with a bad name or past the limit, and names it', () => {
    const groups = ['g1', 'g2', 'g3', 'g4', 'g5'].map(
      (id, i) => `\nconfig group '${id}'\n\toption profile '${['uk', 'us', 'de', 'fr', 'nl'][i]}'\n`
    )
    const text = configText(
      "\nconfig group 'default'\n\toption profile 'nl'\n",
      "\nconfig group\n\toption profile 'nl'\n",
      ...groups
    )
    const { config, problems } = parseConfig(text)
    expect(config.groups.map((g) => [g.id, g.index])).toEqual([
      ['g1', 1],
      ['g2', 2],
      ['g3', 3],
      ['g4', 4],
    ])
    expect(problems.map((p) => `${where(p)}: ${p.reason}`)).toEqual([
      expect.stringMatching(/^default\.: a group section needs a name .* other than "default"/),
      expect.stringMatching(/^@group\[1\]\.: a group section needs a name/),
      'g5.: at most 4 groups besides the default one; skipped',
    ])
  })

  it('keeps a device that names no group in the default group, and says so', () => {
    const text = configText(`
config device 'd_020000005001'
\toption mac '02:00:00:00:50:01'
\toption group 'tv_uk'
`)
    const { config, problems } = parseConfig(text)
    expect(config.devices[0].group).toBe('')
    expect(problems).toEqual([
      {
        section: 'd_020000005001',
        option: 'group',
        reason: 'must name a group section; the default group applies',
      },
    ])
  })
})

describe('changing groups', () => {
  const doc = parseUci(
    configText(`
config group 'tv_uk'
\toption profile 'uk'

config device 'd_020000005001'
\toption mac '02:00:00:00:50:01'
\toption mode 'vpn'
\toption group 'tv_uk'
`)
  )

  it('creates a group at the end with setConfig, options by their UCI names', () => {
    const { doc: next, problems } = applyConfigPatch(doc, {
      groups: { work: { label: 'Work', profile: 'us', fallback: ['nl'], kill_switch: 'auto' } },
    })
    expect(problems).toEqual([])
    const work = validateConfig(next).config.groups[1]
    expect(work).toMatchObject({ id: 'work', index: 2, label: 'Work', fallback: ['nl'] })
    expect(renderUci(next)).toContain(
      "config group 'work'\n\toption label 'Work'\n\toption profile 'us'\n\tlist fallback 'nl'\n"
    )
  })

  it('refuses a location another group has, naming the group and the option', () => {
    const { doc: next, problems } = applyConfigPatch(doc, { groups: { work: { profile: 'uk' } } })
    expect(next).toBe(doc)
    expect(problems.map(where)).toEqual(['work.profile'])
  })

  it('refuses bad names, kinds and options, changing nothing', () => {
    const { doc: next, problems } = applyConfigPatch(doc, {
      groups: {
        'no way': { profile: 'us' },
        default: { profile: 'us' },
        home: { profile: 'us' },
        tv_uk: { connect: 'yes', colour: 'red' } as never,
      },
    })
    expect(next).toBe(doc)
    expect(problems.map((p) => `${where(p)}: ${p.reason}`)).toEqual([
      'no way.: must be 1 to 32 letters, digits or _ (not "default")',
      'default.: must be 1 to 32 letters, digits or _ (not "default")',
      'home.: another section has this name',
      'tv_uk.connect: must be true or false',
      'tv_uk.colour: unknown option',
    ])
  })

  it('removes a group and moves its devices back to the default group in the same change', () => {
    const { doc: next, problems } = applyConfigPatch(doc, { groups: { tv_uk: null } })
    expect(problems).toEqual([])
    const { config, problems: after } = validateConfig(next)
    expect(after).toEqual([])
    expect(config.groups).toEqual([])
    expect(config.devices[0]).toMatchObject({ mode: 'vpn', group: '' })
  })

  it('moves a device between groups with a device edit, and refuses a group that is not there', () => {
    const back = applyDeviceEdits(doc, [{ mac: '02:00:00:00:50:01', group: '' }])
    expect(back.changed).toBe(1)
    expect(validateConfig(back.doc).config.devices[0].group).toBe('')
    const typo = applyDeviceEdits(doc, [{ mac: '02:00:00:00:50:01', group: 'tv_us' }])
    expect(typo.doc).toBe(doc)
    expect(typo.problems.map(where)).toEqual(['d_020000005001.group'])
  })
})
