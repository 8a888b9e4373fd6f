// `lanvpn rules …` (issue 22) as a person on SSH meets it (Node host, a temporary LANVPN_PREFIX):
// rules added, listed as "rule N", switched off and on, moved and removed, the local exceptions,
// and a bad item refused by its field and position.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from '../../applet/src/cli/cli'
import { DEFAULT_CONFIG_TEXT } from '../../applet/src/core/config/defaults'
import { parseConfig } from '../../applet/src/core/config/validate'
import { resolvePaths } from '../../applet/src/core/paths'
import { createNodeHost } from '../../applet/src/host/node'
import { withLogLevel } from '../../applet/src/system/log'

const tmp = mkdtempSync(join(tmpdir(), 'lanvpn-cli-rules-'))
const paths = resolvePaths(tmp)
const host = createNodeHost()
const out: string[] = []
const err: string[] = []
const cli = withLogLevel({
  ...host,
  writeStdout: (s: string) => void out.push(s),
  writeStderr: (s: string) => void err.push(s),
})
const lanvpn = async (...argv: string[]) => {
  out.length = 0
  err.length = 0
  return runCli(cli, paths, argv)
}
const config = () => parseConfig(readFileSync(paths.config, 'utf8')).config

beforeEach(() => {
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(join(tmp, 'etc/config'), { recursive: true })
  writeFileSync(
    paths.config,
    `${DEFAULT_CONFIG_TEXT}\nconfig device 'd_020000005002'\n\toption mac '02:00:00:00:50:02'\n\toption label 'Console'\n`
  )
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('lanvpn rules', () => {
  it('adds, lists, switches off, moves and removes rules by number or id', async () => {
    expect(await lanvpn('rules')).toBe(0)
    expect(out.join('')).toBe('no rules: every device goes by its mode\n\nlocal exceptions: on\n')
    expect(
      await lanvpn(
        'rules',
        'add',
        '--via',
        'direct',
        '--domain',
        'mybank.example',
        '--label',
        'My bank'
      )
    ).toBe(0)
    expect(out.join('')).toBe(
      'rule 1 (rule_1): saved; lanvpn is not running, so it applies at its next start\n'
    )
    expect(
      await lanvpn(
        'rules',
        'add',
        '--via',
        'direct',
        '--device',
        'console',
        '--port',
        'udp:3074-3076',
        '--port',
        '3478'
      )
    ).toBe(0)
    expect(await lanvpn('rules', 'disable', '1')).toBe(0)
    expect(await lanvpn('rules', 'list')).toBe(0)
    expect(out.join('')).toBe(
      [
        'RULE  ID      ON   VIA     MATCHES             FOR       LABEL',
        '1     rule_1  off  direct  mybank.example      everyone  My bank',
        '2     rule_2  on   direct  udp:3074-3076 3478  Console',
        '',
        'local exceptions: on',
        '',
      ].join('\n')
    )
    expect(config().rules[1]).toMatchObject({ devices: ['02:00:00:00:50:02'] })
    expect(await lanvpn('rules', 'move', 'rule_2', '1')).toBe(0)
    expect(config().rules.map((r) => r.id)).toEqual(['rule_2', 'rule_1'])
    expect(await lanvpn('rules', 'enable', 'rule_1')).toBe(0)
    expect(await lanvpn('rules', 'remove', '1')).toBe(0)
    expect(config().rules).toMatchObject([{ id: 'rule_1', number: 1, enabled: true }])
    expect(await lanvpn('rules', 'remove', '7')).toBe(1)
    expect(err.join('')).toBe('lanvpn rules remove: id: no rule has this id\n')
  })

  it('refuses a bad item by its field and position, a missing --via and unknown words', async () => {
    expect(
      await lanvpn('rules', 'add', '--via', 'direct', '--port', 'tcp:443', '--port', 'http')
    ).toBe(1)
    expect(err.join('')).toBe(
      'lanvpn rules add: ports: item 2 is not a port: tcp:N, udp:N, N (both) or a range N-M, from 1 to 65535\n'
    )
    expect(await lanvpn('rules', 'add', '--domain', 'a.example')).toBe(2)
    expect(err.join('')).toMatch(/^lanvpn rules add: --via: required/)
    expect(await lanvpn('rules', 'add', '--via', 'direct', '--colour', 'red')).toBe(2)
    expect(err.join('')).toMatch(/^usage: lanvpn rules \[list\]/)
    expect(await lanvpn('rules', 'frobnicate')).toBe(2)
    expect(config().rules).toEqual([])
  })

  it('turns the local exceptions off and on and adds and removes destinations', async () => {
    expect(await lanvpn('rules', 'local', 'off')).toBe(0)
    expect(config().globals.localDirect).toBe(false)
    expect(await lanvpn('rules', 'local', 'add', '10.20.0.0/16', '192.168.8.1')).toBe(0)
    expect(await lanvpn('rules', 'local')).toBe(0)
    expect(out.join('')).toBe('local exceptions: off, and 10.20.0.0/16 192.168.8.1/32\n')
    expect(await lanvpn('rules', 'local', 'remove', '192.168.8.1')).toBe(0)
    expect(config().globals.localDest).toEqual(['10.20.0.0/16'])
    expect(await lanvpn('rules', 'local', 'remove', '10.9.0.0/16')).toBe(1)
    expect(await lanvpn('rules', 'local', 'add', 'nas')).toBe(1)
    expect(err.join('')).toMatch(/^lanvpn rules local: globals\.local_dest: item 2 /)
    expect(await lanvpn('rules', 'local', 'on')).toBe(0)
    expect(config().globals.localDirect).toBe(true)
  })

  it('says what it does in lanvpn --help and rules help', async () => {
    expect(await lanvpn('--help')).toBe(0)
    expect(out.join('')).toMatch(
      /^ {2}rules \[list\|add\|remove\|enable\|disable\|move\|local\]\n {23}Rules by destination/m
    )
    expect(await lanvpn('rules', 'help')).toBe(0)
    expect(out.join('')).toContain('rules move RULE POSITION')
  })
})
