// The sharing part of the `lanvpn` ubus object: the device list, per-device modes, names, kinds,
// the default mode and the explanation. Changes go to UCI (config device 'd_<12 hex>', contracts
// §4) all or nothing, then the daemon is asked to reload; the daemon turns the new membership into
// one nft transaction. Like every rpc method these never run nft or ip (architecture.md).
import { applyConfigPatch, applyDeviceEdits, type DeviceEdit } from '../core/config/patch'
import { DEVICE_KINDS, DEVICE_MODES, type DeviceMode } from '../core/config/types'
import { hasControlChars, isDeviceMac, isIp, normaliseMac } from '../core/config/validate'
import { parseConfig } from '../core/config/validate'
import { explainDevice as explain } from '../core/devices/explain'
import {
  explainDestination as explainDest,
  type DestExplanation,
} from '../core/devices/explain-dest'
import { normaliseDomain, parsePort } from '../core/config/rules'
import { groupOfDevice } from '../core/config/groups'
import { DEFAULT_GROUP_WORD, groupIface } from '../core/ids'
import {
  countModes,
  isPrivateMac,
  macsFollowingDefault,
  mergeInventory,
} from '../core/devices/inventory'
import { readDevicesFile } from '../system/devices-file'
import { changeConfig } from '../system/change'
import { readConfigText } from '../system/files'
import { readStatus } from '../system/status'
import type { MethodTable, RpcContext } from './method'
import type {
  ExplainDeviceResult,
  ListDevicesResult,
  RpcError,
  SetConfigResult,
} from '../core/api/calls'

/** Most MACs one setDeviceMode call takes: a /24 LAN's worth twice over, and far below the 64 KiB
 * input limit. */
export const MAX_BULK_MACS = 500

function argError(field: string, reason: string): RpcError {
  return { error: { code: 'invalid_argument', message: `${field}: ${reason}`, field } }
}

const MAC_REASON = 'must be a device MAC address such as aa:bb:cc:dd:ee:ff'

/** The normalised MAC, or the error naming `field`. Multicast and all-zero addresses are no
 * device's, so they are refused too. */
function checkMac(field: string, value: unknown): string | RpcError {
  const mac = typeof value === 'string' ? normaliseMac(value) : null
  return mac !== null && isDeviceMac(mac) ? mac : argError(field, MAC_REASON)
}

function checkMode(field: string, value: unknown): DeviceMode | RpcError {
  const mode = DEVICE_MODES.find((m) => m === value)
  return mode ?? argError(field, `must be one of ${DEVICE_MODES.join(', ')}`)
}

const isError = (x: unknown): x is RpcError => typeof x === 'object' && x !== null && 'error' in x

/** Applies device edits all or nothing. Shared by every change method and the CLI. */
function editDevices(ctx: RpcContext, edits: DeviceEdit[]): Promise<SetConfigResult | RpcError> {
  return changeConfig(ctx.host, ctx.paths, (loaded) => {
    const result = applyDeviceEdits(loaded.doc, edits, loaded.problems)
    return result.problems.length > 0 ? { problems: result.problems } : { doc: result.doc }
  })
}

/** `listDevices {}`: every device the router knows, with its mode. Reads files only. */
async function listDevices(ctx: RpcContext): Promise<ListDevicesResult> {
  const { config, doc } = parseConfig(readConfigText(ctx.host, ctx.paths))
  const snapshot = readDevicesFile(ctx.host, ctx.paths)
  const devices = mergeInventory(snapshot.devices, config, macsFollowingDefault(doc))
  return {
    devices,
    defaultMode: config.globals.defaultMode,
    counts: countModes(devices),
    generation: snapshot.generation,
    updatedAt: snapshot.updatedAt,
  }
}

/** `setDeviceMode { mac | macs, mode }`: one device or up to 500 at once. Every MAC is checked
 * before anything is written; a bad one names its index (`macs[3]`) and nothing changes. */
async function setDeviceMode(
  ctx: RpcContext,
  args: Record<string, unknown>
): Promise<SetConfigResult | RpcError> {
  const mode = checkMode('mode', args.mode)
  if (isError(mode)) return mode
  const macs = checkMacs(args)
  if (isError(macs)) return macs
  return editDevices(
    ctx,
    macs.map((mac) => ({ mac, mode }))
  )
}

/** The MACs of `mac` or `macs` (up to 500), normalised and without repeats, or the error naming
 * the first bad one by index (`macs[3]`). */
function checkMacs(args: Record<string, unknown>): string[] | RpcError {
  if ((args.mac === undefined) === (args.macs === undefined))
    return argError('mac', 'give either mac (one device) or macs (several), not both or neither')
  const raw = args.macs === undefined ? [args.mac] : (args.macs as unknown[])
  if (args.macs !== undefined && raw.length === 0) return argError('macs', 'must not be empty')
  const macs: string[] = []
  for (let i = 0; i < raw.length; i++) {
    const mac = checkMac(args.macs === undefined ? 'mac' : `macs[${i}]`, raw[i])
    if (isError(mac)) return mac
    if (!macs.includes(mac)) macs.push(mac)
  }
  return macs
}

/** `setDeviceGroup { mac | macs, group }` (issue 21): the group whose tunnel carries the devices
 * while their mode is vpn; '' or "default" is the household's default group. The group must
 * exist; every MAC is checked before anything is written, and the move is one change. */
async function setDeviceGroup(
  ctx: RpcContext,
  args: Record<string, unknown>
): Promise<SetConfigResult | RpcError> {
  const raw = args.group
  if (typeof raw !== 'string') return argError('group', 'must be a group name, or default')
  const macs = checkMacs(args)
  if (isError(macs)) return macs
  const group = raw === DEFAULT_GROUP_WORD ? '' : raw
  if (group !== '') {
    const { groups } = parseConfig(readConfigText(ctx.host, ctx.paths)).config
    if (!groups.some((g) => g.id === group))
      return argError(
        'group',
        `no group is named "${raw}"; give one of: ${[DEFAULT_GROUP_WORD, ...groups.map((g) => g.id)].join(', ')}`
      )
  }
  return editDevices(
    ctx,
    macs.map((mac) => ({ mac, group }))
  )
}

const LABEL_REASON = 'must be at most 64 characters without control characters'

/** `renameDevice { mac, label }`: the name people see; '' removes it (the host name shows). */
async function renameDevice(
  ctx: RpcContext,
  args: Record<string, unknown>
): Promise<SetConfigResult | RpcError> {
  const mac = checkMac('mac', args.mac)
  if (isError(mac)) return mac
  const label = args.label
  if (typeof label !== 'string' || label.length > 64 || hasControlChars(label))
    return argError('label', LABEL_REASON)
  return editDevices(ctx, [{ mac, label: label.trim() }])
}

/** `setDeviceKind { mac, kind }`: phone, laptop, tv … (the UI's icon). */
async function setDeviceKind(
  ctx: RpcContext,
  args: Record<string, unknown>
): Promise<SetConfigResult | RpcError> {
  const mac = checkMac('mac', args.mac)
  if (isError(mac)) return mac
  const kind = DEVICE_KINDS.find((k) => k === args.kind)
  if (kind === undefined) return argError('kind', `must be one of ${DEVICE_KINDS.join(', ')}`)
  return editDevices(ctx, [{ mac, kind }])
}

/** `forgetDevice { mac }`: removes the device's section; it falls back to the default mode. Safe
 * to repeat: forgetting an unknown device changes nothing. */
async function forgetDevice(
  ctx: RpcContext,
  args: Record<string, unknown>
): Promise<SetConfigResult | RpcError> {
  const mac = checkMac('mac', args.mac)
  if (isError(mac)) return mac
  return editDevices(ctx, [{ mac, forget: true }])
}

/** `setDefaultMode { mode }`: the mode of devices without one of their own. */
async function setDefaultMode(
  ctx: RpcContext,
  args: Record<string, unknown>
): Promise<SetConfigResult | RpcError> {
  const mode = checkMode('mode', args.mode)
  if (isError(mode)) return mode
  return changeConfig(ctx.host, ctx.paths, (loaded) => {
    const result = applyConfigPatch(
      loaded.doc,
      { globals: { default_mode: mode } },
      loaded.problems
    )
    return result.problems.length > 0 ? { problems: result.problems } : { doc: result.doc }
  })
}

/** `explainDevice { mac }`: how a packet from this device is routed now, and why, from the config,
 * the status file and devices.json. Works for devices never seen too (they get the default). */
async function explainDevice(
  ctx: RpcContext,
  args: Record<string, unknown>
): Promise<ExplainDeviceResult | RpcError> {
  const mac = checkMac('mac', args.mac)
  if (isError(mac)) return mac
  const { config, doc } = parseConfig(readConfigText(ctx.host, ctx.paths))
  const status = readStatus(ctx.host, ctx.paths)
  const seen = readDevicesFile(ctx.host, ctx.paths).devices.filter((d) => d.mac === mac)
  const merged = mergeInventory(seen, config, macsFollowingDefault(doc))
  const device = merged.find((d) => d.mac === mac) ?? {
    mac,
    mode: config.globals.defaultMode,
    modeIsDefault: true,
    privateMac: isPrivateMac(mac),
    online: false,
  }
  const profile = config.profiles.find((p) => p.id === status.tunnel.profile)
  const ms = config.mediastreamer
  const home = { state: status.tunnel.state, profileLabel: profile?.label ?? status.tunnel.profile }
  // With groups, the device's own group and its tunnel from status.groups; a group the status
  // does not carry (no daemon runs its tunnel yet) reads as disconnected, which is what its
  // devices get then (blocked).
  const group = config.groups.length ? groupOfDevice(config, mac) : null
  const own = status.groups?.find((g) => g.id === group?.id)?.tunnel
  const location = config.profiles.find((p) => p.id === (own?.profile || group?.profile))
  return explain({
    device,
    globals: config.globals,
    tunnel:
      group && group.index > 0
        ? { state: own?.state ?? 'disconnected', profileLabel: location?.label ?? '' }
        : home,
    hasProfiles: config.profiles.length > 0,
    hasSmartDns: ms.enabled && ms.dnsServers.length > 0,
    ...(group && {
      group: {
        id: group.id,
        label: group.label,
        tunnelIface: groupIface(ctx.paths.tunnelIface, group.index),
        killSwitch: group.killSwitch,
        connect: group.connect,
      },
    }),
  })
}

/** `explainDestination { mac, dest, port? }` (issue 22): where this device's traffic to a domain or
 * an address (port like tcp:443) goes, and what decided it: codes (core/devices/explain-dest.ts).
 * The networks the router is on and the tunnels' states are the daemon's (status.json localNets,
 * tunnel, groups; a group the status does not carry reads as disconnected, as in explainDevice). */
async function explainDestination(
  ctx: RpcContext,
  args: Record<string, unknown>
): Promise<DestExplanation | RpcError> {
  const mac = checkMac('mac', args.mac)
  if (isError(mac)) return mac
  const raw = String(args.dest ?? '')
  const dest = isIp(raw) ? raw : normaliseDomain(raw)
  if (!dest) return argError('dest', 'must be a domain name or an IPv4 or IPv6 address')
  const port = args.port === undefined ? [] : parsePort(String(args.port))
  if (!port) return argError('port', 'must be a port such as tcp:443, udp:3074 or 443')
  const { config } = parseConfig(readConfigText(ctx.host, ctx.paths))
  const g = config.globals
  const status = readStatus(ctx.host, ctx.paths)
  const nets = g.localDirect ? (status.localNets ?? []) : []
  const up = [{ id: '', tunnel: status.tunnel }, ...(status.groups ?? [])]
    .filter((x) => x.tunnel.state === 'connected')
    .map((x) => x.id)
  return explainDest(config, mac, dest, port[0] ?? null, [...nets, ...g.localDest], up)
}

const MAC_ARG = { type: 'string', maxLength: 17, sample: 'aa:bb:cc:dd:ee:ff' } as const
const MODE_ARG = { type: 'string', maxLength: 16, sample: 'vpn' } as const

/** The sharing methods, to spread into rpc/methods.ts `methods`. `listDevices`, `explainDevice`
 * and `explainDestination` are reads (the ACL's read block); the others need write access. */
export const deviceMethods = {
  listDevices: { args: {}, call: listDevices },
  setDeviceMode: {
    args: {
      mac: MAC_ARG,
      macs: { type: 'array', maxItems: MAX_BULK_MACS },
      mode: { ...MODE_ARG, required: true },
    },
    call: setDeviceMode,
  },
  setDeviceGroup: {
    args: {
      mac: MAC_ARG,
      macs: { type: 'array', maxItems: MAX_BULK_MACS },
      group: { type: 'string', maxLength: 32, required: true, sample: 'tv_uk' },
    },
    call: setDeviceGroup,
  },
  renameDevice: {
    args: {
      mac: { ...MAC_ARG, required: true },
      label: { type: 'string', maxLength: 64, required: true, sample: 'Laptop' },
    },
    call: renameDevice,
  },
  setDeviceKind: {
    args: {
      mac: { ...MAC_ARG, required: true },
      kind: { type: 'string', maxLength: 16, required: true, sample: 'laptop' },
    },
    call: setDeviceKind,
  },
  forgetDevice: { args: { mac: { ...MAC_ARG, required: true } }, call: forgetDevice },
  setDefaultMode: { args: { mode: { ...MODE_ARG, required: true } }, call: setDefaultMode },
  explainDevice: { args: { mac: { ...MAC_ARG, required: true } }, call: explainDevice },
  explainDestination: {
    args: {
      mac: { ...MAC_ARG, required: true },
      dest: { type: 'string', maxLength: 253, required: true, sample: 'stream.example' },
      port: { type: 'string', maxLength: 16, sample: 'tcp:443' },
    },
    call: explainDestination,
  },
} satisfies MethodTable
