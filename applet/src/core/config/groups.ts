// Device groups (issue 21): `config group '<name>'` sections, each a location of its own at the
// same time as the rest, and the household's default group, which is the globals (active_profile,
// fallback, kill_switch, connect) so that every config written before groups means what it meant.
//
// A location (profile) serves one group only, as its active location or a fallback: one WireGuard
// key has one session at the server (a second tunnel with the same key takes the server's one
// endpoint record from the first, and both break), and most providers' OpenVPN accounts likewise
// limit sessions per credential. It also makes "which tunnel is this profile's" a function of the
// profile alone. Two groups that want the same location are one group.
import { sectionLabel, sectionsOfType } from '../uci/doc'
import type { UciDoc, UciSection } from '../uci/doc'
import { DEFAULT_GROUP_WORD, MAX_GROUPS } from '../ids'
import { GROUP_OPTIONS } from './options'
import { isLabel, LABEL_REASON, SectionReader } from './reader'
import { KILL_SWITCHES } from './types'
import type { Config, ConfigProblem, Globals, Group, KillSwitch } from './types'
import * as f from './formats'

/** The section name of a group: what a device's `option group` names. */
export const isGroupName = (s: string): boolean =>
  s.length <= 32 && f.isUciName(s) && s !== DEFAULT_GROUP_WORD

const NAME_REASON = `a group section needs a name of 1 to 32 letters, digits or _ other than "${DEFAULT_GROUP_WORD}"; skipped`

/** Which group already holds a profile, in words, or '' when none does. */
function holderOf(profile: string, globals: Globals, groups: Group[]): string {
  if (profile === globals.activeProfile || globals.fallback.includes(profile))
    return 'the default group (globals)'
  const g = groups.find((x) => x.profile === profile || x.fallback.includes(profile))
  return g ? `group ${g.id}` : ''
}

function readGroup(
  r: SectionReader,
  index: number,
  profileIds: string[],
  globals: Globals,
  earlier: Group[]
): Group {
  const d = GROUP_OPTIONS
  const id = r.section.name as string
  const taken = (p: string): string => holderOf(p, globals, earlier)
  let profile = r.text('profile') ?? ''
  if (profile === '') {
    r.problem('profile', "required: the group's location (a profile section)")
  } else if (!profileIds.includes(profile)) {
    r.problem('profile', 'must name a usable profile section')
    profile = ''
  } else if (taken(profile)) {
    r.problem('profile', `is a location of ${taken(profile)} already: a location serves one group`)
    profile = ''
  }
  const fallback: string[] = []
  ;(r.list('fallback') ?? []).forEach((p, i) => {
    const holder = profileIds.includes(p) ? taken(p) : ''
    const bad = !profileIds.includes(p)
      ? 'must name a usable profile section'
      : fallback.includes(p) || p === profile
        ? 'repeats its location or an earlier item'
        : holder
          ? `is a location of ${holder} already: a location serves one group`
          : ''
    if (bad) r.problem('fallback', `item ${i + 1} ${bad}`)
    else fallback.push(p)
  })
  return {
    id,
    index,
    label: r.str('label', isLabel, LABEL_REASON, id),
    profile,
    fallback,
    killSwitch: r.oneOf<KillSwitch>('kill_switch', KILL_SWITCHES, d.kill_switch.default),
    connect: r.bool('connect', d.connect.default),
  }
}

/** The `config group` sections in file order, numbered 1…MAX_GROUPS. A section without a good
 * name, with the name of another section, or past the limit is skipped and named. A group without
 * a usable location is kept with profile '' (its devices are blocked, never sent elsewhere). */
export function readGroups(
  doc: UciDoc,
  profileIds: string[],
  globals: Globals,
  problems: ConfigProblem[]
): Group[] {
  const groups: Group[] = []
  for (const s of sectionsOfType(doc, 'group')) {
    const r = new SectionReader(s, sectionLabel(doc, s), problems)
    const name = s.name
    if (name === null || !isGroupName(name)) r.problem('', NAME_REASON)
    else if (doc.sections.some((x: UciSection) => x !== s && x.name === name))
      r.problem('', 'another section has the same name; skipped')
    else if (groups.length >= MAX_GROUPS)
      r.problem('', `at most ${MAX_GROUPS} groups besides the default one; skipped`)
    else groups.push(readGroup(r, groups.length + 1, profileIds, globals, groups))
  }
  return groups
}

/** Every group of the household, the default one first (index 0, id '', label ''), then the
 * sections in index order. Same input, same output. */
export function householdGroups(config: Config): Group[] {
  const g = config.globals
  const home: Group = {
    id: '',
    index: 0,
    label: '',
    profile: g.activeProfile,
    fallback: g.fallback,
    killSwitch: g.killSwitch,
    connect: g.connect,
  }
  return [home, ...config.groups]
}

/** Why vpn devices use the WAN (bypassOf), as core/devices/explain.ts ExplainCode names it. */
export type BypassCode = 'vpn_no_profile' | 'vpn_not_armed' | 'vpn_auto_wan'

/** Why a group's vpn devices use the WAN, unmarked (render/nft.ts markOf), in explainDevice's
 * codes; null when their tunnel carries them, or the kill switch holds them while it is down. For
 * the whole household: no location set up yet, or nobody connected since the first import
 * (types.ts armed); for the group alone (`own`: the globals for the default group): a disconnect
 * under kill switch `auto`. The device's mode only: a rule's tunnel mark is held all the same. */
export function bypassOf(
  config: Config,
  own: Pick<Group, 'killSwitch' | 'connect'>
): BypassCode | null {
  if (config.profiles.length === 0) return 'vpn_no_profile'
  if (!config.globals.armed) return 'vpn_not_armed'
  return own.killSwitch === 'auto' && !own.connect ? 'vpn_auto_wan' : null
}

/** The group a device's vpn traffic uses: its own when that group exists, else the default. */
export function groupOfDevice(config: Config, mac: string): Group {
  const all = householdGroups(config)
  const want = config.devices.find((d) => d.mac === mac)?.group ?? ''
  return all.find((x) => x.id === want) ?? all[0]
}
