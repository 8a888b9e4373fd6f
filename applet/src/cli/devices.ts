// `lanvpn devices | mode | name | kind | forget | default-mode | explain`: the sharing features
// for SSH users. Every command calls the same functions as the web UI's rpc methods
// (rpc/devices.ts), so arguments are checked by the same rules and give the same messages, and
// changes take the one change path (system/change.ts).
import type { Paths } from '../core/paths'
import type { InventoryDevice } from '../core/devices/inventory'
import type { Explanation } from '../core/devices/explain'
import { destinationText, explainText } from '../core/devices/explain-text'
import type { DestExplanation } from '../core/devices/explain-dest'
import { deviceMethods } from '../rpc/devices'
import type { ListDevicesResult, RpcError, SetConfigResult } from '../core/api/calls'
import type { LevelledHost } from '../system/log'
import type { CliCommand } from './command'

type Call = { ok: true; result: object } | { ok: false; code: number }

async function call(
  host: LevelledHost,
  paths: Paths,
  name: string,
  method: keyof typeof deviceMethods,
  args: object
): Promise<Call> {
  const result = await deviceMethods[method].call({ host, paths }, args as Record<string, unknown>)
  if ('error' in result) {
    host.writeStderr(`lanvpn ${name}: ${(result as RpcError).error.message}\n`)
    return { ok: false, code: 1 }
  }
  return { ok: true, result }
}

function usage(host: LevelledHost, cmd: CliCommand): number {
  host.writeStderr(`usage: lanvpn ${cmd.usage}\n`)
  return 2
}

/** Says a change was saved, and whether the daemon applies it now; exit code 0. */
export function saved(host: LevelledHost, r: SetConfigResult): number {
  host.writeStdout(
    r.daemonNotified
      ? 'saved; lanvpn applies it now\n'
      : 'saved; lanvpn is not running, so it applies at its next start\n'
  )
  return 0
}

/** Rows under a head, in columns two spaces apart, as lines for a terminal. */
export function renderTable(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (r: string[]) =>
    r
      .map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]) : c))
      .join('  ')
      .trimEnd()
  return [head, ...rows].map(line)
}

/** The device list as a table for a terminal. */
export function renderDeviceTable(list: ListDevicesResult): string {
  const rows = list.devices.map((d: InventoryDevice) => [
    nameOf(d),
    d.mac,
    d.modeIsDefault ? `${d.mode}*` : d.mode,
    d.online ? 'online' : 'offline',
    [...d.ipv4, ...d.ipv6].join(' ') || '-',
  ])
  const c = list.counts
  return [
    ...renderTable(['NAME', 'MAC', 'MODE', 'STATE', 'ADDRESSES'], rows),
    '',
    `${list.devices.length} devices: vpn ${c.vpn}, direct ${c.direct}, mediastreamer ${c.mediastreamer}, blocked ${c.blocked}`,
    `* no mode of its own: uses the default mode (${list.defaultMode})`,
    '',
  ].join('\n')
}

const MAC = /^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$/i

/** The id of the one item whose id is `word` or whose name is `word` in any case; null, after
 * listing on stderr the ones it could mean (those named so, else all), when there is not one. */
export function pickOne(
  host: LevelledHost,
  cmd: string,
  word: string,
  items: Array<[id: string, name: string]>
): string | null {
  const found = items.filter(([id, n]) => id === word || n.toLowerCase() === word.toLowerCase())
  if (found.length === 1) return found[0][0]
  host.writeStderr(
    `lanvpn ${cmd}: "${word}" names ${found.length ? 'several' : 'none'}; give one of:\n${(found.length ? found : items).map((i) => `  ${i.join('  ')}\n`).join('')}`
  )
  return null
}

/** `names` as MACs: a MAC stays as it is, anything else is a device's name as listed. */
export async function macsOf(
  host: LevelledHost,
  paths: Paths,
  cmd: string,
  names: string[]
): Promise<string[] | null> {
  if (names.every((n) => MAC.test(n))) return names
  const r = await call(host, paths, cmd, 'listDevices', {})
  if (!r.ok) return null
  const items = (r.result as ListDevicesResult).devices.map((d): [string, string] => [
    d.mac,
    nameOf(d),
  ])
  const macs = names.map((n) => (MAC.test(n) ? n : pickOne(host, cmd, n, items)))
  return macs.includes(null) ? null : (macs as string[])
}

const nameOf = (d: InventoryDevice) => d.label || d.hostname || '-'

/** A command whose arguments from `from` to `to` are devices (MACs or names). */
function simple(
  usageText: string,
  summary: string,
  method: keyof typeof deviceMethods,
  toArgs: (args: string[]) => object | null,
  from = 0,
  to = 1
): CliCommand {
  const name = usageText.split(' ')[0]
  const cmd: CliCommand = {
    usage: usageText,
    summary,
    async run(host, paths, args) {
      if (toArgs(args) === null) return usage(host, cmd)
      const macs = await macsOf(host, paths, name, args.slice(from, to))
      if (!macs) return 1
      const r = await call(
        host,
        paths,
        name,
        method,
        toArgs([...args.slice(0, from), ...macs, ...args.slice(from + macs.length)])!
      )
      return r.ok ? saved(host, r.result as SetConfigResult) : r.code
    },
  }
  return cmd
}

const devices: CliCommand = {
  usage: 'devices [--json]',
  summary: 'List the devices on the LAN with their mode.',
  async run(host, paths, args) {
    if (args.some((a) => a !== '--json')) return usage(host, devices)
    const r = await call(host, paths, 'devices', 'listDevices', {})
    if (!r.ok) return r.code
    const list = r.result as ListDevicesResult
    host.writeStdout(
      args.includes('--json') ? `${JSON.stringify(list)}\n` : renderDeviceTable(list)
    )
    return 0
  },
}

const explain: CliCommand = {
  usage: 'explain DEVICE [DESTINATION [PORT]] [--json]',
  summary: 'Say how traffic of a device (to DESTINATION, a domain or address) goes, and why.',
  async run(host, paths, args) {
    const rest = args.filter((a) => a !== '--json')
    if (rest.length < 1 || rest.length > 3) return usage(host, explain)
    const macs = await macsOf(host, paths, 'explain', rest.slice(0, 1))
    if (!macs) return 1
    if (rest.length > 1) {
      const [, dest, port] = rest
      const d = await call(host, paths, 'explain', 'explainDestination', {
        mac: macs[0],
        dest,
        ...(port ? { port } : {}),
      })
      if (!d.ok) return d.code
      const text = destinationText(dest, rest[0], d.result as DestExplanation)
      const out = args.includes('--json') ? JSON.stringify({ ...d.result, text }) : text
      host.writeStdout(`${out}\n`)
      return 0
    }
    const r = await call(host, paths, 'explain', 'explainDevice', { mac: macs[0] })
    if (!r.ok) return r.code
    const e = r.result as Explanation
    const { summary, reasons } = explainText(e)
    // --json: the rpc's answer with its English beside each code, as lanvpn always printed it.
    const { mac, mode, modeIsDefault, summaryCode, reasonCodes, params } = e
    const json = { mac, mode, modeIsDefault, summary, summaryCode, reasons, reasonCodes, params }
    if (args.includes('--json')) host.writeStdout(`${JSON.stringify(json)}\n`)
    else host.writeStdout([summary, ...reasons.map((x) => `  - ${x}`), ''].join('\n'))
    return 0
  },
}

/** The sharing commands, to spread into cli.ts FEATURE_COMMANDS. */
export const DEVICE_COMMANDS: Record<string, CliCommand> = {
  devices,
  mode: simple(
    'mode MODE DEVICE...',
    'Set the mode of devices (a DEVICE is its MAC or its name).',
    'setDeviceMode',
    (a) =>
      a.length < 2
        ? null
        : a.length === 2
          ? { mode: a[0], mac: a[1] }
          : { mode: a[0], macs: a.slice(1) },
    1,
    Infinity
  ),
  name: simple(
    'name DEVICE LABEL',
    'Name a device (an empty LABEL removes the name).',
    'renameDevice',
    (a) => (a.length < 2 ? null : { mac: a[0], label: a.slice(1).join(' ') })
  ),
  kind: simple(
    'kind DEVICE KIND',
    'Set the type of a device (phone, laptop, tv …).',
    'setDeviceKind',
    (a) => (a.length !== 2 ? null : { mac: a[0], kind: a[1] })
  ),
  forget: simple(
    'forget DEVICE',
    'Forget a device: it falls back to the default mode.',
    'forgetDevice',
    (a) => (a.length !== 1 ? null : { mac: a[0] })
  ),
  'default-mode': simple(
    'default-mode MODE',
    'Set the mode of devices without one.',
    'setDefaultMode',
    (a) => (a.length !== 1 ? null : { mode: a[0] }),
    0,
    0
  ),
  explain,
}
