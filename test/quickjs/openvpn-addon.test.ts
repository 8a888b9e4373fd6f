// The lanvpn-openvpn package as the router meets it: the built files of dist/root (`npm run build`),
// the main package's alone or with lanvpn-openvpn.js beside them, run by the native qjs and by Node
// exactly as /usr/bin/lanvpn runs them. With the package, an .ovpn import loads the chunk with
// import() and stores the location; without it, the import is refused with the command that
// installs the package and nothing is written, and a WireGuard import works all the same.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { qjsCommand } from '../../scripts/native-qjs.mjs'

const REPO = join(__dirname, '../..')
const SHARE = join(REPO, 'dist/root/usr/share/lanvpn')
const OVPN = readFileSync(join(REPO, 'test/fixtures/profiles/provider-hostile-crlf.ovpn'), 'utf8')
const WG = readFileSync(join(REPO, 'test/fixtures/profiles/mullvad-se-got.conf'), 'utf8')
const RUNTIMES: Record<string, () => string[]> = {
  'native qjs': () => [...qjsCommand(), '--std', '-m'],
  node: () => [process.execPath],
}

let work: string
beforeAll(() => {
  if (!existsSync(join(SHARE, 'lanvpn-openvpn.js')))
    throw new Error('run `npm run build` first (dist/root has no lanvpn-openvpn.js)')
  work = mkdtempSync(join(tmpdir(), 'lanvpn-ovpn-addon-'))
})
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

/** A router's /usr/share/lanvpn, with or without lanvpn-openvpn's file, and an empty prefix. */
function router(name: string, withOpenvpn: boolean): { share: string; prefix: string } {
  const share = join(work, name, 'share')
  const prefix = join(work, name, 'prefix')
  cpSync(SHARE, share, { recursive: true })
  if (!withOpenvpn) rmSync(join(share, 'lanvpn-openvpn.js'))
  mkdirSync(prefix, { recursive: true })
  return { share, prefix }
}

function call(runtime: string[], where: { share: string; prefix: string }, args: object) {
  const r = spawnSync(
    runtime[0],
    [...runtime.slice(1), join(where.share, 'lanvpn.js'), 'rpc', 'call', 'importProfile'],
    {
      input: JSON.stringify(args),
      encoding: 'utf8',
      env: { PATH: process.env.PATH, LANVPN_PREFIX: where.prefix },
    }
  )
  expect(r.status, r.stderr).toBe(0)
  return JSON.parse(r.stdout)
}

describe.each(Object.keys(RUNTIMES))('under %s', (runtimeName) => {
  const slug = runtimeName.replace(/\W/g, '-')

  it('imports an OpenVPN profile with lanvpn-openvpn installed', () => {
    const where = router(`${slug}-with`, true)
    const answer = call(RUNTIMES[runtimeName](), where, {
      name: 'Home',
      text: OVPN,
      username: 'u',
      password: 'p',
    })
    expect(answer.error).toBeUndefined()
    expect(answer.id).toBe('home')
    const config = readFileSync(join(where.prefix, 'etc/config/lanvpn'), 'utf8')
    expect(config).toMatch(/option type 'openvpn'/)
    expect(existsSync(join(where.prefix, 'etc/lanvpn/secrets/profile_home.ovpn'))).toBe(true)
  })

  it('refuses it without the package, naming the command, and writes nothing', () => {
    const where = router(`${slug}-without`, false)
    const answer = call(RUNTIMES[runtimeName](), where, { name: 'Home', text: OVPN })
    expect(answer.error).toEqual({
      code: 'invalid_profile',
      message: 'OpenVPN profiles need the lanvpn-openvpn package: opkg install lanvpn-openvpn',
      field: 'text',
      notes: [],
    })
    expect(existsSync(join(where.prefix, 'etc/config/lanvpn'))).toBe(false)
    expect(existsSync(join(where.prefix, 'etc/lanvpn/secrets/profile_home.ovpn'))).toBe(false)
    // A WireGuard profile needs nothing of it.
    const wg = call(RUNTIMES[runtimeName](), where, { name: 'Stockholm', text: WG })
    expect(wg.error).toBeUndefined()
    expect(wg.id).toBe('stockholm')
  })
})
