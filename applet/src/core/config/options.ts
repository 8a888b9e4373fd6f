// Every option of the `globals`, `mediastreamer` and `group` sections, declared once: its UCI name, the
// field of the typed config it fills, the kind of JSON value setConfig takes for it, and its
// default. The defaults (defaults.ts), setConfig's patch schema and argument type (patch.ts,
// api/calls.ts) come from this table; validate.ts reads each option by the same name and falls
// back to the same default; the init script's procd description is checked against it
// (test/package/procd-validation.test.ts).
import type { Globals, Group, Mediastreamer } from './types'

/** The JSON kind setConfig takes for an option. */
export type OptionKind = 'bool' | 'int' | 'string' | 'list'

type Option<Section> = {
  [F in keyof Section]: {
    field: F
    kind: OptionKind
    default: Section[F] extends string[] ? readonly string[] : Section[F]
    /** Kept by lanvpn itself, not set through setConfig (the kill switch's arming). */
    internal?: true
  }
}[keyof Section]

/** IP-echo services asked (through the WAN, only while MediaStreamer is on) for the public IP
 * when the WAN address is private. Plain-text HTTPS endpoints that answer with just the address. */
export const DEFAULT_IP_ECHO_URLS: readonly string[] = [
  'https://api.ipify.org',
  'https://ipv4.icanhazip.com',
  'https://checkip.amazonaws.com',
]

export const GLOBAL_OPTIONS = {
  enabled: { field: 'enabled', kind: 'bool', default: true },
  kill_switch: { field: 'killSwitch', kind: 'string', default: 'always' },
  auto_connect: { field: 'autoConnect', kind: 'bool', default: true },
  default_mode: { field: 'defaultMode', kind: 'string', default: 'vpn' },
  ipv6: { field: 'ipv6', kind: 'bool', default: true },
  router_via_vpn: { field: 'routerViaVpn', kind: 'bool', default: false },
  active_profile: { field: 'activeProfile', kind: 'string', default: '' },
  fallback: { field: 'fallback', kind: 'list', default: [] },
  connect: { field: 'connect', kind: 'bool', default: false },
  armed: { field: 'armed', kind: 'bool', default: true, internal: true },
  exit_ip_check: { field: 'exitIpCheck', kind: 'bool', default: false },
  health_target: { field: 'healthTarget', kind: 'string', default: '' },
  health_interval: { field: 'healthInterval', kind: 'int', default: 5 },
  log_level: { field: 'logLevel', kind: 'string', default: 'notice' },
  backup_secrets: { field: 'backupSecrets', kind: 'bool', default: true },
  lan_device: { field: 'lanDevice', kind: 'string', default: 'br-lan' },
  lan_direct: { field: 'lanDirect', kind: 'list', default: [] },
  lan_blocked: { field: 'lanBlocked', kind: 'list', default: [] },
  wan_interface: { field: 'wanInterface', kind: 'string', default: 'wan' },
  local_direct: { field: 'localDirect', kind: 'bool', default: true },
  local_dest: { field: 'localDest', kind: 'list', default: [] },
} as const satisfies Record<string, Option<Globals>>

export const MEDIASTREAMER_OPTIONS = {
  enabled: { field: 'enabled', kind: 'bool', default: false },
  method: { field: 'method', kind: 'string', default: 'http' },
  url: { field: 'url', kind: 'string', default: '' },
  http_method: { field: 'httpMethod', kind: 'string', default: 'GET' },
  body: { field: 'body', kind: 'string', default: '' },
  success_match: { field: 'successMatch', kind: 'string', default: '' },
  server: { field: 'server', kind: 'string', default: '' },
  hostname: { field: 'hostname', kind: 'string', default: '' },
  username: { field: 'username', kind: 'string', default: '' },
  dns_server: { field: 'dnsServers', kind: 'list', default: [] },
  ip_echo_url: { field: 'ipEchoUrls', kind: 'list', default: DEFAULT_IP_ECHO_URLS },
} as const satisfies Record<string, Option<Mediastreamer>>

/** A `config group` section's options (its id and index come from the section, not options).
 * A group's kill switch and wish to be connected start as the safe ones: always closed, and up. */
export const GROUP_OPTIONS = {
  label: { field: 'label', kind: 'string', default: '' },
  profile: { field: 'profile', kind: 'string', default: '' },
  fallback: { field: 'fallback', kind: 'list', default: [] },
  kill_switch: { field: 'killSwitch', kind: 'string', default: 'always' },
  connect: { field: 'connect', kind: 'bool', default: true },
} as const satisfies Record<string, Option<Omit<Group, 'id' | 'index'>>>
export type SettableGroupOption = keyof typeof GROUP_OPTIONS

/** The options setConfig may set (not the internal ones), by UCI name. */
export type SettableGlobal = {
  [K in keyof typeof GLOBAL_OPTIONS]: (typeof GLOBAL_OPTIONS)[K] extends { internal: true }
    ? never
    : K
}[keyof typeof GLOBAL_OPTIONS]
export type SettableMediastreamer = keyof typeof MEDIASTREAMER_OPTIONS

/** The typed defaults of a section's table (a fresh copy: lists are new arrays). */
export function defaultsOf<T>(table: Record<string, { field: string; default: unknown }>): T {
  const out: Record<string, unknown> = {}
  for (const o of Object.values(table))
    out[o.field] = Array.isArray(o.default) ? o.default.slice() : o.default
  return out as T
}
