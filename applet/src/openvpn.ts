// The lanvpn-openvpn package's code, dist/lanvpn-openvpn.js: everything that parses an .ovpn
// profile and runs openvpn, split off the main package (its size budget, product.md) as OpenWrt
// splits openvpn itself off the routers that never use it. Nothing imports it statically: the
// daemon and importProfile load it with import() through system/openvpn-addon.ts, which says what
// to install when it is missing. Finding and stopping an openvpn stays in the main package
// (system/openvpn.ts), so cleanup works whatever is installed.
export { parseOvpn } from './core/tunnel/ovpn'
export { bringUpOpenvpn, checkOpenvpn, isOpenvpnUp, openvpnExited } from './daemon/tunnel-openvpn'
export { readOpenvpnCounters, readPushedDns } from './system/openvpn-run'

declare const __LANVPN_VERSION__: string
/** The lanvpn version this file was built as: a daemon loads it only if it is its own. */
export const ADDON_VERSION = typeof __LANVPN_VERSION__ === 'string' ? __LANVPN_VERSION__ : 'dev'
