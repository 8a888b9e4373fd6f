// MediaStreamer's pure parts: WAN classification, template encoding, dyndns2 answers, the verdict
// on a registration, the curl config and its output, the WAN observations.
import { describe, expect, it } from 'vitest'
import { defaultConfig } from '../../applet/src/core/config/defaults'
import type { Mediastreamer } from '../../applet/src/core/config/types'
import { classifyWan, ipv4Scope, publicAddress } from '../../applet/src/core/mediastreamer/classify'
import { parseDyndns2 } from '../../applet/src/core/mediastreamer/dyndns2'
import { buildRegistration, judgeRegistration } from '../../applet/src/core/mediastreamer/register'
import { expandBody, expandUrl } from '../../applet/src/core/mediastreamer/templates'
import { parseCurlOutput } from '../../applet/src/core/observe/curl'
import { parseInterfaceStatus, parseIpAddrJson } from '../../applet/src/core/observe/wan'
import { CURL_STATUS_MARK, renderCurlConfig } from '../../applet/src/core/render/curl'

const ms = (over: Partial<Mediastreamer>): Mediastreamer => ({
  ...defaultConfig().mediastreamer,
  enabled: true,
  dnsServers: ['192.0.2.54'],
  ...over,
})
const ok = (body: string, status = 200) => ({ ok: true as const, status, body })

describe('WAN classification', () => {
  it('tells public, private, CGNAT and invalid addresses apart', () => {
    expect(ipv4Scope('81.2.69.160')).toBe('public')
    expect(ipv4Scope('198.51.100.2')).toBe('public') // the lab's internet
    for (const a of ['10.1.2.3', '172.16.0.1', '172.31.255.1', '192.168.1.2', '169.254.1.1'])
      expect(ipv4Scope(a)).toBe('private')
    expect(ipv4Scope('172.32.0.1')).toBe('public')
    expect(ipv4Scope('100.64.0.2')).toBe('cgnat')
    expect(ipv4Scope('100.127.255.254')).toBe('cgnat')
    expect(ipv4Scope('100.128.0.1')).toBe('public')
    for (const a of ['1.2.3', '256.1.1.1', '01.2.3.4', ' 1.2.3.4', '1.2.3.4/24', '::1', ''])
      expect(ipv4Scope(a)).toBe('invalid')
  })

  it('classifies the WAN from its address and the echo answer', () => {
    expect(classifyWan('81.2.69.160', null)).toBe('public')
    expect(classifyWan('81.2.69.160', '81.2.69.160')).toBe('public')
    expect(classifyWan('81.2.69.160', '81.2.69.161')).toBe('double-nat')
    expect(classifyWan('192.168.1.2', null)).toBe('private')
    expect(classifyWan('192.168.1.2', '81.2.69.160')).toBe('double-nat')
    expect(classifyWan('192.168.1.2', '10.0.0.1')).toBe('private') // not an internet answer
    expect(classifyWan('100.64.0.2', '198.51.100.77')).toBe('cgnat')
    expect(classifyWan(null, null)).toBe('unknown')
  })

  it('registers the WAN address when public, the echo answer behind a NAT, nothing behind CGNAT', () => {
    expect(publicAddress('81.2.69.160', null)).toBe('81.2.69.160')
    expect(publicAddress('192.168.1.2', '81.2.69.160')).toBe('81.2.69.160')
    expect(publicAddress('192.168.1.2', null)).toBe(null)
    expect(publicAddress('100.64.0.2', '198.51.100.77')).toBe(null)
  })
})

describe('templates', () => {
  it('percent-encodes the ip and token in the URL so they cannot add parameters', () => {
    const url = expandUrl('https://p.example/a?ip={ip}&t={token}', {
      ip: '1.2.3.4',
      token: 'a&b=c %#/',
    })
    expect(url).toBe('https://p.example/a?ip=1.2.3.4&t=a%26b%3Dc%20%25%23%2F')
  })

  it('escapes values as JSON inside a JSON body and as a form otherwise', () => {
    const v = { ip: '1.2.3.4', token: 'x"y\\z&' }
    expect(JSON.parse(expandBody('{"ip":"{ip}","token":"{token}"}', v))).toEqual({
      ip: '1.2.3.4',
      token: 'x"y\\z&',
    })
    expect(expandBody('ip={ip}&token={token}', v)).toBe('ip=1.2.3.4&token=x%22y%5Cz%26')
  })
})

describe('dyndns2 answers', () => {
  const cases: Array<[string, string, string]> = [
    ['good 1.2.3.4', 'good', 'ok'],
    ['nochg 1.2.3.4\n', 'nochg', 'ok'],
    ['\r\ngood', 'good', 'ok'],
    ['badauth', 'badauth', 'stop'],
    ['!donator', '!donator', 'stop'],
    ['abuse', 'abuse', 'stop'],
    ['nohost', 'nohost', 'stop'],
    ['notfqdn', 'notfqdn', 'stop'],
    ['badagent', 'badagent', 'stop'],
    ['numhost', 'numhost', 'stop'],
    ['911', '911', 'wait'],
    ['dnserr', 'dnserr', 'wait'],
    ['<html>oops</html>', 'unknown', 'retry'],
    ['', 'unknown', 'retry'],
    ['goodbye', 'unknown', 'retry'],
  ]
  for (const [body, code, next] of cases) {
    it(`reads ${JSON.stringify(body)} as ${code} (${next})`, () => {
      expect(parseDyndns2(body)).toMatchObject({ code, next })
    })
  }
})

describe('the verdict on a registration', () => {
  const dyn = ms({
    method: 'dyndns2',
    server: 'dyn.example.net',
    hostname: 'tv.example.net',
    username: 'u',
  })
  const http = ms({ url: 'https://p.example/a?ip={ip}', successMatch: 'OK' })

  it('follows the dyndns2 answer, and waits 30 minutes on 5xx or a garbage 200', () => {
    expect(judgeRegistration(dyn, ok('good 1.2.3.4')).next).toBe('ok')
    expect(judgeRegistration(dyn, ok('badauth', 401)).next).toBe('stop')
    expect(judgeRegistration(dyn, ok('Bad gateway', 502)).next).toBe('wait')
    expect(judgeRegistration(dyn, ok('<html>', 200)).next).toBe('wait')
  })

  it('needs a 2xx and the success text for the http method', () => {
    expect(judgeRegistration(http, ok('status: OK')).next).toBe('ok')
    expect(judgeRegistration(http, ok('status: pending')).next).toBe('wait')
    expect(judgeRegistration(http, ok('', 403)).next).toBe('stop')
    expect(judgeRegistration(http, ok('', 503)).next).toBe('wait')
    expect(judgeRegistration(http, ok('', 429)).next).toBe('wait')
  })

  it('retries after timeouts and network errors, waits after certificate errors', () => {
    const fail = (reason: 'timeout' | 'network' | 'tls') =>
      judgeRegistration(http, { ok: false, reason, message: 'x' }).next
    expect(fail('timeout')).toBe('retry')
    expect(fail('network')).toBe('retry')
    expect(fail('tls')).toBe('wait')
  })

  it('builds a dyndns2 request with basic auth and the http request with the token in the URL', () => {
    const d = buildRegistration(dyn, { token: '', password: 'pw' }, '1.2.3.4', 'eth1')
    expect(d.url).toBe('https://dyn.example.net/nic/update?hostname=tv.example.net&myip=1.2.3.4')
    expect(d.basicAuth).toEqual({ user: 'u', password: 'pw' })
    const post = ms({
      url: 'https://p.example/a?ip={ip}',
      httpMethod: 'POST',
      body: '{"t":"{token}"}',
    })
    const p = buildRegistration(post, { token: 'tk', password: '' }, '1.2.3.4', 'eth1')
    expect(p).toMatchObject({
      method: 'POST',
      body: '{"t":"tk"}',
      contentType: 'application/json',
      device: 'eth1',
    })
  })
})

describe('curl config and output', () => {
  it('puts the URL, auth and body in the config, quoted so no value can start a new line', () => {
    const cfg = renderCurlConfig({
      url: 'https://p.example/?t="x"\\y',
      method: 'POST',
      body: 'a\nb',
      basicAuth: { user: 'u', password: 'p"w' },
      device: 'wan',
      maxTimeS: 20,
      maxBytes: 1000,
    })
    expect(cfg).toContain('url = "https://p.example/?t=\\"x\\"\\\\y"\n')
    expect(cfg).toContain('user = "u:p\\"w"\n')
    expect(cfg).toContain('data-raw = "a\\nb"\n')
    expect(cfg).not.toContain('data-binary')
    expect(cfg).toContain('interface = "wan"\n')
    expect(cfg).toContain('proto = "=https"\n')
    expect(cfg).not.toMatch(/insecure|^k$/m)
  })

  it('splits the body from the status code and names curl failures in plain words', () => {
    expect(parseCurlOutput(0, `good 1.2.3.4${CURL_STATUS_MARK}200`, false, 100)).toEqual(
      ok('good 1.2.3.4')
    )
    expect(parseCurlOutput(0, `x${CURL_STATUS_MARK}503`, false, 100)).toEqual(ok('x', 503))
    expect(parseCurlOutput(28, '', false, 100)).toMatchObject({ ok: false, reason: 'timeout' })
    expect(parseCurlOutput(60, '', false, 100)).toMatchObject({ ok: false, reason: 'tls' })
    expect(parseCurlOutput(127, '', false, 100)).toMatchObject({ ok: false, reason: 'setup' })
    expect(parseCurlOutput(0, 'no mark', false, 100)).toMatchObject({
      ok: false,
      reason: 'garbled',
    })
    expect(
      parseCurlOutput(0, `${'x'.repeat(101)}${CURL_STATUS_MARK}200`, false, 100)
    ).toMatchObject({
      ok: false,
      reason: 'too-large',
    })
  })
})

describe('WAN observations', () => {
  it('reads l3_device and the first IPv4 address from netifd status', () => {
    const status = JSON.stringify({
      up: true,
      device: 'eth1',
      l3_device: 'pppoe-wan',
      'ipv4-address': [{ address: '81.2.69.160', mask: 32 }],
    })
    expect(parseInterfaceStatus(status)).toEqual({
      device: 'pppoe-wan',
      address: '81.2.69.160',
      up: true,
    })
    expect(parseInterfaceStatus('{"up":false,"l3_device":"eth1"}')).toEqual({
      device: 'eth1',
      address: null,
      up: false,
    })
    expect(parseInterfaceStatus('not json')).toBe(null)
  })

  it('reads the first global IPv4 address from ip -j addr', () => {
    const json = JSON.stringify([
      {
        ifname: 'wan',
        flags: ['BROADCAST', 'UP'],
        addr_info: [{ family: 'inet', local: '198.51.100.2', scope: 'global' }],
      },
    ])
    expect(parseIpAddrJson(json)).toEqual({ device: 'wan', address: '198.51.100.2', up: true })
    expect(parseIpAddrJson('[]')).toBe(null)
  })
})
