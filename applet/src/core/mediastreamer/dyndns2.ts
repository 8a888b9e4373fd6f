// The dyndns2 protocol (the "DynDNS Remote Access API" most dynamic-DNS and smart-DNS providers
// speak): GET https://<server>/nic/update?hostname=…&myip=… with HTTP basic auth; the answer's
// first word says what happened and what the client may do next.

/** The return codes of the dyndns2 spec, plus `unknown` for anything else (garbage, an HTML error
 * page, an empty body). */
export type Dyndns2Code =
  | 'good'
  | 'nochg'
  | 'badauth'
  | '!donator'
  | 'notfqdn'
  | 'nohost'
  | 'numhost'
  | 'abuse'
  | 'badagent'
  | 'dnserr'
  | '911'
  | 'unknown'

/** What the client does after an answer: `ok` registered; `stop` until the user changes the
 * settings (retrying would be abuse); `wait` at least 30 minutes (server trouble); `retry` later
 * (the answer made no sense). */
export type Dyndns2Next = 'ok' | 'stop' | 'wait' | 'retry'

/** Each code: what to do next, and its plain words. */
const ANSWERS: Record<Dyndns2Code, [Dyndns2Next, string]> = {
  good: ['ok', 'registered'],
  nochg: ['ok', 'registered (the address was already set)'],
  badauth: ['stop', 'the provider refused the user name or password'],
  '!donator': ['stop', 'the provider says this account cannot use that feature'],
  notfqdn: ['stop', 'the provider says the host name is not a full domain name'],
  nohost: ['stop', 'the provider does not know this host name for this account'],
  numhost: ['stop', 'the provider says too many host names were given'],
  abuse: ['stop', 'the provider blocked this host name for too many updates'],
  badagent: ['stop', 'the provider refused this client'],
  dnserr: ['wait', 'the provider has a DNS problem on its side'],
  '911': ['wait', 'the provider has a problem on its side'],
  unknown: ['retry', 'the provider answered something that is not a dyndns2 answer'],
}

/** A parsed answer: the code, what to do next, and plain words (no address, no host name). */
export type Dyndns2Answer = { code: Dyndns2Code; next: Dyndns2Next; message: string }

/** Parses a dyndns2 answer body: the first word of the first non-empty line (`good 1.2.3.4`,
 * `nochg 1.2.3.4`, `badauth`, …). Anything unrecognised is `unknown`. */
export function parseDyndns2(body: string): Dyndns2Answer {
  const line = body.split(/\r?\n/).find((l) => l.trim() !== '') ?? ''
  const word = line.trim().split(/\s+/)[0] ?? ''
  const code: Dyndns2Code = Object.prototype.hasOwnProperty.call(ANSWERS, word)
    ? (word as Dyndns2Code)
    : 'unknown'
  const [next, message] = ANSWERS[code]
  return { code, next, message }
}

/** The dyndns2 update URL for one host name and address (both percent-encoded). The user name and
 * password go separately, as basic auth. */
export function dyndns2Url(server: string, hostname: string, ip: string): string {
  const q = `hostname=${encodeURIComponent(hostname)}&myip=${encodeURIComponent(ip)}`
  return `https://${server}/nic/update?${q}`
}
