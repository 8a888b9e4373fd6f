// The command that installs one of lanvpn's optional packages (lanvpn-openvpn, lanvpn-cli), for
// the sentences that say what to install: OpenWrt 25.12 installs packages with apk, earlier
// releases with opkg.
import type { Host } from '../host/host'

/** `apk add NAME` on a router with apk, else `opkg install NAME`. */
export function installCommand(host: Host, name: string): string {
  return host.stat('/usr/bin/apk') ? `apk add ${name}` : `opkg install ${name}`
}
