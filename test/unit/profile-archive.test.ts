import { describe, expect, it } from 'vitest'
import { readableProfileText } from '../../applet/src/core/tunnel/profile-text'
import { listZip, MAX_ARCHIVE_FILES, planArchive } from '../../applet/src/core/tunnel/zip'
import { makeZip } from '../fixtures/zip'

const bytes = (b: Buffer): Uint8Array => new Uint8Array(b)

describe('listZip', () => {
  it('lists the files of a provider archive with where each one starts, leaving out folders and macOS metadata', () => {
    const zip = makeZip([
      { name: 'wg/', text: '', stored: true },
      { name: 'wg/se-got-wg-001.conf', text: '[Interface]\n' },
      { name: 'wg/Zürich.conf', text: '[Interface]\n', stored: true },
      { name: '__MACOSX/wg/._se-got-wg-001.conf', text: 'x', stored: true },
    ])
    const r = listZip(bytes(zip))
    if ('error' in r) throw new Error(r.error)
    expect(r.entries.map((e) => [e.name, e.method, e.size])).toEqual([
      ['wg/se-got-wg-001.conf', 8, 12],
      ['wg/Zürich.conf', 0, 12],
    ])
    const stored = r.entries[1]
    expect(zip.subarray(stored.start, stored.start + stored.size).toString()).toBe('[Interface]\n')
  })

  it('lists an entry it must not read with the reason: a name leading out, encryption, another method', () => {
    const zip = makeZip([
      { name: '../../etc/config/network', text: 'x' },
      { name: '/root/.profile', text: 'x' },
      { name: 'locked.ovpn', text: 'x', encrypted: true },
      { name: 'bzip2.conf', text: 'x', stored: true },
    ])
    zip.writeUInt16LE(12, zip.indexOf('bzip2.conf') - 22) // the local header's method: bzip2
    const central = zip.lastIndexOf(Buffer.from('bzip2.conf')) - 46
    zip.writeUInt16LE(12, central + 10)
    const r = listZip(bytes(zip))
    if ('error' in r) throw new Error(r.error)
    expect(r.entries.map((e) => e.problem)).toEqual([
      'its name leads out of the archive',
      'its name leads out of the archive',
      'it is encrypted',
      'compression method 12 is not supported',
    ])
  })

  it('refuses a file that is no zip, a zip64 archive, a damaged directory and too many files', () => {
    expect(listZip(bytes(Buffer.from('[Interface]\n')))).toEqual({
      error: 'not a zip archive',
    })
    const one = makeZip([{ name: 'a.conf', text: 'x' }])
    const zip64 = Buffer.from(one)
    zip64.writeUInt32LE(0xffffffff, zip64.length - 6)
    expect(listZip(bytes(zip64))).toEqual({
      error: 'zip64 archives are not supported',
    })
    const damaged = Buffer.from(one)
    damaged.writeUInt32LE(0, damaged.length - 22 - 46 - 6)
    expect(listZip(bytes(damaged))).toEqual({ error: 'the archive is damaged' })
    const many = makeZip(
      Array.from({ length: MAX_ARCHIVE_FILES + 1 }, (_, i) => ({ name: `${i}.conf`, text: 'x' }))
    )
    expect(listZip(bytes(many))).toEqual({
      error: `more than ${MAX_ARCHIVE_FILES} files: lanvpn imports up to that many at once`,
    })
  })
})

describe('planArchive', () => {
  it('makes each .conf and .ovpn a location named after its file (ids tell twins apart), keeps certificates for the .ovpn files, and skips the rest', () => {
    const plan = planArchive([
      { name: 'ovpn_udp/se1.nordvpn.com.udp.ovpn', text: 'client' },
      { name: 'udp/nl.ovpn', text: 'client' },
      { name: 'tcp/nl.ovpn', text: 'client' },
      { name: 'pia/ca.rsa.2048.crt', text: 'PEM' },
      { name: 'qr/nl.png', text: '\uFFFDPNG' },
      { name: 'locked.conf', problem: 'it is encrypted' },
    ])
    expect(plan.locations.map((l) => [l.file, l.name])).toEqual([
      ['ovpn_udp/se1.nordvpn.com.udp.ovpn', 'se1.nordvpn.com.udp'],
      ['udp/nl.ovpn', 'nl'],
      ['tcp/nl.ovpn', 'nl'],
    ])
    expect(plan.companions).toEqual({ 'ca.rsa.2048.crt': 'PEM' })
    expect(plan.skipped).toEqual([
      { file: 'qr/nl.png', why: 'not a .conf or .ovpn file' },
      { file: 'locked.conf', why: 'it is encrypted' },
    ])
  })
})

describe('readableProfileText', () => {
  const asUtf8 = (b: Buffer): string => new TextDecoder().decode(b)
  const bom = (enc: 'utf16le', text: string, swap = false): Buffer => {
    const b = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, enc)])
    return swap ? b.swap16() : b
  }

  it('reads UTF-16 with a byte-order mark, little- and big-endian, as a Windows editor saves it', () => {
    const text = '[Interface]\r\nPrivateKey = x\r\n'
    expect(readableProfileText(asUtf8(bom('utf16le', text)))).toEqual({ text })
    expect(readableProfileText(asUtf8(bom('utf16le', text, true)))).toEqual({ text })
  })

  it('names UTF-16 it cannot read and NUL bytes of a binary or corrupt file', () => {
    expect(readableProfileText(asUtf8(bom('utf16le', '# Zürich\n[Interface]\n')))).toEqual({
      error: 'the file is UTF-16 with other than ASCII: save it as UTF-8',
    })
    expect(readableProfileText('[Interface]\nPrivateKey = \0\0\0\u0001')).toEqual({
      error: 'the file holds NUL bytes: it is binary or corrupt',
    })
    expect(readableProfileText('client\n')).toEqual({ text: 'client\n' })
  })
})
