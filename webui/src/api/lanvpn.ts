// One function per rpc method of the `lanvpn` ubus object, typed from the applet's API types. The
// `import type` keeps every byte of the applet out of the bundle.
import type {
  CheckProtectionResult,
  ConfigView,
  ExplainDeviceResult,
  ImportResult,
  InventoryDevice,
  LatencyRequestResult,
  ListDevicesResult,
  MediastreamerView,
  ProfileList,
  ProfileSummary,
  RegisterNowResult,
  RpcError,
  RpcErrorCode,
  SetConfigArgs,
  SetConfigResult,
} from '../../../applet/src/core/api/calls'
import {
  STATUS_FIELDS,
  type GroupStatus,
  type LatencyStatus,
  type MediastreamerStatus,
  type Said,
  type Status,
} from '../../../applet/src/core/api/status'
import type { DestExplanation } from '../../../applet/src/core/devices/explain-dest'
import type { Rule } from '../../../applet/src/core/config/rules'

export type {
  CheckProtectionResult,
  DestExplanation,
  Rule,
  ConfigView,
  ExplainDeviceResult,
  GroupStatus,
  ImportResult,
  InventoryDevice,
  LatencyStatus,
  ListDevicesResult,
  MediastreamerStatus,
  MediastreamerView,
  ProfileList,
  ProfileSummary,
  SetConfigArgs,
  SetConfigResult,
  Status,
}

// The device modes and kinds as the applet declares them (core/config/types.ts), in UI order.
export { DEVICE_KINDS, DEVICE_MODES } from '../../../applet/src/core/config/types'
import type { DeviceMode } from '../../../applet/src/core/config/types'
export type { DeviceMode }

/** Where the daemon writes its status (tmpfs). Read with rpcd's `file.read`: no process spawned. */
export const STATUS_FILE = '/var/run/lanvpn/status.json'

/** What the api layer needs from a client: an authenticated ubus call, file.read and `list`. */
export type Caller = {
  call<T>(object: string, method: string, args?: Record<string, unknown>): Promise<T>
  readFile(path: string): Promise<string>
  listMethods?(object: string): Promise<string[]>
}

/** An import note by line, as importProfile reports it. */
export type ImportNote = { line: number; level: string; message: string }

/** An error the lanvpn rpc face returned as data (`{ error: { code, message, field } }`). */
export class LanvpnError extends Error {
  override name = 'LanvpnError'
  /** Machine-readable code, e.g. `invalid_config`. */
  readonly code: RpcErrorCode
  /** The argument or config option at fault, when there is one. */
  readonly field?: string
  /** Import notes by line (`invalid_profile`), [] otherwise. */
  readonly notes: ImportNote[]
  constructor(error: RpcError['error']) {
    super(error.message)
    this.code = error.code
    this.field = error.field
    this.notes = Array.isArray(error.notes) ? error.notes : []
  }
}

/** A saved change: what every change method answers, the hash the "applying…" state waits for. */
export type Change = { configHash: string; daemonNotified: boolean }

/** One connection record (product.md Privacy rules: no IP address in it). Sample:
 * `{ "start": 1763800000000, "durationS": 3600, "location": "Amsterdam", "protocol": "wireguard",
 *    "version": "0.1.0", "result": "ok" }` */
export type HistoryRecord = {
  start: number
  durationS: number
  location: string
  protocol: string
  version: string
  result: string
}

/** A status as read from the file: every field may be missing or of the wrong type while the
 * daemon's format evolves, so the UI renders what is there. `tunnel.exitIp` and `wan.ip` are read
 * when the daemon writes them (RAM only, product.md Privacy rules). */
export type StatusSnapshot = {
  [K in Exclude<keyof Status, 'tunnel' | 'groups'>]?: Status[K] extends unknown[]
    ? Status[K]
    : Status[K] extends object | undefined
      ? Partial<NonNullable<Status[K]>>
      : Status[K]
} & {
  tunnel?: Partial<Status['tunnel']> & { exitIp?: string }
  wan?: { ip?: string }
  /** Each group's tunnel (issue 21); only entries with an id and a tunnel state are kept. */
  groups?: GroupStatus[]
}

/** The `lanvpn` object's methods plus the status file read. Every change method resolves with the
 * new config hash, or rejects with LanvpnError naming the field at fault. */
export type LanvpnApi = {
  /** `lanvpn.getConfig`: the validated config; secrets only as `{ set }`. */
  getConfig(): Promise<ConfigView>
  /** `lanvpn.setConfig`: saves a partial change or nothing. */
  setConfig(patch: SetConfigArgs): Promise<SetConfigResult>
  /** The status file through `file.read` (zero process spawns): what the UI polls. */
  readStatusFile(): Promise<StatusSnapshot>
  listProfiles(): Promise<ProfileList>
  /** Imports a WireGuard or OpenVPN file; errors carry `notes` by line. */
  importProfile(args: {
    name: string
    text: string
    type?: 'auto' | 'wireguard' | 'openvpn'
    username?: string
    password?: string
    /** Certificates an .ovpn names, by base name (the rest of its archive). */
    files?: Record<string, string>
  }): Promise<ImportResult>
  renameProfile(id: string, label: string): Promise<Change>
  deleteProfile(id: string): Promise<Change>
  setFallback(ids: string[]): Promise<Change>
  /** Connects to `id`, or to the chosen location when omitted. */
  connect(id?: string): Promise<Change>
  disconnect(): Promise<Change>
  /** Queues a latency test; results appear in status.latency. */
  testLatency(): Promise<LatencyRequestResult>
  checkExitIp(): Promise<LatencyRequestResult>
  listDevices(): Promise<ListDevicesResult>
  /** One device or many at once (all or nothing). */
  setDeviceMode(macs: string[], mode: DeviceMode): Promise<Change>
  /** Moves devices into a group ('' for the default group), all or nothing (issue 21). */
  setDeviceGroup(macs: string[], group: string): Promise<Change>
  renameDevice(mac: string, label: string): Promise<Change>
  setDeviceKind(mac: string, kind: string): Promise<Change>
  forgetDevice(mac: string): Promise<Change>
  setDefaultMode(mode: DeviceMode): Promise<Change>
  explainDevice(mac: string): Promise<ExplainDeviceResult>
  /** The router's own counters for one device; the first call starts the counting. */
  checkProtection(mac: string): Promise<CheckProtectionResult>
  getMediastreamer(): Promise<MediastreamerView>
  registerNow(): Promise<RegisterNowResult>
  /** The last ≤ 20 connection records (method `getHistory`, feature-detected). */
  getHistory(): Promise<HistoryRecord[]>
  /** Deletes every connection record (method `clearHistory`). */
  clearHistory(): Promise<void>
  /** The redacted diagnostics bundle as text to download (method `getDiagnostics`). */
  getDiagnostics(): Promise<string>
  /** The method names the router's `lanvpn` object offers now (ubus `list`); [] when unknown. */
  listMethods(): Promise<string[]>
  /** Creates a rule (no `id`) or changes the fields given of one (issue 22). */
  setRule(args: RuleArgs): Promise<Change>
  deleteRule(id: string): Promise<Change>
  /** Moves a rule to `position` (1-based). */
  moveRule(id: string, position: number): Promise<Change>
  /** Where `mac`'s traffic to `dest` (a domain or an address), and `port` ('tcp:443'), goes. */
  explainDestination(mac: string, dest: string, port?: string): Promise<DestExplanation>
}

/** setRule's arguments: ports as 'tcp:443', via vpn, direct, blocked, default or a group's id. */
export type RuleArgs = {
  id?: string
  label?: string
  enabled?: boolean
  domains?: string[]
  dests?: string[]
  ports?: string[]
  via?: string
  devices?: string[]
  groups?: string[]
}

/** Binds the methods to a caller (normally the session model, which handles expiry). */
export function createLanvpnApi(caller: Caller): LanvpnApi {
  async function invoke<T>(method: string, args: Record<string, unknown> = {}): Promise<T> {
    const reply = await caller.call<T | RpcError>('lanvpn', method, args)
    if (isRpcError(reply)) throw new LanvpnError(reply.error)
    return reply as T
  }
  // A change method answers a SetConfigResult, of which the UI needs the Change part.
  const change = invoke<Change>
  return {
    getConfig: () => invoke<ConfigView>('getConfig'),
    setConfig: (patch) => invoke<SetConfigResult>('setConfig', patch as Record<string, unknown>),
    readStatusFile: async () => parseStatus(await caller.readFile(STATUS_FILE)),
    listProfiles: () => invoke<ProfileList>('listProfiles'),
    importProfile: (args) => invoke<ImportResult>('importProfile', args),
    renameProfile: (id, label) => change('renameProfile', { id, label }),
    deleteProfile: (id) => change('deleteProfile', { id }),
    setFallback: (ids) => change('setFallback', { ids }),
    connect: (id) => change('connect', id ? { id } : {}),
    disconnect: () => change('disconnect'),
    testLatency: () => invoke<LatencyRequestResult>('testLatency'),
    checkExitIp: () => invoke<LatencyRequestResult>('checkExitIp'),
    listDevices: () => invoke<ListDevicesResult>('listDevices'),
    setDeviceMode: (macs, mode) =>
      change('setDeviceMode', macs.length === 1 ? { mac: macs[0], mode } : { macs, mode }),
    setDeviceGroup: (macs, group) =>
      change('setDeviceGroup', macs.length === 1 ? { mac: macs[0], group } : { macs, group }),
    renameDevice: (mac, label) => change('renameDevice', { mac, label }),
    setDeviceKind: (mac, kind) => change('setDeviceKind', { mac, kind }),
    forgetDevice: (mac) => change('forgetDevice', { mac }),
    setDefaultMode: (mode) => change('setDefaultMode', { mode }),
    explainDevice: (mac) => invoke<ExplainDeviceResult>('explainDevice', { mac }),
    checkProtection: (mac) => invoke<CheckProtectionResult>('checkProtection', { device: mac }),
    getMediastreamer: () => invoke<MediastreamerView>('getMediastreamer'),
    registerNow: () => invoke<RegisterNowResult>('registerNow'),
    getHistory: async () => parseHistory(await invoke<unknown>('getHistory')),
    clearHistory: async () => void (await invoke<unknown>('clearHistory')),
    getDiagnostics: async () => diagnosticsText(await invoke<unknown>('getDiagnostics')),
    listMethods: async () => (caller.listMethods ? caller.listMethods('lanvpn') : []),
    setRule: (args) => change('setRule', args),
    deleteRule: (id) => change('deleteRule', { id }),
    moveRule: (id, position) => change('moveRule', { id, position }),
    explainDestination: (mac, dest, port) =>
      invoke<DestExplanation>('explainDestination', port ? { mac, dest, port } : { mac, dest }),
  }
}

/** `getHistory`'s records (`{ records: [...] }` or a bare array), keeping only well-formed ones. */
export function parseHistory(reply: unknown): HistoryRecord[] {
  const list = Array.isArray(reply) ? reply : isObject(reply) ? reply.records : undefined
  if (!Array.isArray(list)) return []
  return list.filter(isObject).map((r) => ({
    // The API's name is startWallMs (0: the start could not be dated, the clock was not set yet).
    start: orElse(r.startWallMs, 0),
    durationS: orElse(r.durationS, 0),
    location: orElse(r.location, ''),
    protocol: orElse(r.protocol, ''),
    version: orElse(r.version, ''),
    result: orElse(r.result, ''),
  }))
}

/** v when it has the type of `fallback`, else fallback. */
function orElse<T>(v: unknown, fallback: T): T {
  return typeof v === typeof fallback ? (v as T) : fallback
}

/** The bundle's text: `{ text }` as it is, any other reply as indented JSON. */
function diagnosticsText(reply: unknown): string {
  if (isObject(reply) && typeof reply.text === 'string') return reply.text
  return JSON.stringify(reply, null, 2)
}

/** Parses the status file. Throws on text that is not a JSON object; keeps only fields of the
 * expected type so a half-known format never breaks rendering. */
export function parseStatus(text: string): StatusSnapshot {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    throw new SyntaxError('reading the status file: not JSON', { cause: e })
  }
  if (!isObject(raw)) throw new SyntaxError('reading the status file: not a JSON object')
  const out = typed(raw, TOP_FIELDS)
  for (const [key, shape] of Object.entries(STATUS_FIELDS)) {
    const part = raw[key]
    if (isObject(part)) out[key] = typed(part, shape)
  }
  if (isObject(raw.devices)) out.devices = raw.devices
  if (Array.isArray(raw.problems)) out.problems = raw.problems.filter(isProblem)
  if (isObject(raw.tunnel) && isSaid(raw.tunnel.reasonCode))
    (out.tunnel as Record<string, unknown>).reasonCode = raw.tunnel.reasonCode
  if (isObject(raw.apply) && Array.isArray(raw.apply.errors)) {
    const [errors, errorCodes] = sentences(raw.apply.errors, raw.apply.errorCodes)
    Object.assign(out.apply as object, { errors, errorCodes })
  }
  if (isObject(raw.mediastreamer) && typeof raw.mediastreamer.state === 'string')
    out.mediastreamer = raw.mediastreamer
  if (isObject(raw.latency) && Array.isArray(raw.latency.results)) out.latency = raw.latency
  if (Array.isArray(raw.groups)) out.groups = raw.groups.filter(isGroupStatus)
  if (isObject(raw.lan) && Array.isArray(raw.lan.problems)) {
    const [problems, problemCodes] = sentences(raw.lan.problems, raw.lan.problemCodes)
    const interfaces = (Array.isArray(raw.lan.interfaces) ? raw.lan.interfaces : []).filter(
      isLanSide
    )
    out.lan = { problems, problemCodes, interfaces }
  }
  return out as StatusSnapshot
}

/** The status's own scalar fields, by type (the parts' are STATUS_FIELDS). */
const TOP_FIELDS = {
  version: 'number',
  generation: 'number',
  updatedAt: 'number',
  configHash: 'string',
  rulesDns: 'string',
}

/** The fields of `from` that have the type `shape` names for them. */
function typed(from: Record<string, unknown>, shape: Record<string, string>) {
  const kept: Record<string, unknown> = {}
  for (const [field, type] of Object.entries(shape))
    if (typeof from[field] === type) kept[field] = from[field]
  return kept
}

/** The daemon's sentences of a list and their codes (core/messages.ts), kept in step: a code
 * only beside its own sentence, null where there is none. */
function sentences(list: unknown[], codes: unknown): [string[], Array<Said | null>] {
  const texts: string[] = []
  const kept: Array<Said | null> = []
  list.forEach((text, i) => {
    if (typeof text !== 'string') return
    texts.push(text)
    kept.push(Array.isArray(codes) && isSaid(codes[i]) ? codes[i] : null)
  })
  return [texts, kept]
}

function isSaid(v: unknown): v is Said {
  return isObject(v) && typeof v.code === 'string' && (v.args === undefined || isObject(v.args))
}

/** A group of status.groups with what the pages read: its id and its tunnel's state. */
function isGroupStatus(g: unknown): g is GroupStatus {
  return (
    isObject(g) &&
    typeof g.id === 'string' &&
    isObject(g.tunnel) &&
    typeof g.tunnel.state === 'string'
  )
}

function isLanSide(i: unknown): boolean {
  return isObject(i) && typeof i.name === 'string' && typeof i.policy === 'string'
}

function isProblem(p: unknown): boolean {
  return isObject(p) && typeof p.reason === 'string'
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

function isRpcError(v: unknown): v is RpcError {
  return isObject(v) && isObject(v.error) && typeof v.error.message === 'string'
}
