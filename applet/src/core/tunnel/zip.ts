// A provider's archive of locations (a .zip of .conf or .ovpn files), read in lanvpn because a
// stock OpenWrt has no unzip. Pure and shared by the CLI and the web UI: the listing here, the
// inflating by whoever has a deflate at hand (busybox gzip on the router, system/profile-archive.ts;
// DecompressionStream in the browser).

/** Archives are refused above this size: a provider's archive of locations is a few hundred KiB. */
export const MAX_ARCHIVE_BYTES = 4194304
/** At most this many files are imported from one archive: more locations than anyone picks. */
export const MAX_ARCHIVE_FILES = 250

/** One file of an archive: where its data starts, stored (method 0) or deflated (8), or why it
 * cannot be read (`problem`; then nothing else is to be used). */
export type ZipEntry = {
  name: string
  method: number
  crc: number
  size: number
  compressedSize: number
  start: number
  problem?: string
}

/** Lists the files of a zip archive, leaving out folders and macOS metadata. Never throws. Refuses
 * zip64 and more than MAX_ARCHIVE_FILES files as a whole; an entry it must not read (a name with
 * `..`, encrypted, another method, over 64 KiB) is listed with its problem. */
export function listZip(bytes: Uint8Array): { entries: ZipEntry[] } | { error: string } {
  const u16 = (at: number): number => bytes[at] | (bytes[at + 1] << 8)
  const u32 = (at: number): number => (u16(at) + u16(at + 2) * 65536) >>> 0
  // The end record: the last 22 bytes, or before a comment of up to 64 KiB.
  let end = bytes.length - 22
  while (end >= 0 && end > bytes.length - 65600 && u32(end) !== 0x06054b50) end--
  if (bytes.length > MAX_ARCHIVE_BYTES) return { error: 'the archive is larger than 4 MiB' }
  if (end < 0 || u32(end) !== 0x06054b50) return { error: 'not a zip archive' }
  let at = u32(end + 16)
  if (u16(end + 10) === 0xffff || at === 0xffffffff)
    return { error: 'zip64 archives are not supported' }
  const entries: ZipEntry[] = []
  for (let i = u16(end + 10); i > 0; i--) {
    if (u32(at) !== 0x02014b50) return { error: 'the archive is damaged' }
    const [flags, method, nameLen] = [u16(at + 8), u16(at + 10), u16(at + 28)]
    const [size, local] = [u32(at + 24), u32(at + 42)]
    let name = String.fromCharCode(...bytes.subarray(at + 46, at + 46 + nameLen))
    try {
      name = decodeURIComponent(escape(name)) // UTF-8, or else Latin-1 (old Windows tools)
    } catch {}
    const entry = { name, method, crc: u32(at + 16), size, compressedSize: u32(at + 20), start: 0 }
    entry.start = local + 30 + u16(local + 26) + u16(local + 28)
    at += 46 + nameLen + u16(at + 30) + u16(at + 32)
    if (/\/$|(^|\/)(__MACOSX\/|\._)/.test(name)) continue
    const problem = /(^|[\\/])\.\.([\\/]|$)|^[\\/]|^[A-Za-z]:/.test(name)
      ? 'its name leads out of the archive'
      : flags & 1
        ? 'it is encrypted'
        : method !== 0 && method !== 8
          ? `compression method ${method} is not supported`
          : size > 65536
            ? 'larger than 64 KiB'
            : u32(local) !== 0x04034b50 || entry.start + entry.compressedSize > end
              ? 'the archive is damaged'
              : ''
    entries.push(problem ? { ...entry, problem } : entry)
  }
  if (entries.length > MAX_ARCHIVE_FILES)
    return { error: `more than ${MAX_ARCHIVE_FILES} files: lanvpn imports up to that many at once` }
  return { entries }
}

/** Whether an .ovpn text asks for a user name and password it does not carry itself. */
export function asksForCredentials(text: string): boolean {
  return /^\s*auth-user-pass(\s|$)/m.test(text) && !/^\s*<auth-user-pass>/m.test(text)
}

/** One file read out of an archive: its text, or why it could not be read. */
export type ArchiveFile = { name: string; text?: string; problem?: string }

/** What an archive holds for an import: its locations (every .conf and .ovpn, named after its
 * file), the certificate and key files an .ovpn may name
 * (by base name), and the other files with why they are not imported. */
export type ArchivePlan = {
  locations: Array<{ file: string; name: string; text: string }>
  companions: Record<string, string>
  skipped: Array<{ file: string; why: string }>
}

/** Sorts an archive's files into locations, companions and skipped files. Pure. */
export function planArchive(files: ArchiveFile[]): ArchivePlan {
  const plan: ArchivePlan = { locations: [], companions: {}, skipped: [] }
  for (const { name, text, problem } of files) {
    const base = name.replace(/^.*\//, '')
    if (text === undefined) plan.skipped.push({ file: name, why: problem ?? '' })
    else if (/\.(conf|ovpn)$/i.test(name))
      plan.locations.push({ file: name, name: base.slice(0, -5).slice(0, 64), text })
    else if (/\.(crt|pem|key)$/i.test(name)) plan.companions[base] = text
    else plan.skipped.push({ file: name, why: 'not a .conf or .ovpn file' })
  }
  return plan
}
