// One registration request, built from the settings, and the verdict on its answer.
import type { Mediastreamer } from '../config/types'
import type { HttpOutcome } from '../observe/curl'
import type { HttpRequest } from '../render/curl'
import { dyndns2Url, parseDyndns2 } from './dyndns2'
import { bodyContentType, expandBody, expandUrl } from './templates'

/** Seconds a registration or echo request may take in all. */
export const REQUEST_MAX_TIME_S = 20
/** Largest answer read: providers answer with a word or a small page. */
export const REQUEST_MAX_BYTES = 65_536

/** The secrets a registration may need (from the root-only files; '' when not set). */
export type MsSecrets = { token: string; password: string }

/** What the scheduler does after a registration: `ok`; `stop` until the settings change (the
 * provider refused us: retrying would be abuse); `wait` at least 30 minutes (provider trouble);
 * `retry` after a growing pause (our network, a timeout, a garbled answer). `message` is plain
 * words without address, host name or token. */
export type RegisterOutcome = { next: 'ok' | 'stop' | 'wait' | 'retry'; message: string }

/** The request that registers `ip`, bound to the WAN device. */
export function buildRegistration(
  ms: Mediastreamer,
  secrets: MsSecrets,
  ip: string,
  device: string
): HttpRequest {
  const common = { device, maxTimeS: REQUEST_MAX_TIME_S, maxBytes: REQUEST_MAX_BYTES }
  if (ms.method === 'dyndns2') {
    return {
      ...common,
      url: dyndns2Url(ms.server, ms.hostname, ip),
      method: 'GET',
      basicAuth: { user: ms.username, password: secrets.password || secrets.token },
    }
  }
  const values = { ip, token: secrets.token }
  const req: HttpRequest = { ...common, url: expandUrl(ms.url, values), method: ms.httpMethod }
  if (ms.httpMethod === 'POST') {
    req.body = expandBody(ms.body, values)
    if (ms.body) req.contentType = bodyContentType(ms.body)
  }
  return req
}

/** An outcome: what to do next, and why in plain words. */
const said = (next: RegisterOutcome['next'], message: string): RegisterOutcome => ({
  next,
  message,
})

/** An HTTP status in plain words for the kinds of failure that matter. */
function statusOutcome(status: number): RegisterOutcome | null {
  if (status >= 500) return said('wait', `the provider's server failed (HTTP ${status})`)
  if (status === 429) return said('wait', 'the provider asked to slow down (HTTP 429)')
  if (status === 401 || status === 403)
    return said('stop', `the provider refused the token or login (HTTP ${status})`)
  if (status === 404)
    return said('stop', 'the provider does not know this address (HTTP 404): check the URL')
  if (status === 408) return said('retry', 'the provider timed out (HTTP 408)')
  if (status >= 400) return said('stop', `the provider refused the request (HTTP ${status})`)
  if (status >= 300) return said('retry', `unexpected redirect (HTTP ${status})`)
  return null
}

/** The verdict on a registration's answer, obeying the provider's rules (product.md). */
export function judgeRegistration(ms: Mediastreamer, outcome: HttpOutcome): RegisterOutcome {
  if (!outcome.ok) {
    // A certificate that does not verify will not fix itself by retrying often.
    const next = outcome.reason === 'tls' || outcome.reason === 'setup' ? 'wait' : 'retry'
    return said(next, outcome.message)
  }
  const byStatus = statusOutcome(outcome.status)
  if (ms.method === 'dyndns2') {
    // dyndns2 servers answer 200 with the code in the body; some put badauth behind a 401.
    const answer = parseDyndns2(outcome.body)
    if (answer.code !== 'unknown') return said(answer.next, answer.message)
    if (byStatus) return byStatus
    return said('wait', answer.message)
  }
  if (byStatus) return byStatus
  if (ms.successMatch && !outcome.body.includes(ms.successMatch)) {
    return said('wait', 'the provider answered without the expected success text')
  }
  return said('ok', 'registered')
}
