// UCI text exactly as `uci commit` writes it (libuci file.c, uci_export_package): a blank line
// before every section, tab-indented options, every value single-quoted, one final newline.
import type { UciDoc } from './doc'

/** Options for renderUci. `withPackage` adds the `package <name>` line `uci export` prints. */
export type RenderUciOptions = { withPackage?: boolean }

/** Single-quotes a value the way libuci's uci_escape does: `'` becomes `'\''`. */
export function quoteUci(value: string): string {
  return `'${value.split("'").join("'\\''")}'`
}

// libuci writes types and package names bare (after escaping quotes). That is byte-identical for
// every ordinary type, but a type containing one of these characters would not read back (libuci
// itself would lose it), so those are quoted instead: the only place we deliberately differ.
const BARE_UNSAFE = /['"\\#;]/

function bare(word: string): string {
  return BARE_UNSAFE.test(word) ? quoteUci(word) : word
}

/** Renders a document. Byte-identical to libuci's output for any document libuci can hold;
 * `parseUci(renderUci(doc))` gives `doc` back (empty option values excepted: libuci drops them). */
export function renderUci(doc: UciDoc, options: RenderUciOptions = {}): string {
  let out = ''
  if (options.withPackage && doc.package !== undefined) out += `package ${bare(doc.package)}\n`
  for (const section of doc.sections) {
    out += `\nconfig ${bare(section.type)}`
    if (section.name !== null) out += ` ${quoteUci(section.name)}`
    out += '\n'
    for (const option of section.options) {
      if (Array.isArray(option.value)) {
        for (const item of option.value) out += `\tlist ${option.name} ${quoteUci(item)}\n`
      } else {
        out += `\toption ${option.name} ${quoteUci(option.value)}\n`
      }
    }
  }
  return out + '\n'
}
