// The OpenVPN half of the tunnel driver (daemon/tunnel.ts): bring a location up by running openvpn
// with lanvpn's run config, and tell the probe whether it still runs and its device is up. Part of
// the lanvpn-openvpn package: the driver reaches it through applet/src/openvpn.ts, loaded with
// import() (system/openvpn-addon.ts) when an OpenVPN location is first brought up.
//
// Addresses: openvpn sets the pushed address and MTU on lanvpn's tun device itself. Routes: none
// (`route-noexec`); the VPN table's `default dev <tunnel>` is lanvpn's. DNS: the servers the VPN
// server pushes (most providers' files name none) are recorded by lanvpn's own up hook, the only
// script openvpn runs, in a RAM file the driver reads; they win over the file's `dhcp-option DNS`
// lines (plan.ts tunnelResolvers). With neither, the devices' DNS is dropped (fail closed).
import { errorText } from '../core/errors'
import type { Paths } from '../core/paths'
import { say, SENTENCES } from '../core/messages'
import type { Profile } from '../core/config/types'
import { openvpnFiles, renderOvpnRunConfig } from '../core/tunnel/openvpn-run'
import type { Host } from '../host/host'
import { hasSecret, ovpnAuthSecret, ovpnConfigSecret, readSecret } from '../system/files'
import { openvpnPid, sleep, stopOpenvpn } from '../system/openvpn'
import {
  hasPushedDnsFile,
  runningOpenvpnConfig,
  startOpenvpn,
  tunDeviceUp,
} from '../system/openvpn-run'
import { run } from '../system/run'

/** How long bring-up waits for the device before leaving the rest to the probe: a usual connect
 * takes a second or two, and routing then follows at once instead of one probe later. */
const DEVICE_WAIT_MS = 10_000
const DEVICE_POLL_MS = 250

/** The run config for a profile, or why there is none. The password file is the root-only secret
 * itself (auth-user-pass reads it): no copy, never argv. */
export function openvpnRunConfig(host: Host, paths: Paths, profile: Profile): string | Error {
  const sanitised = readSecret(host, paths, ovpnConfigSecret(profile.id))
  if (!sanitised) return new Error(SENTENCES.settingsMissing)
  // files.ts names secrets `<secretsDir>/<name>`; openvpn needs the path, not the content.
  const auth = ovpnAuthSecret(profile.id)
  const authFile = hasSecret(host, paths, auth) ? `${paths.secretsDir}/${auth}` : undefined
  const upHook = { script: paths.ovpnUpHook, dnsFile: openvpnFiles(paths.runDir).dns }
  return renderOvpnRunConfig(sanitised, { dev: paths.tunnelIface, authFile, upHook })
}

/** Whether openvpn's location is up: its device is up and the up hook has run. openvpn runs the
 * hook just after it set the device up, and routing must not follow before the pushed DNS is
 * known, or vpn devices' DNS would be dropped until the next change. */
export function isOpenvpnUp(host: Host, paths: Paths): boolean {
  return tunDeviceUp(host, paths.tunnelIface) && hasPushedDnsFile(host, paths.runDir)
}

/** Starts openvpn for `profile`, or keeps the one already running with the same run config (a
 * daemon restart must not cut a working tunnel). Returns '' when openvpn runs — its device may
 * still be coming — else why not, in plain words. */
export async function bringUpOpenvpn(host: Host, paths: Paths, profile: Profile): Promise<string> {
  const iface = paths.tunnelIface
  const runConfig = openvpnRunConfig(host, paths, profile)
  if (runConfig instanceof Error) return runConfig.message
  if (runningOpenvpnConfig(host, paths.runDir) === runConfig) return ''
  await stopOpenvpn(host, paths.runDir)
  // A device of that name left from before (a WireGuard location, a crash) would stop openvpn.
  if (host.stat(`/sys/class/net/${iface}`)) await run(host, ['ip', 'link', 'del', 'dev', iface])
  try {
    if (!(await startOpenvpn(host, paths.runDir, runConfig))) return openvpnExited(host, paths)
  } catch (e) {
    return say('openvpnNotStarted', { detail: errorText(e) })
  }
  for (let waited = 0; waited < DEVICE_WAIT_MS; waited += DEVICE_POLL_MS) {
    if (isOpenvpnUp(host, paths)) return ''
    if (!openvpnPid(host, paths.runDir)) return openvpnExited(host, paths)
    await sleep(host, DEVICE_POLL_MS)
  }
  return ''
}

/** For an openvpn that went away before its device came up (a failed set-up, retried like any
 * other): removes what it left behind and says so, in plain words. openvpn logs nowhere (no server
 * or tunnel address in any file), so the cause is not known here; a refused password is not one
 * (`auth-retry nointeract` keeps it trying). */
export async function openvpnExited(host: Host, paths: Paths): Promise<string> {
  await stopOpenvpn(host, paths.runDir)
  return SENTENCES.openvpnExited
}

/** What the probe needs to know before pinging: openvpn is `gone` (died or was killed), still
 * `connecting` (runs, not up yet: the server has not accepted us), or `up` (isOpenvpnUp). No
 * process. */
export function checkOpenvpn(host: Host, paths: Paths): 'gone' | 'connecting' | 'up' {
  if (!openvpnPid(host, paths.runDir)) return 'gone'
  return isOpenvpnUp(host, paths) ? 'up' : 'connecting'
}
