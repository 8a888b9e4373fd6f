// The in-memory form of one UCI package file, close to libuci's own: ordered sections, ordered
// options, a list is an option whose value is an array. Every edit returns a new object so callers
// can validate a candidate document before they write it (and keep the old one if it fails).

/** An option value: a string for `option`, an array of items for `list`. */
export type UciValue = string | string[]

/** One option or list of a section, in file order. */
export type UciOption = { name: string; value: UciValue }

/** One `config <type> [<name>]` block. `name` is null for an anonymous section. */
export type UciSection = { type: string; name: string | null; options: UciOption[] }

/** A whole package file. `package` is set only when the text carried a `package` line. */
export type UciDoc = { package?: string; sections: UciSection[] }

/** The named section, or undefined. Anonymous sections are never found by name. */
export function findSection(doc: UciDoc, name: string): UciSection | undefined {
  return doc.sections.find((s) => s.name === name)
}

/** All sections of `type`, in file order (the order `@type[i]` counts in). */
export function sectionsOfType(doc: UciDoc, type: string): UciSection[] {
  return doc.sections.filter((s) => s.type === type)
}

/** The option's value, or undefined when the section does not have it. */
export function getOption(section: UciSection, name: string): UciValue | undefined {
  return section.options.find((o) => o.name === name)?.value
}

/** A copy of `section` with `name` set: an existing option keeps its position, a new one is
 * appended. '' or [] deletes the option instead, because libuci cannot hold an empty option. */
export function setOption(section: UciSection, name: string, value: UciValue): UciSection {
  if (value === '' || (Array.isArray(value) && value.length === 0)) {
    return deleteOption(section, name)
  }
  const copy = Array.isArray(value) ? value.slice() : value
  const index = section.options.findIndex((o) => o.name === name)
  const options =
    index < 0
      ? [...section.options, { name, value: copy }]
      : section.options.map((o, i) => (i === index ? { name, value: copy } : o))
  return { ...section, options }
}

/** A copy of `section` without option `name` (unchanged copy when it was absent). */
export function deleteOption(section: UciSection, name: string): UciSection {
  return { ...section, options: section.options.filter((o) => o.name !== name) }
}

/** A copy of `doc` with `section` inserted at `index` (default: appended at the end). */
export function addSection(doc: UciDoc, section: UciSection, index?: number): UciDoc {
  const sections = doc.sections.slice()
  sections.splice(index === undefined ? sections.length : index, 0, section)
  return { ...doc, sections }
}

/** A copy of `doc` without `section` (matched by identity, so pass an object taken from `doc`). */
export function removeSection(doc: UciDoc, section: UciSection): UciDoc {
  return { ...doc, sections: doc.sections.filter((s) => s !== section) }
}

/** A copy of `doc` with `old` (matched by identity) replaced by `next` in the same position. */
export function replaceSection(doc: UciDoc, old: UciSection, next: UciSection): UciDoc {
  return { ...doc, sections: doc.sections.map((s) => (s === old ? next : s)) }
}

/** How people and `uci` address a section: its name, or `@type[i]` for an anonymous one, where i
 * counts the sections of that type (named ones too, as libuci does) from 0. */
export function sectionLabel(doc: UciDoc, section: UciSection): string {
  if (section.name !== null) return section.name
  const index = sectionsOfType(doc, section.type).indexOf(section)
  return `@${section.type}[${index}]`
}
