// Loads the lanvpn-openvpn package's code (applet/src/openvpn.ts, dist/lanvpn-openvpn.js) when an
// OpenVPN profile is imported or an OpenVPN location brought up, and says what to install when it
// is not there. Without it a configured OpenVPN location fails to set up like any other, so the
// kill switch holds and the status carries the sentence below.
import { errorText } from '../core/errors'
import { say } from '../core/messages'
import type { Host } from '../host/host'
import { installCommand } from './install-command'

/** What the lanvpn-openvpn package adds. */
export type OpenvpnAddon = typeof import('../openvpn')

declare const __LANVPN_VERSION__: string
const VERSION = typeof __LANVPN_VERSION__ === 'string' ? __LANVPN_VERSION__ : 'dev'

/** The command that installs lanvpn-openvpn on this router: apk on OpenWrt 25.12, opkg before. */
export function openvpnInstallCommand(host: Host): string {
  return installCommand(host, 'lanvpn-openvpn')
}

/** The package's code, or the sentence (messages.ts `openvpnMissing`) that names the package and
 * the command to install it when it is missing or of another version (an upgrade of lanvpn alone,
 * under a running daemon). A failed load is not kept: the next call tries again, so installing
 * the package is enough (its postinst restarts the daemon all the same, since a loaded module
 * stays loaded). */
export async function loadOpenvpn(host: Host): Promise<OpenvpnAddon | string> {
  let why: string
  try {
    const addon = await import('../openvpn')
    if (addon.ADDON_VERSION === VERSION) return addon
    why = `lanvpn-openvpn ${addon.ADDON_VERSION} is not lanvpn ${VERSION}`
  } catch (e) {
    why = errorText(e)
  }
  host.log('warning', `loading lanvpn-openvpn: ${why}`)
  return say('openvpnMissing', { command: openvpnInstallCommand(host) })
}
