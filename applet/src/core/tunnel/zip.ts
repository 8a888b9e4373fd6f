// A provider's archive of locations (a .zip of .conf or .ovpn files): its central directory read
// in lanvpn, because a stock OpenWrt has no unzip. Only the listing lives here (pure, shared by the
// CLI and the web UI); the entries are inflated by whoever has a deflate at hand — busybox gzip on
// the router (system/profile-archive.ts), DecompressionStream in the browser.

/** Archives are refused above this size: a provider's archive of locations is a few hundred KiB. */
export const MAX_ARCHIVE_BYTES = 4 * 1024 * 1024
/** At most this many files are imported from one archive: more locations than anyone picks. */
export const MAX_ARCHIVE_FILES = 250
/** Larger entries are refused unread: a profile file is a few KiB (MAX_PROFILE_TEXT). */
const MAX_ENTRY_BYTES = 65536

/** One file of an archive. `start` is the offset of its data in the archive; `method` 0 means
 * stored, 8 deflated. `problem` says why it cannot be read (then nothing else is to be used). */
export type ZipEntry = {
  name: string
  method: number
  crc: number
  size: number
  compressedSize: number
  start: number
  problem?: string
}

/** The files of an archive (folders and macOS metadata left out), or why it cannot be read. */
export type ZipListing = { entries: ZipEntry[] } | { error: string }

// Entry names are UTF-8 (flag bit 11) or, from old Windows tools, CP437: for the latter, ASCII is
// what matters and the rest is shown as Latin-1.
function entryName(bytes: Uint8Array): string {
  const latin1 = String.fromCharCode(...bytes)
  try {
    return decodeURIComponent(escape(latin1))
  } catch {
    return latin1
  }
}

function entryProblem(name: string, flags: number, method: number, size: number): string | null {
  if (/(^|[\\/])\.\.([\\/]|$)|^[\\/]|^[A-Za-z]:/.test(name))
    return 'its name leads out of the archive; refused'
  if (flags & 1) return 'it is encrypted (a password-protected zip); unpack the archive yourself'
  if (method !== 0 && method !== 8)
    return `it is compressed with method ${method}; lanvpn reads stored and deflated files`
  if (size > MAX_ENTRY_BYTES) return 'it is larger than 64 KiB, so it is no profile'
  return null
}

/** Lists the files of a zip archive. Never throws. Refuses zip64, split archives and more than
 * MAX_ARCHIVE_FILES files as a whole; an entry it cannot read (encrypted, a name with `..`, another
 * compression method, too large) is listed with its problem. */
export function listZip(bytes: Uint8Array): ZipListing {
  const u16 = (at: number): number => bytes[at] | (bytes[at + 1] << 8)
  const u32 = (at: number): number => (u16(at) + u16(at + 2) * 65536) >>> 0
  if (bytes.length > MAX_ARCHIVE_BYTES) return { error: 'the archive is larger than 4 MiB' }
  // The end-of-central-directory record: the last 22 bytes, or before a comment of up to 64 KiB.
  const lowest = Math.max(0, bytes.length - 22 - 65535)
  let end = bytes.length - 22
  while (end >= lowest && u32(end) !== 0x06054b50) end--
  if (end < lowest) return { error: 'not a zip archive (no central directory)' }
  const count = u16(end + 10)
  let at = u32(end + 16)
  if ((end >= 20 && u32(end - 20) === 0x07064b50) || count === 0xffff || at === 0xffffffff)
    return { error: 'zip64 archives are not supported; make a plain zip of the files' }
  if (u16(end + 4) !== 0 || u16(end + 6) !== 0 || u16(end + 8) !== count)
    return { error: 'split (multi-part) zip archives are not supported' }
  const entries: ZipEntry[] = []
  for (let i = 0; i < count; i++) {
    if (at + 46 > end || u32(at) !== 0x02014b50) return { error: 'the archive is damaged' }
    const [flags, method, crc, nameLen] = [u16(at + 8), u16(at + 10), u32(at + 16), u16(at + 28)]
    const [compressedSize, size, local] = [u32(at + 20), u32(at + 24), u32(at + 42)]
    const name = entryName(bytes.subarray(at + 46, at + 46 + nameLen))
    at += 46 + nameLen + u16(at + 30) + u16(at + 32)
    if (name.endsWith('/') || /(^|\/)(__MACOSX\/|\._)/.test(name)) continue
    const start = local + 30 + u16(local + 26) + u16(local + 28)
    const problem =
      entryProblem(name, flags, method, size) ??
      (u32(local) !== 0x04034b50 || start + compressedSize > end
        ? 'the archive is damaged here'
        : null)
    const entry: ZipEntry = { name, method, crc, size, compressedSize, start }
    entries.push(problem ? { ...entry, problem } : entry)
  }
  if (entries.length > MAX_ARCHIVE_FILES)
    return {
      error: `the archive holds ${entries.length} files; lanvpn imports at most ${MAX_ARCHIVE_FILES} at once: unpack it and pick the locations you want`,
    }
  return { entries }
}
