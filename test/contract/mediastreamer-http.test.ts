// HTTPS through curl with secrets kept out of argv: the argv of every curl run is exactly
// `curl -q --config -` (the token, password and body go on stdin), checked on a FakeHost
// transcript and on real curl runs against the provider fixture on 127.0.0.1 with a lab CA.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultConfig } from '../../applet/src/core/config/defaults'
import type { Mediastreamer } from '../../applet/src/core/config/types'
import { buildRegistration, judgeRegistration } from '../../applet/src/core/mediastreamer/register'
import type { HttpRequest } from '../../applet/src/core/render/curl'
import { FakeHost } from '../../applet/src/host/fake'
import type { ExecOptions, Host } from '../../applet/src/host/host'
import { createNodeHost } from '../../applet/src/host/node'
import { httpRequest } from '../../applet/src/system/http'

const TOKEN = 'tok-&=%-s3cret'
const PASSWORD = 'pw:"s3cret"'
const FIXTURE = new URL('../../scripts/lab/provider-fixture.mjs', import.meta.url).pathname

const ms = (over: Partial<Mediastreamer>): Mediastreamer => ({
  ...defaultConfig().mediastreamer,
  enabled: true,
  ...over,
})

/** A host that records the argv and stdin of every exec, passing it on to `inner`. */
function recording(inner: Host): { host: Host; calls: Array<{ argv: string[]; stdin: string }> } {
  const calls: Array<{ argv: string[]; stdin: string }> = []
  const host = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'exec')
        return (argv: string[], opts?: ExecOptions) => {
          calls.push({ argv: argv.slice(), stdin: opts?.stdin ?? '' })
          return target.exec(argv, opts)
        }
      const v = Reflect.get(target, prop, target) as unknown
      return typeof v === 'function' ? v.bind(target) : v
    },
  })
  return { host, calls }
}

describe('curl requests keep secrets out of argv', () => {
  it('passes URL, token, basic auth and body only on stdin (FakeHost transcript)', async () => {
    const host = new FakeHost()
    host.onExec(['curl'], { stdout: 'good\n@@lanvpn-http-status@@200' })
    const dyn = ms({
      method: 'dyndns2',
      server: 'dyn.example.net',
      hostname: 'tv.example.net',
      username: 'u',
    })
    const post = ms({
      url: 'https://p.example/a?ip={ip}&t={token}',
      httpMethod: 'POST',
      body: 't={token}',
    })
    for (const m of [dyn, post]) {
      const req = buildRegistration(m, { token: TOKEN, password: PASSWORD }, '198.51.100.2', 'wan')
      await httpRequest(host, req)
    }
    expect(host.transcript).toHaveLength(2)
    for (const call of host.transcript) {
      expect(call.argv).toEqual(['curl', '-q', '--config', '-'])
      expect(call.env).toBeUndefined()
    }
    expect(host.transcript[0].stdin).toContain('pw:\\"s3cret\\"')
    expect(host.transcript[1].stdin).toContain(encodeURIComponent(TOKEN))
    expect(JSON.stringify(host.logs)).not.toContain('s3cret')
  })
})

describe('curl against a local HTTPS provider', () => {
  let dir: string
  let fixture: ChildProcess
  let base: string
  const savedCa = process.env.CURL_CA_BUNDLE

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lanvpn-ms-http-'))
    fixture = spawn(process.execPath, [FIXTURE, '--dir', dir, '--ready', `${dir}/ready`], {
      stdio: 'ignore',
    })
    for (let i = 0; i < 300 && !existsSync(`${dir}/ready`); i++)
      await new Promise((r) => setTimeout(r, 50))
    if (!existsSync(`${dir}/ready`)) throw new Error('provider fixture did not start')
    base = `https://127.0.0.1:${readFileSync(`${dir}/port`, 'utf8')}`
    process.env.CURL_CA_BUNDLE = `${dir}/ca.pem` // inherited by curl through the Host
  })

  afterAll(async () => {
    if (savedCa === undefined) delete process.env.CURL_CA_BUNDLE
    else process.env.CURL_CA_BUNDLE = savedCa
    if (fixture && fixture.exitCode === null) {
      const gone = new Promise((r) => fixture.once('exit', r))
      fixture.kill('SIGTERM')
      await gone
    }
    rmSync(dir, { recursive: true, force: true })
  })

  const requests = () =>
    readFileSync(`${dir}/requests.jsonl`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>)

  it('registers by dyndns2 with basic auth, bound to a device, argv free of secrets', async () => {
    const { host, calls } = recording(createNodeHost())
    writeFileSync(`${dir}/answers.json`, JSON.stringify(['nochg 198.51.100.2', 'badauth']))
    const m = ms({
      method: 'dyndns2',
      server: base.slice(8),
      hostname: 'tv.lab.test',
      username: 'lab',
    })
    const outcomes = []
    for (let i = 0; i < 2; i++) {
      const req = buildRegistration(m, { token: '', password: PASSWORD }, '198.51.100.2', 'lo')
      outcomes.push(judgeRegistration(m, await httpRequest(host, req)))
    }
    expect(outcomes.map((o) => o.next)).toEqual(['ok', 'stop'])
    const seen = requests().filter((r) => r.path === '/nic/update')
    expect(seen.map((r) => [r.auth, r.ip, r.hostname])).toEqual([
      [`lab:${PASSWORD}`, '198.51.100.2', 'tv.lab.test'],
      [`lab:${PASSWORD}`, '198.51.100.2', 'tv.lab.test'],
    ])
    for (const c of calls) expect(c.argv).toEqual(['curl', '-q', '--config', '-'])
  })

  it('activates by URL with an encoded token and POSTs a form body', async () => {
    const { host, calls } = recording(createNodeHost())
    const get = ms({ url: `${base}/activate?ip={ip}&token={token}`, successMatch: 'OK' })
    const post = ms({ url: `${base}/activate`, httpMethod: 'POST', body: 'ip={ip}&token={token}' })
    for (const m of [get, post]) {
      const req = buildRegistration(m, { token: TOKEN, password: '' }, '198.51.100.2', '')
      expect(judgeRegistration(m, await httpRequest(host, req))).toEqual({
        next: 'ok',
        message: 'registered',
      })
    }
    const seen = requests().filter((r) => r.path === '/activate')
    expect(seen.map((r) => [r.method, r.token, r.ip])).toEqual([
      ['GET', TOKEN, '198.51.100.2'],
      ['POST', TOKEN, '198.51.100.2'],
    ])
    for (const c of calls) {
      expect(c.argv.join(' ')).not.toContain('s3cret')
      expect(c.argv).toEqual(['curl', '-q', '--config', '-'])
    }
  })

  it('posts a body that starts with @ as written, never the file it names', async () => {
    const host = createNodeHost()
    const secret = join(dir, 'secret.txt')
    writeFileSync(secret, 'root:$6$not-for-the-provider')
    const m = ms({ url: `${base}/activate`, httpMethod: 'POST', body: `@${secret}` })
    const req = buildRegistration(m, { token: TOKEN, password: '' }, '198.51.100.2', '')
    await httpRequest(host, req)
    const seen = requests().filter((r) => r.path === '/activate')
    expect(seen.at(-1)?.body).toBe(`@${secret}`)
    expect(JSON.stringify(requests())).not.toContain('not-for-the-provider')
  })

  it('refuses a server whose certificate is not trusted, and plain http', async () => {
    const host = createNodeHost()
    process.env.CURL_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'
    const req: HttpRequest = { url: `${base}/ip`, method: 'GET', maxTimeS: 5, maxBytes: 100 }
    try {
      expect(await httpRequest(host, req)).toMatchObject({ ok: false, reason: 'tls' })
    } finally {
      process.env.CURL_CA_BUNDLE = `${dir}/ca.pem`
    }
    const plain = await httpRequest(host, { ...req, url: base.replace('https', 'http') + '/ip' })
    expect(plain).toMatchObject({ ok: false, reason: 'setup' })
    expect(await httpRequest(host, req)).toEqual({ ok: true, status: 200, body: '127.0.0.1' })
  })
})
