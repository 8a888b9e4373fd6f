// The profile methods against real files (Node host, a temporary LANVPN_PREFIX): what a caller of
// `ubus call lanvpn importProfile …` sees, what ends up on disk, and that secrets stay in root-only
// files. The `lanvpn import` command is checked on a FakeHost for where the password comes from.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { profileCommands } from '../../applet/src/cli/profiles'
import { DEFAULT_CONFIG_TEXT } from '../../applet/src/core/config/defaults'
import { fnv1a } from '../../applet/src/core/hash'
import { resolvePaths } from '../../applet/src/core/paths'
import { FakeHost } from '../../applet/src/host/fake'
import { createNodeHost } from '../../applet/src/host/node'
import { handleCall } from '../../applet/src/rpc/protocol'
import { profileMethods } from '../../applet/src/rpc/profiles'
import { withLogLevel } from '../../applet/src/system/log'

const fixture = (name: string): string => readFileSync(`test/fixtures/profiles/${name}`, 'utf8')
const MULLVAD = fixture('mullvad-se-got.conf')
const MULLVAD_KEY = 'r0yIPqLNeXxOw/k66uK2v2ekNmi0w/KuM0MGHufE0po='
const DUAL = fixture('ipv6-endpoint.conf')
const DUAL_PSK = 'VCoGuNbeqWpuSJsGqgPCEHjRSWyfUWGJNSVp755CRvY='
const OVPN = fixture('provider-hostile-crlf.ovpn')

const tmp = mkdtempSync(join(tmpdir(), 'lanvpn-profiles-'))
const paths = resolvePaths(tmp)
const host = createNodeHost()
const call = (method: string, args: object) =>
  handleCall(
    profileMethods,
    { host, paths },
    method,
    JSON.stringify({ ...args, ubus_rpc_session: 'f'.repeat(32) })
  ) as Promise<Record<string, any>>
const config = (): string => readFileSync(paths.config, 'utf8')
const secrets = (): string[] => (existsSync(paths.secretsDir) ? readdirSync(paths.secretsDir) : [])
const mode = (path: string): number => statSync(path).mode & 0o777

async function imported(name: string, text: string, extra: object = {}): Promise<string> {
  const r = await call('importProfile', { name, text, ...extra })
  expect(r).toMatchObject({ ok: true })
  return r.id
}

// A call that must be refused without touching anything on disk.
async function refusedUnchanged(method: string, args: object): Promise<Record<string, any>> {
  const before = config()
  const secretsBefore = secrets()
  const r = await call(method, args)
  expect(r).toHaveProperty('error')
  expect(config()).toBe(before)
  expect(secrets()).toEqual(secretsBefore)
  return r
}

beforeEach(() => {
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(join(tmp, 'etc/config'), { recursive: true })
  writeFileSync(paths.config, DEFAULT_CONFIG_TEXT)
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('importProfile', () => {
  it('stores a WireGuard profile in UCI and its private key in a root-only file', async () => {
    const r = await call('importProfile', { name: 'Stockholm', text: MULLVAD })
    expect(r).toMatchObject({ ok: true, id: 'stockholm', configHash: fnv1a(config()) })
    expect(r.notes.map((n: { level: string }) => n.level)).toEqual(['refused', 'refused'])
    expect(config()).toContain("config profile 'stockholm'")
    expect(config()).toContain("option endpoint_host '185.213.154.68'")
    expect(config()).not.toContain(MULLVAD_KEY)
    expect(config()).not.toContain('iptables')
    const keyFile = join(paths.secretsDir, 'profile_stockholm')
    expect(readFileSync(keyFile, 'utf8')).toBe(MULLVAD_KEY)
    expect(mode(keyFile)).toBe(0o600)
    expect(mode(paths.secretsDir)).toBe(0o700)
  })

  it('stores preshared keys per peer and only a flag in UCI', async () => {
    const id = await imported('Dual stack', DUAL)
    expect(id).toBe('dual_stack')
    const psk = join(paths.secretsDir, 'profile_dual_stack.psk0')
    expect(readFileSync(psk, 'utf8')).toBe(DUAL_PSK)
    expect(mode(psk)).toBe(0o600)
    expect(config()).toContain("option preshared_key_set '1'")
    expect(config()).toContain("option listen_port '51000'")
    expect(config()).not.toContain(DUAL_PSK)
  })

  it('keeps the extra peers of a several-peer file as peer sections', async () => {
    await imported('Sweden', fixture('several-peers-one-bad.conf'))
    const list = await call('listProfiles', {})
    expect(list.profiles[0].endpoints).toEqual(['se1.example-vpn.net:51820', '203.0.113.9:51820'])
    expect(secrets()).toEqual(['profile_sweden', 'profile_sweden.psk1'])
  })

  it('stores an OpenVPN profile as a sanitised secret config and a two-line credentials file', async () => {
    const id = await imported('Stockholm OVPN', OVPN, {
      username: 'alice',
      password: 'hunter2 pass',
    })
    const ovpn = join(paths.secretsDir, `profile_${id}.ovpn`)
    const auth = join(paths.secretsDir, `profile_${id}.auth`)
    expect(mode(ovpn)).toBe(0o600)
    expect(mode(auth)).toBe(0o600)
    expect(readFileSync(auth, 'utf8')).toBe('alice\nhunter2 pass\n')
    expect(readFileSync(ovpn, 'utf8')).not.toMatch(/update-resolv-conf|script-security/)
    expect(config()).toContain("list remote 'se-sto.example-vpn.net 1194 udp'")
    expect(config()).toContain("list remote '198.51.100.7 443 tcp'")
    expect(config()).not.toMatch(/alice|hunter2|BEGIN/)
  })

  it('refuses an OpenVPN profile that needs credentials when none are given, writing nothing', async () => {
    const r = await refusedUnchanged('importProfile', { name: 'x', text: OVPN })
    expect(r.error).toMatchObject({ code: 'invalid_argument', field: 'username' })
  })

  it('refuses a broken file with line-numbered notes and leaves config and secrets untouched', async () => {
    const text = MULLVAD.replace(MULLVAD_KEY, 'bm90IGEga2V5')
    const r = await refusedUnchanged('importProfile', { name: 'Broken', text })
    expect(r.error).toMatchObject({ code: 'invalid_profile', field: 'text' })
    expect(r.error.message).toMatch(/^line 3: PrivateKey/)
    expect(r.error.notes.some((n: { line: number }) => n.line === 3)).toBe(true)
  })

  it('refuses file references in an .ovpn, naming the line', async () => {
    const r = await refusedUnchanged('importProfile', {
      name: 'x',
      text: fixture('file-references.ovpn'),
    })
    expect(r.error.message).toBe(
      'line 5: ca names the file ca.crt, which is not in this profile: paste it between <ca> and </ca>'
    )
  })

  it('takes the files an .ovpn names from `files` (the rest of its archive), refusing bad ones', async () => {
    const pem = OVPN.match(/<ca>([\s\S]*?)<\/ca>/)![1]
      .trim()
      .replace(/\r/g, '')
    const text = OVPN.replace(/<ca>[\s\S]*?<\/ca>/, 'ca "keys/ca.crt"')
    const id = await imported('Amsterdam', text, {
      username: 'u',
      password: 'p',
      files: { 'ca.crt': pem },
    })
    expect(readFileSync(join(paths.secretsDir, `profile_${id}.ovpn`), 'utf8')).toContain(pem)
    const bad = await refusedUnchanged('importProfile', {
      name: 'x',
      text,
      files: { 'ca.crt': 7 },
    })
    expect(bad.error).toMatchObject({ code: 'invalid_argument', field: 'files' })
  })

  it('reads a UTF-16 file saved by a Windows editor, and names NUL bytes in a binary one', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(MULLVAD, 'utf16le')])
    await imported('Windows', new TextDecoder().decode(utf16))
    const binary = await refusedUnchanged('importProfile', {
      name: 'x',
      text: new TextDecoder().decode(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0x41, 0xff, 0, 3])),
    })
    expect(binary.error.message).toBe('the file holds NUL bytes: it is binary or corrupt')
    const zurich = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(`# Zürich\n${MULLVAD}`, 'utf16le'),
    ])
    const r = await refusedUnchanged('importProfile', {
      name: 'x',
      text: new TextDecoder().decode(zurich),
    })
    expect(r.error.message).toBe('the file is UTF-16 with other than ASCII: save it as UTF-8')
  })

  it('refuses two [Interface] sections and AmneziaWG, writing nothing', async () => {
    const two = await refusedUnchanged('importProfile', { name: 'x', text: MULLVAD + MULLVAD })
    expect(two.error.message).toBe(
      'line 13: a second [Interface]: one file is one tunnel; split it in two'
    )
    const awg = MULLVAD.replace('DNS', 'Jc = 4\nJmin = 40\nDNS')
    const amnezia = await refusedUnchanged('importProfile', { name: 'x', text: awg })
    expect(amnezia.error.message).toMatch(/^line 5: jc is an AmneziaWG setting: .*amneziawg-tools/)
  })

  it('refuses text that is neither format, a bad name, and unknown or oversized arguments', async () => {
    expect((await refusedUnchanged('importProfile', { name: 'x', text: 'hello' })).error.code).toBe(
      'invalid_profile'
    )
    expect(
      (await refusedUnchanged('importProfile', { name: 'a\nb', text: MULLVAD })).error.field
    ).toBe('name')
    expect(
      (await refusedUnchanged('importProfile', { name: 'x', text: MULLVAD, key: 1 })).error.code
    ).toBe('invalid_argument')
    expect(
      (await refusedUnchanged('importProfile', { name: 'x', text: 'y'.repeat(60001) })).error.field
    ).toBe('text')
    expect(
      (await refusedUnchanged('importProfile', { name: 'x', text: MULLVAD, type: 'ipsec' })).error
        .field
    ).toBe('type')
  })

  it('gives a second profile with the same name its own id and never reuses a leftover key file', async () => {
    mkdirSync(paths.secretsDir, { recursive: true })
    writeFileSync(join(paths.secretsDir, 'profile_paris'), 'stale', { mode: 0o600 })
    expect(await imported('Paris', MULLVAD)).toBe('paris_2')
    expect(await imported('Paris', MULLVAD)).toBe('paris_3')
  })
})

describe('listProfiles', () => {
  it('lists endpoints and which secrets are set, and never a secret', async () => {
    await imported('Stockholm', MULLVAD)
    await imported('Dual', DUAL)
    await imported('Sto OVPN', OVPN, { username: 'alice', password: 'hunter2' })
    const r = await call('listProfiles', {})
    expect(r.profiles).toEqual([
      expect.objectContaining({
        id: 'stockholm',
        type: 'wireguard',
        endpoints: ['185.213.154.68:51820'],
        privateKey: { set: true },
        credentials: { set: false },
      }),
      expect.objectContaining({ id: 'dual', endpoints: ['[2a03:1b20:1:f011::a01f]:51820'] }),
      expect.objectContaining({
        id: 'sto_ovpn',
        type: 'openvpn',
        endpoints: ['se-sto.example-vpn.net:1194', '198.51.100.7:443'],
        privateKey: { set: true },
        credentials: { set: true },
      }),
    ])
    expect(r).toMatchObject({
      active: '',
      fallback: [],
      connect: false,
      configHash: fnv1a(config()),
    })
    const text = JSON.stringify(r)
    for (const secret of [MULLVAD_KEY, DUAL_PSK, 'hunter2', 'BEGIN'])
      expect(text).not.toContain(secret)
  })
})

describe('renameProfile', () => {
  it('changes only the label; the id and the key file stay', async () => {
    const id = await imported('Stockholm', MULLVAD)
    const r = await call('renameProfile', { id, label: 'Stockholm 2 (fast)' })
    expect(r).toMatchObject({ ok: true, configHash: fnv1a(config()) })
    expect(config()).toContain("option label 'Stockholm 2 (fast)'")
    expect((await call('listProfiles', {})).profiles[0]).toMatchObject({
      id: 'stockholm',
      privateKey: { set: true },
    })
  })

  it('refuses an empty or control-character label and an unknown id', async () => {
    const id = await imported('Stockholm', MULLVAD)
    expect((await refusedUnchanged('renameProfile', { id, label: '' })).error.field).toBe('label')
    expect((await refusedUnchanged('renameProfile', { id, label: 'a\tb' })).error.field).toBe(
      'label'
    )
    expect((await refusedUnchanged('renameProfile', { id: 'nope', label: 'x' })).error.code).toBe(
      'not_found'
    )
    expect((await refusedUnchanged('renameProfile', { id: 'a-b', label: 'x' })).error.field).toBe(
      'id'
    )
  })
})

describe('setFallback, connect and disconnect', () => {
  it('saves an ordered fallback list of existing, distinct profiles other than the active one', async () => {
    const a = await imported('A', MULLVAD)
    const b = await imported('B', DUAL)
    const c = await imported('C', MULLVAD)
    expect(await call('connect', { id: a })).toMatchObject({ ok: true })
    expect((await refusedUnchanged('setFallback', { ids: [b, 'zz'] })).error).toMatchObject({
      code: 'not_found',
      field: 'ids[1]',
    })
    expect((await refusedUnchanged('setFallback', { ids: [b, b] })).error.field).toBe('ids[1]')
    expect((await refusedUnchanged('setFallback', { ids: [a] })).error.message).toContain(
      'active profile'
    )
    expect((await refusedUnchanged('setFallback', { ids: [3] })).error.field).toBe('ids[0]')
    expect(await call('setFallback', { ids: [c, b] })).toMatchObject({ ok: true })
    expect(await call('listProfiles', {})).toMatchObject({
      active: a,
      fallback: [c, b],
      connect: true,
    })
  })

  it('connect chooses the profile, takes it out of the fallback list and records the wish', async () => {
    const a = await imported('A', MULLVAD)
    const b = await imported('B', DUAL)
    await call('connect', { id: a })
    await call('setFallback', { ids: [b] })
    const r = await call('connect', { id: b })
    expect(r).toMatchObject({ ok: true, configHash: fnv1a(config()) })
    expect(await call('listProfiles', {})).toMatchObject({ active: b, fallback: [], connect: true })
    expect(await call('disconnect', {})).toMatchObject({ ok: true })
    expect(await call('listProfiles', {})).toMatchObject({ active: b, connect: false })
    expect(await call('connect', {})).toMatchObject({ ok: true })
    expect((await call('listProfiles', {})).connect).toBe(true)
  })

  it('arms the kill switch at the first connect, not at the first import', async () => {
    const a = await imported('A', MULLVAD)
    expect(config()).toContain("option armed '0'")
    await imported('B', DUAL)
    await call('connect', { id: a })
    expect(config()).toContain("option armed '1'")
    // Disconnecting and removing every location does not disarm it again.
    await call('disconnect', {})
    for (const p of (await call('listProfiles', {})).profiles)
      expect(await call('deleteProfile', { id: p.id })).toMatchObject({ ok: true })
    expect((await call('listProfiles', {})).profiles).toEqual([])
    await imported('C', MULLVAD)
    expect(config()).toContain("option armed '1'")
  })

  it('leaves the kill switch armed when a config from before has locations already', async () => {
    await imported('A', MULLVAD)
    writeFileSync(paths.config, config().replace("\toption armed '0'\n", ''))
    await imported('B', DUAL)
    expect(config()).not.toContain('armed')
  })

  it('refuses connect without a chosen profile or with an unknown one', async () => {
    expect((await refusedUnchanged('connect', {})).error.field).toBe('id')
    expect((await refusedUnchanged('connect', { id: 'nowhere' })).error.code).toBe('not_found')
  })
})

describe('deleteProfile', () => {
  it('removes the sections, every secret file, its fallback place, and the active choice with connect', async () => {
    const a = await imported('A', fixture('several-peers-one-bad.conf'))
    const b = await imported('B', DUAL)
    const c = await imported('C', OVPN, { username: 'u', password: 'p' })
    await call('connect', { id: a })
    await call('setFallback', { ids: [b, c] })
    expect(await call('deleteProfile', { id: c })).toMatchObject({ ok: true })
    expect(await call('listProfiles', {})).toMatchObject({
      active: a,
      fallback: [b],
      connect: true,
    })
    expect(await call('deleteProfile', { id: a })).toMatchObject({
      ok: true,
      configHash: fnv1a(config()),
    })
    expect(await call('listProfiles', {})).toMatchObject({
      active: '',
      fallback: [b],
      connect: false,
    })
    expect(config()).not.toMatch(/config peer|option profile 'a'/)
    expect(secrets()).toEqual(['profile_b', 'profile_b.psk0'])
  })

  it('refuses an unknown id without touching anything', async () => {
    await imported('A', MULLVAD)
    expect((await refusedUnchanged('deleteProfile', { id: 'b' })).error.code).toBe('not_found')
  })
})

describe('testLatency', () => {
  it('queues a request for the daemon', async () => {
    expect(await call('testLatency', {})).toEqual({ queued: true, daemonNotified: false })
    const queued = readdirSync(join(paths.runDir, 'requests'))
    expect(queued).toHaveLength(1)
    expect(JSON.parse(readFileSync(join(paths.runDir, 'requests', queued[0]), 'utf8'))).toEqual({
      kind: 'latency-test',
    })
  })
})

describe('checkExitIp', () => {
  it('queues a request for the daemon, which asks through the tunnel', async () => {
    expect(await call('checkExitIp', {})).toEqual({ queued: true, daemonNotified: false })
    const queued = readdirSync(join(paths.runDir, 'requests'))
    expect(JSON.parse(readFileSync(join(paths.runDir, 'requests', queued[0]), 'utf8'))).toEqual({
      kind: 'exit-ip',
    })
  })
})

describe('lanvpn import (CLI)', () => {
  it('reads the password from stdin, never from argv, and prints no secret', async () => {
    const fake = new FakeHost()
    const cliPaths = resolvePaths('/r')
    fake.mkdirp('/r/etc/config')
    fake.mkdirp('/home')
    fake.files.set('/home/se.ovpn', { content: OVPN, mode: 0o644, mtimeMs: 0 })
    fake.stdin = 'correct horse battery\n'
    const host = withLogLevel(fake, 'debug')
    const code = await profileCommands.import.run(host, cliPaths, [
      '/home/se.ovpn',
      '--user',
      'alice',
    ])
    expect(code).toBe(0)
    expect(fake.stdout).toContain('imported as se')
    expect(fake.readFile('/r/etc/lanvpn/secrets/profile_se.auth')).toBe(
      'alice\ncorrect horse battery\n'
    )
    const seen =
      fake.stdout + fake.stderr + JSON.stringify(fake.logs) + JSON.stringify(fake.transcript)
    expect(seen).not.toContain('correct horse')
    expect(fake.transcript).toEqual([])
  })

  it('refuses an .ovpn that needs a password when --user is missing', async () => {
    const fake = new FakeHost()
    fake.mkdirp('/r/etc/config')
    fake.files.set('/se.ovpn', { content: OVPN, mode: 0o644, mtimeMs: 0 })
    const code = await profileCommands.import.run(withLogLevel(fake), resolvePaths('/r'), [
      '/se.ovpn',
    ])
    expect(code).toBe(1)
    expect(fake.stderr).toContain('username: this profile needs a user name and password')
  })

  it('lists, connects and deletes with the same functions as the rpc methods', async () => {
    const fake = new FakeHost()
    const p = resolvePaths('/r')
    fake.mkdirp('/r/etc/config')
    fake.files.set('/wg.conf', { content: MULLVAD, mode: 0o644, mtimeMs: 0 })
    const h = withLogLevel(fake)
    expect(await profileCommands.import.run(h, p, ['/wg.conf', '--name', 'Stockholm'])).toBe(0)
    expect(await profileCommands.connect.run(h, p, ['stockholm'])).toBe(0)
    expect(await profileCommands.profiles.run(h, p, [])).toBe(0)
    expect(fake.stdout).toContain('* stockholm')
    expect(fake.stdout).toContain('connect: yes')
    expect(await profileCommands.delete.run(h, p, ['stockholm'])).toBe(0)
    expect(fake.readFile('/r/etc/lanvpn/secrets/profile_stockholm')).toBeNull()
  })
})
