// The text of an imported profile file before it is parsed. Files arrive decoded as UTF-8 (the
// CLI's readFile, the browser's File.text(), an archive entry), so a UTF-16 file — what Windows
// editors save as "Unicode" — arrives as two U+FFFD for its byte-order mark and a NUL beside every
// ASCII character, and a binary file as NULs among replacement characters.

/** `text` made readable, or why it cannot be: UTF-16 with a byte-order mark is read when it holds
 * only ASCII (every provider's file does); other NUL bytes mean a binary or corrupt file. */
export function readableProfileText(text: string): { text: string } | { error: string } {
  if (!text.includes('\0')) return { text }
  const utf16 = /^(\uFFFD\uFFFD)?((?:[^\0]\0)+|(?:\0[^\0])+)\0?$/.exec(text)
  if (!utf16) return { error: 'the file holds NUL bytes: it is binary or corrupt, not a profile' }
  const ascii = utf16[2].replace(/\0/g, '')
  return utf16[1] && !ascii.includes('\uFFFD')
    ? { text: ascii }
    : { error: 'the file is UTF-16 text lanvpn cannot read: save it as UTF-8 and import it again' }
}

/** Whether an .ovpn text asks for a user name and password it does not carry itself. */
export function asksForCredentials(text: string): boolean {
  return /^\s*auth-user-pass(\s|$)/m.test(text) && !/^\s*<auth-user-pass>/im.test(text)
}

/** One file read out of an archive: its text, or why it could not be read. */
export type ArchiveFile = { name: string; text?: string; problem?: string }

/** What an archive holds for an import: its locations (every .conf and .ovpn, each named after
 * its file, with its folder when two share a name), the certificate and key files an .ovpn may
 * name (by base name), and the other files with why they are not imported. */
export type ArchivePlan = {
  locations: Array<{ file: string; name: string; text: string }>
  companions: Record<string, string>
  skipped: Array<{ file: string; why: string }>
}

/** Sorts an archive's files into locations, companions and skipped files. Pure. */
export function planArchive(files: ArchiveFile[]): ArchivePlan {
  const plan: ArchivePlan = { locations: [], companions: {}, skipped: [] }
  const base = (f: string): string => f.replace(/^.*\//, '')
  const stem = (f: string): string => base(f).replace(/\.(conf|ovpn)$/i, '')
  for (const { name, text, problem } of files) {
    if (problem !== undefined || text === undefined)
      plan.skipped.push({ file: name, why: problem ?? 'not read' })
    else if (/\.(conf|ovpn)$/i.test(name)) {
      const twin = files.some((f) => f.name !== name && stem(f.name) === stem(name))
      const label = twin ? name.replace(/\.(conf|ovpn)$/i, '') : stem(name)
      plan.locations.push({ file: name, name: label.slice(-64), text })
    } else if (/\.(crt|pem|key|cer)$/i.test(name)) plan.companions[base(name)] = text
    else plan.skipped.push({ file: name, why: 'not a .conf or .ovpn file' })
  }
  return plan
}
