// A fake uhttpd /ubus for the web UI tests: answers legacy JSON-RPC bodies exactly as
// openwrt-contracts §3.1 describes (status in result[0], −32002 for an unknown session), keeps the
// files `file.read` serves and `file.list` lists, and records every call so tests can assert what
// the page asked for.
import { vi } from 'vitest'

/** One recorded ubus call. */
export type RecordedCall = {
  sid: string
  object: string
  method: string
  args: Record<string, any>
}

/** The fake's state and controls. */
export type FakeRouter = {
  fetch: ReturnType<typeof vi.fn<typeof fetch>>
  calls: RecordedCall[]
  /** Files by path, for file.read; file.list lists the directories they make up. */
  files: Map<string, string>
  sessions: Set<string>
  /** Replies for `lanvpn.<method>`; a returned object is the ubus reply. */
  lanvpn: Record<string, (args: Record<string, any>) => object>
  /** Drops every session, as rpcd does after the timeout. */
  expireAll(): void
  /** Calls of one object.method. */
  callsOf(object: string, method: string): RecordedCall[]
}

/** The status file's path on the router (what the UI asks file.read for). */
export const STATUS_PATH = '/var/run/lanvpn/status.json'
const NULL_SID = '00000000000000000000000000000000'

/** A status file as the daemon writes it. */
export function statusText(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: 1,
    generation: 7,
    updatedAt: 1763800000000,
    daemon: { state: 'running', pid: 123, startedAt: 1763790000000, runtime: 'node' },
    configHash: '9f1c2e3a',
    tunnel: { state: 'disconnected', profile: '', since: 0 },
    problems: [
      {
        section: 'globals',
        option: 'health_interval',
        reason: 'must be a whole number from 2 to 60',
      },
    ],
    ...overrides,
  })
}

/** Creates the fake with one login, root / pw. */
export function createFakeRouter(password = 'pw'): FakeRouter {
  const calls: RecordedCall[] = []
  const files = new Map<string, string>()
  const sessions = new Set<string>()
  let nextSid = 1
  const router: FakeRouter = {
    fetch: vi.fn<typeof fetch>(),
    calls,
    files,
    sessions,
    lanvpn: {},
    expireAll: () => sessions.clear(),
    callsOf: (object, method) => calls.filter((c) => c.object === object && c.method === method),
  }

  function answer(id: number, sid: string, object: string, method: string, args: any): object {
    const ok = (reply?: object) => ({ jsonrpc: '2.0', id, result: reply ? [0, reply] : [0] })
    const status = (code: number) => ({ jsonrpc: '2.0', id, result: [code] })
    if (object === 'session' && method === 'login') {
      if (args.username !== 'root' || args.password !== password) return status(6)
      const newSid = String(nextSid++).padStart(32, 'a')
      sessions.add(newSid)
      return ok({
        ubus_rpc_session: newSid,
        timeout: args.timeout,
        expires: args.timeout,
        data: { username: 'root' },
      })
    }
    if (sid === NULL_SID || !sessions.has(sid))
      return { jsonrpc: '2.0', id, error: { code: -32002, message: 'Access denied' } }
    if (object === 'session' && method === 'destroy') {
      sessions.delete(sid)
      return ok()
    }
    if (object === 'file' && method === 'read') {
      const text = files.get(args.path)
      return text === undefined ? status(4) : ok({ data: text })
    }
    if (object === 'file' && method === 'list') {
      // rpcd's reply: one entry per name in the directory; a missing directory is status 4.
      const names = new Map<string, string>()
      for (const path of files.keys()) {
        if (!path.startsWith(`${args.path}/`)) continue
        const [name, ...rest] = path.slice(args.path.length + 1).split('/')
        names.set(name, rest.length ? 'directory' : 'file')
      }
      if (!names.size) return status(4)
      return ok({ entries: [...names].map(([name, type]) => ({ name, type })) })
    }
    if (object === 'lanvpn' && router.lanvpn[method]) return ok(router.lanvpn[method](args))
    return { jsonrpc: '2.0', id, error: { code: -32000, message: 'Object not found' } }
  }

  router.fetch.mockImplementation(async (url, init) => {
    if (url !== '/ubus' || init?.method !== 'POST')
      return new Response('not found', { status: 404 })
    const body = JSON.parse(String(init.body))
    if (body.method === 'list') {
      // uhttpd's `list`: no session, no ACL; `{ object: { method: {} } }` for what exists.
      const methods = Object.fromEntries(Object.keys(router.lanvpn).map((m) => [m, {}]))
      const found = body.params.includes('lanvpn') ? { lanvpn: methods } : {}
      return Response.json({ jsonrpc: '2.0', id: body.id, result: found })
    }
    const [sid, object, method, args] = body.params
    calls.push({ sid, object, method, args })
    return Response.json(answer(body.id, sid, object, method, args))
  })
  return router
}

/** A document stand-in whose visibility a test can flip (jsdom's is read-only). */
export function fakeDocument(): Document & { setVisible(isVisible: boolean): void } {
  const doc = new EventTarget() as EventTarget & {
    visibilityState: string
    setVisible(v: boolean): void
  }
  doc.visibilityState = 'visible'
  doc.setVisible = (isVisible) => {
    doc.visibilityState = isVisible ? 'visible' : 'hidden'
    doc.dispatchEvent(new Event('visibilitychange'))
  }
  return doc as unknown as Document & { setVisible(isVisible: boolean): void }
}
