// The typed view of /etc/config/lanvpn. UCI holds strings; validate.ts turns them into these types
// and reports every problem at once; render.ts writes them back without losing what it does not know.

/** How a LAN device's traffic is routed (product.md, The four device modes), in the order the UI
 * offers them. Declared here once: the daemon, the rpc checks and the web UI all take it from here. */
export const DEVICE_MODES = ['vpn', 'direct', 'mediastreamer', 'blocked'] as const
export type DeviceMode = (typeof DEVICE_MODES)[number]

/** Device kinds the UI knows an icon for, in icon order; unknown ones read as `other`. */
export const DEVICE_KINDS = [
  'phone',
  'laptop',
  'desktop',
  'tablet',
  'tv',
  'console',
  'speaker',
  'camera',
  'iot',
  'other',
] as const
export type DeviceKind = (typeof DEVICE_KINDS)[number]

/** `always`: a manual disconnect leaves vpn devices offline. `auto`: after a manual disconnect they
 * use the WAN; an unexpected drop still blocks. */
export const KILL_SWITCHES = ['always', 'auto'] as const
export type KillSwitch = (typeof KILL_SWITCHES)[number]

export const LOG_LEVELS = ['err', 'warning', 'notice', 'info', 'debug'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** `config globals 'globals'` — one section. */
export type Globals = {
  enabled: boolean
  killSwitch: KillSwitch
  autoConnect: boolean
  defaultMode: DeviceMode
  /** Route IPv6 of vpn devices through the tunnel when the profile has v6 (else drop it). */
  ipv6: boolean
  /** Send the router's own traffic through the tunnel (default: WAN). */
  routerViaVpn: boolean
  /** Profile section name of the chosen location, or '' for none. */
  activeProfile: string
  /** Ordered fallback profile section names. */
  fallback: string[]
  /** The user's wish to be connected (rpc connect/disconnect): the daemon brings the tunnel up when
   * this is set and activeProfile names a usable profile. */
  connect: boolean
  /** The kill switch is armed. False only from the first location's import until the first
   * connect, so importing a location never takes the household offline before anyone pressed
   * Connect; absent from the file means armed (fail closed for every config written before). */
  armed: boolean
  /** After each connect or failover, ask an IP-echo service (MediaStreamer's list) through the
   * tunnel for the exit address: a request the user turned on, never made otherwise. */
  exitIpCheck: boolean
  /** Health probe target (IP address); '' means the tunnel's DNS server. */
  healthTarget: string
  /** Seconds between health probes, 2–60. */
  healthInterval: number
  /** `debug` writes addresses and names to syslog; the daemon sets it back to `notice` after an
   * hour, and the init script at boot (system/log.ts DEBUG_LOG_MS). */
  logLevel: LogLevel
  /** Whether sysupgrade and LuCI backups carry the secrets (/etc/lanvpn/secrets: private keys,
   * passwords, tokens) in clear. On (as before the option) unless the user leaves them out; then a
   * sysupgrade keeps the locations but not their keys (daemon/privacy.ts). */
  backupSecrets: boolean
  /** Linux device of the LAN where there is no netifd to ask (a development machine). On a router
   * the LAN devices are netifd's (system/lan.ts). */
  lanDevice: string
  /** netifd interfaces on the LAN side whose devices all go directly, or are all blocked (a guest
   * network). Every other LAN-side interface is lanvpn's: each device by its own mode. */
  lanDirect: string[]
  lanBlocked: string[]
  /** netifd logical name of the WAN interface. */
  wanInterface: string
  /** Rules by destination (issue 22): the LAN's other subnets, the router's own addresses and the
   * WAN side's networks (the modem) reach every device directly, before any rule. */
  localDirect: boolean
  /** More local exceptions the user adds: CIDRs. */
  localDest: string[]
}

export const PROFILE_TYPES = ['wireguard', 'openvpn'] as const
export type ProfileType = (typeof PROFILE_TYPES)[number]

/** `config profile '<name>'` — one location. Secrets (keys, passwords) are not here: they live in
 * root-only files under the secrets directory, named after the section. */
export type Profile = {
  /** UCI section name: [A-Za-z0-9_], stable id used by the API. */
  id: string
  /** What people see ("Amsterdam"). */
  label: string
  type: ProfileType
  /** Interface addresses with prefix (10.64.0.2/32, fd00::2/128). */
  addresses: string[]
  dns: string[]
  /** DNS search domains from the profile. */
  dnsSearch: string[]
  /** 0 means the default (1420 for WireGuard). */
  mtu: number
  /** WireGuard peer; empty for OpenVPN. */
  peers: WireguardPeer[]
  /** WireGuard ListenPort from the imported file; absent means a random port. */
  listenPort?: number
  /** OpenVPN servers in the file's order (kept for the latency test and display); set only for
   * OpenVPN profiles. The runnable config itself is a secret file. */
  remotes?: OvpnRemote[]
}

/** One `remote host port proto` of an OpenVPN profile, stored as `list remote 'host port proto'`. */
export type OvpnRemote = { host: string; port: number; proto: 'udp' | 'tcp' }

export type WireguardPeer = {
  publicKey: string
  endpointHost: string
  endpointPort: number
  allowedIps: string[]
  /** Seconds; 0 means off. */
  persistentKeepalive: number
  /** Whether a preshared key file exists (the key itself is a secret). */
  hasPresharedKey: boolean
}

/** `config device '<name>'` — a configured LAN device. Discovered devices are not persisted. */
export type Device = {
  /** UCI section name, derived from the MAC: d_aabbccddeeff. */
  id: string
  /** Lower-case colon form. */
  mac: string
  mode: DeviceMode
  label: string
  kind: string
  /** The group (section name) whose tunnel carries it while its mode is `vpn`; '' for the
   * household's default group. Kept whatever the mode, so it returns to its group. */
  group: string
}

/** `config group '<name>'` — devices that go through a location of their own at the same time as
 * the rest (issue 21): the TV through the UK while the laptops use the home country. The
 * household's default group is not a section: it is the globals' active_profile, fallback,
 * kill_switch and connect, so every config written before groups means what it meant. */
export type Group = {
  /** UCI section name: [A-Za-z0-9_], 1–32 characters, not `default`. */
  id: string
  /** 1…MAX_GROUPS: its order among the groups, which names its tunnel, table, mark and rule
   * priorities (core/ids.ts). */
  index: number
  /** What people see ("TV (UK)"); the id when unset. */
  label: string
  /** Profile section name of its location, or '' when it has none usable: then its tunnel never
   * comes up and its vpn devices are blocked. */
  profile: string
  /** Ordered fallback profile section names. */
  fallback: string[]
  /** As globals.killSwitch, for this group alone. */
  killSwitch: KillSwitch
  /** As globals.connect, for this group alone: the user's wish that its tunnel be up. */
  connect: boolean
}

export const MS_METHODS = ['http', 'dyndns2'] as const
export type MediastreamerMethod = (typeof MS_METHODS)[number]
export const HTTP_METHODS = ['GET', 'POST'] as const

/** `config mediastreamer 'mediastreamer'` — smart-DNS registration settings. Token and password are
 * secrets and not part of this type. */
export type Mediastreamer = {
  enabled: boolean
  method: MediastreamerMethod
  /** HTTPS activation URL template with {ip} and {token}. */
  url: string
  httpMethod: (typeof HTTP_METHODS)[number]
  /** Optional POST body template with {ip} and {token}. */
  body: string
  /** Optional text the response body must contain for success. */
  successMatch: string
  /** dyndns2 server host name. */
  server: string
  hostname: string
  username: string
  /** One or two smart-DNS servers (IP addresses). */
  dnsServers: string[]
  /** IP-echo URLs used when the WAN address is not public. */
  ipEchoUrls: string[]
}

/** The whole validated config. */
export type Config = {
  globals: Globals
  profiles: Profile[]
  devices: Device[]
  /** The groups besides the default one, in index order (empty: everything as before groups). */
  groups: Group[]
  mediastreamer: Mediastreamer
  /** Rules by destination (issue 22) in file order; rules.ts. */
  rules: Rule[]
}

/** One validation problem. `section` is the UCI section name (or `@type[i]` for anonymous ones),
 * `option` the option name or '' when the whole section is at fault. */
export type ConfigProblem = {
  section: string
  option: string
  reason: string
  /** The line of /etc/config/lanvpn it is about, where known (the daemon's status sets it). */
  line?: number
}

/** Where a rule's traffic goes: `vpn` the device's own group's tunnel, `group` a named group's
 * tunnel (`group` field; '' the default group's), `direct` the WAN, `blocked` nowhere. */
export type RuleVia = 'vpn' | 'direct' | 'blocked' | 'group'

/** One port or range of one protocol. `443` in the config gives a tcp and a udp match. */
export type PortMatch = { proto: 'tcp' | 'udp'; first: number; last: number }

/** `config rule` — traffic matching it goes `via`, for the devices it is for. */
export type Rule = {
  /** The section's name, or `@rule[i]` for an anonymous one. */
  id: string
  /** 1-based position among the `config rule` sections: names its nft sets and chain. */
  number: number
  label: string
  enabled: boolean
  /** Lower case, no trailing dot; each covers its subdomains. */
  domains: string[]
  /** CIDRs (a bare address gets /32 or /128). */
  dests: string[]
  ports: PortMatch[]
  via: RuleVia
  /** With via `group`: the group's id, '' for the default group. */
  group: string
  /** Who: these MACs, and the devices of these groups ('' the default group); both empty:
   * every device. */
  devices: string[]
  groups: string[]
}
