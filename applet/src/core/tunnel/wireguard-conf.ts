// WireGuard `.conf` import: the text providers hand out (wg-quick format) → a Profile plus its
// secrets. Read the way wg-quick reads it (keys and section headers case-insensitive, `#` starts a
// comment anywhere, DNS entries that are not IP addresses are search domains), but nothing in the
// file is ever executed: PreUp/PostUp/PreDown/PostDown are refused, and lanvpn does its own routing
// and kill switch. Notes never quote a key, so they can be shown and logged safely.
import {
  isHostname,
  isIpv4,
  isIpv6,
  isWgKey,
  normaliseCidr,
  parseWholeNumber,
} from '../config/formats'
import type { Profile, WireguardPeer } from '../config/types'

import { byLine, MAX_PROFILE_TEXT, type ImportFailure, type ImportNote } from './profile-text'

export { byLine, MAX_PROFILE_TEXT, type ImportFailure, type ImportNote } from './profile-text'

/** A usable import. `presharedKeys` maps a peer's index in `profile.peers` to its key. The keys are
 * secrets: the caller stores them root-only and never returns them. */
export type WireguardImport = {
  ok: true
  profile: Profile
  privateKey: string
  presharedKeys: Record<number, string>
  notes: ImportNote[]
}

/** Why hook lines are refused; shown with every refused line. */
export const HOOK_REFUSAL =
  'lanvpn has its own kill switch and routing; commands from profile files are never run'

const HOOKS = ['preup', 'postup', 'predown', 'postdown']
const IGNORED = ['table', 'fwmark', 'saveconfig']

type Entry = { key: string; value: string; line: number }
type Section = { kind: 'interface' | 'peer'; line: number; entries: Entry[] }

const addNote = (
  notes: ImportNote[],
  line: number,
  level: ImportNote['level'],
  message: string
): void => {
  notes.push({ line, level, message })
}

/** `host:port`, `1.2.3.4:port` or `[2001:db8::1]:port` → host and port; a reason when not. */
export function parseEndpoint(text: string): { host: string; port: number } | { reason: string } {
  const m = /^\[([^\]]+)\]:([0-9]+)$/.exec(text) ?? /^([^:[\]]+):([0-9]+)$/.exec(text)
  if (!m) {
    const hint = isIpv6(text.replace(/:[0-9]+$/, ''))
      ? ' (write an IPv6 address as [addr]:port)'
      : ''
    return { reason: `Endpoint must be host:port${hint}` }
  }
  const [, host, portText] = m
  const port = parseWholeNumber(portText, 1, 65535)
  if (port === null) return { reason: 'Endpoint port must be from 1 to 65535' }
  const bracketed = text.startsWith('[')
  const hostOk = bracketed ? isIpv6(host) : isIpv4(host) || isHostname(host)
  if (!hostOk) return { reason: 'Endpoint host must be a host name, an IPv4 address or [IPv6]' }
  return { host, port }
}

// Commas or whitespace: wg-quick wants commas, but providers' files also say `DNS = a b`.
const splitList = (value: string): string[] => value.split(/[\s,]+/).filter((v) => v !== '')

// AmneziaWG's obfuscation settings (junk packets, padded and renumbered headers): a server that
// expects them never answers a plain WireGuard handshake.
const AMNEZIA = /^(jc|jmin|jmax|s[1-4]|h[1-4]|i[1-5]|j[1-3]|itime)$/

/** Why an AmneziaWG file is refused; the router would need another tunnel implementation. */
export const AMNEZIA_REFUSAL =
  'is an AmneziaWG setting: plain WireGuard can never connect with this profile. The router would need amneziawg-tools and kmod-amneziawg, which lanvpn does not drive'

// Lines → sections. Lines before the first header, unknown headers and lines without '=' are noted.
function readSections(text: string, notes: ImportNote[]): Section[] {
  const sections: Section[] = []
  let current: Section | null = null
  let skipping = false
  text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .forEach((raw, i) => {
      const line = i + 1
      const stripped = raw.replace(/#.*$/, '').trim()
      if (stripped === '') return
      if (stripped.startsWith('[')) {
        const name = stripped.toLowerCase()
        skipping = name !== '[interface]' && name !== '[peer]'
        current = skipping
          ? null
          : { kind: name === '[peer]' ? 'peer' : 'interface', line, entries: [] }
        if (current) sections.push(current)
        else addNote(notes, line, 'warning', 'unknown section ignored, with its lines')
        return
      }
      if (skipping) return
      const eq = stripped.indexOf('=')
      if (eq <= 0) {
        addNote(notes, line, 'error', 'not a "Key = value" line; ignored')
        return
      }
      const entry = {
        key: stripped.slice(0, eq).trim().toLowerCase(),
        value: stripped.slice(eq + 1).trim(),
        line,
      }
      if (!current) {
        addNote(notes, line, 'error', 'a setting before [Interface] or [Peer]; ignored')
        return
      }
      current.entries.push(entry)
    })
  return sections
}

// Single-valued keys may appear once (which one would win is a guess we refuse to make); lists
// (Address, DNS, AllowedIPs) may repeat, as wg-quick allows.
function firstDuplicate(entries: Entry[], singles: string[]): Entry | null {
  const seen = new Set<string>()
  for (const e of entries) {
    if (!singles.includes(e.key)) continue
    if (seen.has(e.key)) return e
    seen.add(e.key)
  }
  return null
}

type InterfacePart = Omit<Profile, 'id' | 'label' | 'type' | 'peers'> & { privateKey: string }

function readInterface(s: Section, notes: ImportNote[]): InterfacePart | null {
  const out: InterfacePart = { privateKey: '', addresses: [], dns: [], dnsSearch: [], mtu: 0 }
  let usable = true
  const dup = firstDuplicate(s.entries, ['privatekey', 'mtu', 'listenport'])
  if (dup) {
    addNote(notes, dup.line, 'error', `${dup.key} is given twice in [Interface]; say it once`)
    usable = false
  }
  const amnezia = s.entries.find((e) => AMNEZIA.test(e.key))
  if (amnezia) {
    addNote(notes, amnezia.line, 'error', `${amnezia.key} ${AMNEZIA_REFUSAL}`)
    usable = false
  }
  for (const { key, value, line } of s.entries) {
    if (HOOKS.includes(key)) addNote(notes, line, 'refused', `${key} refused: ${HOOK_REFUSAL}`)
    else if (AMNEZIA.test(key)) continue
    else if (IGNORED.includes(key)) {
      addNote(
        notes,
        line,
        'warning',
        `${key} ignored: lanvpn chooses the routing table and marks itself`
      )
    } else if (key === 'privatekey') {
      if (isWgKey(value)) out.privateKey = value
      else addNote(notes, line, 'error', 'PrivateKey must be a WireGuard key (base64 of 32 bytes)')
    } else if (key === 'address') {
      for (const a of splitList(value)) {
        const cidr = normaliseCidr(a)
        if (cidr) out.addresses.push(cidr)
        else
          addNote(
            notes,
            line,
            'error',
            `Address item "${a.slice(0, 50)}" is not an IP address or CIDR; skipped`
          )
      }
    } else if (key === 'dns') {
      for (const d of splitList(value)) {
        // wg-quick's rule: digits and dots, or anything with ':', is a server; the rest a domain.
        if (/^[0-9.]+$/.test(d) || d.includes(':')) {
          if (isIpv4(d) || isIpv6(d)) out.dns.push(d)
          else
            addNote(
              notes,
              line,
              'error',
              `DNS server "${d.slice(0, 50)}" is not an IP address; skipped`
            )
        } else if (isHostname(d)) out.dnsSearch.push(d)
        else
          addNote(
            notes,
            line,
            'error',
            `DNS entry "${d.slice(0, 50)}" is neither an IP address nor a domain; skipped`
          )
      }
    } else if (key === 'mtu') {
      const mtu = parseWholeNumber(value, 1280, 9000)
      if (mtu === null)
        addNote(notes, line, 'error', 'MTU must be from 1280 to 9000; the default is used')
      else out.mtu = mtu
    } else if (key === 'listenport') {
      const port = parseWholeNumber(value, 1, 65535)
      if (port === null)
        addNote(notes, line, 'error', 'ListenPort must be from 1 to 65535; a random port is used')
      else out.listenPort = port
    } else
      addNote(
        notes,
        line,
        'warning',
        `unknown setting "${key.slice(0, 40)}" in [Interface] ignored`
      )
  }
  if (!out.privateKey && !s.entries.some((e) => e.key === 'privatekey')) {
    addNote(notes, s.line, 'error', '[Interface] has no PrivateKey')
  }
  if (out.addresses.length === 0)
    addNote(notes, s.line, 'error', '[Interface] has no usable Address')
  return usable && out.privateKey && out.addresses.length > 0 ? out : null
}

function readPeer(
  s: Section,
  n: number,
  notes: ImportNote[]
): { peer: WireguardPeer; psk: string } | null {
  const where = `peer ${n} (line ${s.line})`
  const errors: ImportNote[] = []
  const fail = (line: number, message: string) =>
    addNote(errors, line, 'error', `${message}; ${where} not imported`)
  const peer: WireguardPeer = {
    publicKey: '',
    endpointHost: '',
    endpointPort: 0,
    allowedIps: [],
    persistentKeepalive: 0,
    hasPresharedKey: false,
  }
  let psk = ''
  const dup = firstDuplicate(s.entries, [
    'publickey',
    'presharedkey',
    'endpoint',
    'persistentkeepalive',
  ])
  if (dup) fail(dup.line, `${dup.key} is given twice`)
  for (const { key, value, line } of s.entries) {
    if (key === 'publickey') {
      if (isWgKey(value)) peer.publicKey = value
      else fail(line, 'PublicKey must be a WireGuard key (base64 of 32 bytes)')
    } else if (key === 'presharedkey') {
      if (isWgKey(value)) psk = value
      else fail(line, 'PresharedKey must be a WireGuard key (base64 of 32 bytes)')
    } else if (key === 'endpoint') {
      const ep = parseEndpoint(value)
      if ('reason' in ep) fail(line, ep.reason)
      else [peer.endpointHost, peer.endpointPort] = [ep.host, ep.port]
    } else if (key === 'allowedips') {
      for (const a of splitList(value)) {
        const cidr = normaliseCidr(a)
        if (cidr) peer.allowedIps.push(cidr)
        else fail(line, `AllowedIPs item "${a.slice(0, 50)}" is not an IP address or CIDR`)
      }
    } else if (key === 'persistentkeepalive') {
      const k = value.toLowerCase() === 'off' ? 0 : parseWholeNumber(value, 0, 65535)
      if (k === null) fail(line, 'PersistentKeepalive must be off or from 0 to 65535 seconds')
      else peer.persistentKeepalive = k
    } else if (HOOKS.includes(key)) {
      addNote(notes, line, 'refused', `${key} refused: ${HOOK_REFUSAL}`)
    } else {
      addNote(notes, line, 'warning', `unknown setting "${key.slice(0, 40)}" in [Peer] ignored`)
    }
  }
  if (!peer.publicKey && !s.entries.some((e) => e.key === 'publickey')) fail(s.line, 'no PublicKey')
  if (!peer.endpointHost && !s.entries.some((e) => e.key === 'endpoint')) {
    fail(s.line, 'no Endpoint (lanvpn connects out, so the server address is needed)')
  }
  notes.push(...errors)
  if (errors.length > 0) return null
  if (peer.allowedIps.length === 0) {
    addNote(notes, s.line, 'warning', `${where} has no AllowedIPs; everything is routed through it`)
    peer.allowedIps = ['0.0.0.0/0', '::/0']
  }
  peer.hasPresharedKey = psk !== ''
  return { peer, psk }
}

/** Parses WireGuard config text for a profile called `label` with section name `id`. Never throws;
 * every problem becomes a note with its line. Usable peers are kept when others are broken. */
export function parseWireguardConf(
  text: string,
  ident: { id: string; label: string }
): WireguardImport | ImportFailure {
  if (text.length > MAX_PROFILE_TEXT) {
    return {
      ok: false,
      notes: [{ line: 0, level: 'error', message: 'the file is larger than 64 KiB' }],
    }
  }
  const notes: ImportNote[] = []
  const sections = readSections(text, notes)
  const ifaces = sections.filter((s) => s.kind === 'interface')
  for (const extra of ifaces.slice(1)) {
    addNote(
      notes,
      extra.line,
      'error',
      'a second [Interface]: one file is one tunnel; split it in two'
    )
  }
  if (ifaces.length === 0) addNote(notes, 0, 'error', 'no [Interface] section')
  const iface = ifaces[0] ? readInterface(ifaces[0], notes) : null
  const peers: WireguardPeer[] = []
  const presharedKeys: Record<number, string> = {}
  sections
    .filter((s) => s.kind === 'peer')
    .forEach((s, i) => {
      const read = readPeer(s, i + 1, notes)
      if (!read) return
      if (peers.some((p) => p.publicKey === read.peer.publicKey)) {
        addNote(notes, s.line, 'error', `peer ${i + 1} repeats an earlier PublicKey; not imported`)
        return
      }
      if (read.psk) presharedKeys[peers.length] = read.psk
      peers.push(read.peer)
    })
  if (sections.every((s) => s.kind !== 'peer')) {
    addNote(notes, 0, 'error', 'no [Peer] section')
  }
  if (iface && peers.length > 0 && ifaces.length === 1) {
    const hasRoute = peers.some((p) => p.allowedIps.some((a) => /:.*\/0$/.test(a)))
    if (!hasRoute || !iface.addresses.some((a) => a.includes(':'))) {
      const key = hasRoute ? 'address' : 'allowedips'
      const at = sections.flatMap((s) => s.entries).find((e) => e.key === key)
      addNote(
        notes,
        at?.line ?? ifaces[0].line,
        'warning',
        `${hasRoute ? 'no IPv6 Address' : 'no ::/0 in AllowedIPs'}: the devices' IPv6 will be blocked, not tunnelled`
      )
    }
    if (iface.dns.length === 0)
      addNote(
        notes,
        ifaces[0].line,
        'warning',
        "no DNS line: the devices' name lookups will fail (lanvpn sends them only to the tunnel's resolver)"
      )
  }
  notes.sort(byLine)
  if (!iface || peers.length === 0 || ifaces.length > 1) return { ok: false, notes }
  const { privateKey, ...rest } = iface
  const profile: Profile = { id: ident.id, label: ident.label, type: 'wireguard', ...rest, peers }
  return { ok: true, profile, privateKey, presharedKeys, notes }
}
