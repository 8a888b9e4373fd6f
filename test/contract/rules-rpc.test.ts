// setRule, deleteRule and moveRule (issue 22) against real files (Node host, a temporary
// LANVPN_PREFIX): what `ubus call lanvpn …` answers, what getConfig then reads and what the file
// holds. Each is one write, all or nothing; a problem names the field and position, never a value.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG_TEXT } from '../../applet/src/core/config/defaults'
import { MAX_RULE_DOMAINS, MAX_RULES } from '../../applet/src/core/config/rules'
import { resolvePaths } from '../../applet/src/core/paths'
import { createNodeHost } from '../../applet/src/host/node'
import { methods } from '../../applet/src/rpc/methods'
import { handleCall } from '../../applet/src/rpc/protocol'

const tmp = mkdtempSync(join(tmpdir(), 'lanvpn-rules-rpc-'))
const paths = resolvePaths(tmp)
const logged: string[] = []
const host = { ...createNodeHost(), log: (_l: string, m: string) => void logged.push(m) }
const call = (method: string, args: object) =>
  handleCall(methods, { host, paths }, method, JSON.stringify(args)) as Promise<Record<string, any>>
const file = () => readFileSync(paths.config, 'utf8')
const rules = async () => (await call('getConfig', {})).rules as Array<Record<string, any>>

const BANK = { label: 'My bank', domains: ['MyBank.example.'], via: 'direct' }

beforeEach(() => {
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(join(tmp, 'etc/config'), { recursive: true })
  writeFileSync(paths.config, DEFAULT_CONFIG_TEXT + "\nconfig group 'tv'\n\toption label 'TV'\n")
  logged.length = 0
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('setRule', () => {
  it('creates a named rule that getConfig reads back, then changes only the fields given', async () => {
    expect(await call('setRule', BANK)).toMatchObject({ ok: true, id: 'rule_1' })
    expect(file()).toContain(
      "config rule 'rule_1'\n\toption label 'My bank'\n\tlist domain 'MyBank.example.'\n\toption via 'direct'\n"
    )
    const r = await call('setRule', { ports: ['tcp:3074', '3075'], via: 'tv', devices: [] })
    expect(r.id).toBe('rule_2')
    expect(await rules()).toMatchObject([
      { id: 'rule_1', number: 1, domains: ['mybank.example'], via: 'direct', enabled: true },
      {
        id: 'rule_2',
        number: 2,
        via: 'group',
        group: 'tv',
        ports: [
          { proto: 'tcp', first: 3074, last: 3074 },
          { proto: 'tcp', first: 3075, last: 3075 },
          { proto: 'udp', first: 3075, last: 3075 },
        ],
      },
    ])
    expect(await call('setRule', { id: 'rule_1', enabled: false })).toMatchObject({ ok: true })
    expect(await rules()).toMatchObject([{ id: 'rule_1', label: 'My bank', enabled: false }, {}])
    expect(file()).toContain("option via 'direct'\n\toption enabled '0'\n")
    await call('setRule', { id: 'rule_1', enabled: true, domains: [], dests: ['192.0.2.0/24'] })
    expect(file()).toContain(
      "config rule 'rule_1'\n\toption label 'My bank'\n\toption via 'direct'\n\toption enabled '1'\n\tlist dest '192.0.2.0/24'\n\n"
    )
  })

  it('edits an anonymous rule by @rule[i]', async () => {
    writeFileSync(
      paths.config,
      DEFAULT_CONFIG_TEXT + "\nconfig rule\n\toption via 'vpn'\n\tlist dest '10.9.0.0/16'\n"
    )
    expect(await call('setRule', { id: '@rule[0]', label: 'Work' })).toMatchObject({
      id: '@rule[0]',
    })
    expect(await rules()).toMatchObject([{ id: '@rule[0]', label: 'Work', via: 'vpn' }])
  })

  it('refuses a bad item by field and position, saving nothing and logging no value', async () => {
    const before = file()
    const r = await call('setRule', {
      ...BANK,
      dests: ['198.51.100.0/24', 'secret-10.1.2.300'],
      ports: ['tcp:443', 'tcp:443', 'http'],
    })
    expect(r.error).toMatchObject({ code: 'invalid_config', field: 'dests' })
    expect(r.error.message).toBe(
      'dests: item 2 is not an IPv4 or IPv6 address or CIDR (and 1 more)'
    )
    expect(r.error.problems[1]).toEqual({
      section: '',
      option: 'ports',
      reason: 'item 3 is not a port: tcp:N, udp:N, N (both) or a range N-M, from 1 to 65535',
    })
    expect(JSON.stringify(r)).not.toContain('secret')
    expect(logged.join('\n')).not.toContain('secret')
    expect(file()).toBe(before)
  })

  it('refuses a via that is no group, a rule that matches nothing usable, wrong JSON types and an unknown id', async () => {
    expect((await call('setRule', { ...BANK, via: 'moon' })).error.message).toMatch(
      /^via: must be vpn, direct/
    )
    expect((await call('setRule', { domains: ['a.example'] })).error.message).toMatch(
      /^via: required/
    )
    expect((await call('setRule', { ...BANK, ports: [443] })).error.message).toBe(
      'ports: must be an array of text'
    )
    expect((await call('setRule', { ...BANK, domains: 'x' })).error.message).toBe(
      'domains: must be an array'
    )
    expect((await call('setRule', { ...BANK, colour: 'x' })).error.field).toBe('colour')
    expect((await call('setRule', { id: 'nope', enabled: false })).error.message).toBe(
      'id: no rule has this id'
    )
    expect(await rules()).toEqual([])
  })

  it(`keeps to ${MAX_RULES} rules and the budgets of all rules together`, async () => {
    const many = Array.from(
      { length: MAX_RULES },
      (_, i) => `config rule\n\toption via 'vpn'\n\tlist dest '10.${i}.0.0/16'\n`
    )
    writeFileSync(paths.config, DEFAULT_CONFIG_TEXT + many.join(''))
    const r = await call('setRule', BANK)
    expect(r.error.message).toBe(`rule: at most ${MAX_RULES} rules; skipped`)
    expect((await rules()).length).toBe(MAX_RULES)
    const names = Array.from(
      { length: MAX_RULE_DOMAINS },
      (_, i) => `\tlist domain 's${i}.example'\n`
    )
    writeFileSync(
      paths.config,
      `${DEFAULT_CONFIG_TEXT}config rule\n\toption via 'vpn'\n${names.join('')}`
    )
    expect((await call('setRule', BANK)).error.message).toBe(
      `domains: items from 1 on are past the limit of ${MAX_RULE_DOMAINS} domains in all rules; left out (and 1 more)`
    )
  })
})

describe('deleteRule and moveRule', () => {
  it('moves a rule to a 1-based position and deletes one, the others renumbered', async () => {
    for (const label of ['a', 'b', 'c']) await call('setRule', { ...BANK, label })
    expect(await call('moveRule', { id: 'rule_3', position: 1 })).toMatchObject({
      ok: true,
      id: 'rule_3',
    })
    expect((await rules()).map((r) => `${r.number}${r.label}`)).toEqual(['1c', '2a', '3b'])
    await call('moveRule', { id: 'rule_3', position: 99 })
    expect((await rules()).map((r) => r.label)).toEqual(['a', 'b', 'c'])
    await call('moveRule', { id: 'rule_1', position: 2 })
    expect((await rules()).map((r) => r.label)).toEqual(['b', 'a', 'c'])
    expect(await call('deleteRule', { id: 'rule_1' })).toMatchObject({ ok: true })
    expect((await rules()).map((r) => `${r.number}${r.label}`)).toEqual(['1b', '2c'])
    expect(file()).not.toContain("'a'")
    expect(file()).toMatch(/config group 'tv'[^]*config rule 'rule_2'[^]*config rule 'rule_3'/)
    expect((await call('deleteRule', { id: 'rule_1' })).error.field).toBe('id')
    expect((await call('moveRule', { id: 'rule_2', position: 0 })).error.field).toBe('position')
  })

  it('a new rule takes a name no section has', async () => {
    for (const label of ['a', 'b']) await call('setRule', { ...BANK, label })
    await call('deleteRule', { id: 'rule_1' })
    expect((await call('setRule', BANK)).id).toBe('rule_3')
  })
})
