// A typed client for uhttpd's legacy ubus JSON-RPC endpoint (openwrt-contracts §3.1), unwrapping
// replies the way LuCI's rpc.js does (§9): result[0] is the ubus status, result[1] the reply.

/** The null session: all it may do is `session.login` and `session.access`. */
export const NULL_SID = '00000000000000000000000000000000'

/** Seconds of inactivity before rpcd drops our session. Renewal is sliding, so a polling page
 * keeps it alive; an idle tab expires after 10 minutes and gets the password prompt. */
export const SESSION_TIMEOUT_S = 600

/** `ubus_strerror` texts, indexed by ubus status (libubus.c). */
const UBUS_STATUS_TEXT = [
  'Success',
  'Invalid command',
  'Invalid argument',
  'Method not found',
  'Not found',
  'No response',
  'Permission denied',
  'Request timed out',
  'Operation not supported',
  'Unknown error',
  'Connection failed',
  'Out of memory',
  'Parsing message data failed',
  'System error',
]

/** ubus status codes the UI reacts to. */
export const UBUS_STATUS = {
  NOT_FOUND: 4,
  PERMISSION_DENIED: 6,
  TIMEOUT: 7,
} as const

/** JSON-RPC code uhttpd uses for an ACL denial and for an unknown or expired session alike. */
export const JSONRPC_ACCESS_DENIED = -32002

/** A nonzero ubus status in `result[0]`, e.g. 6 for a wrong password or 4 for a missing file. */
export class UbusError extends Error {
  override name = 'UbusError'
  /** The ubus status code (1–13). */
  readonly status: number
  constructor(status: number, message = UBUS_STATUS_TEXT[status] ?? `ubus status ${status}`) {
    super(message)
    this.status = status
  }
}

/** The session is unknown or expired (JSON-RPC −32002): the user has to log in again. */
export class SessionExpiredError extends Error {
  override name = 'SessionExpiredError'
}

/** Any other JSON-RPC level error (`error: { code, message }`), e.g. −32000 Object not found. */
export class JsonRpcError extends Error {
  override name = 'JsonRpcError'
  /** The JSON-RPC error code (negative). */
  readonly code: number
  constructor(code: number, message: string) {
    super(message)
    this.code = code
  }
}

/** The router could not be reached, answered with a non-200 HTTP status, timed out, or sent
 * something that is not a JSON-RPC reply. `httpStatus` is set when there was an HTTP answer. */
export class NetworkError extends Error {
  override name = 'NetworkError'
  /** HTTP status of a non-200 answer; undefined when there was no answer at all. */
  readonly httpStatus?: number
  /** The call was aborted after `timeoutMs` without an answer. */
  readonly isTimeout: boolean
  constructor(
    message: string,
    options?: { cause?: unknown; httpStatus?: number; isTimeout?: boolean }
  ) {
    super(message, { cause: options?.cause })
    this.httpStatus = options?.httpStatus
    this.isTimeout = options?.isTimeout ?? false
  }
}

/** What `session.login` hands back. */
export type LoginResult = { sid: string; username: string }

/** A JSON-RPC client bound to one session; the session id is read on every call. */
export interface UbusClient {
  /** Calls `object.method(args)` with the current session; resolves with the reply (`{}` when
   * the reply is empty) or rejects with UbusError, SessionExpiredError, JsonRpcError or
   * NetworkError. */
  call<T = Record<string, unknown>>(
    object: string,
    method: string,
    args?: Record<string, unknown>
  ): Promise<T>
  /** Logs in on the null session. A wrong password rejects with UbusError(6). */
  login(username: string, password: string): Promise<LoginResult>
  /** Destroys the current session. Safe to call when it has already expired. */
  logout(): Promise<void>
  /** `file.read {path}`: the file's text. A missing file rejects with UbusError(4). */
  readFile(path: string): Promise<string>
  /** JSON-RPC `list` of one object: its method names (no ACL check, no session needed; §3.1).
   * An object that is not registered gives []. */
  listMethods(object: string): Promise<string[]>
}

/** How to reach `/ubus`. Everything is optional; tests pass `fetch`. */
export type UbusClientOptions = {
  /** The session id to send; read on each call so a re-login takes effect at once. */
  sid?: () => string
  /** Relative to the origin, as uhttpd serves the UI and /ubus from the same host. */
  endpoint?: string
  fetch?: typeof fetch
  /** Abort a call after this many ms (uhttpd's own limit is 60 s). */
  timeoutMs?: number
}

type JsonRpcReply = {
  jsonrpc?: string
  id?: number
  result?: unknown
  error?: { code?: unknown; message?: unknown }
}

let nextId = 1

/** Creates a client. Stateless apart from the request id; the session lives with the caller. */
export function createUbusClient(options: UbusClientOptions = {}): UbusClient {
  const endpoint = options.endpoint ?? '/ubus'
  const timeoutMs = options.timeoutMs ?? 30_000
  const getSid = options.sid ?? (() => NULL_SID)

  async function rpc(sid: string, object: string, method: string, args: object): Promise<unknown> {
    const reply = await post(`${object}.${method}`, 'call', [sid, object, method, args])
    return unwrap(reply, `${object}.${method}`)
  }

  async function post(
    what: string,
    method: 'call' | 'list',
    params: unknown[]
  ): Promise<JsonRpcReply> {
    const id = nextId++
    const body = JSON.stringify({ jsonrpc: '2.0', id, method, params })
    const doFetch = options.fetch ?? globalThis.fetch
    const abort = new AbortController()
    const timer = setTimeout(() => abort.abort(), timeoutMs)
    let reply: JsonRpcReply
    try {
      const res = await doFetch(endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
        signal: abort.signal,
        credentials: 'same-origin',
        cache: 'no-store',
      })
      if (!res.ok)
        throw new NetworkError(`calling ${what}: HTTP ${res.status}`, {
          httpStatus: res.status,
        })
      reply = (await res.json()) as JsonRpcReply
    } catch (e) {
      if (e instanceof NetworkError) throw e
      const isTimeout = abort.signal.aborted
      const why = isTimeout ? `no answer within ${timeoutMs / 1000} s` : asError(e).message
      throw new NetworkError(`calling ${what}: ${why}`, { cause: e, isTimeout })
    } finally {
      clearTimeout(timer)
    }
    return reply
  }

  return {
    call<T>(object: string, method: string, args: Record<string, unknown> = {}) {
      return rpc(getSid(), object, method, args) as Promise<T>
    },
    async login(username, password) {
      const reply = (await rpc(NULL_SID, 'session', 'login', {
        username,
        password,
        timeout: SESSION_TIMEOUT_S,
      })) as { ubus_rpc_session?: unknown; data?: { username?: unknown } }
      const sid = reply.ubus_rpc_session
      if (typeof sid !== 'string' || !/^[0-9a-f]{32}$/.test(sid))
        throw new NetworkError('logging in: the router sent no session id')
      return {
        sid,
        username: typeof reply.data?.username === 'string' ? reply.data.username : username,
      }
    },
    async logout() {
      await rpc(getSid(), 'session', 'destroy', {})
    },
    async readFile(path) {
      const reply = (await rpc(getSid(), 'file', 'read', { path })) as { data?: unknown }
      if (typeof reply.data !== 'string') throw new UbusError(5, `reading ${path}: no data`)
      return reply.data
    },
    async listMethods(object) {
      // `list` answers `result: { <object>: { <method>: { <arg>: <type> } } }`, not [status, reply].
      const reply = await post(`list ${object}`, 'list', [object])
      if (reply === null || typeof reply !== 'object' || reply.error)
        unwrap(reply, `list ${object}`)
      const result = reply.result as Record<string, unknown> | undefined
      const methods = result && typeof result === 'object' ? result[object] : undefined
      return methods && typeof methods === 'object' ? Object.keys(methods) : []
    },
  }
}

/** Turns a JSON-RPC reply into the ubus reply object, or throws the matching typed error. */
function unwrap(reply: JsonRpcReply, what: string): Record<string, unknown> {
  if (reply === null || typeof reply !== 'object')
    throw new NetworkError(`calling ${what}: not a JSON-RPC reply`)
  if (reply.error) {
    const code = typeof reply.error.code === 'number' ? reply.error.code : 0
    const message = typeof reply.error.message === 'string' ? reply.error.message : 'error'
    if (code === JSONRPC_ACCESS_DENIED) throw new SessionExpiredError(message)
    throw new JsonRpcError(code, `calling ${what}: ${message}`)
  }
  const result = reply.result
  if (!Array.isArray(result) || typeof result[0] !== 'number')
    throw new NetworkError(`calling ${what}: not a JSON-RPC reply`)
  if (result[0] !== 0) throw new UbusError(result[0])
  const data = result[1]
  return data !== null && typeof data === 'object' ? (data as Record<string, unknown>) : {}
}

/** What a rejection carries, as an Error: `e` itself, or one whose message is String(e). */
export function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e))
}
