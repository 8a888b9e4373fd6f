// An HTTP request as a curl config file (`curl -q --config -`, read from stdin). Everything
// that may hold a secret — the URL with its token, basic auth, the body — goes here, never into
// argv, where any local user could read it in /proc/<pid>/cmdline or `ps`.

/** One HTTPS request made through curl. */
export type HttpRequest = {
  url: string
  method: 'GET' | 'POST'
  /** Request body (POST only). */
  body?: string
  contentType?: string
  /** HTTP basic auth (dyndns2). */
  basicAuth?: { user: string; password: string }
  /** Linux device to bind to (SO_BINDTODEVICE): keeps the request on the WAN even when the
   * router's own default route goes through the tunnel. */
  device?: string
  /** Whole-request limit in seconds (connect, TLS, transfer). */
  maxTimeS: number
  /** Largest answer accepted, in bytes. */
  maxBytes: number
}

/** Separates the body from the status code that `write-out` appends. */
export const CURL_STATUS_MARK = '\n@@lanvpn-http-status@@'

/** The argv that goes with renderCurlConfig: nothing secret, ever. `-q` first so no ~/.curlrc
 * can add options. */
export const CURL_ARGV: readonly string[] = ['curl', '-q', '--config', '-']

// curl config syntax: a double-quoted value takes \\ \" \t \n \r \v escapes (curl's
// tool_parsecfg.c unslashquote). Control characters are refused earlier (validation, isSecretValue)
// but are escaped here too so a line can never be split.
function quote(value: string): string {
  const esc = value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\t/g, '\\t')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\v/g, '\\v')
  return `"${esc}"`
}

/** The curl config for a request: HTTPS only (redirects too), certificates checked (curl's
 * default; never `--insecure`), IPv4 (smart DNS registers the IPv4 address), bounded time and
 * size, and the HTTP status written after the body (see CURL_STATUS_MARK). */
export function renderCurlConfig(req: HttpRequest): string {
  const lines = [
    `url = ${quote(req.url)}`,
    'proto = "=https"',
    'proto-redir = "=https"',
    'location',
    'max-redirs = 3',
    'ipv4',
    'silent',
    'show-error',
    `max-time = ${Math.max(1, Math.floor(req.maxTimeS))}`,
    `connect-timeout = ${Math.max(1, Math.min(10, Math.floor(req.maxTimeS)))}`,
    `max-filesize = ${Math.max(1, Math.floor(req.maxBytes))}`,
    'user-agent = "lanvpn"',
    `write-out = ${quote(`${CURL_STATUS_MARK}%{http_code}`)}`,
  ]
  if (req.device) lines.push(`interface = ${quote(req.device)}`)
  if (req.basicAuth) {
    lines.push('basic')
    lines.push(`user = ${quote(`${req.basicAuth.user}:${req.basicAuth.password}`)}`)
  }
  if (req.method === 'POST') {
    lines.push('request = "POST"')
    // data-raw: the body is sent as written. data-binary (like -d) reads a file when the text
    // starts with '@', and root's curl would post /etc/shadow for a body of "@/etc/shadow".
    lines.push(`data-raw = ${quote(req.body ?? '')}`)
    if (req.contentType) lines.push(`header = ${quote(`Content-Type: ${req.contentType}`)}`)
  }
  return lines.join('\n') + '\n'
}
