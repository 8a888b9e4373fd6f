import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseUci, UciSyntaxError } from '../../applet/src/core/uci/parse'
import { decodeUtf8Lossless, encodeUtf8Lossless } from '../../applet/src/core/uci/bytes'
import { renderUci } from '../../applet/src/core/uci/render'
import type { UciDoc, UciSection } from '../../applet/src/core/uci/doc'

const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_'.split('')
const name = fc.string({ unit: fc.constantFrom(...NAME_CHARS), minLength: 1, maxLength: 12 })
const typeChars = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i))
const sectionType = fc.oneof(
  name,
  fc.string({ unit: fc.constantFrom(...typeChars), minLength: 1, maxLength: 10 })
)

// The characters that have meaning somewhere in UCI syntax, mixed with arbitrary unicode. NUL is
// left out: libuci values are C strings.
const TRICKY = ["'", '"', '\\', '\n', '\r', '\r\n', '\t', '\v', '\f', ' ', '#', ';']
const SHELLISH = ['$(', ')', '`', '{ip}', '&&', '|']
const tricky = fc.constantFrom(...TRICKY, ...SHELLISH, 'é', '🦊', '\u2028')
// Raw bytes that are not UTF-8 too, as decodeUtf8Lossless hands them over: the joined value is
// passed through bytes and back so pieces that meet form the string reading the file would give.
const rawBytes = fc
  .uint8Array({ maxLength: 6 })
  .map((b) => decodeUtf8Lossless(b.filter((x) => x !== 0)))
const value = fc
  .array(fc.oneof(tricky, rawBytes, fc.string({ unit: 'grapheme', maxLength: 4 })), {
    maxLength: 8,
  })
  .map((parts) => decodeUtf8Lossless(encodeUtf8Lossless(parts.join('').split('\0').join(''))))
const optionValue = value.filter((v) => v !== '') // libuci drops empty options

const section: fc.Arbitrary<UciSection> = fc.record({
  type: sectionType,
  name: fc.option(name, { nil: null }),
  options: fc.uniqueArray(
    fc.record({
      name,
      value: fc.oneof(optionValue, fc.array(value, { minLength: 1, maxLength: 4 })),
    }),
    { selector: (o) => o.name, maxLength: 6 }
  ),
})

const doc: fc.Arbitrary<UciDoc> = fc
  .uniqueArray(section, { selector: (s) => s.name ?? Symbol(), maxLength: 6 })
  .map((sections) => ({ sections }))

describe('UCI round trip', () => {
  it('reads back exactly the document it rendered, whatever the values contain', () => {
    fc.assert(
      fc.property(doc, (d) => {
        expect(parseUci(renderUci(d))).toEqual(d)
      }),
      { numRuns: 500 }
    )
  })

  it('renders a parsed rendering byte for byte the same', () => {
    fc.assert(
      fc.property(doc, (d) => {
        const once = renderUci(d)
        expect(renderUci(parseUci(once))).toBe(once)
      }),
      { numRuns: 300 }
    )
  })

  it('keeps the package name when rendering with the package line', () => {
    fc.assert(
      fc.property(doc, name, (d, pkg) => {
        const withPkg = { package: pkg, ...d }
        expect(parseUci(renderUci(withPkg, { withPackage: true }))).toEqual(withPkg)
      }),
      { numRuns: 100 }
    )
  })

  it('rejects section and option names with any character outside [A-Za-z0-9_]', () => {
    const suffix = fc.string({ unit: fc.constantFrom(...NAME_CHARS), maxLength: 4 })
    const bad = fc
      .tuple(name, fc.constantFrom('-', '.', ':', '@', '[', 'é', '+', '/'), suffix)
      .map(([a, b, c]) => a + b + c)
    fc.assert(
      fc.property(bad, (n) => {
        expect(() => parseUci(`config t '${n}'\n`)).toThrow(UciSyntaxError)
        expect(() => parseUci(`config t 's'\n\toption '${n}' 'v'\n`)).toThrow(UciSyntaxError)
      })
    )
  })
})

describe('config file bytes', () => {
  it('come back byte for byte from the string they are read as', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(encodeUtf8Lossless(decodeUtf8Lossless(bytes))).toEqual(bytes)
      }),
      { numRuns: 1000 }
    )
  })

  it('decode valid UTF-8 exactly as TextDecoder does', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        expect(decodeUtf8Lossless(new TextEncoder().encode(text))).toBe(text)
      })
    )
  })
})
