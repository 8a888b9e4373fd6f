import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createLanvpnApi } from '../../webui/src/api/lanvpn'
import { createSession } from '../../webui/src/models/session'
import { createStatusModel, MIN_POLL_MS } from '../../webui/src/models/status'
import { createFakeRouter, fakeDocument, STATUS_PATH, statusText } from './fake-router'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

async function setup(options: { intervalMs?: number; isLoggedIn?: boolean } = {}) {
  const router = createFakeRouter()
  router.files.set(STATUS_PATH, statusText())
  const session = createSession({ fetch: router.fetch, storage: null })
  const doc = fakeDocument()
  const api = createLanvpnApi(session)
  const model = createStatusModel({
    read: api.readStatusFile,
    loginState: session.loginState,
    intervalMs: options.intervalMs,
    doc,
  })
  if (options.isLoggedIn !== false) await session.login('root', 'pw')
  await vi.advanceTimersByTimeAsync(0)
  const reads = () => router.callsOf('file', 'read').length
  return { router, session, doc, model, reads }
}

describe('status model', () => {
  it('does not poll while logged out', async () => {
    const { model, reads } = await setup({ isLoggedIn: false })
    await vi.advanceTimersByTimeAsync(10_000)
    expect(reads()).toBe(0)
    expect(model.status.value).toBeNull()
  })

  it('reads the status file at login and then every 2 s, spawning nothing (file.read only)', async () => {
    const { router, model, reads } = await setup()
    expect(reads()).toBe(1)
    expect(model.status.value?.generation).toBe(7)
    await vi.advanceTimersByTimeAsync(MIN_POLL_MS - 1)
    expect(reads()).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(reads()).toBe(2)
    await vi.advanceTimersByTimeAsync(MIN_POLL_MS * 5)
    expect(reads()).toBe(7)
    expect(router.calls.filter((c) => c.object === 'lanvpn')).toEqual([])
    expect(router.callsOf('file', 'read').every((c) => c.args.path === STATUS_PATH)).toBe(true)
  })

  it('never polls faster than every 2 s, whatever interval it is given', async () => {
    const { reads } = await setup({ intervalMs: 100 })
    await vi.advanceTimersByTimeAsync(10_000)
    expect(reads()).toBe(1 + 5)
  })

  it('shows a change of the file at the next poll', async () => {
    const { router, model } = await setup()
    const tunnel = { state: 'connected', profile: 'Oslo', since: 1 }
    router.files.set(STATUS_PATH, statusText({ generation: 8, tunnel }))
    await vi.advanceTimersByTimeAsync(MIN_POLL_MS)
    expect(model.status.value?.generation).toBe(8)
    expect(model.status.value?.tunnel?.state).toBe('connected')
  })

  it('makes no request while the page is hidden and reads at once when it is shown again', async () => {
    const { doc, reads } = await setup()
    doc.setVisible(false)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(reads()).toBe(1)
    doc.setVisible(true)
    await vi.advanceTimersByTimeAsync(0)
    expect(reads()).toBe(2)
    await vi.advanceTimersByTimeAsync(MIN_POLL_MS)
    expect(reads()).toBe(3)
  })

  it('keeps one poll loop however often visibility flips', async () => {
    const { doc, reads } = await setup()
    for (let i = 0; i < 5; i++) {
      doc.setVisible(false)
      doc.setVisible(true)
    }
    await vi.advanceTimersByTimeAsync(MIN_POLL_MS * 3)
    // One read at login, one after the flips (the others found a read in flight), then 3 polls.
    expect(reads()).toBeLessThanOrEqual(1 + 5 + 3)
    const before = reads()
    await vi.advanceTimersByTimeAsync(MIN_POLL_MS)
    expect(reads() - before).toBe(1)
  })

  it('keeps the last status through an expired session and resumes after the re-login', async () => {
    const { router, session, model, reads } = await setup()
    router.expireAll()
    router.files.set(STATUS_PATH, statusText({ generation: 9 }))
    await vi.advanceTimersByTimeAsync(MIN_POLL_MS)
    expect(session.loginState.value).toBe('expired')
    expect(model.status.value?.generation).toBe(7)
    expect(model.lastError.value).toBeNull()

    const parked = reads()
    await vi.advanceTimersByTimeAsync(MIN_POLL_MS * 10)
    expect(reads()).toBe(parked)

    await session.login('root', 'pw')
    await vi.advanceTimersByTimeAsync(0)
    expect(model.status.value?.generation).toBe(9)
    await vi.advanceTimersByTimeAsync(MIN_POLL_MS)
    expect(reads()).toBe(parked + 2)
  })

  it('stops polling and forgets the status on logout', async () => {
    const { session, model, reads } = await setup()
    await session.logout()
    const after = reads()
    await vi.advanceTimersByTimeAsync(MIN_POLL_MS * 5)
    expect(reads()).toBe(after)
    expect(model.status.value).toBeNull()
  })

  it('reports a missing status file as lastError (UbusError 4) and keeps polling', async () => {
    const { router, model, reads } = await setup()
    router.files.delete(STATUS_PATH)
    await vi.advanceTimersByTimeAsync(MIN_POLL_MS)
    expect(model.lastError.value).toMatchObject({ name: 'UbusError', status: 4 })
    expect(model.status.value?.generation).toBe(7)
    router.files.set(STATUS_PATH, statusText({ generation: 10 }))
    await vi.advanceTimersByTimeAsync(MIN_POLL_MS)
    expect(model.lastError.value).toBeNull()
    expect(model.status.value?.generation).toBe(10)
    expect(reads()).toBe(3)
  })
})
