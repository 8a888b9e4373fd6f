// curl's answer (as run by system/http.ts with the config of core/render/curl.ts) turned into a
// response or a failure in plain words.
import { CURL_STATUS_MARK } from '../render/curl'

/** A finished exchange (`ok`, any HTTP status) or why there was none. */
export type HttpOutcome =
  { ok: true; status: number; body: string } | { ok: false; reason: HttpFailure; message: string }

/** Why no HTTP answer came. `timeout`, `network` and `tls` may pass; `setup` (curl missing, bad
 * interface) needs the user or the package. */
export type HttpFailure = 'timeout' | 'network' | 'tls' | 'too-large' | 'setup' | 'garbled'

// curl exit codes (curl's libcurl-errors / man page "EXIT CODES").
const EXIT: Record<number, [HttpFailure, string]> = {
  5: ['network', 'could not resolve the proxy'],
  6: ['network', 'could not resolve the server name'],
  7: ['network', 'could not connect to the server'],
  28: ['timeout', 'the server did not answer in time'],
  35: ['tls', 'the secure connection could not be set up'],
  45: ['setup', 'could not use the WAN interface for the request'],
  47: ['network', 'too many redirects'],
  51: ['tls', "the server's certificate does not match its name"],
  52: ['network', 'the server sent nothing'],
  55: ['network', 'sending the request failed'],
  56: ['network', 'receiving the answer failed'],
  58: ['tls', 'the client certificate was refused'],
  60: ['tls', "the server's certificate could not be verified"],
  63: ['too-large', 'the answer was too large'],
  77: ['setup', 'the CA certificates could not be read (install ca-bundle)'],
  1: ['setup', 'curl refused the protocol (only https:// is allowed)'],
  2: ['setup', 'curl could not start the request'],
  127: ['setup', 'curl is not installed (opkg install curl)'],
}

/** Parses what curl printed: the body, then CURL_STATUS_MARK and the status code. A non-zero
 * exit is a failure in plain words (from the exit code, never the URL, which may hold a token). */
export function parseCurlOutput(
  code: number,
  stdout: string,
  timedOut: boolean,
  maxBytes: number
): HttpOutcome {
  if (timedOut || code !== 0) {
    // Killed for taking too long: curl's own timeout (exit 28) in other words.
    const [reason, message] = EXIT[timedOut ? 28 : code] ?? [
      'network',
      `the request failed (curl exit ${code})`,
    ]
    return { ok: false, reason, message }
  }
  const at = stdout.lastIndexOf(CURL_STATUS_MARK)
  const status = at < 0 ? NaN : Number(stdout.slice(at + CURL_STATUS_MARK.length).trim())
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    return { ok: false, reason: 'garbled', message: 'the answer could not be read' }
  }
  const body = stdout.slice(0, at)
  // max-filesize only works when the server announces the size; chunked answers are capped here.
  if (body.length > maxBytes) {
    // As curl's own max-filesize refusal (exit 63).
    const [reason, message] = EXIT[63]
    return { ok: false, reason, message }
  }
  return { ok: true, status, body }
}
