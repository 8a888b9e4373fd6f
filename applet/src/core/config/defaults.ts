// What a fresh install runs with. The shipped /etc/config/lanvpn must equal DEFAULT_CONFIG_TEXT
// (a unit test compares them), and validating it must give exactly defaultConfig().
import type { Config, Globals, Mediastreamer } from './types'

/** IP-echo services asked (through the WAN, only while MediaStreamer is on) for the public IP
 * when the WAN address is private. Plain-text HTTPS endpoints that answer with just the address. */
export const DEFAULT_IP_ECHO_URLS: readonly string[] = [
  'https://api.ipify.org',
  'https://ipv4.icanhazip.com',
  'https://checkip.amazonaws.com',
]

/** Globals when the section or an option is missing (or bad). */
export const DEFAULT_GLOBALS: Readonly<Globals> = {
  enabled: true,
  killSwitch: 'always',
  autoConnect: true,
  defaultMode: 'vpn',
  ipv6: true,
  routerViaVpn: false,
  activeProfile: '',
  fallback: [],
  connect: false,
  armed: true,
  exitIpCheck: false,
  healthTarget: '',
  healthInterval: 5,
  logLevel: 'notice',
  backupSecrets: true,
  lanDevice: 'br-lan',
  lanDirect: [],
  lanBlocked: [],
  wanInterface: 'wan',
}

/** MediaStreamer settings when the section or an option is missing (or bad). */
export const DEFAULT_MEDIASTREAMER: Readonly<Mediastreamer> = {
  enabled: false,
  method: 'http',
  url: '',
  httpMethod: 'GET',
  body: '',
  successMatch: '',
  server: '',
  hostname: '',
  username: '',
  dnsServers: [],
  ipEchoUrls: DEFAULT_IP_ECHO_URLS.slice(),
}

/** The shipped /etc/config/lanvpn, byte for byte as `uci commit` would write it. Options whose
 * default is empty are absent: libuci cannot store an empty option. */
export const DEFAULT_CONFIG_TEXT = `
config globals 'globals'
\toption enabled '1'
\toption kill_switch 'always'
\toption auto_connect '1'
\toption default_mode 'vpn'
\toption ipv6 '1'
\toption router_via_vpn '0'
\toption health_interval '5'
\toption log_level 'notice'
\toption backup_secrets '1'
\toption lan_device 'br-lan'
\toption wan_interface 'wan'

config mediastreamer 'mediastreamer'
\toption enabled '0'
\toption method 'http'
\toption http_method 'GET'
${DEFAULT_IP_ECHO_URLS.map((u) => `\tlist ip_echo_url '${u}'\n`).join('')}
`

/** A fresh copy of the default config (no profiles, no devices). Safe to mutate. */
export function defaultConfig(): Config {
  return {
    globals: { ...DEFAULT_GLOBALS, fallback: [], lanDirect: [], lanBlocked: [] },
    profiles: [],
    devices: [],
    mediastreamer: {
      ...DEFAULT_MEDIASTREAMER,
      dnsServers: [],
      ipEchoUrls: DEFAULT_IP_ECHO_URLS.slice(),
    },
  }
}
