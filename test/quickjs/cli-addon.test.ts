// The lanvpn-cli package as the router meets it: the built files of dist/root (`npm run build`),
// the main package's alone or with lanvpn-cli.js beside them, run by the native qjs and by Node
// exactly as /usr/bin/lanvpn runs them. Without the package, a feature command (status and check
// too) exits 1 with one line naming the package and the command that installs it, --help says how
// to get the feature commands, and what the system runs (wan-event) still works.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG_TEXT } from '../../applet/src/core/config/defaults'
import { qjsCommand } from '../../scripts/native-qjs.mjs'

const REPO = join(__dirname, '../..')
const SHARE = join(REPO, 'dist/root/usr/share/lanvpn')
const FIXTURE = join(REPO, 'test/fixtures/profiles/mullvad-se-got.conf')
const RUNTIMES: Record<string, () => string[]> = {
  'native qjs': () => [...qjsCommand(), '--std', '-m'],
  node: () => [process.execPath],
}

let work: string
beforeAll(() => {
  if (!existsSync(join(SHARE, 'lanvpn-cli.js')))
    throw new Error('run `npm run build` first (dist/root has no lanvpn-cli.js)')
  work = mkdtempSync(join(tmpdir(), 'lanvpn-cli-addon-'))
})
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

/** A router's /usr/share/lanvpn, with or without lanvpn-cli's file, and a prefix with the
 * default config. */
function router(name: string, withCli: boolean): { share: string; prefix: string } {
  const share = join(work, name, 'share')
  const prefix = join(work, name, 'prefix')
  cpSync(SHARE, share, { recursive: true })
  if (!withCli) rmSync(join(share, 'lanvpn-cli.js'))
  mkdirSync(join(prefix, 'etc/config'), { recursive: true })
  writeFileSync(join(prefix, 'etc/config/lanvpn'), DEFAULT_CONFIG_TEXT)
  return { share, prefix }
}

function lanvpn(runtime: string[], where: { share: string; prefix: string }, ...argv: string[]) {
  return spawnSync(runtime[0], [...runtime.slice(1), join(where.share, 'lanvpn.js'), ...argv], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, LANVPN_PREFIX: where.prefix },
  })
}

describe.each(Object.keys(RUNTIMES))('under %s', (runtimeName) => {
  const slug = runtimeName.replace(/\W/g, '-')

  it('without lanvpn-cli, a feature command says which package to install, in one line, exit 1', () => {
    const where = router(`${slug}-without`, false)
    for (const [verb, ...args] of [
      ['device', 'tv', 'group', 'default'],
      ['import', FIXTURE],
      ['status'],
      ['status', '--json'],
      ['check'],
    ]) {
      const r = lanvpn(RUNTIMES[runtimeName](), where, verb, ...args)
      expect(r.status).toBe(1)
      expect(r.stdout).toBe('')
      expect(r.stderr).toBe(
        `lanvpn ${verb}: this command is in the lanvpn-cli package: opkg install lanvpn-cli\n`
      )
    }
    // Nothing was imported; a typo is still a typo.
    expect(lanvpn(RUNTIMES[runtimeName](), where, 'profile').stderr).toBe(
      'lanvpn: unknown command "profile"; see lanvpn --help\n'
    )
  })

  it('without lanvpn-cli, --help says how to get the feature commands and lists none of them', () => {
    const where = router(`${slug}-help`, false)
    const r = lanvpn(RUNTIMES[runtimeName](), where, '--help')
    expect(r.status).toBe(0)
    expect(r.stdout).toContain(
      '  (status, check, locations, devices, groups, MediaStreamer and more: opkg install lanvpn-cli)\n'
    )
    expect(r.stdout).not.toMatch(/^ {2}(profiles|devices|import|status|check)\b/m)
    expect(r.stdout).toMatch(/^ {2}cleanup +Remove/m)
    expect(r.stdout).toMatch(/^ {2}wan-event ifup\|ifdown\|ifupdate/m)
  })

  it("without lanvpn-cli, the hotplug hook's wan-event works", () => {
    const where = router(`${slug}-system`, false)
    expect(lanvpn(RUNTIMES[runtimeName](), where, 'wan-event', 'ifup').status).toBe(0)
  })

  it('with lanvpn-cli, --help lists the feature commands and they run', () => {
    const where = router(`${slug}-with`, true)
    const help = lanvpn(RUNTIMES[runtimeName](), where, '--help')
    expect(help.stdout).toMatch(/^ {2}profiles \[--json\] {4}List/m)
    expect(help.stdout).not.toContain('lanvpn-cli')
    const r = lanvpn(RUNTIMES[runtimeName](), where, 'import', FIXTURE, '--name', 'Stockholm')
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(lanvpn(RUNTIMES[runtimeName](), where, 'profiles').stdout).toContain('Stockholm')
    const check = lanvpn(RUNTIMES[runtimeName](), where, 'check')
    expect(check.stdout).toBe(`${join(where.prefix, 'etc/config/lanvpn')}: ok\n`)
    expect(check.status).toBe(0)
    const status = lanvpn(RUNTIMES[runtimeName](), where, 'status')
    expect(status.status, status.stderr).toBe(0)
    expect(status.stdout).toMatch(/^daemon: /)
  })
})
