// setConfig's edit: JSON values from the API → UCI strings in the one globals or mediastreamer
// section, then the whole candidate is validated. All or nothing: on any problem the caller gets
// the original document back, so a half-applied change can never be written.
import { addSection, findSection, removeSection, replaceSection } from '../uci/doc'
import { sectionLabel, setOption } from '../uci/doc'
import type { UciDoc, UciSection, UciValue } from '../uci/doc'
import type { ConfigProblem, DeviceMode } from './types'
import { deviceSectionName } from './formats'
import {
  GLOBAL_OPTIONS,
  MEDIASTREAMER_OPTIONS,
  type OptionKind,
  type SettableGlobal,
  type SettableMediastreamer,
} from './options'
import { blockingProblems } from './problems'
import { singletonSection, validateConfig } from './validate'

/** The JSON value an option takes: true/false, a whole number, text, or an array of text. */
export type PatchValue = string | boolean | number | string[]

/** A setConfig change: UCI option names of the globals and mediastreamer sections, values as JSON
 * gives them. '' or [] removes the option, so its default applies. */
export type ConfigPatch = {
  globals?: Partial<Record<SettableGlobal, PatchValue>>
  mediastreamer?: Partial<Record<SettableMediastreamer, PatchValue>>
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
    const schema = Object.prototype.hasOwnProperty.call(SCHEMA, type) ? SCHEMA[type] : undefined
    if (!schema) {
      problems.push({ section: type, option: '', reason: 'unknown section' })
      continue
    }
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      problems.push({ section: type, option: '', reason: 'must be an object of options' })
      continue
    }
    const existing = singletonSection(next, type)
    let section: UciSection = existing ?? { type, name: type, options: [] }
    for (const [name, value] of Object.entries(options as Record<string, unknown>)) {
      const kind = Object.prototype.hasOwnProperty.call(schema, name) ? schema[name] : undefined
      const uci = kind === undefined ? null : toUci(kind, value)
      if (kind === undefined) {
        problems.push({ section: type, option: name, reason: 'unknown option' })
      } else if (uci === null) {
        problems.push({ section: type, option: name, reason: EXPECTED[kind] })
      } else {
        section = setOption(section, name, uci)
      }
    }
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

/** One change to a configured device, by normalised MAC. `forget` removes its section (it falls
 * back to the default mode); otherwise the given fields are set and a missing section is created.
 * `label: ''` removes the label. */
export type DeviceEdit =
  | { mac: string; mode?: DeviceMode; label?: string; kind?: string; forget?: false }
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
