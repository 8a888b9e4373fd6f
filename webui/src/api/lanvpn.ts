// One function per rpc method of the `lanvpn` ubus object, typed from the applet's API types. The
// `import type` keeps every byte of the applet out of the bundle.
import type {
  ConfigView,
  RpcError,
  RpcErrorCode,
  SetConfigArgs,
  SetConfigResult,
  Status,
} from '../../../applet/src/rpc/types'

export type { ConfigView, SetConfigArgs, SetConfigResult, Status }

/** Where the daemon writes its status (tmpfs). Read with rpcd's `file.read`: no process spawned. */
export const STATUS_FILE = '/var/run/lanvpn/status.json'

/** What the api layer needs from a client: an authenticated ubus call and file.read. */
export type Caller = {
  call<T>(object: string, method: string, args?: Record<string, unknown>): Promise<T>
  readFile(path: string): Promise<string>
}

/** An error the lanvpn rpc face returned as data (`{ error: { code, message, field } }`). */
export class LanvpnError extends Error {
  override name = 'LanvpnError'
  /** Machine-readable code, e.g. `invalid_config`. */
  readonly code: RpcErrorCode
  /** The argument or config option at fault, when there is one. */
  readonly field?: string
  constructor(error: RpcError['error']) {
    super(error.message)
    this.code = error.code
    this.field = error.field
  }
}

/** A status as read from the file: every field may be missing or of the wrong type while the
 * daemon's format evolves, so the UI renders what is there. */
export type StatusSnapshot = {
  [K in keyof Status]?: Status[K] extends unknown[]
    ? Status[K]
    : Status[K] extends object
      ? Partial<Status[K]>
      : Status[K]
}

/** The `lanvpn` object's methods plus the status file read. */
export type LanvpnApi = {
  /** `lanvpn.status`: the status through the exec plugin (spawns the runtime; do not poll). */
  status(): Promise<Status>
  /** `lanvpn.getConfig`: the validated config; secrets only as `{ set }`. */
  getConfig(): Promise<ConfigView>
  /** `lanvpn.setConfig`: saves a partial change or nothing; rejects with LanvpnError. */
  setConfig(patch: SetConfigArgs): Promise<SetConfigResult>
  /** The status file through `file.read` (zero process spawns): what the UI polls. */
  readStatusFile(): Promise<StatusSnapshot>
}

/** Binds the methods to a caller (normally the session model, which handles expiry). */
export function createLanvpnApi(caller: Caller): LanvpnApi {
  async function invoke<T>(method: string, args: Record<string, unknown> = {}): Promise<T> {
    const reply = await caller.call<T | RpcError>('lanvpn', method, args)
    if (isRpcError(reply)) throw new LanvpnError(reply.error)
    return reply as T
  }
  return {
    status: () => invoke<Status>('status'),
    getConfig: () => invoke<ConfigView>('getConfig'),
    setConfig: (patch) => invoke<SetConfigResult>('setConfig', patch as Record<string, unknown>),
    readStatusFile: async () => parseStatus(await caller.readFile(STATUS_FILE)),
  }
}

/** The expected type of each field of the status file's sub-objects. */
const SHAPES: Record<'daemon' | 'tunnel' | 'apply', Record<string, string>> = {
  daemon: { state: 'string', pid: 'number', startedAt: 'number', runtime: 'string' },
  tunnel: { state: 'string', profile: 'string', since: 'number', reason: 'string' },
  apply: { ok: 'boolean' },
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
  const out: Record<string, unknown> = {}
  for (const key of ['version', 'generation', 'updatedAt'] as const)
    if (typeof raw[key] === 'number') out[key] = raw[key]
  if (typeof raw.configHash === 'string') out.configHash = raw.configHash
  for (const [key, shape] of Object.entries(SHAPES)) {
    const part = raw[key]
    if (!isObject(part)) continue
    const kept: Record<string, unknown> = {}
    for (const [field, type] of Object.entries(shape))
      if (typeof part[field] === type) kept[field] = part[field]
    out[key] = kept
  }
  if (isObject(raw.devices)) out.devices = raw.devices
  if (Array.isArray(raw.problems)) out.problems = raw.problems.filter(isProblem)
  if (isObject(raw.apply) && Array.isArray(raw.apply.errors))
    (out.apply as Record<string, unknown>).errors = raw.apply.errors.filter(
      (e): e is string => typeof e === 'string'
    )
  return out as StatusSnapshot
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
