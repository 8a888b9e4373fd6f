// Reading a provider's archive of locations (a .zip) on the router, which has no unzip: the
// central directory is read in lanvpn (core/tunnel/zip.ts) from a hex dump of the file, and each
// entry is cut out of the file with tail and head; a deflated one is wrapped as a gzip member (a
// 10-byte header, its raw deflate data, the CRC-32 and size from the zip) and inflated by busybox
// gzip, which also checks the CRC. hexdump, tail, head and gzip are in every OpenWrt busybox.
import { listZip, MAX_ARCHIVE_BYTES, type ZipEntry } from '../core/tunnel/zip'
import type { ArchiveFile } from '../core/tunnel/profile-text'
import type { Host } from '../host/host'
import { run } from './run'

// $1 file, $2 first byte (1-based), $3 length, $4 the gzip trailer as printf escapes ('' when
// stored). The data never passes through argv or the shell's parser, only the numbers do.
const CUT = `if [ -z "$4" ]; then tail -c +"$2" "$1" | head -c "$3"; else
{ printf '\\037\\213\\010\\000\\000\\000\\000\\000\\000\\377'; tail -c +"$2" "$1" | head -c "$3"; printf "$4"; } | gzip -dc; fi`

// Little-endian bytes of n as octal printf escapes (octal: dash's printf has no \x).
const le32 = (n: number): string =>
  [0, 8, 16, 24].map((s) => `\\${((n >>> s) & 255).toString(8).padStart(3, '0')}`).join('')

async function readEntry(host: Host, path: string, e: ZipEntry): Promise<ArchiveFile> {
  const trailer = e.method === 8 ? le32(e.crc) + le32(e.size) : ''
  const argv = ['sh', '-c', CUT, 'sh', path, String(e.start + 1), String(e.compressedSize)]
  const r = await run(host, [...argv, trailer])
  if (r.code === 0) return { name: e.name, text: r.stdout }
  return { name: e.name, problem: `the archive is damaged here (${r.stderr.trim().slice(0, 80)})` }
}

/** The files of the zip archive at `path`, read, or why the archive cannot be read. Files it
 * cannot read are listed with their problem. */
export async function readArchive(
  host: Host,
  path: string
): Promise<{ files: ArchiveFile[] } | { error: string }> {
  const size = host.stat(path)?.size ?? 0
  if (size > MAX_ARCHIVE_BYTES) return { error: 'the archive is larger than 4 MiB' }
  const dump = await run(host, ['hexdump', '-v', '-e', '1/1 "%02x"', path])
  if (dump.code !== 0) return { error: `reading the archive: ${dump.stderr.trim()}` }
  const bytes = new Uint8Array(dump.stdout.length >> 1)
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(dump.stdout.substr(i * 2, 2), 16)
  const listing = listZip(bytes)
  if ('error' in listing) return listing
  const files: ArchiveFile[] = []
  for (const e of listing.entries)
    files.push(e.problem ? { name: e.name, problem: e.problem } : await readEntry(host, path, e))
  return { files }
}
