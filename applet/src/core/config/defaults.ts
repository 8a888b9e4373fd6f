// What a fresh install runs with. The shipped /etc/config/lanvpn must equal DEFAULT_CONFIG_TEXT
// (a unit test compares them), and validating it must give exactly defaultConfig().
import { DEFAULT_IP_ECHO_URLS, defaultsOf, GLOBAL_OPTIONS, MEDIASTREAMER_OPTIONS } from './options'
import type { Config, Globals, Mediastreamer } from './types'

export { DEFAULT_IP_ECHO_URLS } from './options'

/** Globals when the section or an option is missing (or bad). */
export const DEFAULT_GLOBALS: Readonly<Globals> = defaultsOf<Globals>(GLOBAL_OPTIONS)

/** MediaStreamer settings when the section or an option is missing (or bad). */
export const DEFAULT_MEDIASTREAMER: Readonly<Mediastreamer> =
  defaultsOf<Mediastreamer>(MEDIASTREAMER_OPTIONS)

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
    globals: defaultsOf<Globals>(GLOBAL_OPTIONS),
    profiles: [],
    devices: [],
    groups: [],
    mediastreamer: defaultsOf<Mediastreamer>(MEDIASTREAMER_OPTIONS),
    rules: [],
  }
}
