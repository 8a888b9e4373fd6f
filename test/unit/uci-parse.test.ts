import { describe, expect, it } from 'vitest'
import { parseUci, UciSyntaxError } from '../../applet/src/core/uci/parse'
import type { UciDoc } from '../../applet/src/core/uci/doc'
import { decodeUtf8Lossless, encodeUtf8Lossless } from '../../applet/src/core/uci/bytes'

const lines = (...text: string[]): string => `${text.join('\n')}\n`

// The value of option `v` in the single section of a small test file.
function valueOf(line: string): unknown {
  const doc = parseUci(lines("config t 's'", line))
  return doc.sections[0].options.find((o) => o.name === 'v')?.value
}

function optionsOf(text: string): unknown {
  return parseUci(text).sections[0].options
}

function syntaxError(text: string): UciSyntaxError {
  try {
    parseUci(text)
  } catch (e) {
    if (e instanceof UciSyntaxError) return e
    throw e
  }
  throw new Error('expected a UciSyntaxError')
}

describe('parseUci', () => {
  it('reads what uci commit writes', () => {
    const text = lines(
      '',
      "config globals 'globals'",
      "\toption enabled '1'",
      "\tlist fallback 'a'",
      "\tlist fallback 'b'",
      '',
      'config peer',
      "\toption profile 'a'",
      ''
    )
    const doc: UciDoc = {
      sections: [
        {
          type: 'globals',
          name: 'globals',
          options: [
            { name: 'enabled', value: '1' },
            { name: 'fallback', value: ['a', 'b'] },
          ],
        },
        { type: 'peer', name: null, options: [{ name: 'profile', value: 'a' }] },
      ],
    }
    expect(parseUci(text)).toEqual(doc)
  })

  it('accepts the one-letter command forms c, o, l and p', () => {
    expect(parseUci(lines('p lanvpn', 'c globals g', 'o a 1', 'l b x'))).toEqual({
      package: 'lanvpn',
      sections: [
        {
          type: 'globals',
          name: 'g',
          options: [
            { name: 'a', value: '1' },
            { name: 'b', value: ['x'] },
          ],
        },
      ],
    })
  })

  it('splits several commands on one line at semicolons', () => {
    expect(optionsOf("config t 's'; option a '1';option b 2 ; option c 3;\n")).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: '2' },
      { name: 'c', value: '3' },
    ])
  })

  it('ends an unquoted token at a # and ignores the rest of the line', () => {
    expect(valueOf('option v a#b c')).toBe('a')
  })

  it('keeps a # inside quotes', () => {
    expect(valueOf("option v 'a#b'")).toBe('a#b')
    expect(valueOf('option v "a#b"')).toBe('a#b')
  })

  it('skips comment lines and indented comments', () => {
    const text = lines('# top', "config t 's'", '  # inside', '\toption v 1 # trailing')
    expect(optionsOf(text)).toEqual([{ name: 'v', value: '1' }])
  })

  it('makes the next character literal after a backslash in an unquoted token', () => {
    expect(valueOf('option v a\\ b\\#c\\;d\\\\e')).toBe('a b#c;d\\e')
  })

  it('joins the next line after a backslash at the end of a line', () => {
    expect(valueOf('option v abc\\\ndef')).toBe('abcdef')
  })

  it('removes the backslash before any character inside double quotes', () => {
    expect(valueOf('option v "say \\"hi\\" \\\\ \\n"')).toBe('say "hi" \\ n')
  })

  it('keeps newlines inside a double-quoted value that spans lines', () => {
    expect(valueOf('option v "one\ntwo"')).toBe('one\ntwo')
  })

  it('treats a backslash at the end of a line inside double quotes as a line join', () => {
    expect(valueOf('option v "one\\\ntwo"')).toBe('onetwo')
  })

  it('takes everything literally inside single quotes, backslashes and newlines included', () => {
    expect(valueOf('option v \'a\\b "c"\nd\'')).toBe('a\\b "c"\nd')
  })

  it("concatenates adjacent pieces, so 'it'\\''s' reads as one word", () => {
    expect(valueOf("option v 'it'\\''s'")).toBe("it's")
    expect(valueOf('option v a"b c"\'d\'')).toBe('ab cd')
  })

  it('tolerates Windows line endings', () => {
    const text = "config t 's'\r\n\toption v '1'\r\n\toption w x\\\r\ny\r\n"
    expect(optionsOf(text)).toEqual([
      { name: 'v', value: '1' },
      { name: 'w', value: 'xy' },
    ])
  })

  it("counts an empty token as a missing one, so config t '' is anonymous", () => {
    expect(parseUci("config t ''\n").sections[0].name).toBeNull()
  })

  it('ignores an option with an empty value, as libuci does', () => {
    const text = lines("config t 's'", "\toption v '1'", "\toption v ''", '\toption w')
    expect(optionsOf(text)).toEqual([{ name: 'v', value: '1' }])
  })

  it('keeps an empty list item', () => {
    expect(valueOf("list v ''")).toEqual([''])
  })

  it('moves a repeated option with a new value to the end, as libuci re-adds it', () => {
    const text = lines("config t 's'", 'option a 1', 'option b 2', 'option a 3', 'option b 2')
    expect(optionsOf(text)).toEqual([
      { name: 'b', value: '2' },
      { name: 'a', value: '3' },
    ])
  })

  it('turns an option into a list that starts with its old value when a list follows', () => {
    const text = lines("config t 's'", 'option a 1', 'option b 2', 'list a 3', 'list a 4')
    expect(optionsOf(text)).toEqual([
      { name: 'b', value: '2' },
      { name: 'a', value: ['1', '3', '4'] },
    ])
  })

  it('replaces a list by an option of the same name', () => {
    expect(valueOf('list v 1\nlist v 2\noption v 3')).toBe('3')
  })

  it('merges a named section declared twice with the same type', () => {
    const text = lines("config t 'a'", 'option x 1', "config t 'b'", "config t 'a'", 'option y 2')
    const doc = parseUci(text)
    expect(doc.sections.map((s) => s.name)).toEqual(['a', 'b'])
    expect(doc.sections[0].options).toEqual([
      { name: 'x', value: '1' },
      { name: 'y', value: '2' },
    ])
  })

  it('accepts any printable non-space ASCII in a section type', () => {
    expect(parseUci("config a-b.c:d 'n'\n").sections[0].type).toBe('a-b.c:d')
  })

  it('keeps unicode, $(…) and backticks in values verbatim', () => {
    const value = 'Zürich 🇨🇭 $(reboot) `id`'
    expect(valueOf(`option v '${value}'`)).toBe(value)
  })
})

describe('parseUci errors', () => {
  it('rejects a hyphen in a section name and names the line', () => {
    const e = syntaxError(lines('', "config t 'ok'", "config t 'a-b'"))
    expect(e.line).toBe(3)
    expect(e.message).toBe(
      'line 3: invalid section name "a-b": only letters, digits and _ are allowed'
    )
  })

  it('rejects a hyphen in an option name', () => {
    const e = syntaxError(lines("config t 's'", '\toption a-b 1'))
    expect(e.message).toMatch(/^line 2: invalid option name "a-b"/)
  })

  it('rejects an option or list before any config section', () => {
    expect(syntaxError('option a 1\n').message).toBe(
      'line 1: option before the first config section'
    )
    expect(syntaxError('\n\nlist a 1\n').line).toBe(3)
  })

  it('names the line where an unterminated quote started', () => {
    const single = syntaxError(lines("config t 's'", "\toption a 'open", '', '\toption b 2'))
    expect(single.line).toBe(2)
    expect(single.message).toBe('line 2: unterminated single quote')
    const double = syntaxError(lines("config t 's'", '', '\toption a "x\\"'))
    expect(double.message).toBe('line 3: unterminated double quote')
  })

  it('rejects an unknown command word', () => {
    const e = syntaxError(lines("config t 's'", '\toptoin a 1'))
    expect(e.message).toBe('line 2: invalid command "optoin"')
    // A word alone on its line that only an Object has as a property is no command either.
    expect(syntaxError('constructor\n').message).toBe('line 1: invalid command "constructor\\n"')
  })

  it('rejects extra arguments', () => {
    expect(syntaxError("config t 's' extra\n").message).toMatch(/^line 1: too many arguments/)
    expect(syntaxError(lines("config t 's'", 'option a b c')).line).toBe(2)
  })

  it('rejects config without a type and option without a name', () => {
    expect(syntaxError('config\n').message).toBe('line 1: config needs a section type')
    expect(syntaxError(lines("config t 's'", 'option')).message).toBe('line 2: option needs a name')
  })

  it('rejects a named section redeclared with another type', () => {
    const e = syntaxError(lines("config a 's'", "config b 's'"))
    expect(e.message).toMatch(/^line 2: section "s" is declared again/)
  })

  it('rejects a space in a section type', () => {
    expect(syntaxError("config 'a b' 's'\n").message).toMatch(/^line 1: invalid section type "a b"/)
  })
})

// The cases where lanvpn and the real `uci` disagreed (issue 20). Each expected outcome is what
// openwrt/uci file.c does with the text; the function doing it is named in the test.
describe('parseUci reads what uci reads and refuses what uci refuses', () => {
  it('drops the rest of the line after a ; that directly follows an unquoted argument', () => {
    // parse_str stops at ';' with `next = false` and ends the argument with
    // `pctx_char(pctx, *target) = 0;`. For an unquoted argument without a backslash the target
    // has caught up with the read position, so that NUL overwrites the ';' itself; assert_eol
    // then finds the end of the string, and uci_parse_line's strtok returns NULL: the rest of
    // the line is never read.
    expect(optionsOf(lines("config t 's'", 'option a 1;x', 'option b 2'))).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: '2' },
    ])
    expect(optionsOf(lines("config t 's'", 'option a 1;option c 3'))).toEqual([
      { name: 'a', value: '1' },
    ])
  })

  it('goes on after a ; that follows a quoted argument or a space', () => {
    // After quotes the target lags behind, the ';' survives, and next_arg (from assert_eol)
    // consumes it as an empty argument: `if (pctx_cur_char(pctx) == ';') { ... pos += 1 }`.
    expect(optionsOf(lines("config t 's'", "option a '1';option b 2 ; option c 3"))).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: '2' },
      { name: 'c', value: '3' },
    ])
  })

  it('refuses a ; standing where a command word is due', () => {
    // uci_parse_line: strtok(" \t") returns ";" and `default: goto invalid;` → "invalid command".
    expect(syntaxError(lines("config t 's'", '; option a 1')).message).toBe(
      'line 2: invalid command ";"'
    )
    // A " ;" at the end of a line leaves strtok the newline as the next command word.
    expect(syntaxError(lines("config t 's'", 'option a 1 ;', 'option b 2')).line).toBe(2)
  })

  it('refuses a ; in place of an anonymous section name followed by another command', () => {
    // uci_parse_config: next_arg for the optional name consumes the ';' as an empty name, so
    // assert_eol reads `option` as an extra argument: "too many arguments".
    expect(syntaxError(lines('config t ; option a 1')).message).toBe(
      'line 1: too many arguments (unexpected "option")'
    )
  })

  it('refuses CR, VT and FF inside a command word, which only space and tab end', () => {
    // uci_parse_line: `word = strtok(pctx_cur_str(pctx), " \t");`
    for (const ch of ['\r', '\v', '\f']) {
      expect(syntaxError(lines(`config${ch}t 's'`)).message).toBe(
        `line 1: invalid command ${JSON.stringify(`config${ch}t`)}`
      )
      expect(syntaxError(lines("config t 's'", `option${ch}a 1`)).line).toBe(2)
    }
    // Before the word they are whitespace (skip_whitespace uses isspace), and CRLF still works.
    expect(optionsOf(lines("config t 's'", '\v\f\roption a 1\r'))).toEqual([
      { name: 'a', value: '1' },
    ])
  })

  it('skips a line that starts with a NUL byte', () => {
    // uci_getln: `if (!p || !*p) return;` and uci_import only parses `if (pctx->buf[0])`.
    expect(optionsOf(lines("config t 's'", '\0option a 1', 'option b 2'))).toEqual([
      { name: 'b', value: '2' },
    ])
  })

  it('loses the rest of a line after a NUL byte, newline included', () => {
    // uci_getln: `ofs += strlen(p)` stops at the NUL and, with no '\n' at buf[ofs - 1], the
    // next fgets writes the following line over the rest: the two lines become one.
    expect(optionsOf(lines("config t 's'", 'option a 1\0junk', '# next'))).toEqual([
      { name: 'a', value: '1' },
    ])
    const e = syntaxError(lines("config t 's'", '\toption a 1\0junk', '\toption b 2'))
    expect(e.message).toBe('line 3: too many arguments (unexpected "option")')
  })

  it('takes package names as uci_validate_str does: letters, digits, _ and -', () => {
    expect(parseUci('package my-pkg\n').package).toBe('my-pkg')
    expect(syntaxError('package a.b\n').message).toMatch(/^line 1: invalid package name "a.b"/)
  })

  it('keeps bytes that are not UTF-8 as they were read', () => {
    const raw = decodeUtf8Lossless(Uint8Array.from([0x41, 0xff, 0xc3, 0x28]))
    expect(encodeUtf8Lossless(valueOf(`option v '${raw}'`) as string)).toEqual(
      Uint8Array.from([0x41, 0xff, 0xc3, 0x28])
    )
  })
})
