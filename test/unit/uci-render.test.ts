import { describe, expect, it } from 'vitest'
import { parseUci } from '../../applet/src/core/uci/parse'
import { quoteUci, renderUci } from '../../applet/src/core/uci/render'
import {
  addSection,
  deleteOption,
  findSection,
  getOption,
  removeSection,
  replaceSection,
  sectionLabel,
  sectionsOfType,
  setOption,
} from '../../applet/src/core/uci/doc'
import type { UciDoc } from '../../applet/src/core/uci/doc'

const doc: UciDoc = {
  package: 'lanvpn',
  sections: [
    {
      type: 'globals',
      name: 'globals',
      options: [
        { name: 'enabled', value: '1' },
        { name: 'fallback', value: ['a', 'b'] },
      ],
    },
    { type: 'peer', name: null, options: [{ name: 'note', value: "it's" }] },
    { type: 'peer', name: null, options: [] },
  ],
}

describe('renderUci', () => {
  it('writes the layout of uci commit: blank line before each section, tabs, single quotes', () => {
    expect(renderUci(doc)).toBe(
      [
        '',
        "config globals 'globals'",
        "\toption enabled '1'",
        "\tlist fallback 'a'",
        "\tlist fallback 'b'",
        '',
        'config peer',
        "\toption note 'it'\\''s'",
        '',
        'config peer',
        '',
        '',
      ].join('\n')
    )
  })

  it('adds the package line only when asked, as uci export does', () => {
    const text = renderUci(doc, { withPackage: true })
    expect(text.startsWith("package lanvpn\n\nconfig globals 'globals'\n")).toBe(true)
    expect(renderUci(doc).startsWith('\nconfig')).toBe(true)
  })

  it('writes a lone newline for an empty document', () => {
    expect(renderUci({ sections: [] })).toBe('\n')
  })

  it('writes ordinary types bare and quotes only types that would not read back bare', () => {
    const odd: UciDoc = {
      sections: [
        { type: 'a-b.c', name: null, options: [] },
        { type: "x'#;y", name: null, options: [] },
      ],
    }
    const text = renderUci(odd)
    expect(text).toBe("\nconfig a-b.c\n\nconfig 'x'\\''#;y'\n\n")
    expect(parseUci(text)).toEqual(odd)
  })

  it('escapes single quotes as libuci uci_escape does', () => {
    expect(quoteUci("a'b''")).toBe("'a'\\''b'\\'''\\'''")
  })

  it('reads back what it wrote and writes that again byte for byte', () => {
    expect(parseUci(renderUci(doc, { withPackage: true }))).toEqual(doc)
    expect(renderUci(parseUci(renderUci(doc)))).toBe(renderUci(doc))
  })
})

describe('document helpers', () => {
  it('finds sections by name and type and labels anonymous ones @type[i]', () => {
    expect(findSection(doc, 'globals')).toBe(doc.sections[0])
    expect(findSection(doc, 'nope')).toBeUndefined()
    expect(sectionsOfType(doc, 'peer')).toHaveLength(2)
    expect(sectionLabel(doc, doc.sections[2])).toBe('@peer[1]')
    expect(sectionLabel(doc, doc.sections[0])).toBe('globals')
  })

  it('keeps the position of an option it changes and appends a new one', () => {
    const s = setOption(setOption(doc.sections[0], 'enabled', '0'), 'ipv6', '1')
    expect(s.options.map((o) => o.name)).toEqual(['enabled', 'fallback', 'ipv6'])
    expect(getOption(s, 'enabled')).toBe('0')
  })

  it('never changes the document it was given', () => {
    const before = JSON.stringify(doc)
    const s = deleteOption(setOption(doc.sections[0], 'fallback', ['c']), 'enabled')
    const d = removeSection(addSection(doc, s, 0), doc.sections[1])
    const e = replaceSection(d, d.sections[2], { type: 'x', name: 'y', options: [] })
    expect(JSON.stringify(doc)).toBe(before)
    expect(d.sections.map((x) => x.type)).toEqual(['globals', 'globals', 'peer'])
    expect(e.sections.map((x) => x.type)).toEqual(['globals', 'globals', 'x'])
  })

  it('deletes an option set to an empty value, since libuci cannot hold one', () => {
    expect(getOption(setOption(doc.sections[0], 'enabled', ''), 'enabled')).toBeUndefined()
    expect(getOption(setOption(doc.sections[0], 'fallback', []), 'fallback')).toBeUndefined()
  })
})
