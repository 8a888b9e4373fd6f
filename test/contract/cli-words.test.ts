// The `lanvpn` command as a person on SSH meets it (Node host, a temporary LANVPN_PREFIX): help in
// columns, locations and devices by the names it shows, and a status that says which location
// carries the traffic.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { FEATURE_VERBS, runCli } from '../../applet/src/cli/cli'
import { FEATURE_COMMANDS } from '../../applet/src/cli/features'
import { DEFAULT_CONFIG_TEXT } from '../../applet/src/core/config/defaults'
import { parseConfig } from '../../applet/src/core/config/validate'
import { resolvePaths } from '../../applet/src/core/paths'
import { createNodeHost } from '../../applet/src/host/node'
import { writeDevicesFile } from '../../applet/src/system/devices-file'
import { withLogLevel } from '../../applet/src/system/log'

const tmp = mkdtempSync(join(tmpdir(), 'lanvpn-cli-words-'))
const paths = resolvePaths(tmp)
const host = createNodeHost()
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
const lanvpn = async (...argv: string[]) => {
  out.length = 0
  err.length = 0
  return runCli(cli, paths, argv)
}
const config = () => parseConfig(host.readFile(paths.config) ?? '').config
const FIXTURE = 'test/fixtures/profiles/mullvad-se-got.conf'

beforeEach(() => {
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(join(tmp, 'etc/config'), { recursive: true })
  writeFileSync(paths.config, DEFAULT_CONFIG_TEXT)
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('lanvpn --help', () => {
  it('keeps at least two spaces between every command and its summary', async () => {
    expect(await lanvpn('--help')).toBe(0)
    const lines = out.join('').split('\n')
    // A usage row has its summary from column 23 after at least two spaces, or on the next line.
    const runTogether = lines.filter(
      (l, i) =>
        /^ {2}\S/.test(l) &&
        !/^ {23}\S/.test(lines[i + 1]) &&
        !(l.slice(21, 23) === '  ' && /\S/.test(l[23]))
    )
    expect(lines.filter((l) => /^ {2}\S/.test(l)).length).toBeGreaterThan(15)
    expect(runTogether).toEqual([])
    expect(out.join('')).toMatch(/^ {2}profiles \[--json\] {4}List/m)
    expect(out.join('')).toMatch(/^ {2}mode MODE DEVICE\.\.\. {2}Set/m)
    expect(out.join('')).toMatch(
      /^ {2}explain DEVICE \[DESTINATION \[PORT\]\] \[--json\]\n {23}Say/m
    )
    expect(out.join('')).toMatch(/^ {2}cleanup {14}Remove .*\n {23}Safe/m)
    // status and check (lanvpn-cli's) stay where they were, just above cleanup.
    expect(out.join('')).toMatch(
      /^ {2}status \[--json\] {6}Show .*\n {2}check {16}Validate .*\n {2}cleanup /m
    )
  })
})

describe('the feature commands (lanvpn-cli)', () => {
  it("are the verbs the main package names as lanvpn-cli's, in the same order", () => {
    expect(Object.keys(FEATURE_COMMANDS)).toEqual(FEATURE_VERBS)
  })
})

describe('lanvpn connect', () => {
  it('takes the location by the name it shows, in any case, and lists them for a wrong one', async () => {
    expect(await lanvpn('import', FIXTURE, '--name', 'Client-VPN')).toBe(0)
    expect(await lanvpn('import', FIXTURE, '--name', 'Oslo')).toBe(0)
    expect(await lanvpn('profiles')).toBe(0)
    expect(out.join('')).toContain('Client-VPN')
    expect(await lanvpn('connect', 'client-vpn')).toBe(0)
    expect(config().globals).toMatchObject({ activeProfile: 'client_vpn', connect: true })
    expect(await lanvpn('connect', 'oslo')).toBe(0)
    expect(config().globals.activeProfile).toBe('oslo')
    expect(await lanvpn('connect', 'client_vpn')).toBe(0)
    expect(config().globals.activeProfile).toBe('client_vpn')

    expect(await lanvpn('connect', 'Bergen')).toBe(1)
    expect(err.join('')).toBe(
      'lanvpn connect: "Bergen" names none; give one of:\n  client_vpn  Client-VPN\n  oslo  Oslo\n'
    )
    expect(config().globals.activeProfile).toBe('client_vpn')
  })
})

describe('lanvpn status', () => {
  const status = (tunnel: object) =>
    writeFileSync(
      paths.status,
      JSON.stringify({
        version: 1,
        generation: 3,
        updatedAt: 1763800000000,
        configHash: '',
        daemon: { state: 'running', pid: 42, startedAt: 1763790000000, runtime: 'qjs' },
        tunnel,
        devices: { vpn: 1, direct: 0, mediastreamer: 0, blocked: 0 },
        problems: [],
        apply: { ok: true, errors: [] },
      })
    )

  it('names the location, says when a fallback carries the traffic, and the chosen one after a disconnect', async () => {
    await lanvpn('import', FIXTURE, '--name', 'Stockholm')
    await lanvpn('import', FIXTURE, '--name', 'Oslo')
    await lanvpn('connect', 'Stockholm')
    await lanvpn('fallback', 'oslo')
    mkdirSync(paths.runDir, { recursive: true })
    status({ state: 'connected', profile: 'stockholm', since: 1763800000000 })
    expect(await lanvpn('status')).toBe(0)
    expect(out.join('')).toMatch(/^tunnel: {2}connected \(Stockholm\)$/m)
    expect(out.join('')).not.toContain('fallback')

    status({ state: 'connected', profile: 'oslo', since: 1763800000000 })
    await lanvpn('status')
    expect(out.join('')).toMatch(
      /^tunnel: {2}connected \(Oslo\)\n {9}a fallback is in use: Stockholm \(the chosen location\) does not answer$/m
    )

    status({ state: 'disconnected', profile: '', since: 0 })
    await lanvpn('status')
    expect(out.join('')).toMatch(/^tunnel: {2}disconnected \(Stockholm\)$/m)
  })
})

describe('lanvpn explain and mode', () => {
  const seen = (mac: string, hostname: string) => ({
    mac,
    hostname,
    ipv4: [],
    ipv6: [],
    online: true,
    lastSeenWallMs: 1,
    privateMac: false,
    wireless: false,
  })

  it('take a device by its name in any case, and list the MACs of a name several devices share', async () => {
    writeDevicesFile(host, paths, [
      seen('02:00:00:00:50:01', 'laptop'),
      seen('02:00:00:00:50:02', 'tv'),
      seen('02:00:00:00:50:03', 'phone'),
      seen('02:00:00:00:50:04', 'phone'),
    ])
    expect(await lanvpn('name', '02:00:00:00:50:02', 'Living room TV')).toBe(0)
    expect(await lanvpn('mode', 'direct', 'living room tv', 'LAPTOP')).toBe(0)
    expect(config().devices.map((d) => [d.mac, d.mode])).toEqual([
      ['02:00:00:00:50:02', 'direct'],
      ['02:00:00:00:50:01', 'direct'],
    ])
    expect(await lanvpn('explain', 'Living Room TV')).toBe(0)
    expect(out.join('')).toMatch(/^Its traffic goes straight out/)

    expect(await lanvpn('explain', 'phone')).toBe(1)
    expect(err.join('')).toBe(
      'lanvpn explain: "phone" names several; give one of:\n' +
        '  02:00:00:00:50:03  phone\n' +
        '  02:00:00:00:50:04  phone\n'
    )
    expect(await lanvpn('mode', 'blocked', 'printer')).toBe(1)
    expect(err.join('')).toMatch(
      /^lanvpn mode: "printer" names none; give one of:\n {2}02:00:00:00:50:01 {2}laptop\n/
    )
    expect(await lanvpn('explain', '02:00:00:00:50:03')).toBe(0)
  })

  it('say where a device reaches a destination, and by which rule (issue 22)', async () => {
    writeDevicesFile(host, paths, [seen('02:00:00:00:50:02', 'tv')])
    writeFileSync(
      paths.config,
      `${DEFAULT_CONFIG_TEXT}\nconfig rule 'bank'\n\toption label 'My bank'\n\tlist domain 'bank.example'\n\toption via 'direct'\n\nconfig rule 'games'\n\tlist port 'udp:3074'\n\toption via 'direct'\n`
    )
    expect(await lanvpn('explain', 'TV', 'www.bank.example')).toBe(0)
    expect(out.join('')).toBe('www.bank.example from TV: direct, by rule 1 (My bank).\n')
    expect(await lanvpn('explain', 'tv', 'stream.example')).toBe(0)
    // No location is set up yet: a vpn device uses the WAN, and says why.
    expect(out.join('')).toBe(
      "stream.example from tv: direct, by its mode. No VPN location is set up yet, so its traffic uses the WAN with the router's normal DNS until you import one.\n"
    )
    expect(await lanvpn('explain', 'tv', '203.0.113.5', 'udp:3074', '--json')).toBe(0)
    expect(JSON.parse(out.join(''))).toMatchObject({ via: 'direct', by: 'rule', rule: 2 })
    expect(await lanvpn('explain', 'tv', 'not a name!')).not.toBe(0)
    expect(err.join('')).toMatch(/dest: must be a domain name or an IPv4 or IPv6 address/)
  })
})

describe('lanvpn group and lanvpn device … group', () => {
  it('sets a group up on a location of its own, refuses one another group has, and moves a device in and out', async () => {
    await lanvpn('import', FIXTURE, '--name', 'Stockholm')
    await lanvpn('import', FIXTURE, '--name', 'Oslo')
    await lanvpn('import', FIXTURE, '--name', 'Bergen')
    await lanvpn('connect', 'Stockholm')
    writeDevicesFile(host, paths, [
      {
        mac: '02:00:00:00:50:02',
        hostname: 'tv',
        ipv4: [],
        ipv6: [],
        online: true,
        lastSeenWallMs: 1,
        privateMac: false,
        wireless: false,
      },
    ])

    expect(await lanvpn('group', 'add', 'tv_no', '--label', 'TV', '--location', 'stockholm')).toBe(
      1
    )
    expect(err.join('')).toBe(
      'lanvpn group add: tv_no.profile: is a location of the default group (globals) already: a location serves one group\n'
    )
    expect(await lanvpn('group', 'add', 'tv_no', '--label', 'TV')).toBe(2)
    expect(err.join('')).toContain('--location: required')
    expect(await lanvpn('group', 'add', 'tv no', '--location', 'Oslo')).toBe(1)
    expect(err.join('')).toMatch(/^lanvpn group add: tv no: must be 1 to 32 letters/)
    expect(config().groups).toEqual([])

    expect(await lanvpn('group', 'add', 'tv_no', '--label', 'TV', '--location', 'Oslo')).toBe(0)
    expect(config().groups).toMatchObject([{ id: 'tv_no', label: 'TV', profile: 'oslo' }])
    expect(await lanvpn('group', 'add', 'tv_no', '--location', 'Bergen')).toBe(1)
    expect(err.join('')).toContain('tv_no exists already')
    expect(
      await lanvpn('group', 'set', 'tv_no', '--fallback', 'bergen', '--kill-switch', 'auto')
    ).toBe(0)
    expect(config().groups).toMatchObject([{ fallback: ['bergen'], killSwitch: 'auto' }])

    expect(await lanvpn('device', 'TV', 'group', 'tv_no')).toBe(0)
    expect(config().devices).toMatchObject([{ mac: '02:00:00:00:50:02', group: 'tv_no' }])
    expect(await lanvpn('device', 'tv', 'group', 'tv_se')).toBe(1)
    expect(err.join('')).toBe(
      'lanvpn device: group: no group is named "tv_se"; give one of: default, tv_no\n'
    )
    expect(await lanvpn('explain', 'tv')).toBe(0)
    expect(out.join('')).toContain(
      "It is in the group TV: only that group's own tunnel (lanvpn1, Oslo)"
    )

    expect(await lanvpn('group', 'list')).toBe(0)
    expect(out.join('')).toMatch(/^NAME +LABEL +LOCATION +FALLBACK +TUNNEL +DEVICES$/m)
    expect(out.join('')).toMatch(/^default +- +Stockholm +- +disconnected +0$/m)
    expect(out.join('')).toMatch(/^tv_no +TV +Oslo +Bergen +- +1$/m)

    expect(await lanvpn('device', 'tv', 'group', 'default')).toBe(0)
    expect(config().devices[0].group).toBe('')
    expect(await lanvpn('device', 'tv', 'group', 'tv_no')).toBe(0)
    expect(await lanvpn('group', 'remove', 'tv_se')).toBe(1)
    expect(err.join('')).toBe('lanvpn group remove: no group is named "tv_se" (groups: tv_no)\n')
    expect(await lanvpn('group', 'remove', 'tv_no')).toBe(0)
    expect(config().groups).toEqual([])
    expect(config().devices[0].group).toBe('')
  })

  it("shows each group's tunnel in lanvpn status", async () => {
    await lanvpn('import', FIXTURE, '--name', 'Stockholm')
    await lanvpn('import', FIXTURE, '--name', 'Oslo')
    await lanvpn('connect', 'Stockholm')
    await lanvpn('group', 'add', 'tv_no', '--label', 'TV', '--location', 'oslo')
    mkdirSync(paths.runDir, { recursive: true })
    writeFileSync(
      paths.status,
      JSON.stringify({
        version: 1,
        generation: 3,
        updatedAt: 1763800000000,
        configHash: '',
        daemon: { state: 'running', pid: 42, startedAt: 1763790000000, runtime: 'qjs' },
        tunnel: { state: 'connected', profile: 'stockholm', since: 1763800000000 },
        groups: [
          {
            id: 'tv_no',
            label: 'TV',
            tunnel: { state: 'failed', profile: '', since: 0, reason: 'no handshake' },
            devices: 2,
          },
        ],
        devices: { vpn: 3, direct: 0, mediastreamer: 0, blocked: 0 },
        problems: [],
        apply: { ok: true, errors: [] },
      })
    )
    expect(await lanvpn('status')).toBe(0)
    expect(out.join('')).toMatch(
      /^tunnel: {2}connected \(Stockholm\)\ngroup tv_no: failed \(Oslo\), 2 device\(s\) — no handshake$/m
    )
    expect(await lanvpn('group', 'list')).toBe(0)
    expect(out.join('')).toMatch(/^default +- +Stockholm +- +connected +0$/m)
    expect(out.join('')).toMatch(/^tv_no +TV +Oslo +- +failed +2$/m)
  })
})

describe('lanvpn mediastreamer', () => {
  it("says the state, the WAN's kind in a sentence and the daemon's note, as one line", async () => {
    mkdirSync(paths.runDir, { recursive: true })
    const mediastreamer = {
      enabled: true,
      state: 'registered',
      wanKind: 'double-nat',
      lastAttempt: null,
      nextCheckWallMs: 0,
      message: 'Registered.',
      explainsWan: true,
      note: 'asking for the public address failed: timeout',
    }
    writeFileSync(paths.status, JSON.stringify({ version: 1, mediastreamer }))
    expect(await lanvpn('mediastreamer')).toBe(0)
    expect(out.join('')).toContain(
      '\n  Registered. The router is behind another router or modem (double NAT). The public address comes from an IP-echo service; registration works while that box keeps its address. (asking for the public address failed: timeout)\n'
    )
  })
})

describe('lanvpn mediastreamer set and lanvpn wan-event', () => {
  it('saves MediaStreamer settings through the one change path, and names a bad value', async () => {
    expect(await lanvpn('mediastreamer', 'set', 'server=members.example.net')).toBe(0)
    expect(out.join('')).toBe('saved\n')
    expect(config().mediastreamer.server).toBe('members.example.net')
    expect(await lanvpn('mediastreamer', 'set', 'method=carrier-pigeon')).toBe(1)
    expect(err.join('')).toMatch(/^lanvpn mediastreamer set: mediastreamer\.method: /)
    expect(config().mediastreamer.method).toBe('http')
  })

  it('queues what the hotplug hook says happened to the WAN, and refuses anything else', async () => {
    expect(await lanvpn('wan-event', 'ifupdate')).toBe(0)
    const queued = host.listDir(`${paths.runDir}/requests`) ?? []
    expect(queued.map((n) => JSON.parse(host.readFile(`${paths.runDir}/requests/${n}`)!))).toEqual([
      { kind: 'wan', action: 'ifupdate' },
    ])
    expect(await lanvpn('wan-event', 'reboot')).toBe(2)
    expect(err.join('')).toBe('usage: lanvpn wan-event ifup|ifdown|ifupdate\n')
  })
})
