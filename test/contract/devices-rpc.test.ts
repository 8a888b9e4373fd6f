// The sharing rpc methods against real files (Node host, a temporary LANVPN_PREFIX): what a caller
// of `ubus call lanvpn …` and of the `lanvpn` command sees, and what ends up on disk.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { DEVICE_COMMANDS } from '../../applet/src/cli/devices'
import { DEFAULT_CONFIG_TEXT } from '../../applet/src/core/config/defaults'
import { parseConfig } from '../../applet/src/core/config/validate'
import { fnv1a } from '../../applet/src/core/hash'
import { resolvePaths } from '../../applet/src/core/paths'
import { createNodeHost } from '../../applet/src/host/node'
import { deviceMethods } from '../../applet/src/rpc/devices'
import { handleCall, renderList } from '../../applet/src/rpc/protocol'
import { devicesFilePath, writeDevicesFile } from '../../applet/src/system/devices-file'
import { withLogLevel } from '../../applet/src/system/log'
import { stoppedStatus } from '../../applet/src/system/status'

const tmp = mkdtempSync(join(tmpdir(), 'lanvpn-devices-rpc-'))
const paths = resolvePaths(tmp)
const host = createNodeHost()
const call = (method: string, args: object) =>
  handleCall(
    deviceMethods,
    { host, paths },
    method,
    JSON.stringify({ ...args, ubus_rpc_session: 'f'.repeat(32) })
  ) as Promise<Record<string, any>>
const configText = () => readFileSync(paths.config, 'utf8')
const devicesOf = () => parseConfig(configText()).config.devices

/** 500 distinct unicast MACs, in upper case with dashes to check normalisation too. */
const MANY = Array.from({ length: 500 }, (_, i) => {
  const hex = (n: number) => n.toString(16).padStart(2, '0').toUpperCase()
  return `00-16-3E-00-${hex(i >> 8)}-${hex(i & 255)}`
})
const LAPTOP = '02:00:00:00:50:01'
const TV = '02:00:00:00:50:02'
/** Two locations, the default group on none and one group, tv_uk, on London. */
const GROUPS = `
config profile 'uk'
\toption label 'London'
\toption type 'openvpn'
\tlist remote 'uk.vpn.example 1194 udp'

config group 'tv_uk'
\toption label 'TV (UK)'
\toption profile 'uk'
`

beforeEach(() => {
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(join(tmp, 'etc/config'), { recursive: true })
  writeFileSync(paths.config, DEFAULT_CONFIG_TEXT)
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('setDeviceMode', () => {
  it('changes 500 devices in one call and returns the new config hash', async () => {
    const r = await call('setDeviceMode', { macs: MANY, mode: 'direct' })
    expect(r).toEqual({ ok: true, configHash: fnv1a(configText()), daemonNotified: false })
    const devices = devicesOf()
    expect(devices).toHaveLength(500)
    expect(devices.every((d) => d.mode === 'direct')).toBe(true)
    expect(devices[0]).toMatchObject({ id: 'd_00163e000000', mac: '00:16:3e:00:00:00' })
    expect(parseConfig(configText()).problems).toEqual([])
    expect(statSync(paths.config).mode & 0o777).toBe(0o600)
  })

  it('changes nothing when one MAC is bad, and names it by index', async () => {
    await call('setDeviceMode', { mac: LAPTOP, mode: 'vpn' })
    const before = readFileSync(paths.config)
    const macs = [...MANY.slice(0, 3), 'aa:bb:cc:dd:ee', ...MANY.slice(3, 10)]
    const r = await call('setDeviceMode', { macs, mode: 'blocked' })
    expect(r.error).toMatchObject({ code: 'invalid_argument', field: 'macs[3]' })
    expect(r.error.message).toMatch(/^macs\[3\]: must be a device MAC address/)
    expect(readFileSync(paths.config).equals(before)).toBe(true)
  })

  it('refuses multicast MACs, a bad mode, more than 500 MACs and both mac and macs', async () => {
    const multicast = await call('setDeviceMode', { mac: '01:00:5e:00:00:01', mode: 'vpn' })
    expect(multicast.error.field).toBe('mac')
    const mode = await call('setDeviceMode', { mac: LAPTOP, mode: 'tunnel' })
    expect(mode.error).toMatchObject({
      field: 'mode',
      message: expect.stringMatching(/vpn, direct/),
    })
    const tooMany = await call('setDeviceMode', { macs: [...MANY, LAPTOP], mode: 'vpn' })
    expect(tooMany.error).toMatchObject({
      field: 'macs',
      message: 'macs: must have at most 500 items',
    })
    const both = await call('setDeviceMode', { mac: LAPTOP, macs: [LAPTOP], mode: 'vpn' })
    expect(both.error.field).toBe('mac')
    const neither = await call('setDeviceMode', { mode: 'vpn' })
    expect(neither.error.field).toBe('mac')
    expect(configText()).toBe(DEFAULT_CONFIG_TEXT)
  })

  it('rejects unknown arguments by name', async () => {
    const r = await call('setDeviceMode', { mac: LAPTOP, mode: 'vpn', colour: 'red' })
    expect(r.error).toMatchObject({ code: 'invalid_argument', field: 'colour' })
    expect(configText()).toBe(DEFAULT_CONFIG_TEXT)
  })

  it('keeps the label and kind of a device whose mode changes', async () => {
    await call('renameDevice', { mac: LAPTOP, label: 'Work laptop' })
    await call('setDeviceKind', { mac: LAPTOP, kind: 'laptop' })
    await call('setDeviceMode', { mac: LAPTOP, mode: 'mediastreamer' })
    expect(devicesOf()).toEqual([
      {
        id: 'd_020000005001',
        mac: LAPTOP,
        mode: 'mediastreamer',
        label: 'Work laptop',
        kind: 'laptop',
        group: '',
      },
    ])
  })
})

describe('names, kinds and forgetting', () => {
  it('names a device never configured without giving it a mode of its own', async () => {
    await call('renameDevice', { mac: LAPTOP, label: 'Laptop' })
    const list = await call('listDevices', {})
    expect(list.devices).toEqual([
      expect.objectContaining({
        mac: LAPTOP,
        label: 'Laptop',
        configured: true,
        modeIsDefault: true,
      }),
    ])
  })

  it('refuses a label with a control character and an unknown kind', async () => {
    const label = await call('renameDevice', { mac: LAPTOP, label: 'a\nb' })
    expect(label.error.field).toBe('label')
    const kind = await call('setDeviceKind', { mac: LAPTOP, kind: 'toaster' })
    expect(kind.error).toMatchObject({
      field: 'kind',
      message: expect.stringMatching(/phone, laptop/),
    })
    expect(configText()).toBe(DEFAULT_CONFIG_TEXT)
  })

  it('forgets a device: its section goes and it falls back to the default mode', async () => {
    await call('setDeviceMode', { mac: LAPTOP, mode: 'blocked' })
    expect(configText()).toContain("config device 'd_020000005001'")
    const r = await call('forgetDevice', { mac: LAPTOP.toUpperCase() })
    expect(r.ok).toBe(true)
    expect(configText()).toBe(DEFAULT_CONFIG_TEXT)
    expect(await call('forgetDevice', { mac: LAPTOP })).toMatchObject({ ok: true })
  })
})

describe('the default mode', () => {
  it('sets the default mode, which every device without its own follows', async () => {
    await call('renameDevice', { mac: LAPTOP, label: 'Laptop' })
    const r = await call('setDefaultMode', { mode: 'direct' })
    expect(r.ok).toBe(true)
    expect(configText()).toContain("option default_mode 'direct'")
    const list = await call('listDevices', {})
    expect(list.defaultMode).toBe('direct')
    expect(list.devices[0]).toMatchObject({ mode: 'direct', modeIsDefault: true })
    expect(list.counts).toEqual({ vpn: 0, direct: 1, mediastreamer: 0, blocked: 0 })
  })

  it('refuses a mode that does not exist', async () => {
    expect((await call('setDefaultMode', { mode: 'fast' })).error.field).toBe('mode')
  })
})

describe('listDevices and explainDevice', () => {
  it('joins what the daemon observed with the config, offline configured devices too', async () => {
    await call('setDeviceMode', { mac: '00:16:3e:00:00:01', mode: 'blocked' })
    const seen = {
      mac: LAPTOP,
      hostname: 'laptop',
      ipv4: ['192.168.50.183'],
      ipv6: [],
      online: true,
      lastSeenWallMs: 1,
      privateMac: true,
      wireless: false,
    }
    writeDevicesFile(host, paths, [seen])
    expect(statSync(devicesFilePath(paths)).mode & 0o777).toBe(0o600)
    const list = await call('listDevices', {})
    expect(list.generation).toBe(1)
    expect(list.devices.map((d: any) => [d.mac, d.mode, d.online])).toEqual([
      ['00:16:3e:00:00:01', 'blocked', false],
      [LAPTOP, 'vpn', true],
    ])
  })

  it('explains a destination with codes (issue 22): by rule, local exception or mode; bad input names its field', async () => {
    const globals = "config globals 'globals'\n"
    writeFileSync(
      paths.config,
      `${DEFAULT_CONFIG_TEXT.replace(globals, `${globals}\tlist local_dest '192.168.8.0/24'\n`)}
config rule 'bank'
\toption label 'Bank'
\tlist domain 'bank.example'
\tlist dest '198.51.100.0/24'
\toption via 'direct'
`
    )
    expect(await call('explainDestination', { mac: LAPTOP, dest: 'WWW.Bank.Example.' })).toEqual({
      via: 'direct',
      group: '',
      by: 'rule',
      rule: 1,
      label: 'Bank',
    })
    expect(await call('explainDestination', { mac: LAPTOP, dest: '192.168.8.4' })).toEqual({
      via: 'direct',
      group: '',
      by: 'local',
    })
    // No location imported yet: a vpn device uses the WAN (explainDevice's vpn_no_profile).
    expect(
      await call('explainDestination', { mac: LAPTOP, dest: '203.0.113.1', port: 'tcp:443' })
    ).toEqual({ via: 'direct', group: '', by: 'device', bypass: 'vpn_no_profile' })
    // The networks the router is on, as the daemon read them (a bridge-mode modem's, its gateway).
    mkdirSync(join(paths.status, '..'), { recursive: true })
    const localNets = ['192.168.100.2/24', '203.0.113.1']
    writeFileSync(paths.status, JSON.stringify({ ...stoppedStatus(), localNets }))
    for (const dest of ['192.168.100.1', '203.0.113.1'])
      expect(await call('explainDestination', { mac: LAPTOP, dest })).toMatchObject({ by: 'local' })
    expect(await call('explainDestination', { mac: LAPTOP, dest: '203.0.113.2' })).toMatchObject({
      by: 'device',
    })
    for (const [args, field] of [
      [{ mac: LAPTOP, dest: 'a b' }, 'dest'],
      [{ mac: LAPTOP, dest: 'x.example', port: 'sctp:1' }, 'port'],
      [{ mac: 'nope', dest: 'x.example' }, 'mac'],
    ] as const)
      expect(await call('explainDestination', args)).toMatchObject({ error: { field } })
  })

  it("explains a destination with the tunnels' states from the status: held while one is down, the WAN after a disconnect under kill switch auto", async () => {
    const key = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg='
    const household = `
config profile 'home'
\tlist address '10.64.0.2/32'
\toption public_key '${key}'
\toption endpoint_host '203.0.113.10'
${GROUPS}
config device 'd_020000005002'
\toption mac '${TV}'
\toption mode 'vpn'
\toption group 'tv_uk'

config rule 'stream'
\toption label 'Streaming'
\tlist domain 'stream.example'
\toption via 'vpn'
`
    writeFileSync(paths.config, DEFAULT_CONFIG_TEXT + household)
    const where = (mac: string, dest: string) => call('explainDestination', { mac, dest })
    const status = (state: string, groups: string[]) => {
      const tunnel = (profile: string) => ({ state, profile, since: 0 })
      const all = groups.map((id) => ({ id, label: id, tunnel: tunnel('uk'), devices: 1 }))
      mkdirSync(join(paths.status, '..'), { recursive: true })
      writeFileSync(
        paths.status,
        JSON.stringify({ ...stoppedStatus(), tunnel: tunnel('home'), groups: all })
      )
    }
    // No daemon has written a status: no tunnel is up, so the kill switch holds both.
    expect(await where(LAPTOP, 'x.example')).toEqual({
      via: 'vpn',
      group: '',
      by: 'device',
      held: true,
    })
    expect(await where(TV, 'stream.example')).toEqual({
      via: 'vpn',
      group: 'tv_uk',
      by: 'rule',
      rule: 1,
      label: 'Streaming',
      held: true,
    })
    // The default group's tunnel connected; a group the status does not carry is down.
    status('connected', [])
    expect(await where(LAPTOP, 'stream.example')).toEqual({
      via: 'vpn',
      group: '',
      by: 'rule',
      rule: 1,
      label: 'Streaming',
    })
    expect(await where(TV, 'x.example')).toMatchObject({ group: 'tv_uk', held: true })
    status('connected', ['tv_uk'])
    expect(await where(TV, 'x.example')).toEqual({ via: 'vpn', group: 'tv_uk', by: 'device' })
    // Reconnecting is not connected.
    status('reconnecting', ['tv_uk'])
    expect(await where(LAPTOP, 'x.example')).toMatchObject({ held: true })
    // Disconnected on purpose under kill switch auto: the laptop's mode uses the WAN; what the
    // rule sends into the tunnel is still held, and the tv group keeps its own kill switch.
    const auto = DEFAULT_CONFIG_TEXT.replace(
      "option kill_switch 'always'",
      "option kill_switch 'auto'\n\toption connect '0'"
    )
    writeFileSync(paths.config, auto + household)
    status('disconnected', [])
    expect(await where(LAPTOP, 'x.example')).toEqual({
      via: 'direct',
      group: '',
      by: 'device',
      bypass: 'vpn_auto_wan',
    })
    expect(await where(LAPTOP, 'stream.example')).toMatchObject({ rule: 1, held: true })
    expect(await where(TV, 'x.example')).toMatchObject({ group: 'tv_uk', held: true })
  })

  it('explains a device with codes for each sentence, from config and status', async () => {
    await call('setDeviceMode', { mac: LAPTOP, mode: 'direct' })
    const e = await call('explainDevice', { mac: LAPTOP })
    expect(e).toMatchObject({ mac: LAPTOP, mode: 'direct', summaryCode: 'direct_wan' })
    expect(e.reasonCodes).toEqual(['mode_chosen', 'private_mac', 'offline', 'tunnel_irrelevant'])
    const unknown = await call('explainDevice', { mac: '00:16:3e:00:00:09' })
    // No profile imported yet: vpn devices use the WAN until one is.
    expect(unknown).toMatchObject({
      mode: 'vpn',
      modeIsDefault: true,
      summaryCode: 'vpn_no_profile',
    })
  })

  it("names a device's group and that group's tunnel, blocked until the daemon runs it", async () => {
    const key = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg='
    const groups = `
config profile 'home'
\tlist address '10.64.0.2/32'
\toption public_key '${key}'
\toption endpoint_host '203.0.113.10'

config profile 'uk'
\toption label 'London'
\toption type 'openvpn'
\tlist remote 'uk.vpn.example 1194 udp'

config group 'tv_uk'
\toption label 'TV (UK)'
\toption profile 'uk'

config device 'd_020000005001'
\toption mac '${LAPTOP}'
\toption mode 'vpn'
\toption group 'tv_uk'
`
    writeFileSync(paths.config, DEFAULT_CONFIG_TEXT + groups)
    const e = await call('explainDevice', { mac: LAPTOP })
    expect(e).toMatchObject({
      summaryCode: 'vpn_killswitch_blocks',
      params: { group: 'TV (UK)', tunnel: 'lanvpn1', profile: 'London' },
    })
    expect(e.reasonCodes).toContain('vpn_group')

    // Once the daemon runs the group's tunnel, the status carries it and the answer follows.
    mkdirSync(join(paths.status, '..'), { recursive: true })
    const tunnel = { state: 'connected', profile: 'uk', since: 1763800000000 }
    writeFileSync(
      paths.status,
      JSON.stringify({
        ...stoppedStatus(),
        groups: [{ id: 'tv_uk', label: 'TV (UK)', tunnel, devices: 1 }],
      })
    )
    const up = await call('explainDevice', { mac: LAPTOP })
    expect(up).toMatchObject({
      summaryCode: 'vpn_tunnel_up',
      params: { group: 'TV (UK)', tunnel: 'lanvpn1', profile: 'London', tunnelState: 'connected' },
    })
  })

  it('moves devices between groups in one change, and names a group that is not there', async () => {
    writeFileSync(paths.config, DEFAULT_CONFIG_TEXT + GROUPS)
    const r = await call('setDeviceGroup', { macs: [LAPTOP, TV], group: 'tv_uk' })
    expect(r).toEqual({ ok: true, configHash: fnv1a(configText()), daemonNotified: false })
    expect(devicesOf().map((d) => [d.mac, d.group])).toEqual([
      [LAPTOP, 'tv_uk'],
      [TV, 'tv_uk'],
    ])
    const listed = await call('listDevices', {})
    expect(listed.devices.map((d: { group: string }) => d.group)).toEqual(['tv_uk', 'tv_uk'])

    const before = configText()
    expect(await call('setDeviceGroup', { mac: LAPTOP, group: 'tv_us' })).toEqual({
      error: {
        code: 'invalid_argument',
        message: 'group: no group is named "tv_us"; give one of: default, tv_uk',
        field: 'group',
      },
    })
    expect(
      await call('setDeviceGroup', { macs: [LAPTOP, 'nope'], group: 'default' })
    ).toMatchObject({ error: { field: 'macs[1]' } })
    expect(configText()).toBe(before)

    expect(await call('setDeviceGroup', { mac: LAPTOP, group: 'default' })).toMatchObject({
      ok: true,
    })
    expect(devicesOf().find((d) => d.mac === LAPTOP)!.group).toBe('')
  })

  it('lists its methods for rpcd with type samples', () => {
    expect(renderList(deviceMethods)).toMatchObject({
      listDevices: {},
      setDeviceMode: { mac: 'aa:bb:cc:dd:ee:ff', macs: [], mode: 'vpn' },
      explainDevice: { mac: 'aa:bb:cc:dd:ee:ff' },
    })
  })
})

describe('the lanvpn commands', () => {
  const out: string[] = []
  const err: string[] = []
  const cli = withLogLevel(
    new Proxy(host, {
      get(target, prop) {
        if (prop === 'writeStdout') return (s: string) => out.push(s)
        if (prop === 'writeStderr') return (s: string) => err.push(s)
        const value = Reflect.get(target, prop, target) as unknown
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
  )
  const run = (cmd: string, args: string[]) => {
    out.length = 0
    err.length = 0
    return DEVICE_COMMANDS[cmd].run(cli, paths, args)
  }

  it('sets the mode of several devices and shows them in the list', async () => {
    expect(await run('mode', ['blocked', LAPTOP, '00:16:3e:00:00:01'])).toBe(0)
    expect(out.join('')).toMatch(/saved/)
    expect(await run('name', [LAPTOP, 'Work', 'laptop'])).toBe(0)
    expect(await run('devices', [])).toBe(0)
    expect(out.join('')).toMatch(/Work laptop\s+02:00:00:00:50:01\s+blocked\s+offline/)
  })

  it('reports a bad argument on stderr with exit 1 and wrong usage with exit 2', async () => {
    expect(await run('mode', ['vpn', LAPTOP, 'nope'])).toBe(1)
    expect(err.join('')).toBe('lanvpn mode: "nope" names none; give one of:\n')
    expect(await run('kind', [LAPTOP])).toBe(2)
    expect(err.join('')).toMatch(/^usage: lanvpn kind DEVICE KIND/)
    expect(configText()).toBe(DEFAULT_CONFIG_TEXT)
  })

  it('explains a device in sentences', async () => {
    await run('default-mode', ['direct'])
    expect(await run('explain', [LAPTOP])).toBe(0)
    expect(out.join('')).toMatch(/^Its traffic goes straight out through the WAN/)
  })

  it('says a destination goes by the WAN while no location is set up', async () => {
    expect(await run('explain', [LAPTOP, 'x.example'])).toBe(0)
    expect(out.join('')).toBe(
      "x.example from 02:00:00:00:50:01: direct, by its mode. No VPN location is set up yet, so its traffic uses the WAN with the router's normal DNS until you import one.\n"
    )
  })
})
