// Small, strict recognisers for the value forms /etc/config/lanvpn uses. Shared with the rpc
// layer so an API argument and a config option are judged by the same rule.
import { UCI_NAME_RE } from '../uci/parse'

/** Dotted-quad IPv4 without leading zeros (inet_aton would read `010` as octal: refuse it). */
export function isIpv4(s: string): boolean {
  const parts = s.split('.')
  return (
    parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255)
  )
}

/** IPv6 literal (RFC 4291 text forms, `::` compression, trailing dotted IPv4); no zone, no
 * brackets, no prefix. */
export function isIpv6(s: string): boolean {
  const halves = s.split('::')
  if (halves.length > 2) return false
  const groups = (text: string): string[] | null => {
    if (text === '') return []
    const parts = text.split(':')
    const last = parts[parts.length - 1]
    const hasV4 = isIpv4(last)
    const hex = hasV4 ? parts.slice(0, -1) : parts
    if (!hex.every((p) => /^[0-9A-Fa-f]{1,4}$/.test(p))) return null
    return hasV4 ? [...hex, 'v4', 'v4'] : hex
  }
  const head = groups(halves[0])
  const tail = halves.length === 2 ? groups(halves[1]) : []
  if (!head || !tail) return false
  // An IPv4 tail may only end the address, never sit before `::`.
  if (halves.length === 2 && head.includes('v4')) return false
  const count = head.length + tail.length
  return halves.length === 2 ? count <= 7 : count === 8
}

/** IPv4 or IPv6 literal. */
export function isIp(s: string): boolean {
  return isIpv4(s) || isIpv6(s)
}

/** `address/prefix` with a prefix that fits the family (0–32 or 0–128). Bare addresses are not
 * CIDRs here; use normaliseCidr to accept them. */
export function isCidr(s: string): boolean {
  const slash = s.indexOf('/')
  if (slash < 0) return false
  const addr = s.slice(0, slash)
  const prefix = s.slice(slash + 1)
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefix)) return false
  if (isIpv4(addr)) return Number(prefix) <= 32
  return isIpv6(addr) && Number(prefix) <= 128
}

/** CIDR form of an address: `/32` or `/128` added to a bare address; null when neither form. */
export function normaliseCidr(s: string): string | null {
  if (isCidr(s)) return s
  if (isIpv4(s)) return `${s}/32`
  if (isIpv6(s)) return `${s}/128`
  return null
}

/** DNS host name (RFC 1123 labels, ≤ 253 chars, no trailing dot). The last label may not be all
 * digits, so a mistyped IPv4 address such as 10.0.0.300 is not taken for a name. */
export function isHostname(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false
  const labels = s.split('.')
  const label = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/
  return labels.every((l) => label.test(l)) && !/^[0-9]+$/.test(labels[labels.length - 1])
}

/** A host name with at least two labels (`tv.example.net`). */
export function isFqdn(s: string): boolean {
  return isHostname(s) && s.includes('.')
}

/** WireGuard key: base64 of exactly 32 bytes: 43 chars and '=', the last char with 4 zero bits. */
export function isWgKey(s: string): boolean {
  return /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/.test(s)
}

/** A UCI section or option name: letters, digits and _ only. */
export function isUciName(s: string): boolean {
  return UCI_NAME_RE.test(s)
}

/** Linux interface name: 1–15 bytes, no '/', ':' or whitespace, not `.` or `..` (the kernel's
 * dev_valid_name). */
export function isIfname(s: string): boolean {
  return /^[\x21-\x7e]{1,15}$/.test(s) && !/[/:]/.test(s) && s !== '.' && s !== '..'
}

/** An https:// URL with a host part and no spaces or control characters. */
export function isHttpsUrl(s: string): boolean {
  return /^https:\/\/[^\s/?#@]+[^\s]*$/.test(s) && !hasControlChars(s)
}

/** Whether the text has an ASCII control character (tab and newline included) or DEL. */
export function hasControlChars(s: string): boolean {
  return /[\x00-\x1f\x7f]/.test(s)
}

/** Text a request body may carry (MediaStreamer's POST body): at most 2048 characters, line breaks
 * and tabs allowed, no other control character. */
export function isRequestBody(s: string): boolean {
  return s.length <= 2048 && !/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(s)
}

/** `aa:bb:cc:dd:ee:ff` in lower case from either case and ':' or '-' separators; null if the
 * text is not a MAC address. */
export function normaliseMac(s: string): string | null {
  if (!/^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$/.test(s)) return null
  const sep = s[2]
  if (s.split(sep).length !== 6) return null
  return s.toLowerCase().split(sep).join(':')
}

/** Whether a normalised MAC can be a device's: not multicast (the low bit of the first octet)
 * and not all zero. */
export function isDeviceMac(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 0 && mac !== '00:00:00:00:00:00'
}

/** The UCI section name of a device: 'd_' + 12 lower-case hex digits. Throws on a non-MAC, since
 * callers must have validated the MAC first. */
export function deviceSectionName(mac: string): string {
  const norm = normaliseMac(mac)
  if (norm === null) throw new Error(`deriving device section name: not a MAC address: ${mac}`)
  return `d_${norm.split(':').join('')}`
}

/** UCI booleans as /lib/functions.sh config_get_bool reads them; null when not a boolean. */
export function parseUciBool(s: string): boolean | null {
  const v = s.toLowerCase()
  if (v === '1' || v === 'on' || v === 'true' || v === 'yes' || v === 'enabled') return true
  if (v === '0' || v === 'off' || v === 'false' || v === 'no' || v === 'disabled') return false
  return null
}

/** A whole number in [min, max] written in plain decimal digits; null otherwise. */
export function parseWholeNumber(s: string, min: number, max: number): number | null {
  if (!/^[0-9]{1,9}$/.test(s)) return null
  const n = Number(s)
  return n >= min && n <= max ? n : null
}
