// Reading a provider's archive of locations (a .zip) on the router, which has no unzip: the
// central directory is read in lanvpn (core/tunnel/zip.ts) from a hex dump of the file, and each
// entry is cut out of the file with tail and head; a deflated one is wrapped as a gzip member (a
// 10-byte header, its raw deflate data, the CRC-32 and size from the zip) and inflated by busybox
// gzip, which also checks the CRC. hexdump, tail, head and gzip are in every OpenWrt busybox.
import { listZip, MAX_ARCHIVE_BYTES, type ArchiveFile } from '../core/tunnel/zip'
import type { Host } from '../host/host'
import { run } from './run'

// $1 file, $2 first byte (1-based), $3 length, $4 and $5 what goes before and after as printf
// escapes, $6 the filter. Only numbers and escapes pass through argv, never the data itself. The
// last head bounds what a zip bomb can make (more than 64 KiB is refused as too large); the
// status is head's, so gzip's complaint on stderr (a CRC or data error) is what says "damaged".
const CUT = '{ printf "$4"; tail -c +$2 "$1" | head -c $3; printf "$5"; } | $6 | head -c 65537'

// Little-endian bytes of n as octal printf escapes (octal: dash's printf has no \x).
const le32 = (n: number): string =>
  [0, 8, 16, 24].map((s) => `\\${((n >>> s) & 255).toString(8).padStart(3, '0')}`).join('')

/** The files of the zip archive at `path`, read, or why the archive cannot be read. Files it
 * cannot read are listed with their problem. */
export async function readArchive(
  host: Host,
  path: string
): Promise<{ files: ArchiveFile[] } | { error: string }> {
  // One byte over the limit is enough for listZip to refuse the archive as too large.
  const hex = (
    await run(host, ['hexdump', '-v', '-n', `${MAX_ARCHIVE_BYTES + 1}`, '-e', '1/1 "%02x"', path])
  ).stdout
  const bytes = new Uint8Array(hex.length >> 1)
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(i * 2, 2), 16)
  const listing = listZip(bytes)
  if ('error' in listing) return listing
  const files: ArchiveFile[] = []
  for (const { name, problem, method, crc, size, start, compressedSize } of listing.entries) {
    const gz = method === 8
    const r = problem
      ? null
      : await run(host, [
          'sh',
          '-c',
          CUT,
          'sh',
          path,
          `${start + 1}`,
          `${compressedSize}`,
          gz ? '\\037\\213\\010\\000\\000\\000\\000\\000\\000\\377' : '',
          gz ? le32(crc) + le32(size) : '',
          gz ? 'gzip -dc' : 'tail -c +1',
        ])
    files.push(
      r && !r.code && !r.stderr
        ? { name, text: r.stdout }
        : { name, problem: problem ?? 'the archive is damaged' }
    )
  }
  return { files }
}
