// Shell scripts ship to the router without their comment lines (scripts/build.mjs): the comments
// stay in openwrt-package/, and on the router they were about 2 KB of the gzipped .ipk, whose budget
// (product.md Budgets) has little room.

/** `text` without the lines that are only a comment (a line whose first non-blank is `#`) and
 * without the indentation of the others, outside quotes and here-documents: the shell reads neither,
 * and the indentation, which gzip mostly absorbs, was still some 30 bytes of the .ipk. The `#!` line stays, and so does
 * everything else: a comment after a command, a `#` inside a word, a string or a here-document, and
 * the indentation of a line continuing one that ends in `\` (there it may separate two words).
 * Safe to apply twice. */
export function stripShellComments(text) {
  const out = []
  let quote = '' // the quote a string is open in at the start of the line: ', " or none
  let heredoc = '' // the word that ends the here-document the line is in
  for (const [i, line] of text.split('\n').entries()) {
    if (heredoc) {
      out.push(line)
      if (line.replace(/^\t+/, '') === heredoc) heredoc = ''
      continue
    }
    if (!quote && /^\s*#/.test(line) && !(i === 0 && line.startsWith('#!'))) continue
    const continued = out.length > 0 && /\\$/.test(out[out.length - 1])
    out.push(quote || continued ? line : line.trimStart())
    quote = scanQuotes(line, quote)
    const m = quote ? null : /<<-?\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1/.exec(line)
    if (m) heredoc = m[2]
  }
  return out.join('\n')
}

/** The quote still open at the end of `line`, given the one open at its start. An unquoted `#` at
 * the start of a word ends the line (a comment). */
function scanQuotes(line, open) {
  let quote = open
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quote === "'") {
      if (c === "'") quote = ''
    } else if (quote === '"') {
      if (c === '\\') i++
      else if (c === '"') quote = ''
    } else if (c === '\\') i++
    else if (c === "'" || c === '"') quote = c
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) break
  }
  return quote
}
