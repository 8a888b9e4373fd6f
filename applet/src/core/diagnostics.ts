// The diagnostics bundle (product.md, Privacy rules): a text file the user downloads (`lanvpn
// diagnostics`, the UI's Privacy page) and may send to someone who helps. It is never sent
// anywhere by lanvpn. Keys, tokens, passwords, IP and MAC addresses, e-mail addresses, host names
// and domains are replaced by `[redacted-…]` markers that keep the structure readable (one can
// still see that a device has two addresses, or that an endpoint is a name rather than an IP).
// Pure: the caller reads the files and passes their content in.
import type { Config, ConfigProblem } from './config/types'
import { isWallClockSane } from './history'

/** What must never appear in the bundle besides what the patterns catch. */
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

/** Every name a person chose or a provider gave in the config: device and location labels,
 * endpoint and remote hosts, DNS search domains, the dyndns server, host and user. */
export function configNames(config: Config): string[] {
  const names: string[] = []
  for (const d of config.devices) names.push(d.label)
  for (const p of config.profiles) {
    names.push(p.label, ...p.dnsSearch)
    for (const peer of p.peers) names.push(peer.endpointHost)
    for (const r of p.remotes ?? []) names.push(r.host)
  }
  const m = config.mediastreamer
  names.push(m.server, m.hostname, m.username)
  return names.filter((n) => n.trim() !== '')
}

/** Everything the bundle is made of, already read by the caller. */
export type DiagnosticsInput = {
  version: string
  runtime: string
  nowWallMs: number
  /** The status file's content (already parsed), or null. */
  status: unknown
  config: Config
  problems: ConfigProblem[]
  devices: { seen: number; online: number }
  /** The fail-closed firewall include: the nft table the daemon last applied. */
  firewallInclude: string | null
  known: RedactionKnown
}

function isoTime(ms: number): string {
  return isWallClockSane(ms) ? new Date(ms).toISOString() : 'unknown (the clock is not set)'
}

/** The bundle's file name, e.g. `lanvpn-diagnostics-20251122-0826.txt`. */
export function diagnosticsFilename(nowWallMs: number): string {
  if (!isWallClockSane(nowWallMs)) return 'lanvpn-diagnostics.txt'
  const iso = new Date(nowWallMs).toISOString()
  return `lanvpn-diagnostics-${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 16).replace(':', '')}.txt`
}

/** The whole bundle as text, redacted. Secrets never enter it: the config part is the validated
 * config (secrets live in files, not in it), and the status and firewall parts go through
 * redactText like everything else. Same input, same output. */
export function buildDiagnostics(input: DiagnosticsInput): string {
  const known = {
    secrets: input.known.secrets,
    names: [...input.known.names, ...configNames(input.config)],
  }
  const section = (title: string, body: string) => `== ${title} ==\n${body.replace(/\n*$/, '\n')}\n`
  const text =
    `lanvpn diagnostics\n` +
    `version: ${input.version}\nruntime: ${input.runtime}\ngenerated: ${isoTime(input.nowWallMs)}\n` +
    `Addresses, MACs, keys, tokens, passwords, host names and domains are replaced by [redacted-…].\n\n` +
    section('status', JSON.stringify(input.status, null, 2)) +
    section('config', JSON.stringify(input.config, null, 2)) +
    section(
      'config problems',
      input.problems.length
        ? input.problems
            .map((p) => `${p.section || '-'}.${p.option || '-'}: ${p.reason}`)
            .join('\n')
        : 'none'
    ) +
    section('devices', `seen: ${input.devices.seen}, online: ${input.devices.online}`) +
    section('firewall rules (fail-closed include)', input.firewallInclude ?? 'not written')
  return redactText(text, known)
}
