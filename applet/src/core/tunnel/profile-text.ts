// The text of an imported profile file before it is parsed. Files arrive decoded as UTF-8 (the
// CLI's readFile, the browser's File.text(), an archive entry), so a UTF-16 file — what Windows
// editors save as "Unicode" — arrives as two U+FFFD for its byte-order mark and a NUL beside every
// ASCII character, and a binary file as NULs among replacement characters. Also what the WireGuard
// and OpenVPN parsers share (the OpenVPN one is the lanvpn-openvpn package's): the notes.

/** One finding of an import, tied to a line of the file (0: the file as a whole). `warning`: imported
 * with something ignored; `refused`: a line lanvpn will not run, dropped; `error`: the named part was
 * not imported. */
export type ImportNote = { line: number; level: 'warning' | 'refused' | 'error'; message: string }

/** Nothing usable (a WireGuard file without a valid private key or peer, say); the notes say why. */
export type ImportFailure = { ok: false; notes: ImportNote[] }

/** Orders notes by line, whole-file notes (line 0) last: the first note is the most specific one. */
export const byLine = (a: ImportNote, b: ImportNote): number =>
  (a.line || Number.MAX_SAFE_INTEGER) - (b.line || Number.MAX_SAFE_INTEGER)

/** Larger files are refused before parsing: a provider's profile is a few hundred bytes. */
export const MAX_PROFILE_TEXT = 65536

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
