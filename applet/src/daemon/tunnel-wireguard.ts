// The WireGuard half of the tunnel driver (daemon/tunnel.ts): bring a location up on lanvpn's
// interface (kernel WireGuard, else wireguard-go), and look its server's name up again.
//
// Keys reach wg through a root-only file in RAM (system/wireguard.ts), never argv. An interface
// that already exists is kept and reconfigured, so a daemon restart does not cut a working tunnel.
import { errorText } from '../core/errors'
import type { Profile } from '../core/config/types'
import type { Paths } from '../core/paths'
import { say, SENTENCES } from '../core/messages'
import { renderWgConfig, type WgPeerSetup } from '../core/render/wg'
import { addressLines } from '../core/observe/ip'
import { OFFLINE_REASON } from '../core/tunnel/health'
import { nameLookupFailure } from '../core/tunnel/setup-reason'
import type { Host } from '../host/host'
import { pskSecret, readSecret, wgKeySecret } from '../system/files'
import { runChecked } from '../system/run'
import { hasNoDefaultRoute } from '../system/wan'
import {
  createWgInterface,
  deleteWgInterface,
  observeWgPeers,
  setWgConfig,
  setWgEndpoint,
  wgInterfaceAddresses,
  wgInterfaceExists,
  type WgKind,
} from '../system/wireguard'

/** Sets `profile` up on `iface`: `reason` is '' on success, else why not, in plain words; `kind`
 * says which implementation made the interface when this call created it. */
export async function bringUpWireguard(
  host: Host,
  paths: Paths,
  iface: string,
  profile: Profile
): Promise<{ reason: string; kind: WgKind | null }> {
  const config = wgConfigOf(host, paths, profile)
  if (!config) return { reason: SENTENCES.keyMissing, kind: null }
  let existed = false
  let kind: WgKind | null = null
  try {
    existed = await wgInterfaceExists(host, iface)
    if (!existed) kind = await createWgInterface(host, iface)
    await setWgConfig(host, paths.runDir, iface, config)
    // Addresses are set in place: a restart keeps the tunnel's address throughout.
    const present = existed ? await wgInterfaceAddresses(host, iface) : []
    const lines = addressLines(iface, present, profile.addresses)
    lines.push(`link set dev ${iface} mtu ${profile.mtu || 1420} up`)
    await runChecked(host, ['ip', '-batch', '-'], { stdin: lines.join('\n') + '\n' })
    return { reason: '', kind }
  } catch (e) {
    const message = errorText(e)
    const lookup = nameLookupFailure(message)
    // A restart while DNS fails: wg changed nothing (it resolves before it applies), and an
    // interface that already carries this location's peers, with the addresses looked up when
    // DNS worked, goes on carrying it; the next re-resolve tries the name again.
    if (existed && lookup && (await carries(host, iface, profile))) return { reason: '', kind }
    await deleteWgInterface(host, iface)
    // No name can be looked up while the WAN is down: say what the household can act on.
    if (lookup && (await hasNoDefaultRoute(host))) return { reason: OFFLINE_REASON, kind: null }
    return { reason: lookup || say('setupFailedBecause', { detail: message }), kind: null }
  }
}

/** The wg config of `profile` with its keys (null when its private key is missing); every peer
 * keeps itself alive every `keepalive` seconds when that is given. */
function wgConfigOf(host: Host, paths: Paths, profile: Profile, keepalive = 0): string | null {
  const key = readSecret(host, paths, wgKeySecret(profile.id))
  if (!key) return null
  const setups: WgPeerSetup[] = profile.peers.map((p, i) => ({
    ...p,
    persistentKeepalive: keepalive || p.persistentKeepalive,
    presharedKey: p.hasPresharedKey
      ? (readSecret(host, paths, pskSecret(profile.id, i)) ?? '').trim() || null
      : null,
  }))
  return renderWgConfig(key.trim(), setups)
}

/** Whether `profile`'s server completes a handshake now, asked on a second interface `iface` that
 * carries nothing (no address, no route; its keepalive starts the handshake as it comes up), while
 * another location carries the traffic. Removed again in every case. */
export async function handshakeAnswers(
  host: Host,
  paths: Paths,
  iface: string,
  profile: Profile
): Promise<boolean> {
  const config = wgConfigOf(host, paths, profile, 1)
  if (!config) return false
  try {
    await deleteWgInterface(host, iface)
    await createWgInterface(host, iface)
    await setWgConfig(host, paths.runDir, iface, config)
    await runChecked(host, ['ip', 'link', 'set', 'dev', iface, 'up'])
    for (let i = 0; i < 10; i++) {
      await new Promise((resolve) => host.setTimeout(() => resolve(null), 500))
      if ((await observeWgPeers(host, iface)).some((p) => p.latestHandshake > 0)) return true
    }
    return false
  } catch {
    return false
  } finally {
    await deleteWgInterface(host, iface)
  }
}

/** Whether the interface has every peer of `profile`, each with an endpoint. */
async function carries(host: Host, iface: string, profile: Profile): Promise<boolean> {
  const present = await observeWgPeers(host, iface).catch(() => [])
  return profile.peers.every((p) =>
    present.some((q) => q.publicKey === p.publicKey && q.endpoint !== '')
  )
}

/** wg resolves host names once, at setconf: asks again, so that a server that moved is found. */
export async function reresolveWireguard(
  host: Host,
  iface: string,
  profile: Profile
): Promise<void> {
  for (const p of profile.peers) {
    if (/^[0-9.]+$/.test(p.endpointHost) || p.endpointHost.includes(':')) continue
    await setWgEndpoint(host, iface, p.publicKey, `${p.endpointHost}:${p.endpointPort}`).catch(() =>
      host.log('warning', 'tunnel: the VPN server name could not be resolved')
    )
  }
}
