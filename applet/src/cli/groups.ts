// `lanvpn group …` and `lanvpn device DEVICE group NAME|default`: device groups (issue 21) for SSH
// users. Changes go through the rpc's own functions (setConfig's `groups`, setDeviceGroup), so the
// arguments are checked by the same rules and refused with the same messages as from the web UI.
import type { ConfigView, RpcError } from '../core/api/calls'
import type { GroupStatus, Status } from '../core/api/status'
import { DEFAULT_GROUP_WORD } from '../core/ids'
import { configMethods } from '../rpc/config'
import { deviceMethods } from '../rpc/devices'
import type { LevelledHost } from '../system/log'
import type { CliCommand } from './command'
import { macsOf, pickOne, renderTable, saved } from './devices'

const GROUP_USAGE = `group list [--json]
  group add NAME --location LOCATION [--label TEXT] [--fallback L1,L2] [--kill-switch always|auto]
  group set NAME [--location …] [--label …] [--fallback …] [--kill-switch …]
  group remove NAME`

/** The options `add` and `set` take, each to its `config group` option. */
const FLAGS: Record<string, string> = {
  '--location': 'profile',
  '--label': 'label',
  '--fallback': 'fallback',
  '--kill-switch': 'kill_switch',
}

function failed(host: LevelledHost, cmd: string, r: RpcError): number {
  host.writeStderr(`lanvpn ${cmd}: ${r.error.message}\n`)
  return 1
}

/** One row per group, the default group first: its name, label, location, fallbacks, tunnel
 * state and device count (from the status, when the daemon wrote one). Pure. */
export function renderGroupTable(config: ConfigView, status: Status): string {
  const label = (id: string) => config.profiles.find((p) => p.id === id)?.label || id || '-'
  const g = config.globals
  const mine = (id: string): GroupStatus | undefined => status.groups?.find((x) => x.id === id)
  const tunnelOf = (t: Status['tunnel'] | undefined, want: string) =>
    t ? `${t.state}${t.profile && t.profile !== want ? ` (on ${label(t.profile)})` : ''}` : '-'
  const rows = [
    [
      DEFAULT_GROUP_WORD,
      '-',
      label(g.activeProfile),
      g.fallback.map(label).join(',') || '-',
      tunnelOf(status.tunnel, g.activeProfile),
      String(config.devices.filter((d) => d.group === '').length),
    ],
    ...config.groups.map((x) => [
      x.id,
      x.label || '-',
      label(x.profile),
      x.fallback.map(label).join(',') || '-',
      tunnelOf(mine(x.id)?.tunnel, x.profile),
      String(mine(x.id)?.devices ?? config.devices.filter((d) => d.group === x.id).length),
    ]),
  ]
  const head = ['NAME', 'LABEL', 'LOCATION', 'FALLBACK', 'TUNNEL', 'DEVICES']
  return [...renderTable(head, rows), ''].join('\n')
}

/** `--flag value` words as a group patch; locations by id or by the name `profiles` shows. */
function parseFlags(
  host: LevelledHost,
  cmd: string,
  words: string[],
  config: ConfigView
): Record<string, unknown> | null {
  const patch: Record<string, unknown> = {}
  const locations = config.profiles.map((p): [string, string] => [p.id, p.label])
  const location = (w: string) => pickOne(host, cmd, w, locations)
  for (let i = 0; i < words.length; i += 2) {
    const option = FLAGS[words[i]]
    const value = words[i + 1]
    if (!option || value === undefined) {
      host.writeStderr(`usage: lanvpn ${GROUP_USAGE}\n`)
      return null
    }
    if (option === 'profile') {
      const id = location(value)
      if (id === null) return null
      patch.profile = id
    } else if (option === 'fallback') {
      const ids = value === '' ? [] : value.split(',').map((w) => location(w.trim()))
      if (ids.includes(null)) return null
      patch.fallback = ids
    } else patch[option] = value
  }
  return patch
}

const group: CliCommand = {
  usage: 'group list|add|set|remove',
  summary: 'Device groups, each through a location of its own (see lanvpn group help).',
  async run(host, paths, args) {
    const ctx = { host, paths }
    const [sub = 'list', name, ...rest] = args
    const config = await configMethods.getConfig.call(ctx)
    const exists = name !== undefined && config.groups.some((g) => g.id === name)
    const change = async (patch: Record<string, unknown> | null) => {
      const r = await configMethods.setConfig.call(ctx, { groups: { [name]: patch } })
      return 'error' in r ? failed(host, `group ${sub}`, r) : saved(host, r)
    }
    switch (sub) {
      case 'help':
        host.writeStdout(`usage: lanvpn ${GROUP_USAGE}\n`)
        return 0
      case 'list': {
        if (args.slice(1).some((a) => a !== '--json')) break
        const status = await configMethods.status.call(ctx)
        host.writeStdout(
          args.includes('--json')
            ? `${JSON.stringify({ groups: config.groups, status: status.groups ?? [] })}\n`
            : renderGroupTable(config, status)
        )
        return 0
      }
      case 'add':
      case 'set': {
        if (name === undefined || name.startsWith('--')) break
        if (sub === 'add' && exists) {
          host.writeStderr(`lanvpn group add: ${name} exists already; change it with group set\n`)
          return 1
        }
        if (sub === 'set' && !exists) return missing(host, sub, name, config)
        if (sub === 'add' && !rest.includes('--location')) {
          host.writeStderr('lanvpn group add: --location: required (a location of its own)\n')
          return 2
        }
        const patch = parseFlags(host, `group ${sub}`, rest, config)
        return patch === null ? 1 : change(patch)
      }
      case 'remove':
        if (name === undefined || rest.length) break
        return exists ? change(null) : missing(host, sub, name, config)
    }
    host.writeStderr(`usage: lanvpn ${GROUP_USAGE}\n`)
    return 2
  },
}

function missing(host: LevelledHost, sub: string, name: string, config: ConfigView): number {
  const names = config.groups.map((g) => g.id).join(', ') || 'none yet'
  host.writeStderr(`lanvpn group ${sub}: no group is named "${name}" (groups: ${names})\n`)
  return 1
}

const device: CliCommand = {
  usage: 'device DEVICE group NAME|default',
  summary: "Move a device into a group (default: the household's own).",
  async run(host, paths, args) {
    if (args.length !== 3 || args[1] !== 'group') {
      host.writeStderr(`usage: lanvpn ${device.usage}\n`)
      return 2
    }
    const macs = await macsOf(host, paths, 'device', [args[0]])
    if (!macs) return 1
    const r = await deviceMethods.setDeviceGroup.call(
      { host, paths },
      { mac: macs[0], group: args[2] }
    )
    return 'error' in r ? failed(host, 'device', r) : saved(host, r)
  },
}

/** The group commands, to spread into cli.ts FEATURE_COMMANDS. */
export const GROUP_COMMANDS: Record<string, CliCommand> = { group, device }
