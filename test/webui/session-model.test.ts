import { describe, expect, it } from 'vitest'
import { NULL_SID, SessionExpiredError } from '../../webui/src/api/ubus'
import { createSession, LoggedOutError } from '../../webui/src/models/session'
import { createFakeRouter } from './fake-router'

/** A Storage in memory (jsdom's sessionStorage is shared across tests). */
function memoryStorage(): Storage {
  const map = new Map<string, string>()
  return {
    get length() {
      return map.size
    },
    clear: () => map.clear(),
    getItem: (k) => map.get(k) ?? null,
    key: (i) => [...map.keys()][i] ?? null,
    removeItem: (k) => void map.delete(k),
    setItem: (k, v) => void map.set(k, v),
  }
}

function setup() {
  const router = createFakeRouter()
  const storage = memoryStorage()
  const session = createSession({ fetch: router.fetch, storage })
  return { router, storage, session }
}

describe('session model', () => {
  it('starts logged out on the null session', () => {
    const { session } = setup()
    expect(session.loginState.value).toBe('loggedOut')
    expect(session.sid.value).toBe(NULL_SID)
  })

  it('goes loggingIn → loggedIn on a good password and keeps the session id in storage', async () => {
    const { session, storage } = setup()
    const pending = session.login('root', 'pw')
    expect(session.loginState.value).toBe('loggingIn')
    expect(session.isBusy.value).toBe(true)
    expect(await pending).toBe(true)
    expect(session.loginState.value).toBe('loggedIn')
    expect(session.isBusy.value).toBe(false)
    expect(session.username.value).toBe('root')
    expect(session.sid.value).toMatch(/^[0-9a-f]{32}$/)
    expect(JSON.parse(storage.getItem('lanvpn.session')!)).toEqual({
      sid: session.sid.value,
      username: 'root',
    })
  })

  it('keeps the login across a reload by restoring the stored session id', async () => {
    const { router, session, storage } = setup()
    await session.login('root', 'pw')
    const reloaded = createSession({ fetch: router.fetch, storage })
    expect(reloaded.loginState.value).toBe('loggedIn')
    expect(reloaded.sid.value).toBe(session.sid.value)
  })

  it('stays logged out with a UbusError 6 on a wrong password', async () => {
    const { session, storage } = setup()
    expect(await session.login('root', 'wrong')).toBe(false)
    expect(session.loginState.value).toBe('loggedOut')
    expect(session.loginError.value).toMatchObject({ name: 'UbusError', status: 6 })
    expect(storage.getItem('lanvpn.session')).toBeNull()
  })

  it('marks an expired session, parks the request, and retries it after the re-login', async () => {
    const { router, session } = setup()
    await session.login('root', 'pw')
    router.files.set('/f', 'data')
    router.expireAll()

    const pending = session.readFile('/f')
    await vi_waitFor(() => session.loginState.value === 'expired')
    expect(session.username.value).toBe('root')

    // A second request while expired waits too instead of hitting the router with a dead session.
    const second = session.readFile('/f')
    const readsBefore = router.callsOf('file', 'read').length

    expect(await session.login('root', 'wrong')).toBe(false)
    expect(session.loginState.value).toBe('expired')

    expect(await session.login('root', 'pw')).toBe(true)
    expect(session.loginState.value).toBe('loggedIn')
    expect(await pending).toBe('data')
    expect(await second).toBe('data')
    const retries = router.callsOf('file', 'read').slice(readsBefore)
    expect(retries.every((c) => c.sid === session.sid.value)).toBe(true)
  })

  it('rejects the parked requests with LoggedOutError when the user logs out instead', async () => {
    const { router, session, storage } = setup()
    await session.login('root', 'pw')
    router.expireAll()
    const pending = session.readFile('/f').catch((e) => e)
    await vi_waitFor(() => session.loginState.value === 'expired')
    await session.logout()
    expect(await pending).toBeInstanceOf(LoggedOutError)
    expect(session.loginState.value).toBe('loggedOut')
    expect(session.sid.value).toBe(NULL_SID)
    expect(storage.getItem('lanvpn.session')).toBeNull()
  })

  it('destroys the session on the router when logging out', async () => {
    const { router, session } = setup()
    await session.login('root', 'pw')
    const sid = session.sid.value
    await session.logout()
    expect(router.callsOf('session', 'destroy')).toEqual([
      { sid, object: 'session', method: 'destroy', args: {} },
    ])
    await expect(session.readFile('/f')).rejects.toBeInstanceOf(LoggedOutError)
  })

  it('does not loop when a fresh session is denied too: that is an ACL denial', async () => {
    const { router, session } = setup()
    await session.login('root', 'pw')
    router.fetch.mockImplementation(async (_url, init) => {
      const body = JSON.parse(String(init?.body))
      if (body.params[1] === 'session')
        return Response.json({ id: body.id, result: [0, { ubus_rpc_session: 'b'.repeat(32) }] })
      return Response.json({ id: body.id, error: { code: -32002, message: 'Access denied' } })
    })
    const pending = session.call('lanvpn', 'setConfig', {}).catch((e) => e)
    await vi_waitFor(() => session.loginState.value === 'expired')
    await session.login('root', 'pw')
    expect(await pending).toBeInstanceOf(SessionExpiredError)
  })

  it('answers a denied optional call with the error and stays logged in (an ACL, not an expiry)', async () => {
    const { router, session } = setup()
    await session.login('root', 'pw')
    router.fetch.mockImplementation(async (_url, init) => {
      const body = JSON.parse(String(init?.body))
      return Response.json({ id: body.id, error: { code: -32002, message: 'Access denied' } })
    })
    await expect(session.callOptional('file', 'list', { path: '/x' })).rejects.toBeInstanceOf(
      SessionExpiredError
    )
    expect(session.loginState.value).toBe('loggedIn')
  })
})

/** Lets the pending fetch promises settle until `condition` holds. */
async function vi_waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 50 && !condition(); i++) await new Promise((r) => setTimeout(r, 0))
  expect(condition()).toBe(true)
}
