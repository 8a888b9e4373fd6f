import { afterEach, describe, expect, it, vi } from 'vitest'
import { createLanvpnApi, LanvpnError, parseStatus } from '../../webui/src/api/lanvpn'
import {
  createUbusClient,
  JsonRpcError,
  NetworkError,
  NULL_SID,
  SessionExpiredError,
  UbusError,
} from '../../webui/src/api/ubus'
import { createFakeRouter, STATUS_PATH, statusText } from './fake-router'

const SID = 'a'.repeat(32)

function replying(body: unknown, init?: ResponseInit) {
  return vi.fn<typeof fetch>(async () => Response.json(body, init))
}

function sentBody(fetchMock: ReturnType<typeof vi.fn<typeof fetch>>, n = 0) {
  return JSON.parse(String(fetchMock.mock.calls[n][1]?.body))
}

afterEach(() => {
  vi.useRealTimers()
})

describe('ubus client', () => {
  it('posts the legacy JSON-RPC format to /ubus on the same origin, with {} as default args', async () => {
    const fetchMock = replying({ jsonrpc: '2.0', id: 1, result: [0, { a: 1 }] })
    const client = createUbusClient({ fetch: fetchMock, sid: () => SID })
    await client.call('system', 'board')
    await client.call('system', 'info')
    const [url, init] = fetchMock.mock.calls[0]
    expect(url).toBe('/ubus')
    expect(init?.method).toBe('POST')
    const body = sentBody(fetchMock)
    expect(body).toMatchObject({
      jsonrpc: '2.0',
      method: 'call',
      params: [SID, 'system', 'board', {}],
    })
    expect(sentBody(fetchMock, 1).id).toBeGreaterThan(body.id)
  })

  it('returns result[1] as the reply, and {} when the router left it out', async () => {
    const client = createUbusClient({
      fetch: replying({ jsonrpc: '2.0', id: 1, result: [0, { x: 'y' }] }),
    })
    expect(await client.call('o', 'm')).toEqual({ x: 'y' })
    const empty = createUbusClient({ fetch: replying({ jsonrpc: '2.0', id: 1, result: [0] }) })
    expect(await empty.call('o', 'm')).toEqual({})
  })

  it('turns a nonzero ubus status into a UbusError with the ubus_strerror text', async () => {
    const client = createUbusClient({ fetch: replying({ jsonrpc: '2.0', id: 1, result: [6] }) })
    const error = await client.call('o', 'm').catch((e) => e)
    expect(error).toBeInstanceOf(UbusError)
    expect(error.status).toBe(6)
    expect(error.message).toBe('Permission denied')
    const notFound = createUbusClient({ fetch: replying({ jsonrpc: '2.0', id: 1, result: [4] }) })
    await expect(notFound.call('o', 'm')).rejects.toMatchObject({ status: 4, message: 'Not found' })
  })

  it('turns JSON-RPC −32002 into SessionExpiredError and other errors into JsonRpcError', async () => {
    const expired = createUbusClient({
      fetch: replying({ jsonrpc: '2.0', id: 1, error: { code: -32002, message: 'Access denied' } }),
    })
    await expect(expired.call('o', 'm')).rejects.toBeInstanceOf(SessionExpiredError)
    const missing = createUbusClient({
      fetch: replying({ id: 1, error: { code: -32000, message: 'Object not found' } }),
    })
    const error = await missing.call('nope', 'm').catch((e) => e)
    expect(error).toBeInstanceOf(JsonRpcError)
    expect(error.code).toBe(-32000)
    expect(error.message).toContain('Object not found')
  })

  it('reports a failed fetch, an HTTP error and a non-JSON-RPC body as NetworkError', async () => {
    const down = createUbusClient({
      fetch: vi.fn<typeof fetch>(async () => {
        throw new TypeError('Failed to fetch')
      }),
    })
    const error = await down.call('o', 'm').catch((e) => e)
    expect(error).toBeInstanceOf(NetworkError)
    expect(error.message).toBe('calling o.m: Failed to fetch')
    expect(error.cause).toBeInstanceOf(TypeError)

    const noUbus = createUbusClient({
      fetch: vi.fn<typeof fetch>(async () => new Response('', { status: 404 })),
    })
    await expect(noUbus.call('o', 'm')).rejects.toMatchObject({
      name: 'NetworkError',
      httpStatus: 404,
    })

    const garbage = createUbusClient({ fetch: replying({ hello: 'world' }) })
    await expect(garbage.call('o', 'm')).rejects.toBeInstanceOf(NetworkError)
  })

  it('gives up after the timeout with a NetworkError that says so', async () => {
    vi.useFakeTimers()
    const hanging = vi.fn<typeof fetch>(
      (_url, init) =>
        new Promise((_resolve, reject) =>
          init?.signal?.addEventListener('abort', () =>
            reject(new DOMException('aborted', 'AbortError'))
          )
        )
    )
    const client = createUbusClient({ fetch: hanging, timeoutMs: 5000 })
    const pending = client.call('o', 'm').catch((e) => e)
    await vi.advanceTimersByTimeAsync(5000)
    const error = await pending
    expect(error).toBeInstanceOf(NetworkError)
    expect(error.isTimeout).toBe(true)
  })

  it('logs in on the null session with a 600 s timeout and returns the new session id', async () => {
    const router = createFakeRouter()
    const client = createUbusClient({ fetch: router.fetch })
    const result = await client.login('root', 'pw')
    expect(result.sid).toMatch(/^[0-9a-f]{32}$/)
    expect(result.username).toBe('root')
    expect(router.calls[0]).toEqual({
      sid: NULL_SID,
      object: 'session',
      method: 'login',
      args: { username: 'root', password: 'pw', timeout: 600 },
    })
  })

  it('rejects a wrong password with UbusError 6', async () => {
    const client = createUbusClient({ fetch: createFakeRouter().fetch })
    await expect(client.login('root', 'nope')).rejects.toMatchObject({
      name: 'UbusError',
      status: 6,
    })
  })

  it('logs out with session.destroy and reads files with file.read', async () => {
    const router = createFakeRouter()
    let sid = NULL_SID
    const client = createUbusClient({ fetch: router.fetch, sid: () => sid })
    sid = (await client.login('root', 'pw')).sid
    router.files.set('/tmp/x', 'hello')
    expect(await client.readFile('/tmp/x')).toBe('hello')
    expect(router.callsOf('file', 'read')[0]).toMatchObject({ sid, args: { path: '/tmp/x' } })
    await client.logout()
    expect(router.callsOf('session', 'destroy')).toHaveLength(1)
    expect(router.sessions.size).toBe(0)
  })
})

describe('lanvpn api', () => {
  async function loggedIn() {
    const router = createFakeRouter()
    let sid = NULL_SID
    const client = createUbusClient({ fetch: router.fetch, sid: () => sid })
    sid = (await client.login('root', 'pw')).sid
    return { router, api: createLanvpnApi(client) }
  }

  it('calls one lanvpn method per function and returns its reply', async () => {
    const { router, api } = await loggedIn()
    router.lanvpn.getConfig = () => ({ configHash: 'abc' })
    router.lanvpn.setConfig = () => ({ ok: true, configHash: 'def', daemonNotified: true })
    expect(await api.getConfig()).toEqual({ configHash: 'abc' })
    const result = await api.setConfig({ globals: { kill_switch: 'auto' } })
    expect(result).toMatchObject({ ok: true, configHash: 'def' })
    expect(router.callsOf('lanvpn', 'setConfig')[0].args).toEqual({
      globals: { kill_switch: 'auto' },
    })
  })

  it('throws an error the rpc face returned as data as LanvpnError', async () => {
    const { router, api } = await loggedIn()
    router.lanvpn.setConfig = () => ({
      error: {
        code: 'invalid_config',
        message: 'globals.kill_switch: must be one of always, auto',
        field: 'globals.kill_switch',
      },
    })
    const error = await api.setConfig({ globals: { kill_switch: 'x' } }).catch((e) => e)
    expect(error).toBeInstanceOf(LanvpnError)
    expect(error).toMatchObject({ code: 'invalid_config', field: 'globals.kill_switch' })
  })

  it('reads the status file through file.read, not through a lanvpn method', async () => {
    const { router, api } = await loggedIn()
    router.files.set(STATUS_PATH, statusText())
    const status = await api.readStatusFile()
    expect(status.generation).toBe(7)
    expect(status.tunnel?.state).toBe('disconnected')
    expect(router.callsOf('file', 'read')[0].args).toEqual({ path: STATUS_PATH })
    expect(router.calls.filter((c) => c.object === 'lanvpn')).toEqual([])
  })
})

describe('parseStatus', () => {
  it('keeps the fields it knows with the right types and drops the rest', () => {
    const status = parseStatus(
      JSON.stringify({
        generation: '7',
        updatedAt: 5,
        daemon: { state: 'running', pid: 'x' },
        tunnel: 'connected',
        problems: [{ section: 'globals', reason: 'bad' }, 'junk', { section: 'x' }],
        apply: {
          ok: false,
          errors: ['nft exited 1', 3, 'applying nft-apply: oops'],
          errorCodes: [null, null, { code: 'applyStep', args: { step: 'nft-apply' } }],
        },
        lan: {
          interfaces: [{ name: 'lan', device: 'br-lan', up: true, policy: 'managed' }, 'x'],
          problems: ['no device', 'lan_direct: x is not one'],
          problemCodes: ['junk', { code: 'notLanSide', args: 'junk' }],
        },
      })
    )
    expect(status).toEqual({
      updatedAt: 5,
      daemon: { state: 'running' },
      problems: [{ section: 'globals', reason: 'bad' }],
      // Each code stays beside its own sentence.
      apply: {
        ok: false,
        errors: ['nft exited 1', 'applying nft-apply: oops'],
        errorCodes: [null, { code: 'applyStep', args: { step: 'nft-apply' } }],
      },
      lan: {
        interfaces: [{ name: 'lan', device: 'br-lan', up: true, policy: 'managed' }],
        problems: ['no device', 'lan_direct: x is not one'],
        problemCodes: [null, null],
      },
    })
  })

  it('accepts an empty object and refuses text that is not a JSON object', () => {
    expect(parseStatus('{}')).toEqual({})
    expect(() => parseStatus('')).toThrow(SyntaxError)
    expect(() => parseStatus('[1]')).toThrow(/not a JSON object/)
  })
})
