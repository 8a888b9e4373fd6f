// The text of an imported profile file before it is parsed. Files arrive decoded as UTF-8 (the
// CLI's readFile, the browser's File.text(), an archive entry), so a UTF-16 file — what Windows
// editors save as "Unicode" — arrives as two U+FFFD for its byte-order mark and a NUL beside every
// ASCII character, and a binary file as NULs among replacement characters.

/** `text` made readable, or why it cannot be: UTF-16 with a byte-order mark is read when it holds
 * only ASCII (every provider's file does); other NUL bytes mean a binary or corrupt file. */
export function readableProfileText(text: string): { text: string } | { error: string } {
  if (!text.includes('\0')) return { text }
  const utf16 = /^(\uFFFD\uFFFD)?((?:[^\0]\0)+|(?:\0[^\0])+)\0?$/.exec(text)
  if (!utf16) return { error: 'the file holds NUL bytes: it is binary or corrupt' }
  const ascii = utf16[2].replace(/\0/g, '')
  return utf16[1] && !ascii.includes('\uFFFD')
    ? { text: ascii }
    : { error: 'the file is UTF-16 with other than ASCII: save it as UTF-8' }
}
