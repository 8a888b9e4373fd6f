// The rpc methods against real files (Node host, a temporary LANVPN_PREFIX): what a caller of
// `ubus call lanvpn …` sees, and what ends up on disk.
import { spawn } from 'node:child_process'
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  existsSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG_TEXT } from '../../applet/src/core/config/defaults'
import { fnv1a } from '../../applet/src/core/hash'
import { resolvePaths } from '../../applet/src/core/paths'
import { createNodeHost } from '../../applet/src/host/node'
import { methods } from '../../applet/src/rpc/methods'
import { handleCall } from '../../applet/src/rpc/protocol'

const tmp = mkdtempSync(join(tmpdir(), 'lanvpn-rpc-'))
const paths = resolvePaths(tmp)
const host = createNodeHost()
const call = (method: string, args: object) =>
  handleCall(
    methods,
    { host, paths },
    method,
    JSON.stringify({ ...args, ubus_rpc_session: 'f'.repeat(32) })
  ) as Promise<Record<string, any>>

beforeEach(() => {
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(join(tmp, 'etc/config'), { recursive: true })
  writeFileSync(paths.config, DEFAULT_CONFIG_TEXT)
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('status', () => {
  it('reads as stopped when no daemon has written a status file', async () => {
    expect(await call('status', {})).toMatchObject({
      version: 1,
      generation: 0,
      daemon: { state: 'stopped' },
    })
  })

  it('returns what the daemon wrote', async () => {
    mkdirSync(paths.runDir, { recursive: true })
    writeFileSync(
      paths.status,
      JSON.stringify({ version: 1, generation: 4, daemon: { state: 'running' } })
    )
    expect(await call('status', {})).toMatchObject({ generation: 4, daemon: { state: 'running' } })
  })
})

describe('getConfig', () => {
  it('returns the validated config with its hash and no problems for the shipped default', async () => {
    const r = await call('getConfig', {})
    expect(r.globals).toMatchObject({ killSwitch: 'always', defaultMode: 'vpn' })
    expect(r.problems).toEqual([])
    expect(r.configHash).toBe(fnv1a(DEFAULT_CONFIG_TEXT))
  })

  it('reads the default config when the file does not exist yet', async () => {
    rmSync(paths.config)
    expect((await call('getConfig', {})).globals.enabled).toBe(true)
  })
})

describe('setConfig', () => {
  it('changes only the named options and keeps everything else in the file', async () => {
    writeFileSync(
      paths.config,
      DEFAULT_CONFIG_TEXT + "\nconfig custom 'mine'\n\toption keep 'me'\n"
    )
    const r = await call('setConfig', { globals: { kill_switch: 'auto', health_interval: 10 } })
    expect(r).toMatchObject({ ok: true, daemonNotified: false })
    const text = readFileSync(paths.config, 'utf8')
    expect(text).toContain("option kill_switch 'auto'")
    expect(text).toContain("option health_interval '10'")
    expect(text).toContain("config custom 'mine'")
    expect(text).toContain("option keep 'me'")
    expect(r.configHash).toBe(fnv1a(text))
    expect(statSync(paths.config).mode & 0o777).toBe(0o600)
    expect((await call('getConfig', {})).globals).toMatchObject({
      killSwitch: 'auto',
      healthInterval: 10,
    })
  })

  it('reports every problem at once and changes nothing', async () => {
    const before = readFileSync(paths.config, 'utf8')
    const r = await call('setConfig', {
      globals: { kill_switch: 'sometimes', health_interval: 999, default_mode: 'vpn' },
      mediastreamer: { token: 'abc' },
    })
    expect(r.error.code).toBe('invalid_config')
    const fields = r.error.problems.map((p: any) => `${p.section}.${p.option}`)
    expect(fields).toEqual(
      expect.arrayContaining(['globals.kill_switch', 'globals.health_interval'])
    )
    expect(r.error.message).toMatch(/kill_switch|health_interval/)
    expect(readFileSync(paths.config, 'utf8')).toBe(before)
    expect(existsSync(join(paths.secretsDir, 'ms_token'))).toBe(false)
  })

  it('creates, changes and removes device groups, refusing a location another group has', async () => {
    const key = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg='
    const profile = (id: string) =>
      `\nconfig profile '${id}'\n\tlist address '10.64.0.2/32'\n\toption public_key '${key}'\n\toption endpoint_host '203.0.113.10'\n`
    writeFileSync(paths.config, DEFAULT_CONFIG_TEXT + profile('uk') + profile('us'))
    const made = await call('setConfig', {
      groups: { tv_uk: { label: 'TV (UK)', profile: 'uk', kill_switch: 'auto' } },
    })
    expect(made).toMatchObject({ ok: true })
    expect((await call('getConfig', {})).groups).toEqual([
      {
        id: 'tv_uk',
        index: 1,
        label: 'TV (UK)',
        profile: 'uk',
        fallback: [],
        killSwitch: 'auto',
        connect: true,
      },
    ])
    const before = readFileSync(paths.config, 'utf8')
    const taken = await call('setConfig', { groups: { work: { profile: 'uk' } } })
    expect(taken.error).toMatchObject({ code: 'invalid_config', field: 'work.profile' })
    expect(readFileSync(paths.config, 'utf8')).toBe(before)
    expect(await call('setConfig', { groups: { tv_uk: null } })).toMatchObject({ ok: true })
    expect((await call('getConfig', {})).groups).toEqual([])
  })

  it('rejects an unknown option by name', async () => {
    const r = await call('setConfig', { globals: { kill_swich: 'auto' } })
    expect(r.error).toMatchObject({ code: 'invalid_config', field: 'globals.kill_swich' })
  })

  it('rejects unknown top-level arguments', async () => {
    const r = await call('setConfig', { profiles: {} })
    expect(r.error).toMatchObject({ code: 'invalid_argument', field: 'profiles' })
  })

  it('keeps secrets root-only, out of UCI, and reports only whether they are set', async () => {
    const r = await call('setConfig', { mediastreamer: { token: 's3cr3t-token', username: 'me' } })
    expect(r.ok).toBe(true)
    const secret = join(paths.secretsDir, 'ms_token')
    expect(readFileSync(secret, 'utf8')).toBe('s3cr3t-token')
    expect(statSync(secret).mode & 0o777).toBe(0o600)
    expect(statSync(paths.secretsDir).mode & 0o777).toBe(0o700)
    expect(readFileSync(paths.config, 'utf8')).not.toContain('s3cr3t')
    const view = await call('getConfig', {})
    expect(view.mediastreamer.token).toEqual({ set: true })
    expect(JSON.stringify(view)).not.toContain('s3cr3t')
    await call('setConfig', { mediastreamer: { token: '' } })
    expect((await call('getConfig', {})).mediastreamer.token).toEqual({ set: false })
  })

  it('refuses a secret with a newline', async () => {
    const r = await call('setConfig', { mediastreamer: { password: 'a\nb' } })
    expect(r.error).toMatchObject({ code: 'invalid_config', field: 'mediastreamer.password' })
  })

  it('takes a request body as text only: a control character or 2 KB and more are refused', async () => {
    const before = readFileSync(paths.config, 'utf8')
    for (const body of ['a\u0000b', 'x'.repeat(2049)]) {
      const r = await call('setConfig', { mediastreamer: { http_method: 'POST', body } })
      expect(r.error).toMatchObject({ code: 'invalid_config', field: 'mediastreamer.body' })
    }
    expect(readFileSync(paths.config, 'utf8')).toBe(before)
    const ok = await call('setConfig', { mediastreamer: { body: '@/etc/shadow\n{"ip":"{ip}"}' } })
    expect(ok.ok).toBe(true)
  })

  it('refuses to rewrite a config file with a syntax error, naming the line', async () => {
    writeFileSync(paths.config, "config globals 'globals'\n\toption enabled 'unterminated\n")
    const r = await call('setConfig', { globals: { ipv6: false } })
    expect(r.error.code).toBe('invalid_config')
    // No field to name: the sentence alone, not one that starts with ': '.
    expect(r.error.message).toMatch(/^the file cannot be read: line 2: /)
    expect(r.error.field).toBeUndefined()
  })

  it('signals a running daemon found through its pid file, and no other process', async () => {
    // A stand-in daemon whose command line names lanvpn, as the real one's does.
    const child = spawn(
      'sh',
      [
        '-c',
        'trap "echo HUP; exit 0" HUP; echo ready; while :; do sleep 0.05; done',
        'lanvpn-daemon',
      ],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      }
    )
    try {
      let out = ''
      child.stdout.on('data', (d) => (out += d))
      // A HUP before the trap is set would end the shell without a word.
      await new Promise<void>((res) => child.stdout.once('data', () => res()))
      mkdirSync(paths.runDir, { recursive: true })
      writeFileSync(paths.pidFile, `${child.pid}\n`)
      const r = await call('setConfig', { globals: { ipv6: false } })
      expect(r.daemonNotified).toBe(true)
      await new Promise((res) => child.on('exit', res))
      expect(out).toContain('HUP')

      writeFileSync(paths.pidFile, `${process.pid}\n`) // not a lanvpn process
      expect((await call('setConfig', { globals: { ipv6: true } })).daemonNotified).toBe(false)
    } finally {
      child.kill('SIGKILL')
    }
  })
})
