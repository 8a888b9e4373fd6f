// UCI file syntax (openwrt-contracts §4.1), read the way libuci reads it: this is a port of
// openwrt/uci file.c (uci_import, uci_getln, uci_parse_line, next_arg, parse_str, the quote and
// backslash parsers, assert_eol) working on the file's bytes, so quirks come along: a `;` right
// after an argument ends the whole line, a `;` standing alone where a command or a trailing
// argument is due is refused, only space and tab separate a command word, and a NUL byte hides
// the rest of its line. What happens to repeated options, empty values and repeated sections is
// libuci's too (uci_set, uci_add_list). Line numbers in errors are the file's real lines.
import { decodeUtf8Lossless, encodeUtf8Lossless } from './bytes'
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
/** Section types: printable ASCII without space, as uci_validate_type. */
export const UCI_TYPE_RE = /^[\x21-\x7e]+$/
/** Package names: uci_validate_str with `package` set also lets `-` through. */
export const UCI_PACKAGE_RE = /^[A-Za-z0-9_-]+$/

const NL = 10
const CR = 13
const SPACE = 32
const TAB = 9
const HASH = 35
const SEMICOLON = 59
const BACKSLASH = 92
const SINGLE = 39
const DOUBLE = 34

// C isspace() in the C locale.
const isSpace = (c: number): boolean => c === SPACE || (c >= TAB && c <= CR)

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

const quoted = (s: string): string => JSON.stringify(s)

// libuci's commands (uci_parse_line); each may also be written as its first letter.
const COMMANDS = ['package', 'config', 'option', 'list']
const commandOf = (word: string): string | undefined =>
  COMMANDS.find((c) => c === word || c[0] === word)

// The error of a command without its first argument.
const needs = (command: string): string =>
  `${command} needs ${command === 'config' ? 'a section type' : 'a name'}`

/** Parses UCI file text. Throws UciSyntaxError on anything libuci (strict mode, as the `uci` CLI
 * runs) would reject. A named section declared twice with the same type is merged, as in libuci.
 * Text that came from bytes through decodeUtf8Lossless is read as those very bytes. */
export function parseUci(text: string): UciDoc {
  return new Parser(encodeUtf8Lossless(text)).run()
}

class Parser {
  private readonly src: Uint8Array
  private srcPos = 0
  private srcLine = 1
  private eof = false
  // libuci's line buffer: bytes, the file line each came from, how far fgets filled it, its
  // size (fgets reads at most size - 1 bytes at a time, which decides where a NUL cuts a line).
  private buf: number[] = []
  private lineAt: number[] = []
  private filled = 0
  private size = 32
  private pos = 0
  private readonly doc: UciDoc = { sections: [] }
  private readonly named = new Map<string, UciSection>()
  private section: UciSection | null = null

  constructor(src: Uint8Array) {
    this.src = src
  }

  run(): UciDoc {
    while (!this.eof) {
      this.pos = 0
      this.getLine(0)
      if (this.byteAt(0)) this.parseLine()
    }
    return this.doc
  }

  private byteAt(i: number): number {
    return i < this.buf.length ? this.buf[i] : 0
  }

  private lineOfPos(i: number): number {
    const last = Math.min(i, this.filled - 1)
    return last >= 0 ? (this.lineAt[last] ?? this.srcLine) : this.srcLine
  }

  private fail(problem: string, line = this.lineOfPos(this.pos)): never {
    throw new UciSyntaxError(line, problem)
  }

  // fgets(buf + at, room): up to room - 1 bytes, through a newline; false when nothing was left.
  private fgets(at: number, room: number): boolean {
    let n = 0
    while (n < room - 1) {
      if (this.srcPos >= this.src.length) {
        this.eof = true
        break
      }
      const c = this.src[this.srcPos++]
      this.buf[at + n] = c
      this.lineAt[at + n] = this.srcLine
      n++
      if (c === NL) {
        this.srcLine++
        break
      }
    }
    this.buf[at + n] = 0
    return n > 0
  }

  private strlen(i: number): number {
    let n = 0
    while (this.byteAt(i + n)) n++
    return n
  }

  // uci_getln: appends the next line at `offset`. A chunk that starts with NUL ends the read;
  // after a NUL inside a chunk, the next chunk is read over the rest of it.
  private getLine(offset: number): void {
    if (offset >= this.size - 1) this.size *= 2
    let ofs = offset
    for (;;) {
      this.buf[ofs] = 0
      if (!this.fgets(ofs, this.size - ofs) || !this.byteAt(ofs)) return
      ofs += this.strlen(ofs)
      this.filled = ofs
      if (this.byteAt(ofs - 1) === NL) return
      this.size *= 2
    }
  }

  private skipWhitespace(): void {
    while (this.byteAt(this.pos) && isSpace(this.byteAt(this.pos))) this.pos++
  }

  // parse_backslash: false when the backslash ended the line and the next one was joined on.
  private backslash(): boolean {
    this.pos++
    const c = this.byteAt(this.pos)
    const crlfAtEnd = c === CR && this.byteAt(this.pos + 1) === NL && !this.byteAt(this.pos + 2)
    if (!c || c === NL || crlfAtEnd) {
      this.getLine(this.pos)
      return false
    }
    return true
  }

  private copy(target: { at: number }): void {
    this.buf[target.at++] = this.buf[this.pos++]
  }

  private quotedPiece(target: { at: number }, quote: number): void {
    const startLine = this.lineOfPos(this.pos)
    this.pos++
    for (;;) {
      const c = this.byteAt(this.pos)
      if (c === quote) {
        this.pos++
        return
      }
      if (c === 0) {
        this.getLine(this.pos)
        if (!this.byteAt(this.pos)) {
          const what = quote === SINGLE ? 'single' : 'double'
          this.fail(`unterminated ${what} quote`, startLine)
        }
      } else if (c === BACKSLASH && quote === DOUBLE) {
        if (this.backslash()) this.copy(target)
      } else {
        this.copy(target)
      }
    }
  }

  // parse_str: one argument, pieces concatenated in place. A `;` straight after it is replaced
  // by the string's terminating NUL and not stepped over, so the command loop finds the line
  // ended there: `option a 1;x` is `option a 1` and the rest of the line is never read.
  private parseStr(target: { at: number }): void {
    let next = true
    do {
      const c = this.byteAt(this.pos)
      if (c === SINGLE || c === DOUBLE) this.quotedPiece(target, c)
      else if (c === HASH) {
        this.buf[this.pos] = 0
        break
      } else if (c === 0) break
      else if (c === SEMICOLON) {
        next = false
        break
      } else if (c === BACKSLASH) {
        if (this.backslash()) this.copy(target)
      } else this.copy(target)
    } while (this.byteAt(this.pos) && !isSpace(this.byteAt(this.pos)))
    if (this.byteAt(this.pos) && next) this.pos++
    this.buf[target.at] = 0
  }

  private string(i: number): string {
    return decodeUtf8Lossless(Uint8Array.from(this.buf.slice(i, i + this.strlen(i))))
  }

  // next_arg: '' when there is none. A `;` standing where the argument would start counts as an
  // empty argument and is consumed.
  private nextArg(missing?: string): { value: string; line: number } {
    this.skipWhitespace()
    const start = this.pos
    const line = this.lineOfPos(start)
    if (this.byteAt(this.pos) === SEMICOLON) {
      this.buf[this.pos++] = 0
    } else {
      this.parseStr({ at: start })
    }
    const value = this.string(start)
    if (value === '' && missing) this.fail(missing, line)
    return { value, line }
  }

  private assertEol(): void {
    this.skipWhitespace()
    const extra = this.nextArg()
    if (extra.value !== '') this.fail(`too many arguments (unexpected ${quoted(extra.value)})`)
  }

  // The command word was NUL-terminated by strtok; step past it (uci_increase_pos).
  private skipWord(missing: string, line: number): void {
    const step = this.strlen(this.pos) + 1
    if (this.pos + step > this.filled) this.fail(missing, line)
    this.pos += step
  }

  private parseLine(): void {
    this.skipWhitespace()
    for (;;) {
      // strtok(cur, " \t"): only space and tab end a command word, so `config\vt` is one word.
      let start = this.pos
      while (this.byteAt(start) === SPACE || this.byteAt(start) === TAB) start++
      if (!this.byteAt(start)) return
      let end = start
      while (this.byteAt(end) && this.byteAt(end) !== SPACE && this.byteAt(end) !== TAB) end++
      const word = decodeUtf8Lossless(Uint8Array.from(this.buf.slice(start, end)))
      const line = this.lineOfPos(start)
      if (this.byteAt(end)) this.buf[end] = 0
      if (word[0] === '#') return
      const command = commandOf(word)
      if (command === 'package') this.parsePackage(line)
      else if (command === 'config') this.parseConfig(line)
      else if (command) this.parseOption(command === 'list', line)
      else this.invalidCommand(word, line)
    }
  }

  private invalidCommand(word: string, line: number): never {
    // A command alone on its line reaches strtok with its newline ("config\n"): uci calls that an
    // invalid command; what the person needs to hear is what is missing.
    const bare = word.replace(/\r?\n$/, '')
    const command = commandOf(bare)
    if (bare !== word && command) this.fail(needs(command), line)
    if (bare === '') {
      this.fail(
        'nothing follows ";" on this line (uci refuses a ";" ending a line after a space)',
        line
      )
    }
    this.fail(`invalid command ${quoted(word)}`, line)
  }

  private parsePackage(line: number): void {
    this.skipWord(needs('package'), line)
    const name = this.nextArg(needs('package')).value
    if (!UCI_PACKAGE_RE.test(name)) {
      const rule = 'only letters, digits, _ and - are allowed'
      this.fail(`invalid package name ${quoted(name)}: ${rule}`, line)
    }
    this.assertEol()
    this.doc.package = name
  }

  private parseConfig(line: number): void {
    this.skipWord(needs('config'), line)
    const type = this.nextArg(needs('config')).value
    if (!UCI_TYPE_RE.test(type)) {
      const rule = 'only printable ASCII without spaces is allowed'
      this.fail(`invalid section type ${quoted(type)}: ${rule}`, line)
    }
    const name = this.nextArg().value
    if (name !== '' && !UCI_NAME_RE.test(name)) {
      const rule = 'only letters, digits and _ are allowed'
      this.fail(`invalid section name ${quoted(name)}: ${rule}`, line)
    }
    this.assertEol()
    const seen = name === '' ? undefined : this.named.get(name)
    if (seen && seen.type !== type) {
      const change = `(${quoted(seen.type)}, now ${quoted(type)})`
      this.fail(`section ${quoted(name)} is declared again with a different type ${change}`, line)
    }
    this.section = seen ?? { type, name: name === '' ? null : name, options: [] }
    if (!seen) {
      lines.set(this.section, line)
      this.doc.sections.push(this.section)
      if (name !== '') this.named.set(name, this.section)
    }
  }

  private parseOption(isList: boolean, line: number): void {
    const what = isList ? 'list' : 'option'
    if (!this.section) this.fail(`${what} before the first config section`, line)
    this.skipWord(needs(what), line)
    const name = this.nextArg(needs(what)).value
    if (!UCI_NAME_RE.test(name)) {
      this.fail(
        `invalid ${what} name ${quoted(name)}: only letters, digits and _ are allowed`,
        line
      )
    }
    const value = this.nextArg().value
    this.assertEol()
    addOption(this.section, name, value, isList, line)
  }
}
