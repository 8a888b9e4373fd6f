// The registration scheduler replayed against a simulated world with a controllable monotonic
// clock: every provider answer leads to the right next step, exactly one registration per real
// change, at most one IP echo per 10 minutes at steady state. The driver is then run on a
// FakeHost whose wall clock jumps from 1970, which must change nothing.
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../applet/src/core/config/validate'
import {
  CHECK_INTERVAL_MS,
  ECHO_MIN_GAP_MS,
  PROVIDER_WAIT_MS,
  initialState,
  step,
  viewOf,
  type MsAction,
  type MsEvent,
  type MsSchedulerState,
  type MsSettings,
} from '../../applet/src/core/mediastreamer/scheduler'
import type { RegisterOutcome } from '../../applet/src/core/mediastreamer/register'
import { mediastreamerMessage } from '../../applet/src/core/mediastreamer/wan-text'
import { resolvePaths } from '../../applet/src/core/paths'
import { CURL_STATUS_MARK } from '../../applet/src/core/render/curl'
import { createMediastreamer } from '../../applet/src/daemon/mediastreamer'
import { FakeHost } from '../../applet/src/host/fake'

const MIN = 60_000
const SETTINGS: MsSettings = {
  enabled: true,
  fingerprint: 'a',
  echoUrls: ['https://echo1.example/', 'https://echo2.example/'],
}

/** A world answering the scheduler's actions: the WAN address, what the echo sees, and a queue of
 * provider answers (default: ok). Records every request. */
class World {
  now = 1_000
  state: MsSchedulerState = initialState()
  wan: string | null = '81.2.69.160'
  seen = '81.2.69.160'
  answers: RegisterOutcome[] = []
  registers: Array<{ at: number; ip: string }> = []
  echoes: Array<{ at: number; url: string }> = []
  wanReads = 0
  timerAt: number | null = null

  send(event: MsEvent): void {
    const queue: MsEvent[] = [event]
    while (queue.length) {
      const { state, actions } = step(this.state, queue.shift()!, this.now)
      this.state = state
      for (const a of actions) {
        const reply = this.perform(a)
        if (reply) queue.push(reply)
      }
    }
  }

  perform(a: MsAction): MsEvent | null {
    switch (a.kind) {
      case 'timer':
        this.timerAt = a.atMs
        return null
      case 'cancelTimer':
        this.timerAt = null
        return null
      case 'readWan':
        this.wanReads++
        return { kind: 'wanChanged', address: this.wan }
      case 'echo':
        this.echoes.push({ at: this.now, url: a.url })
        return { kind: 'echoResult', seq: a.seq, address: this.seen, message: '' }
      case 'register': {
        this.registers.push({ at: this.now, ip: a.ip })
        const outcome = this.answers.shift() ?? { next: 'ok', message: 'registered' }
        return { kind: 'registerResult', seq: a.seq, outcome }
      }
    }
  }

  /** Moves the clock, firing the scheduler's timer whenever it is due. */
  advance(ms: number): void {
    const end = this.now + ms
    while (this.timerAt !== null && this.timerAt <= end) {
      this.now = Math.max(this.now, this.timerAt)
      this.timerAt = null
      this.send({ kind: 'timer' })
    }
    this.now = end
  }
}

const started = (setup: (w: World) => void = () => {}) => {
  const w = new World()
  setup(w)
  w.send({ kind: 'start', settings: SETTINGS })
  return w
}

describe('the registration scheduler', () => {
  it('registers a public WAN address once at start, without asking an echo', () => {
    const w = started()
    expect(w.registers.map((r) => r.ip)).toEqual(['81.2.69.160'])
    expect(w.echoes).toEqual([])
    expect(viewOf(w.state)).toMatchObject({ state: 'registered', wanKind: 'public' })
    w.advance(6 * 60 * MIN)
    expect(w.registers).toHaveLength(1)
    expect(w.echoes).toEqual([])
  })

  it('sends exactly one registration per real change, however many events repeat it', () => {
    const w = started()
    for (let i = 0; i < 5; i++) w.send({ kind: 'wanEvent' })
    w.send({ kind: 'settingsChanged', settings: { ...SETTINGS } })
    expect(w.registers).toHaveLength(1)
    w.wan = '81.2.69.161'
    w.send({ kind: 'wanEvent' })
    w.send({ kind: 'wanEvent' })
    w.advance(30 * MIN)
    expect(w.registers.map((r) => r.ip)).toEqual(['81.2.69.160', '81.2.69.161'])
    // Back to the first address: that is a real change too.
    w.wan = '81.2.69.160'
    w.send({ kind: 'wanEvent' })
    expect(w.registers.map((r) => r.ip)).toEqual(['81.2.69.160', '81.2.69.161', '81.2.69.160'])
  })

  it('notices a change without hotplug at the next periodic check', () => {
    const w = started()
    w.wan = '81.2.69.170'
    w.advance(CHECK_INTERVAL_MS - 1)
    expect(w.registers).toHaveLength(1)
    w.advance(1)
    expect(w.registers.map((r) => r.ip)).toEqual(['81.2.69.160', '81.2.69.170'])
  })

  it('asks the echo behind a private WAN, at most once per 10 minutes at steady state', () => {
    const w = started((x) => {
      x.wan = '192.168.1.2'
      x.seen = '81.2.69.160'
    })
    expect(w.echoes).toHaveLength(1)
    expect(w.registers.map((r) => r.ip)).toEqual(['81.2.69.160'])
    expect(viewOf(w.state)).toMatchObject({ state: 'registered', wanKind: 'double-nat' })
    w.advance(60 * MIN)
    expect(w.echoes.length).toBeLessThanOrEqual(7)
    for (let i = 1; i < w.echoes.length; i++)
      expect(w.echoes[i].at - w.echoes[i - 1].at).toBeGreaterThanOrEqual(CHECK_INTERVAL_MS)
    expect(w.registers).toHaveLength(1)
    // The public address changes behind the other box: the next echo finds it, one registration.
    w.seen = '81.2.69.200'
    w.advance(CHECK_INTERVAL_MS)
    expect(w.registers.map((r) => r.ip)).toEqual(['81.2.69.160', '81.2.69.200'])
  })

  it('keeps a minute between echoes however many hotplug events come', () => {
    const w = started((x) => (x.wan = '192.168.1.2'))
    for (let i = 0; i < 20; i++) {
      w.advance(1_000)
      w.send({ kind: 'wanEvent' })
    }
    for (let i = 1; i < w.echoes.length; i++)
      expect(w.echoes[i].at - w.echoes[i - 1].at).toBeGreaterThanOrEqual(ECHO_MIN_GAP_MS)
    expect(w.echoes.length).toBe(1)
    w.advance(ECHO_MIN_GAP_MS)
    expect(w.echoes.length).toBe(2)
  })

  it('detects CGNAT, asks the echo and does not register', () => {
    const w = started((x) => {
      x.wan = '100.64.0.2'
      x.seen = '198.51.100.77'
    })
    expect(w.echoes).toHaveLength(1)
    expect(w.registers).toEqual([])
    const view = viewOf(w.state)
    expect(view).toMatchObject({ state: 'cgnat', wanKind: 'cgnat', explainsWan: true })
    // lanvpn mediastreamer's words; the web UI says the same by ms.wan.cgnat.
    expect(mediastreamerMessage(view)).toMatch(/ask your ISP/i)
    w.send({ kind: 'registerNow' })
    expect(w.registers).toEqual([])
  })

  it('stops after badauth, abuse, nohost and the like until the settings change', () => {
    for (const code of ['badauth', 'abuse', 'nohost', 'notfqdn', 'badagent', '!donator']) {
      const w = started((x) => x.answers.push({ next: 'stop', message: code }))
      expect(viewOf(w.state).state).toBe('stopped')
      w.wan = '81.2.69.199'
      w.send({ kind: 'wanEvent' })
      w.advance(24 * 60 * MIN)
      expect(w.registers, code).toHaveLength(1)
      expect(w.timerAt).toBe(null)
      w.send({ kind: 'settingsChanged', settings: { ...SETTINGS, fingerprint: 'b' } })
      expect(w.registers.map((r) => r.ip)).toEqual(['81.2.69.160', '81.2.69.199'])
    }
  })

  it('waits at least 30 minutes after 911, dnserr or a 5xx, even when asked to register now', () => {
    const w = started((x) => x.answers.push({ next: 'wait', message: '911' }))
    expect(viewOf(w.state).state).toBe('backoff')
    w.send({ kind: 'registerNow' })
    w.send({ kind: 'wanEvent' })
    w.advance(PROVIDER_WAIT_MS - 1)
    expect(w.registers).toHaveLength(1)
    w.advance(1)
    expect(w.registers).toHaveLength(2)
    expect(w.registers[1].at - w.registers[0].at).toBeGreaterThanOrEqual(PROVIDER_WAIT_MS)
    expect(viewOf(w.state).state).toBe('registered')
  })

  it('retries timeouts and garbage after growing pauses', () => {
    const w = started((x) =>
      x.answers.push(
        ...Array(5).fill({ next: 'retry', message: 'the server did not answer in time' })
      )
    )
    w.advance(4 * 60 * MIN)
    const gaps = w.registers.slice(1).map((r, i) => r.at - w.registers[i].at)
    expect(gaps).toEqual([1, 5, 15, 30, 30].map((m) => m * MIN))
    expect(viewOf(w.state).state).toBe('registered')
  })

  it('registers again on register now, and ignores answers to requests of older settings', () => {
    const w = started()
    w.send({ kind: 'registerNow' })
    expect(w.registers).toHaveLength(2)
    const stale: MsEvent = {
      kind: 'registerResult',
      seq: 1,
      outcome: { next: 'stop', message: 'badauth' },
    }
    w.send(stale)
    expect(viewOf(w.state).state).toBe('registered')
  })

  it('does nothing at all while off, and forgets everything when switched off', () => {
    const w = new World()
    w.send({ kind: 'start', settings: { ...SETTINGS, enabled: false } })
    w.send({ kind: 'wanEvent' })
    w.send({ kind: 'registerNow' })
    w.advance(60 * MIN)
    expect(w.wanReads + w.echoes.length + w.registers.length).toBe(0)
    expect(viewOf(w.state).state).toBe('off')
  })
})

/** Lets every queued exec answer and promise continuation run. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0))
}

describe('the MediaStreamer driver', () => {
  const paths = resolvePaths('')
  const CONFIG = `
config globals 'globals'
\toption wan_interface 'wan'

config mediastreamer 'mediastreamer'
\toption enabled '1'
\toption method 'http'
\toption url 'https://provider.example/activate?ip={ip}&token={token}'
\tlist dns_server '192.0.2.54'
`

  function setup() {
    const host = new FakeHost()
    host.strictExec = true
    host.files.set(`${paths.secretsDir}/ms_token`, { content: 's3cret&', mode: 0o600, mtimeMs: 0 })
    host.onExec(['ubus'], { code: 127 })
    host.onExec(['ip', '-j', '-4', 'addr'], {
      stdout: JSON.stringify([
        {
          ifname: 'wan',
          flags: ['UP'],
          addr_info: [{ family: 'inet', local: '198.51.100.2', scope: 'global' }],
        },
      ]),
    })
    host.onExec(['curl'], { stdout: `OK${CURL_STATUS_MARK}200` })
    const driver = createMediastreamer(host, paths)
    return { host, driver, config: parseConfig(CONFIG).config }
  }

  it('registers through curl with nothing secret in argv, bound to the WAN device', async () => {
    const { host, driver, config } = setup()
    driver.onConfig(config)
    await settle()
    const curl = host.transcript.filter((c) => c.argv[0] === 'curl')
    expect(curl).toHaveLength(1)
    expect(curl[0].argv).toEqual(['curl', '-q', '--config', '-'])
    expect(curl[0].stdin).toContain(
      'url = "https://provider.example/activate?ip=198.51.100.2&token=s3cret%26"'
    )
    expect(curl[0].stdin).toContain('interface = "wan"')
    expect(driver.status()).toMatchObject({ enabled: true, state: 'registered', wanKind: 'public' })
    const everything = JSON.stringify([driver.status(), host.logs])
    expect(everything).not.toContain('198.51.100.2')
    expect(everything).not.toContain('s3cret')
  })

  it('schedules on the monotonic clock: a wall clock jumping from 1970 changes nothing', async () => {
    const { host, driver, config } = setup()
    host.setWallMs(0) // 1970, before NTP
    driver.onConfig(config)
    await settle()
    const before = host.transcript.length
    host.setWallMs(1_763_800_000_000) // NTP syncs: +55 years
    host.advance(CHECK_INTERVAL_MS - 1000)
    await settle()
    expect(host.transcript.length).toBe(before)
    const s = driver.status()
    // Times are shown on the corrected wall clock, with the same distance from now.
    const now = host.wallMs()
    expect(now).toBe(1_763_800_000_000 + CHECK_INTERVAL_MS - 1000)
    expect(s.lastAttempt!.atWallMs).toBe(now - (CHECK_INTERVAL_MS - 1000))
    expect(s.nextCheckWallMs).toBe(now + 1000)
    host.advance(1000)
    await settle()
    // The periodic check reads the WAN (one ubus try, one ip) and sends nothing: same address.
    expect(host.transcript.slice(before).map((c) => c.argv[0])).toEqual(['ubus', 'ip'])
  })

  it('stops on stop(): no timer left, later answers ignored', async () => {
    const { host, driver, config } = setup()
    driver.onConfig(config)
    await settle()
    driver.stop()
    expect(host.pendingTimers()).toBe(0)
    driver.onWanEvent()
    await settle()
    expect(host.transcript.filter((c) => c.argv[0] === 'curl')).toHaveLength(1)
  })
})
