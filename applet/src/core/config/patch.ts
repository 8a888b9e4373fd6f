// setConfig's edit: JSON values from the API → UCI strings in the one globals or mediastreamer
// section, then the whole candidate is validated. All or nothing: on any problem the caller gets
// the original document back, so a half-applied change can never be written.
import { addSection, findSection, removeSection, replaceSection } from '../uci/doc'
import { deleteOption, getOption, sectionLabel, sectionsOfType, setOption } from '../uci/doc'
import type { UciDoc, UciSection, UciValue } from '../uci/doc'
import type { ConfigProblem, DeviceMode } from './types'
import { deviceSectionName } from './formats'
import {
  GLOBAL_OPTIONS,
  GROUP_OPTIONS,
  MEDIASTREAMER_OPTIONS,
  type OptionKind,
  type SettableGroupOption,
  type SettableGlobal,
  type SettableMediastreamer,
} from './options'
import { blockingProblems } from './problems'
import { isGroupName } from './groups'
import { singletonSection, validateConfig } from './validate'

/** The JSON value an option takes: true/false, a whole number, text, or an array of text. */
export type PatchValue = string | boolean | number | string[]

/** A setConfig change: UCI option names of the globals and mediastreamer sections, values as JSON
 * gives them. '' or [] removes the option, so its default applies. `groups`: by group section
 * name, the options to set (a missing group is created at the end, the next index), or null to
 * remove the group, its devices going back to the default group in the same change. */
export type ConfigPatch = {
  globals?: Partial<Record<SettableGlobal, PatchValue>>
  mediastreamer?: Partial<Record<SettableMediastreamer, PatchValue>>
  groups?: Record<string, Partial<Record<SettableGroupOption, PatchValue>> | null>
}

type Kind = OptionKind

/** The kinds of the options setConfig may set, per section (options.ts). */
const kindsOf = (table: Record<string, { kind: Kind; internal?: true }>) =>
  Object.fromEntries(
    Object.entries(table)
      .filter(([, o]) => !o.internal)
      .map(([name, o]) => [name, o.kind])
  ) as Record<string, Kind>

const SCHEMA: Record<string, Record<string, Kind>> = {
  globals: kindsOf(GLOBAL_OPTIONS),
  mediastreamer: kindsOf(MEDIASTREAMER_OPTIONS),
  group: kindsOf(GROUP_OPTIONS),
}

// uhttpd adds the session id to every exec-plugin call (openwrt-contracts §10.15): not ours.
const IGNORED_KEYS = ['ubus_rpc_session']

const EXPECTED: Record<Kind, string> = {
  bool: 'must be true or false',
  int: 'must be a whole number',
  string: 'must be text',
  list: 'must be an array of text',
}

// JSON value → UCI value, or null when the JSON type is wrong for the option.
function toUci(kind: Kind, value: unknown): UciValue | null {
  if (kind === 'bool') return typeof value === 'boolean' ? (value ? '1' : '0') : null
  if (kind === 'int') {
    return typeof value === 'number' && Number.isInteger(value) ? String(value) : null
  }
  if (kind === 'string') return typeof value === 'string' ? value : null
  const isTextList = Array.isArray(value) && value.every((v) => typeof v === 'string')
  return isTextList ? (value as string[]).slice() : null
}

/** Applies `patch` to `doc` (creating a missing section, touching nothing else) and validates the
 * result. Any problem → `doc` itself comes back unchanged with the problems; otherwise the new doc
 * and []. Problems already in `doc` (`known`, when the caller has them) block only if the patch
 * touches that option. */
export function applyConfigPatch(
  doc: UciDoc,
  patch: ConfigPatch,
  known: ConfigProblem[] = validateConfig(doc).problems
): { doc: UciDoc; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = []
  const edited: Array<[UciSection, string[]]> = []
  let next = doc
  // The patch comes from JSON: its shape is checked here, not trusted from the type.
  for (const [type, options] of Object.entries(patch as Record<string, unknown>)) {
    if (IGNORED_KEYS.includes(type) || options === undefined) continue
    if (type === 'groups') {
      next = patchGroups(next, options, problems, edited)
      continue
    }
    const isSingleton = type === 'globals' || type === 'mediastreamer'
    const schema = isSingleton ? SCHEMA[type] : undefined
    if (!schema) {
      problems.push({ section: type, option: '', reason: 'unknown section' })
      continue
    }
    if (!isObject(options)) {
      problems.push({ section: type, option: '', reason: 'must be an object of options' })
      continue
    }
    const existing = singletonSection(next, type)
    const empty: UciSection = { type, name: type, options: [] }
    const section = setOptions(existing ?? empty, type, schema, options, problems)
    edited.push([section, Object.keys(options)])
    // globals goes first in a new file, as the shipped default has it; others at the end.
    if (!existing) next = addSection(next, section, type === 'globals' ? 0 : undefined)
    else next = replaceSection(next, existing, section)
  }
  if (problems.length > 0) return { doc, problems }
  const touched = new Set<string>()
  for (const [section, names] of edited) {
    for (const name of names) touched.add(`${sectionLabel(next, section)}\n${name}`)
  }
  const blocking = blockingProblems(known, validateConfig(next).problems, (p) =>
    touched.has(`${p.section}\n${p.option}`)
  )
  return blocking.length > 0 ? { doc, problems: blocking } : { doc: next, problems: [] }
}

/** Sets one section's options from JSON by `schema`, reporting wrong names and kinds under
 * `label`. */
function setOptions(
  section: UciSection,
  label: string,
  schema: Record<string, Kind>,
  options: Record<string, unknown>,
  problems: ConfigProblem[]
): UciSection {
  let out = section
  for (const [name, value] of Object.entries(options)) {
    const kind = Object.prototype.hasOwnProperty.call(schema, name) ? schema[name] : undefined
    const uci = kind === undefined ? null : toUci(kind, value)
    if (kind === undefined)
      problems.push({ section: label, option: name, reason: 'unknown option' })
    else if (uci === null) problems.push({ section: label, option: name, reason: EXPECTED[kind] })
    else out = setOption(out, name, uci)
  }
  return out
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** setConfig's `groups`: each named group set, created or removed (with its devices moved back
 * to the default group, so no device names a group that is gone). */
function patchGroups(
  doc: UciDoc,
  groups: unknown,
  problems: ConfigProblem[],
  edited: Array<[UciSection, string[]]>
): UciDoc {
  if (!isObject(groups)) {
    problems.push({ section: 'groups', option: '', reason: 'must be an object of groups' })
    return doc
  }
  let next = doc
  for (const [id, options] of Object.entries(groups)) {
    const existing = findSection(next, id)
    if (existing && existing.type !== 'group') {
      problems.push({ section: id, option: '', reason: 'another section has this name' })
    } else if (options === null) {
      if (!existing) continue
      next = removeSection(next, existing)
      for (const d of sectionsOfType(next, 'device')) {
        if (getOption(d, 'group') === id) next = replaceSection(next, d, deleteOption(d, 'group'))
      }
    } else if (!isObject(options)) {
      problems.push({ section: id, option: '', reason: 'must be an object of options or null' })
    } else if (!existing && !isGroupName(id)) {
      const reason = 'must be 1 to 32 letters, digits or _ (not "default")'
      problems.push({ section: id, option: '', reason })
    } else {
      const before = existing ?? { type: 'group', name: id, options: [] }
      const section = setOptions(before, id, SCHEMA.group, options, problems)
      edited.push([section, Object.keys(options)])
      next = existing ? replaceSection(next, existing, section) : addSection(next, section)
    }
  }
  return next
}

/** One change to a configured device, by normalised MAC. `forget` removes its section (it falls
 * back to the default mode); otherwise the given fields are set and a missing section is created.
 * `label: ''` removes the label. */
export type DeviceEdit =
  | {
      mac: string
      mode?: DeviceMode
      label?: string
      kind?: string
      /** A group's section name, or '' for the default group. */
      group?: string
      forget?: false
    }
  | { mac: string; forget: true }

/** Applies device edits to `doc` (named sections `d_<12 hex>`, contracts §4) and validates the
 * result (`known`: the problems `doc` has, when the caller has them). All or nothing: on any
 * problem `doc` itself comes back with the problems. `changed` counts the sections actually
 * created, changed or removed. */
export function applyDeviceEdits(
  doc: UciDoc,
  edits: DeviceEdit[],
  known: ConfigProblem[] = validateConfig(doc).problems
): { doc: UciDoc; problems: ConfigProblem[]; changed: number } {
  let next = doc
  let changed = 0
  const touched = new Set<string>()
  for (const edit of edits) {
    const name = deviceSectionName(edit.mac)
    const existing = findSection(next, name)
    touched.add(name)
    if (edit.forget) {
      if (existing) {
        next = removeSection(next, existing)
        changed += 1
      }
      continue
    }
    let section: UciSection = existing ?? { type: 'device', name, options: [] }
    section = setOption(section, 'mac', edit.mac)
    if (edit.mode !== undefined) section = setOption(section, 'mode', edit.mode)
    if (edit.label !== undefined) section = setOption(section, 'label', edit.label)
    if (edit.kind !== undefined) section = setOption(section, 'kind', edit.kind)
    if (edit.group !== undefined) section = setOption(section, 'group', edit.group)
    if (existing && JSON.stringify(existing) === JSON.stringify(section)) continue
    next = existing ? replaceSection(next, existing, section) : addSection(next, section)
    changed += 1
  }
  if (changed === 0) return { doc, problems: [], changed }
  const blocking = blockingProblems(known, validateConfig(next).problems, (p) =>
    touched.has(p.section)
  )
  return blocking.length > 0
    ? { doc, problems: blocking, changed: 0 }
    : { doc: next, problems: [], changed }
}

/** setRule's fields: rules.ts RULE_OPTIONS by `field`, lists named in the plural (`ports` →
 * `list port`); ports as UCI has them (`tcp:443`), via as UCI's (vpn, direct, blocked, default or
 * a group's name). */
export type RuleFields = Record<string, unknown>

/** One change of the rules: set a rule's fields (`id` absent: a new rule at the end, named
 * `rule_<n>`), remove one (`position` 0), or move one to `position` (1-based, clamped). */
export type RuleEdit = { id?: string; fields?: RuleFields; position?: number }

/** Applies one rule edit to `doc` and validates the result (rules.ts: each item by its field and
 * position, MAX_RULES, the destination and domain budgets). All or nothing, as applyConfigPatch:
 * on any problem `doc` itself comes back. Problems of the edited rule name the rpc's field
 * (`ports`) and no section, so a new rule's generated name never shows. `id`: the rule's id
 * afterwards (its name, or `@rule[i]`). */
export function applyRuleEdit(
  doc: UciDoc,
  edit: RuleEdit,
  known: ConfigProblem[] = validateConfig(doc).problems
): { doc: UciDoc; problems: ConfigProblem[]; id: string } {
  const rules = sectionsOfType(doc, 'rule')
  const at = /^@rule\[(\d+)\]$/.exec(edit.id ?? '')
  const old = at ? rules[+at[1]] : rules.find((s) => s.name === edit.id)
  const problems: ConfigProblem[] = []
  const fail = () => ({ doc, problems, id: '' })
  if (edit.id !== undefined && !old) {
    problems.push({ section: '', option: 'id', reason: 'no rule has this id' })
    return fail()
  }
  let n = rules.length + 1
  while (findSection(doc, `rule_${n}`)) n++
  let section = old ?? { type: 'rule', name: `rule_${n}`, options: [] }
  for (const [field, value] of Object.entries(edit.fields ?? {})) {
    const kind = field === 'enabled' ? 'bool' : /^(label|via)$/.test(field) ? 'string' : 'list'
    const uci = toUci(kind, value)
    if (uci === null) problems.push({ section: '', option: field, reason: EXPECTED[kind] })
    else section = setOption(section, kind === 'list' ? field.slice(0, -1) : field, uci)
  }
  if (problems.length > 0) return fail()
  const order = rules.filter((s) => s !== old)
  const position = edit.position ?? (old ? rules.indexOf(old) + 1 : n)
  if (position > 0) order.splice(position - 1, 0, section)
  // The rule sections in their new order, in the places rule sections had; a new one at the end.
  let i = 0
  const sections = doc.sections.map((s) => (s.type === 'rule' ? order[i++] : s))
  const next = { ...doc, sections: [...sections, ...order.slice(i)].filter(Boolean) }
  // A rule's own fields, when set, are checked even where they were wrong before.
  const label = position > 0 ? sectionLabel(next, section) : ''
  const mine = (p: ConfigProblem) => !!edit.fields && p.section === label
  for (const p of blockingProblems(known, validateConfig(next).problems, mine)) {
    const o = p.option
    const field = o === '' ? 'rule' : /^(label|via|enabled)$/.test(o) ? o : `${o}s`
    problems.push(mine(p) ? { section: '', option: field, reason: p.reason } : p)
  }
  return problems.length ? fail() : { doc: next, problems, id: label }
}
