// The tunnel's health state machine (core/tunnel/health.ts) as a pure function: set-up failures
// move down the list and are retried after a pause that doubles per failed round, measured on the
// monotonic clock it is given; outages, failover and the WAN being down. (The driver's commands,
// the 15 s detection budget, failover to the next location and recovery at the first answer are
// in test/transitions/tunnel.test.ts.)
import { describe, expect, it } from 'vitest'
import {
  initialHealth,
  OFFLINE_REASON,
  setupRetryMs,
  stepHealth,
  tuning,
  type HealthAction,
  type HealthEvent,
  type HealthState,
} from '../../applet/src/core/tunnel/health'

const t = tuning(5)

/** A machine fed events one after another; `now` is the monotonic clock passed with each. */
function machine(candidates: string[]) {
  let state: HealthState = initialHealth(0)
  let actions: HealthAction[] = []
  const m = {
    get state() {
      return state
    },
    step(e: HealthEvent, now: number): HealthAction[] {
      ;({ state, actions } = stepHealth(state, e, now, t))
      return actions
    },
    /** The first time ≥ `from` at which a probe every second brings a failed set-up up again. */
    retriedAt(from: number): number {
      for (let now = from; now < from + 600_000; now += 1000)
        if (m.step({ kind: 'probe', ok: false, isDown: true }, now).length) return now
      throw new Error('never retried')
    },
  }
  m.step({ kind: 'want', candidates }, 0)
  return m
}

const fail = (reason = 'wg could not be started') =>
  ({ kind: 'up-result', ok: false, reason }) as const
const upOk = { kind: 'up-result', ok: true } as const
const probe = (ok: boolean, isOffline = false) => ({ kind: 'probe', ok, isOffline }) as const

describe('the set-up retry pause', () => {
  it('is 5 s after the first failed round, doubling each round up to 2 minutes', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(setupRetryMs)).toEqual([
      5_000, 10_000, 20_000, 40_000, 80_000, 120_000, 120_000, 120_000,
    ])
    expect(setupRetryMs(0)).toBe(5_000)
  })
})

describe('a tunnel that cannot be set up', () => {
  it('moves down the list, then waits once every location has failed', () => {
    const m = machine(['ams', 'fra', 'par'])
    expect(m.step(fail('the private key of this location is missing'), 100)).toEqual([
      { kind: 'bring-up', profile: 'fra' },
    ])
    expect(m.state).toMatchObject({
      phase: 'reconnecting',
      reason: 'the private key of this location is missing',
    })
    expect(m.step(fail(), 200)).toEqual([{ kind: 'bring-up', profile: 'par' }])
    expect(m.step(fail(), 300)).toEqual([])
    expect(m.state).toMatchObject({
      phase: 'failed',
      reason: 'wg could not be started',
      setupFailures: 3,
      setupRounds: 1,
    })
  })

  it('tries the list again, from the next location, only after the pause', () => {
    const m = machine(['ams', 'fra', 'par'])
    for (const now of [100, 200, 300]) m.step(fail(), now)
    for (let now = 1_300; now < 5_300; now += 1000)
      expect(m.step({ kind: 'probe', ok: false, isDown: true }, now)).toEqual([])
    expect(m.step({ kind: 'probe', ok: false, isDown: true }, 5_300)).toEqual([
      { kind: 'bring-up', profile: 'ams' },
    ])
  })

  it('doubles the pause with each failed round, up to 2 minutes', () => {
    const m = machine(['ams'])
    const pauses: number[] = []
    let now = 0
    for (let round = 0; round < 7; round++) {
      m.step(fail(), now)
      const retried = m.retriedAt(now)
      pauses.push(retried - now)
      now = retried
    }
    expect(pauses).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 120_000, 120_000])
    expect(m.state.phase).toBe('failed')
  })

  it('measures the pause on the monotonic clock it is given, not by the probes that came', () => {
    const m = machine(['ams'])
    m.step(fail(), 1_000_000)
    // Many probes, fast, all within the pause: no retry.
    for (let now = 1_000_000; now < 1_005_000; now += 10)
      expect(m.step({ kind: 'probe', ok: false, isDown: true }, now)).toEqual([])
    expect(m.step({ kind: 'probe', ok: false, isDown: true }, 1_005_000)).toHaveLength(1)
  })

  it('counts the pause from the failure, not from when the attempt began', () => {
    const m = machine(['ams'])
    m.step(fail(), 0)
    expect(m.retriedAt(0)).toBe(5_000)
    // This attempt takes 30 s to fail (a name lookup that gets no answer).
    m.step(fail("the VPN server's name could not be looked up: DNS is not answering"), 35_000)
    expect(m.retriedAt(35_000)).toBe(45_000)
  })

  it('starts again from 5 s once a set-up succeeds', () => {
    const m = machine(['ams'])
    let now = 0
    for (let round = 0; round < 4; round++) {
      m.step(fail(), now)
      now = m.retriedAt(now)
    }
    expect(m.state.setupRounds).toBe(4)
    m.step(upOk, now)
    expect(m.state).toMatchObject({ setupFailures: 0, setupRounds: 0 })
    m.step(probe(true), now + 100)
    expect(m.state.phase).toBe('connected')
    // Later the interface is lost and cannot be built again: the first pause is 5 s again.
    m.step({ kind: 'lost' }, now + 60_000)
    m.step(fail(), now + 60_000)
    expect(m.retriedAt(now + 60_000) - (now + 60_000)).toBe(5_000)
  })

  it('does not start a second set-up while one is still under way', () => {
    const m = machine(['ams'])
    // `connecting`: the bring-up is still pending (openvpn waiting for the server, say).
    expect(m.step({ kind: 'probe', ok: false, isDown: true }, 60_000)).toEqual([])
    expect(m.state.phase).toBe('connecting')
  })

  it('ignores set-up results that arrive after the tunnel was turned off', () => {
    const m = machine(['ams'])
    expect(m.step({ kind: 'want', candidates: [] }, 100)).toEqual([{ kind: 'tear-down' }])
    expect(m.step(fail(), 200)).toEqual([])
    expect(m.state).toMatchObject({ phase: 'disconnected', reason: '' })
  })
})

describe('outages', () => {
  /** A machine connected at time 0 to the first of `candidates`. */
  function connected(candidates: string[]) {
    const m = machine(candidates)
    m.step(upOk, 0)
    m.step(probe(true), 0)
    expect(m.state.phase).toBe('connected')
    return m
  }

  it('takes one lost probe for no outage', () => {
    const m = connected(['ams', 'fra'])
    expect(m.step(probe(false), 5_000)).toEqual([])
    expect(m.step(probe(true), 10_000)).toEqual([])
    expect(m.state).toMatchObject({ phase: 'connected', failures: 0 })
  })

  it('declares an outage only after two failed probes and 10 s of silence, and fails over at once', () => {
    const m = connected(['ams', 'fra'])
    for (const now of [2_000, 4_000, 6_000, 8_000]) {
      expect(m.step(probe(false), now)).toEqual([])
      expect(m.state.phase).toBe('connected')
    }
    expect(m.step(probe(false), 10_000)).toEqual([{ kind: 'bring-up', profile: 'fra' }])
    expect(m.state).toMatchObject({
      phase: 'reconnecting',
      index: 1,
      reason: 'the VPN server stopped answering',
    })
    // The backup's first answer: connected through it.
    m.step(upOk, 11_000)
    m.step(probe(true), 12_000)
    expect(m.state).toMatchObject({ phase: 'connected', index: 1 })
  })

  it('asks the name again when the only location stops answering', () => {
    const m = connected(['ams'])
    m.step(probe(false), 5_000)
    expect(m.step(probe(false), 10_000)).toEqual([{ kind: 'reresolve', profile: 'ams' }])
    expect(m.state).toMatchObject({ phase: 'reconnecting' })
  })

  it('moves on when the first connection gets no answer within 20 s', () => {
    const m = machine(['ams', 'fra'])
    m.step(upOk, 0)
    for (const now of [5_000, 10_000, 15_000]) expect(m.step(probe(false), now)).toEqual([])
    expect(m.step(probe(false), 20_000)).toEqual([{ kind: 'bring-up', profile: 'fra' }])
    expect(m.state).toMatchObject({
      phase: 'reconnecting',
      reason: 'the VPN server did not answer',
    })
  })

  it('keeps a single location when its server stays silent, asking its name again now and then', () => {
    const m = connected(['ams'])
    m.step(probe(false), 5_000)
    m.step(probe(false), 10_000)
    expect(m.state.phase).toBe('reconnecting')
    expect(m.step(probe(false), 35_000)).toEqual([])
    expect(m.step(probe(false), 40_000)).toEqual([{ kind: 'reresolve', profile: 'ams' }])
    expect(m.state).toMatchObject({
      phase: 'failed',
      reason: 'the VPN server has not answered for a while',
    })
    expect(m.step(probe(true), 45_000)).toEqual([])
    expect(m.state).toMatchObject({ phase: 'connected', reason: '' })
  })

  it('keeps a working tunnel when only the fallback list changes', () => {
    const m = connected(['ams', 'fra'])
    expect(m.step({ kind: 'want', candidates: ['ams', 'par', 'fra'] }, 1_000)).toEqual([])
    expect(m.state).toMatchObject({ phase: 'connected', index: 0 })
    // A new first choice is a new connection.
    expect(m.step({ kind: 'want', candidates: ['par', 'ams'] }, 2_000)).toEqual([
      { kind: 'bring-up', profile: 'par' },
    ])
    expect(m.state.phase).toBe('connecting')
  })

  it('says the WAN is down rather than blaming the server, and neither fails over nor asks names while offline', () => {
    const m = connected(['ams', 'fra'])
    m.step(probe(false, true), 5_000)
    expect(m.step(probe(false, true), 10_000)).toEqual([])
    expect(m.state).toMatchObject({ phase: 'reconnecting', reason: OFFLINE_REASON })
    // Five minutes offline: no other location is tried, no name is looked up.
    for (let now = 15_000; now <= 310_000; now += 5_000)
      expect(m.step(probe(false, true), now)).toEqual([])
    expect(m.state).toMatchObject({ phase: 'reconnecting', index: 0, reason: OFFLINE_REASON })
    // The WAN is back but the server is silent: the failover clock starts now, not at the outage.
    expect(m.step(probe(false), 315_000)).toEqual([])
    expect(m.state.reason).toBe('the VPN server is not answering')
    expect(m.step(probe(false), 335_000)).toEqual([])
    expect(m.step(probe(false), 340_000)).toEqual([{ kind: 'bring-up', profile: 'fra' }])
  })

  it('recovers at the first answer once the WAN is back', () => {
    const m = connected(['ams'])
    m.step(probe(false, true), 5_000)
    m.step(probe(false, true), 10_000)
    expect(m.state.reason).toBe(OFFLINE_REASON)
    expect(m.step(probe(true), 600_000)).toEqual([])
    expect(m.state).toMatchObject({ phase: 'connected', reason: '', index: 0 })
  })
})

describe('going back to the first location', () => {
  /** Connected to `fra` (the fallback) at 20 s, after `ams` went silent. */
  function onFallback() {
    const m = machine(['ams', 'fra'])
    m.step(upOk, 0)
    m.step(probe(true), 0)
    m.step(probe(false), 5_000)
    m.step(probe(false), 10_000)
    m.step(upOk, 11_000)
    m.step(probe(true), 12_000)
    expect(m.state).toMatchObject({ phase: 'connected', index: 1 })
    return m
  }
  const preferred = (ok: boolean) => ({ kind: 'preferred', ok }) as const

  it('asks now and then whether the first location answers again, and goes back after three answers in a row', () => {
    const m = onFallback()
    // Asked no sooner than 50 s (10 health intervals) after the failover, then as often.
    expect(m.step(probe(true), 40_000)).toEqual([])
    expect(m.step(probe(true), 60_000)).toEqual([{ kind: 'check-preferred', profile: 'ams' }])
    expect(m.step(preferred(true), 62_000)).toEqual([])
    expect(m.step(probe(true), 65_000)).toEqual([])
    expect(m.step(probe(true), 110_000)).toEqual([{ kind: 'check-preferred', profile: 'ams' }])
    expect(m.step(preferred(true), 112_000)).toEqual([])
    expect(m.step(probe(true), 160_000)).toEqual([{ kind: 'check-preferred', profile: 'ams' }])
    expect(m.step(preferred(true), 162_000)).toEqual([{ kind: 'bring-up', profile: 'ams' }])
    expect(m.state).toMatchObject({
      phase: 'reconnecting',
      index: 0,
      reason: 'the chosen location answers again: going back to it',
    })
    m.step(upOk, 163_000)
    m.step(probe(true), 164_000)
    expect(m.state).toMatchObject({ phase: 'connected', index: 0, reason: '' })
    // On the first location, nothing more is asked.
    expect(m.step(probe(true), 300_000)).toEqual([])
  })

  it('starts counting again after a check without an answer: no flapping on a server that comes and goes', () => {
    const m = onFallback()
    for (const [now, ok] of [
      [60_000, true],
      [110_000, true],
      [160_000, false],
      [210_000, true],
      [260_000, true],
    ] as const) {
      expect(m.step(probe(true), now)).toEqual([{ kind: 'check-preferred', profile: 'ams' }])
      expect(m.step(preferred(ok), now + 2_000)).toEqual([])
    }
    expect(m.state).toMatchObject({ phase: 'connected', index: 1, preferredAnswers: 2 })
  })
})
