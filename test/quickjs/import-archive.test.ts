// `lanvpn import archive.zip`: a provider's archive of locations imported in one step, under Node
// and the native qjs, with the host's tools and with busybox's alone (what a stock OpenWrt has: no
// unzip; hexdump, tail, head, gzip and ash). The zip is built here, in the shapes providers hand
// out: Mullvad's WireGuard files (deflated and stored), a PIA-style OpenVPN pair that names its CA
// file beside it, and what must be refused or skipped, each said file by file.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error: a plain .mjs module without type declarations
import { BUNDLE_OPTIONS } from '../../scripts/bundle-options.mjs'
import { qjsCommand } from '../../scripts/native-qjs.mjs'
import { makeZip, type ZipFixtureEntry as Entry } from '../fixtures/zip'

const root = mkdtempSync(join(tmpdir(), 'lanvpn-archive-'))
const bundle = join(root, 'lanvpn.js')
const busyboxBin = join(root, 'busybox-bin')
const KEY = 'r0yIPqLNeXxOw/k66uK2v2ekNmi0w/KuM0MGHufE0po='
const PUB = 'rFN5+I12c4UgZYgJLCbEUbxBMyvBw1ue3Vhu7dbwI8w='
const CA = readFileSync('test/fixtures/profiles/cert-inline.ovpn', 'utf8')
  .match(/<ca>([\s\S]*?)<\/ca>/)![1]
  .trim()

const mullvad = (address: string, endpoint: string): string =>
  [
    '[Interface]',
    '# Device: Happy Otter',
    `PrivateKey = ${KEY}`,
    `Address = ${address}/32,fc00:bbbb:bbbb:bb01::5:c21/128`,
    'DNS = 10.64.0.1',
    'PostUp = iptables -I OUTPUT ! -o %i -j REJECT',
    '',
    '[Peer]',
    `PublicKey = ${PUB}`,
    'AllowedIPs = 0.0.0.0/0,::0/0',
    `Endpoint = ${endpoint}:51820`,
    '',
  ].join('\n')

const pia = [
  'client',
  'dev tun',
  'proto udp',
  'remote nl-amsterdam.privacy.network 1198',
  'resolv-retry infinite',
  'nobind',
  'persist-key',
  'cipher aes-128-cbc',
  'auth sha1',
  'tls-client',
  'remote-cert-tls server',
  'auth-user-pass',
  'ca ca.rsa.2048.crt',
  'disable-occ',
  '',
].join('\n')

const ARCHIVE: Entry[] = [
  {
    name: 'mullvad_wireguard_linux_se_got/se-got-wg-001.conf',
    text: mullvad('10.68.1.2', '185.213.154.68'),
  },
  {
    name: 'mullvad_wireguard_linux_se_got/se-got-wg-002.conf',
    text: mullvad('10.68.1.3', '185.213.154.69'),
    stored: true,
  },
  { name: 'pia/nl_amsterdam.ovpn', text: pia },
  { name: 'pia/ca.rsa.2048.crt', text: `${CA}\n` },
  {
    name: 'amnezia/de-fra.conf',
    text: mullvad('10.8.1.2', '198.51.100.7').replace('DNS', 'Jc = 4\nDNS'),
  },
  { name: 'README.txt', text: 'Import these files into your router.\n' },
  {
    name: 'windows.conf',
    text: '',
    bytes: Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(mullvad('10.68.1.4', '185.213.154.70'), 'utf16le'),
    ]),
  },
  { name: 'qr.conf', text: '\u0089PNG\r\n\u001a\n\0\0\0\rIHDR' },
  // A zip bomb: 64 MiB of spaces that says it is 600 bytes.
  { name: 'bomb.conf', text: `[Interface]\n#${' '.repeat(64 << 20)}`, declaredSize: 600 },
  { name: 'damaged.conf', text: mullvad('10.9.9.8', '198.51.100.8'), corrupt: true },
  { name: '../escape.conf', text: mullvad('10.9.9.9', '198.51.100.9') },
  { name: 'locked.conf', text: 'x', stored: true, encrypted: true },
  { name: '__MACOSX/._se-got-wg-001.conf', text: 'resource fork', stored: true },
]

beforeAll(async () => {
  await build({ entryPoints: ['applet/src/main.ts'], outfile: bundle, ...BUNDLE_OPTIONS })
  mkdirSync(busyboxBin)
  // sync: the qjs host's fsync of a saved file, on a CPU whose O_SYNC it does not know.
  for (const tool of ['sh', 'hexdump', 'tail', 'head', 'gzip', 'printf', 'sync'])
    symlinkSync('/usr/bin/busybox', join(busyboxBin, tool))
  // flock: libuci's lock on the config file (host.ts lockFile). OpenWrt's busybox has the applet
  // (BUSYBOX_DEFAULT_FLOCK=y); Debian's has not, so util-linux's stands in, as `flock -x 0`.
  symlinkSync('/usr/bin/flock', join(busyboxBin, 'flock'))
  writeFileSync(join(root, 'locations.zip'), makeZip(ARCHIVE))
  writeFileSync(join(root, 'not-a.zip'), 'PK\u0003\u0004 and nothing else')
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

const RUNS = {
  node: { cmd: [process.execPath], path: process.env.PATH ?? '' },
  qjs: { cmd: qjsCommand() as string[], path: process.env.PATH ?? '' },
  'qjs with busybox tools only': { cmd: qjsCommand() as string[], path: busyboxBin },
}

function lanvpn(runtime: keyof typeof RUNS, argv: string[], stdin = ''): string {
  const prefix = join(root, runtime.replace(/ /g, '_'))
  mkdirSync(prefix, { recursive: true })
  const [cmd, ...args] = RUNS[runtime].cmd
  const r = spawnSync(cmd, [...args, bundle, ...argv], {
    input: stdin,
    encoding: 'utf8',
    env: { ...process.env, PATH: RUNS[runtime].path, LANVPN_PREFIX: prefix, LANVPN_LOG: 'off' },
    timeout: 30_000,
  })
  return `exit ${r.status}\n${r.stdout}${r.stderr}`
}

const EXPECTED = `exit 1
imported mullvad_wireguard_linux_se_got/se-got-wg-001.conf as se_got_wg_001
  line 6: refused: postup refused: lanvpn has its own kill switch and routing; commands from profile files are never run
imported mullvad_wireguard_linux_se_got/se-got-wg-002.conf as se_got_wg_002
  line 6: refused: postup refused: lanvpn has its own kill switch and routing; commands from profile files are never run
imported pia/nl_amsterdam.ovpn as nl_amsterdam
  line 14: warning: disable-occ removed: not on lanvpn's list of safe directives
refused amnezia/de-fra.conf: line 5: jc is an AmneziaWG setting: plain WireGuard can never connect with this profile. The router would need amneziawg-tools and kmod-amneziawg, which lanvpn does not drive
  line 5: error: jc is an AmneziaWG setting: plain WireGuard can never connect with this profile. The router would need amneziawg-tools and kmod-amneziawg, which lanvpn does not drive
  line 7: refused: postup refused: lanvpn has its own kill switch and routing; commands from profile files are never run
imported windows.conf as windows
  line 6: refused: postup refused: lanvpn has its own kill switch and routing; commands from profile files are never run
refused qr.conf: the file holds NUL bytes: it is binary or corrupt
refused bomb.conf: the file is larger than 64 KiB
  file: error: the file is larger than 64 KiB
skipped README.txt: not a .conf or .ovpn file
skipped damaged.conf: the archive is damaged
skipped ../escape.conf: its name leads out of the archive
skipped locked.conf: it is encrypted
4 imported, 3 refused, 4 skipped
`

describe('lanvpn import archive.zip', () => {
  for (const runtime of Object.keys(RUNS) as Array<keyof typeof RUNS>) {
    it(`imports every location of a provider's archive in one step (${runtime})`, () => {
      const zip = join(root, 'locations.zip')
      expect(lanvpn(runtime, ['import', zip, '--user', 'p1234567'], 'secret\n')).toBe(EXPECTED)
      const list = JSON.parse(lanvpn(runtime, ['profiles', '--json']).split('\n')[1]) as {
        profiles: Array<{ id: string; credentials: { set: boolean } }>
      }
      expect(list.profiles.map((p) => p.id)).toEqual([
        'se_got_wg_001',
        'se_got_wg_002',
        'nl_amsterdam',
        'windows',
      ])
      expect(list.profiles[2].credentials.set).toBe(true)
      // The CA file beside the .ovpn went into its stored config.
      const prefix = join(root, runtime.replace(/ /g, '_'))
      const stored = spawnSync(
        'sh',
        ['-c', `cat "${prefix}"/etc/lanvpn/secrets/profile_nl_amsterdam.ovpn`],
        {
          encoding: 'utf8',
        }
      ).stdout
      expect(stored).toContain(`<ca>\n${CA}\n</ca>`)
    })
  }

  it('asks for the shared user name once before importing anything', () => {
    const zip = join(root, 'locations.zip')
    expect(lanvpn('qjs', ['import', zip])).toBe(
      `exit 1\nlanvpn import: ${zip}: its OpenVPN profiles need a user name and password: add --user USER (password on stdin)\n`
    )
  })

  it('refuses what is not a zip archive, saying so', () => {
    const bad = join(root, 'not-a.zip')
    expect(lanvpn('qjs with busybox tools only', ['import', bad])).toBe(
      `exit 1\nlanvpn import: ${bad}: not a zip archive\n`
    )
  })
})
