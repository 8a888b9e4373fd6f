// Redaction (product.md, Privacy rules): keys, tokens, passwords, IP and MAC addresses, e-mail
// addresses, host names and domains in a text are replaced by `[redacted-…]` markers that keep the
// structure readable (one can still see that a device has two addresses, or that an endpoint is a
// name rather than an IP). The diagnostics bundle (core/diagnostics.ts) and the log below debug
// (system/log.ts) pass everything through it. Pure.

/** What must never appear in a redacted text besides what the patterns catch. */
export type RedactionKnown = {
  /** Secret values (tokens, passwords, preshared keys): replaced wherever they appear. */
  secrets: string[]
  /** Host names, domains and labels people chose (device names, endpoint hosts, dyndns host). */
  names: string[]
}

const PEM = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?-----END [A-Z0-9 ]+-----/g
/** A WireGuard key: 32 bytes in base64 is 43 characters and one `=`, the last one restricted. */
const WG_KEY = /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=(?![A-Za-z0-9+/=])/g
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g
const MAC = /(?<![0-9A-Fa-f:-])(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}(?![0-9A-Fa-f:-])/g
/** A configured device's UCI section name is its MAC without colons (d_aabbccddeeff). */
const DEVICE_ID = /(?<![A-Za-z0-9_])d_[0-9a-f]{12}(?![0-9A-Za-z_])/g
const IPV4 =
  /(?<![0-9.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![0-9])/g
/** Anything made of hex digits, colons and (for a v4 tail) dots with at least two colons; whether
 * it really is an IPv6 address is decided by isIpv6Like. */
const IPV6_CANDIDATE = /(?<![0-9A-Za-z:.])[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*/g
const QUERY_VALUE = /([?&][A-Za-z0-9_.-]+=)[^&\s"'<>]+/g
/** A dotted name ending in a letter label. File-name endings lanvpn itself prints are left alone. */
const DOMAIN =
  /(?<![A-Za-z0-9_.-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,62}(?![A-Za-z0-9_-])/g
const FILE_ENDINGS = /\.(json|js|mjs|ts|nft|conf|ovpn|txt|sh|pid|lock|tmp|uci)$/i

function isIpv6Like(s: string): boolean {
  const text = s.replace(/\.$/, '')
  if (!/[0-9A-Fa-f]/.test(text)) return false
  const colons = (text.match(/:/g) ?? []).length
  if (!text.includes('::') && colons < 7) return false
  if (/:::/.test(text)) return false
  return text.split(':').every((g) => g === '' || /^[0-9A-Fa-f]{1,4}$/.test(g) || g.includes('.'))
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** The forms a value takes once written into JSON or a UCI file, so it is found in both. */
function variants(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1)
  const uci = value.replace(/'/g, "'\\''")
  return [...new Set([value, json, uci])]
}

function replaceAll(text: string, values: string[], marker: string, wholeWord: boolean): string {
  const list = [...new Set(values.flatMap(variants))]
    .filter((v) => v.length >= (wholeWord ? 2 : 3))
    .sort((a, b) => b.length - a.length)
  let out = text
  for (const v of list) {
    const body = escapeRegExp(v)
    const re = wholeWord
      ? new RegExp(`(?<![A-Za-z0-9_-])${body}(?![A-Za-z0-9_-])`, 'gi')
      : new RegExp(body, 'g')
    out = out.replace(re, marker)
  }
  return out
}

/** Redacts one text. Order matters: whole secrets and PEM blocks first (they contain everything),
 * then keys, e-mail, MAC (before IPv6: a MAC looks like hex groups with colons), IPv4, IPv6, URL
 * query values, the known names, and last any other dotted domain. Safe to apply twice. */
export function redactText(text: string, known: RedactionKnown): string {
  let out = text.replace(PEM, '[redacted-pem]')
  out = replaceAll(out, known.secrets, '[redacted-secret]', false)
  out = out.replace(WG_KEY, '[redacted-key]')
  out = out.replace(EMAIL, '[redacted-email]')
  out = out.replace(MAC, '[redacted-mac]')
  out = out.replace(DEVICE_ID, 'd_[redacted-mac]')
  // The unspecified address (0.0.0.0/0 in AllowedIPs) names nobody; keeping it keeps routes legible.
  out = out.replace(IPV4, (m) => (m === '0.0.0.0' ? m : '[redacted-ip]'))
  out = out.replace(IPV6_CANDIDATE, (m) => (isIpv6Like(m) ? '[redacted-ip]' : m))
  out = out.replace(QUERY_VALUE, '$1[redacted]')
  out = replaceAll(out, known.names, '[redacted-name]', true)
  out = out.replace(DOMAIN, (m) => (FILE_ENDINGS.test(m) ? m : '[redacted-domain]'))
  return out
}
