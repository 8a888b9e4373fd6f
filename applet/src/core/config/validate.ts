// /etc/config/lanvpn → Config, reporting every problem at once. A bad option falls back to its
// default; a section that cannot be used at all is skipped and named; the rest still applies
// (style.md, Errors). Unknown sections and options belong to other tools and are left alone.
import { parseUci, UciSyntaxError } from '../uci/parse'
import { getOption, sectionLabel, sectionsOfType } from '../uci/doc'
import type { UciDoc, UciSection } from '../uci/doc'
import { DEFAULT_GLOBALS, DEFAULT_MEDIASTREAMER, defaultConfig } from './defaults'
import { DEVICE_KINDS, DEVICE_MODES, HTTP_METHODS, KILL_SWITCHES, LOG_LEVELS } from './types'
import { MS_METHODS, PROFILE_TYPES } from './types'
import { GLOBAL_OPTIONS } from './options'
import type { Config, ConfigProblem, Device, Globals, Group, Mediastreamer, Profile } from './types'
import type { OvpnRemote, WireguardPeer } from './types'
import * as f from './formats'
import { say, SENTENCES } from '../messages'
import { isLabel, keep, LABEL_REASON, SectionReader } from './reader'
import { readGroups } from './groups'
import { readLocalDest, readRules } from './rules'

/** The value recognisers (isIp, isWgKey, normaliseMac, …), re-exported so the rpc layer can take
 * every check from this one module. */
export * from './formats'

/** Option names that would hold a secret. /etc/config is world-readable, so they are refused. */
export const SECRET_OPTIONS: readonly string[] = [
  'private_key',
  'preshared_key',
  'password',
  'token',
]

const IP_REASON = SENTENCES.ipAddress
const IFNAME_REASON = SENTENCES.linuxName
const NETIFD_REASON = SENTENCES.networkName

/** The section lanvpn reads for a one-of-a-kind type: the one named like its type, else the
 * first. applyConfigPatch edits the same one. */
export function singletonSection(doc: UciDoc, type: string): UciSection | undefined {
  const all = sectionsOfType(doc, type)
  return all.find((s) => s.name === type) ?? all[0]
}

function readPeer(r: SectionReader, required: boolean): WireguardPeer | null {
  const publicKey = r.text('public_key')
  if (publicKey === undefined) {
    if (required) r.problem('public_key', "required: the server's WireGuard public key")
    return null
  }
  if (!f.isWgKey(publicKey)) {
    r.problem('public_key', 'must be a WireGuard key: 44 characters of base64 ending in =')
  }
  const host = r.text('endpoint_host')
  if (host === undefined) r.problem('endpoint_host', 'required: the server host name or address')
  const hostOk = host !== undefined && (f.isHostname(host) || f.isIp(host))
  if (host !== undefined && !hostOk) {
    r.problem('endpoint_host', 'must be a host name or an IPv4 or IPv6 address without brackets')
  }
  const allowed = r.items('allowed_ips', keep(f.isCidr), 'must be an IP address with /prefix')
  const peer: WireguardPeer = {
    publicKey,
    endpointHost: host ?? '',
    endpointPort: r.int('endpoint_port', 1, 65535, 51820),
    // A provider's peer without AllowedIPs would route nothing; everything is what they mean.
    allowedIps: allowed.length > 0 ? allowed : ['0.0.0.0/0', '::/0'],
    persistentKeepalive: r.int('persistent_keepalive', 0, 65535, 0),
    hasPresharedKey: r.bool('preshared_key_set', false),
  }
  return f.isWgKey(publicKey) && hostOk ? peer : null
}

const REMOTE_REASON =
  'must be "host port udp|tcp" with a host name or IP address and a port 1-65535'

// `list remote 'host port proto'`: an OpenVPN server as the import stored it.
function isRemoteText(s: string): boolean {
  const [host = '', port = '', proto = '', ...rest] = s.split(' ')
  const hostOk = f.isHostname(host) || f.isIp(host)
  const portOk = f.parseWholeNumber(port, 1, 65535) !== null
  return hostOk && portOk && (proto === 'udp' || proto === 'tcp') && rest.length === 0
}

function parseRemoteText(s: string): OvpnRemote {
  const [host, port, proto] = s.split(' ')
  return { host, port: Number(port), proto: proto as OvpnRemote['proto'] }
}

function readProfile(r: SectionReader, extraPeers: WireguardPeer[]): Profile | null {
  const id = r.section.name
  if (id === null || id.length > 32 || !f.isUciName(id)) {
    r.problem('', 'a profile section needs a name of 1 to 32 letters, digits or _; skipped')
    return null
  }
  const type = r.oneOf('type', PROFILE_TYPES, 'wireguard')
  const parseMtu = (s: string): number | null => {
    const n = f.parseWholeNumber(s, 0, 9000)
    return n === 0 || (n !== null && n >= 1280) ? n : null
  }
  const mtuReason = 'must be 0 (the default) or a whole number from 1280 to 9000'
  const mtu = r.pick('mtu', 0, parseMtu, mtuReason)
  const profile: Profile = {
    id,
    label: r.str('label', isLabel, LABEL_REASON, id),
    type,
    addresses: r.items('address', f.normaliseCidr, 'must be an IP address, optionally /prefix'),
    dns: r.items('dns', keep(f.isIp), IP_REASON),
    dnsSearch: r.items('dns_search', keep(f.isHostname), 'must be a domain name'),
    mtu,
    peers: [],
  }
  if (type === 'openvpn') {
    profile.remotes = r.items('remote', keep(isRemoteText), REMOTE_REASON).map(parseRemoteText)
    return profile
  }
  const listenPort = r.int('listen_port', 0, 65535, 0)
  if (listenPort > 0) profile.listenPort = listenPort
  const first = readPeer(r, false)
  profile.peers = first ? [first, ...extraPeers] : extraPeers
  if (profile.peers.length === 0) {
    r.problem('', 'a wireguard profile needs a usable peer (public_key, endpoint_host); skipped')
    return null
  }
  return profile
}

function readProfiles(doc: UciDoc, problems: ConfigProblem[]): Profile[] {
  const reader = (s: UciSection) => new SectionReader(s, sectionLabel(doc, s), problems)
  const profileSections = sectionsOfType(doc, 'profile')
  const peersOf = new Map<string, WireguardPeer[]>()
  for (const s of sectionsOfType(doc, 'peer')) {
    const r = reader(s)
    const owner = r.text('profile')
    const target = profileSections.find((p) => p.name !== null && p.name === owner)
    if (!target) {
      r.problem('profile', 'must name a profile section; peer skipped')
      continue
    }
    if (getOption(target, 'type') === 'openvpn') {
      r.problem('', 'only wireguard profiles have peers; skipped')
      continue
    }
    const peer = readPeer(r, true)
    const owned = peersOf.get(target.name as string) ?? []
    if (peer) peersOf.set(target.name as string, [...owned, peer])
  }
  const profiles: Profile[] = []
  for (const s of profileSections) {
    const profile = readProfile(reader(s), peersOf.get(s.name ?? '') ?? [])
    if (profile && !profiles.some((p) => p.id === profile.id)) profiles.push(profile)
  }
  return profiles
}

function readGlobals(r: SectionReader | null, profileIds: string[]): Globals {
  if (!r) return { ...DEFAULT_GLOBALS, fallback: [], lanDirect: [], lanBlocked: [], localDest: [] }
  const d = DEFAULT_GLOBALS
  const isProfile = (s: string): boolean => profileIds.includes(s)
  const activeReason = 'must be empty or name a usable profile section'
  const active = r.str('active_profile', isProfile, activeReason)
  const fallback: string[] = []
  ;(r.list('fallback') ?? []).forEach((id, i) => {
    const bad = !isProfile(id)
      ? 'must name a usable profile section'
      : fallback.includes(id)
        ? 'repeats an earlier item'
        : id === active
          ? 'is the active profile already'
          : ''
    if (bad) r.problem('fallback', `item ${i + 1} ${bad}`)
    else fallback.push(id)
  })
  // The options in GLOBAL_OPTIONS order, which is the order of the fields and of their problems:
  // a switch by its kind, any other by its own rule.
  const read: Record<string, () => unknown> = {
    kill_switch: () => r.oneOf('kill_switch', KILL_SWITCHES, d.killSwitch),
    default_mode: () => r.oneOf('default_mode', DEVICE_MODES, d.defaultMode),
    active_profile: () => active,
    fallback: () => fallback,
    health_target: () => r.str('health_target', f.isIp, SENTENCES.ipAddressOrEmpty),
    health_interval: () => r.int('health_interval', 2, 60, d.healthInterval),
    log_level: () => r.oneOf('log_level', LOG_LEVELS, d.logLevel),
    lan_device: () => r.str('lan_device', f.isIfname, IFNAME_REASON, d.lanDevice),
    lan_direct: () => r.items('lan_direct', keep(f.isUciName), NETIFD_REASON),
    lan_blocked: () => r.items('lan_blocked', keep(f.isUciName), NETIFD_REASON),
    wan_interface: () => r.str('wan_interface', f.isUciName, NETIFD_REASON, d.wanInterface),
    local_dest: () => readLocalDest(r),
  }
  const globals: Record<string, unknown> = {}
  for (const [name, o] of Object.entries(GLOBAL_OPTIONS))
    globals[o.field] = o.kind === 'bool' ? r.bool(name, o.default as boolean) : read[name]()
  return globals as Globals
}

function readDevices(
  doc: UciDoc,
  defaultMode: Globals['defaultMode'],
  groups: Group[],
  problems: ConfigProblem[]
): Device[] {
  const devices: Device[] = []
  for (const s of sectionsOfType(doc, 'device')) {
    const r = new SectionReader(s, sectionLabel(doc, s), problems)
    const raw = r.text('mac')
    const mac = raw === undefined ? null : f.normaliseMac(raw)
    if (mac === null) {
      r.problem('mac', 'must be a MAC address such as aa:bb:cc:dd:ee:ff; device skipped')
      continue
    }
    const id = f.deviceSectionName(mac)
    if (s.name !== id) {
      r.problem('', `the section name must be ${id} for its MAC address; device skipped`)
      continue
    }
    if (devices.some((d) => d.mac === mac)) {
      r.problem('mac', 'another device section has the same MAC address; skipped')
      continue
    }
    const mode = r.oneOf('mode', DEVICE_MODES, defaultMode)
    const isDeviceLabel = (x: string): boolean => x.length <= 64 && !f.hasControlChars(x)
    const labelReason = 'must be at most 64 characters without control characters'
    const label = r.str('label', isDeviceLabel, labelReason)
    // A group that is not there (a typo, or a section skipped above): the default group's
    // tunnel, still a VPN; the version bringing the problem is held back anyway (guard.ts).
    const groupReason = 'must name a group section; the default group applies'
    const group = r.str('group', (g) => groups.some((x) => x.id === g), groupReason)
    const kind = r.oneOf('kind', DEVICE_KINDS, 'other')
    devices.push({ id, mac, mode, label, kind, group })
  }
  return devices
}

function readMediastreamer(r: SectionReader | null): Mediastreamer {
  const d = DEFAULT_MEDIASTREAMER
  if (!r) return { ...d, dnsServers: [], ipEchoUrls: d.ipEchoUrls.slice() }
  const isUrl = (s: string): boolean => f.isHttpsUrl(s) && s.includes('{ip}')
  const dnsServers = r.items('dns_server', keep(f.isIp), IP_REASON)
  if (dnsServers.length > 2) r.problem('dns_server', 'must list at most 2 servers')
  const echo = r.items('ip_echo_url', keep(f.isHttpsUrl), 'must be an https:// URL')
  const m: Mediastreamer = {
    enabled: r.bool('enabled', d.enabled),
    method: r.oneOf('method', MS_METHODS, d.method),
    url: r.str('url', isUrl, 'must be an https:// URL containing {ip} (and optionally {token})'),
    httpMethod: r.oneOf('http_method', HTTP_METHODS, d.httpMethod),
    body: r.str(
      'body',
      f.isRequestBody,
      'must be text of at most 2048 characters (no control characters but tabs and line breaks)'
    ),
    successMatch: r.text('success_match') ?? '',
    server: r.str('server', f.isHostname, 'must be a host name'),
    hostname: r.str('hostname', f.isFqdn, 'must be a full domain name such as tv.example.net'),
    username: r.str('username', (s) => !f.hasControlChars(s), 'must be without control characters'),
    dnsServers: dnsServers.slice(0, 2),
    ipEchoUrls: echo.length > 0 ? echo : d.ipEchoUrls.slice(),
  }
  if (!m.enabled) return m
  // Registration cannot work with these missing: report, and run as if it were switched off.
  const need = (option: string, value: string | string[], what: string): void => {
    if (value.length > 0) return
    // A present but bad value has been reported already; only absence needs saying here.
    if (getOption(r.section, option) === undefined) {
      r.problem(option, `required when enabled: ${what}`)
    }
    m.enabled = false
  }
  need('dns_server', m.dnsServers, '1 or 2 IP addresses of the smart DNS servers')
  if (m.method === 'http') need('url', m.url, 'an https:// URL containing {ip}')
  if (m.method === 'dyndns2') {
    need('server', m.server, 'the dyndns2 server host name')
    need('hostname', m.hostname, 'the host name to register')
    need('username', m.username, 'the dyndns2 user name')
  }
  return m
}

function readSingleton(doc: UciDoc, type: string, problems: ConfigProblem[]): SectionReader | null {
  const chosen = singletonSection(doc, type)
  for (const s of sectionsOfType(doc, type)) {
    if (s !== chosen) {
      const reason = say('onlyOne', { type })
      problems.push({ section: sectionLabel(doc, s), option: '', reason })
    }
  }
  return chosen ? new SectionReader(chosen, sectionLabel(doc, chosen), problems) : null
}

/** Turns a parsed /etc/config/lanvpn into Config plus every problem found. Never throws; a missing
 * section means its defaults. Secret-looking options anywhere are reported and never read. */
export function validateConfig(doc: UciDoc): { config: Config; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = []
  for (const s of doc.sections) {
    for (const o of s.options) {
      if (SECRET_OPTIONS.includes(o.name)) {
        // /etc/config is world-readable on OpenWrt: say where the secret belongs instead.
        const how =
          s.type === 'mediastreamer'
            ? 'enter it in the MediaStreamer settings (lanvpn stores it root-only)'
            : 'import the profile again (lanvpn stores keys root-only)'
        const reason = say('noSecrets', { how })
        problems.push({ section: sectionLabel(doc, s), option: o.name, reason })
      }
    }
  }
  const globalsReader = readSingleton(doc, 'globals', problems)
  const profileProblems: ConfigProblem[] = []
  const profiles = readProfiles(doc, profileProblems)
  const globals = readGlobals(
    globalsReader,
    profiles.map((p) => p.id)
  )
  problems.push(...profileProblems)
  const groups = readGroups(
    doc,
    profiles.map((p) => p.id),
    globals,
    problems
  )
  const devices = readDevices(doc, globals.defaultMode, groups, problems)
  const mediastreamer = readMediastreamer(readSingleton(doc, 'mediastreamer', problems))
  const rules = readRules(doc, groups, problems)
  return { config: { globals, profiles, devices, groups, mediastreamer, rules }, problems }
}

/** Parses and validates config text. A syntax error gives one problem (section and option '',
 * the line in the reason), an empty doc and the default config. */
export function parseConfig(text: string): {
  doc: UciDoc
  config: Config
  problems: ConfigProblem[]
  /** True when the text is not a UCI file at all (then config is only the default). */
  unreadable: boolean
} {
  let doc: UciDoc
  try {
    doc = parseUci(text)
  } catch (e) {
    if (!(e instanceof UciSyntaxError)) throw e
    const reason = say('unreadable', { detail: e.message })
    const problems = [{ section: '', option: '', reason }]
    return { doc: { sections: [] }, config: defaultConfig(), problems, unreadable: true }
  }
  return { doc, ...validateConfig(doc), unreadable: false }
}
