// UCI file syntax (openwrt-contracts §4.1), following libuci's file.c where the two differ in
// detail: what happens to repeated options, empty values and repeated sections is libuci's.
import type { UciDoc, UciOption, UciSection } from './doc'

/** A file that libuci would refuse. `line` is 1-based; the message starts with `line N: `. */
export class UciSyntaxError extends Error {
  readonly line: number
  constructor(line: number, problem: string) {
    super(`line ${line}: ${problem}`)
    this.name = 'UciSyntaxError'
    this.line = line
  }
}

/** Section and option names: shell-safe, as libuci's uci_validate_name. */
export const UCI_NAME_RE = /^[A-Za-z0-9_]+$/
/** Section types and package names: printable ASCII without space, as uci_validate_type. */
export const UCI_TYPE_RE = /^[\x21-\x7e]+$/

type Cursor = { text: string; pos: number; line: number }

// C isspace() in the C locale; '\r' counts, which is what makes CRLF files parse.
function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\v' || ch === '\f'
}

function skipInlineSpace(c: Cursor): void {
  while (c.pos < c.text.length && c.text[c.pos] !== '\n' && isSpace(c.text[c.pos])) c.pos++
}

function skipToEndOfLine(c: Cursor): void {
  while (c.pos < c.text.length && c.text[c.pos] !== '\n') c.pos++
}

// Backslash + newline (or CRLF) joins lines; returns how many characters that takes, else 0.
function lineJoinLength(c: Cursor, at: number): number {
  if (c.text[at] === '\n') return 1
  if (c.text[at] === '\r' && c.text[at + 1] === '\n') return 2
  return 0
}

function readSingleQuoted(c: Cursor): string {
  const startLine = c.line
  const end = c.text.indexOf("'", c.pos + 1)
  if (end < 0) throw new UciSyntaxError(startLine, 'unterminated single quote')
  const piece = c.text.slice(c.pos + 1, end)
  c.line += piece.split('\n').length - 1
  c.pos = end + 1
  return piece
}

function readDoubleQuoted(c: Cursor): string {
  const startLine = c.line
  let out = ''
  c.pos++
  for (;;) {
    if (c.pos >= c.text.length) throw new UciSyntaxError(startLine, 'unterminated double quote')
    const ch = c.text[c.pos]
    if (ch === '"') {
      c.pos++
      return out
    }
    if (ch === '\\') {
      const join = lineJoinLength(c, c.pos + 1)
      if (join > 0) {
        c.pos += 1 + join
        c.line++
        continue
      }
      if (c.pos + 1 >= c.text.length) {
        throw new UciSyntaxError(startLine, 'unterminated double quote')
      }
      out += c.text[c.pos + 1]
      c.pos += 2
      continue
    }
    if (ch === '\n') c.line++
    out += ch
    c.pos++
  }
}

// One argument, pieces concatenated. '' means "no argument", exactly as libuci treats an empty
// token (so `config t ''` is anonymous). Stops before ';' so the command loop can see it.
function readToken(c: Cursor): string {
  skipInlineSpace(c)
  let out = ''
  while (c.pos < c.text.length) {
    const ch = c.text[c.pos]
    if (ch === "'") out += readSingleQuoted(c)
    else if (ch === '"') out += readDoubleQuoted(c)
    else if (ch === '#') skipToEndOfLine(c)
    else if (ch === ';' || isSpace(ch)) break
    else if (ch === '\\') {
      const join = lineJoinLength(c, c.pos + 1)
      if (join > 0) c.line++
      // A backslash at the very end of the text escapes nothing and is dropped, as in libuci.
      if (join === 0 && c.pos + 1 < c.text.length) out += c.text[c.pos + 1]
      c.pos += 1 + Math.max(join, 1)
    } else {
      out += ch
      c.pos++
    }
  }
  return out
}

function expectEnd(c: Cursor, line: number): void {
  const extra = readToken(c)
  if (extra !== '') throw new UciSyntaxError(line, `too many arguments (unexpected "${extra}")`)
  skipInlineSpace(c)
  if (c.text[c.pos] === ';') c.pos++
}

function checkName(line: number, what: string, name: string): void {
  if (!UCI_NAME_RE.test(name)) {
    throw new UciSyntaxError(
      line,
      `invalid ${what} name "${name}": only letters, digits and _ are allowed`
    )
  }
}

function checkType(line: number, what: string, type: string): void {
  if (!UCI_TYPE_RE.test(type)) {
    throw new UciSyntaxError(
      line,
      `invalid ${what} "${type}": only printable ASCII without spaces is allowed`
    )
  }
}

// Where each section and option was read, for messages that name the line. Kept beside the
// document rather than in it, so documents stay plain data (compared, patched and rendered as is).
const lines = new WeakMap<UciSection | UciOption, number>()

/** The 1-based line a parsed section or option came from; undefined for one made in memory. */
export function lineOf(node: UciSection | UciOption): number | undefined {
  return lines.get(node)
}

// libuci: a repeated `option` with a new value is freed and re-added at the end; with the same
// value it is left alone; an empty value is ignored (uci_set returns early, it neither creates
// nor deletes). `list` after `option` of the same name turns it into a list that starts with the
// old value, also moved to the end (uci_add_list).
function addOption(
  section: UciSection,
  name: string,
  value: string,
  isList: boolean,
  line: number
): void {
  const index = section.options.findIndex((o) => o.name === name)
  const existing = index >= 0 ? section.options[index] : undefined
  const push = (option: UciOption): void => {
    section.options.push(option)
    lines.set(option, line)
  }
  if (!isList) {
    if (value === '') return
    if (existing && existing.value === value) return
    if (existing) section.options.splice(index, 1)
    push({ name, value })
    return
  }
  if (existing && Array.isArray(existing.value)) {
    existing.value.push(value)
    return
  }
  if (existing) section.options.splice(index, 1)
  push({ name, value: existing ? [existing.value as string, value] : [value] })
}

/** Parses UCI file text. Throws UciSyntaxError on anything libuci (strict mode, as the `uci` CLI
 * runs) would reject. A named section declared twice with the same type is merged, as in libuci. */
export function parseUci(text: string): UciDoc {
  const c: Cursor = { text, pos: 0, line: 1 }
  const doc: UciDoc = { sections: [] }
  const named = new Map<string, UciSection>()
  let current: UciSection | null = null
  while (c.pos < text.length) {
    const ch = text[c.pos]
    if (ch === '\n') c.line++
    if (isSpace(ch) || ch === ';') {
      c.pos++
      continue
    }
    if (ch === '#') {
      skipToEndOfLine(c)
      continue
    }
    const line = c.line
    const start = c.pos
    while (c.pos < text.length && !isSpace(text[c.pos]) && text[c.pos] !== ';') c.pos++
    const word = text.slice(start, c.pos)
    if (word === 'package' || word === 'p') {
      const name = readToken(c)
      if (name === '') throw new UciSyntaxError(line, 'package needs a name')
      checkType(line, 'package name', name)
      expectEnd(c, line)
      doc.package = name
    } else if (word === 'config' || word === 'c') {
      const type = readToken(c)
      if (type === '') throw new UciSyntaxError(line, 'config needs a section type')
      checkType(line, 'section type', type)
      const name = readToken(c)
      if (name !== '') checkName(line, 'section', name)
      expectEnd(c, line)
      const seen = name === '' ? undefined : named.get(name)
      if (seen && seen.type !== type) {
        const change = `("${seen.type}", now "${type}")`
        throw new UciSyntaxError(
          line,
          `section "${name}" is declared again with a different type ${change}`
        )
      }
      current = seen ?? { type, name: name === '' ? null : name, options: [] }
      if (!seen) {
        lines.set(current, line)
        doc.sections.push(current)
        if (name !== '') named.set(name, current)
      }
    } else if (word === 'option' || word === 'o' || word === 'list' || word === 'l') {
      const isList = word[0] === 'l'
      const what = isList ? 'list' : 'option'
      if (!current) throw new UciSyntaxError(line, `${what} before the first config section`)
      const name = readToken(c)
      if (name === '') throw new UciSyntaxError(line, `${what} needs a name`)
      checkName(line, what, name)
      const value = readToken(c)
      expectEnd(c, line)
      addOption(current, name, value, isList, line)
    } else {
      throw new UciSyntaxError(line, `invalid command "${word}"`)
    }
  }
  return doc
}
