// The WireGuard interface through ip and wg. Kernel WireGuard when the kernel has it; the
// userspace implementation (wireguard-go) when it answers "Unknown device type", as wg-quick does.
import { parseIfaceAddresses } from '../core/observe/ip'
import { parseWgDump, type WgPeerState } from '../core/observe/wg'
import type { Host } from '../host/host'
import { run, runChecked } from './run'

/** Whether the interface was made by the kernel module or by wireguard-go. */
export type WgKind = 'kernel' | 'userspace'

/** wireguard-go's control socket, shared by every namespace of the machine. */
export function userspaceSocket(iface: string): string {
  return `/var/run/wireguard/${iface}.sock`
}

/** Creates the interface; returns which implementation carries it. Throws ExecError when neither
 * can. */
export async function createWgInterface(host: Host, iface: string): Promise<WgKind> {
  const r = await run(host, ['ip', 'link', 'add', 'dev', iface, 'type', 'wireguard'])
  if (r.code === 0) return 'kernel'
  if (!/Unknown device type|not supported/i.test(r.stderr)) {
    await runChecked(host, ['ip', 'link', 'add', 'dev', iface, 'type', 'wireguard'])
  }
  // wireguard-go daemonizes itself once the interface exists; its socket appears when it is ready.
  await runChecked(host, ['wireguard-go', iface], {
    env: { WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1' },
    timeoutMs: 10_000,
  })
  return 'userspace'
}

/** wg retries a host name that does not resolve for more than a minute by itself; lanvpn retries
 * set-ups with its own backoff and must not stall its tunnel queue meanwhile, so wg fails at once. */
const WG_ENV = { WG_ENDPOINT_RESOLUTION_RETRIES: '0' }

/** Loads keys and peers from `config` through a root-only file in the RAM run directory, removed
 * at once: never in argv. (Not /dev/stdin: Node hands children a socket, which wg cannot fopen.) */
export async function setWgConfig(
  host: Host,
  runDir: string,
  iface: string,
  config: string
): Promise<void> {
  const file = `${runDir}/wg-${iface}.conf`
  host.mkdirp(runDir, 0o755)
  host.writeFileAtomic(file, config, { mode: 0o600, durable: false })
  try {
    await runChecked(host, ['wg', 'setconf', iface, file], { env: WG_ENV })
  } finally {
    host.removeFile(file)
  }
}

/** Points a peer at its endpoint again; wg resolves a host name anew. */
export async function setWgEndpoint(
  host: Host,
  iface: string,
  publicKey: string,
  endpoint: string
): Promise<void> {
  await runChecked(host, ['wg', 'set', iface, 'peer', publicKey, 'endpoint', endpoint], {
    env: WG_ENV,
  })
}

/** Removes the interface (a userspace one goes with its socket). No error when it is gone. */
export async function deleteWgInterface(host: Host, iface: string): Promise<void> {
  await run(host, ['ip', 'link', 'del', 'dev', iface])
  host.removeFile(userspaceSocket(iface))
}

/** Whether the interface exists. */
export async function wgInterfaceExists(host: Host, iface: string): Promise<boolean> {
  return (await run(host, ['ip', 'link', 'show', 'dev', iface])).code === 0
}

/** The addresses `iface` has now (`addr/len`); [] when it is not there. */
export async function wgInterfaceAddresses(host: Host, iface: string): Promise<string[]> {
  const r = await run(host, ['ip', '-j', 'addr', 'show', 'dev', iface])
  return r.code === 0 ? parseIfaceAddresses(r.stdout) : []
}

/** Peer state (handshakes, counters), or [] when the interface is not there. */
export async function observeWgPeers(host: Host, iface: string): Promise<WgPeerState[]> {
  const r = await run(host, ['wg', 'show', iface, 'dump'])
  return r.code === 0 ? parseWgDump(r.stdout) : []
}

/** One probe through the tunnel: a ping bound to the interface. */
export async function probeThroughTunnel(
  host: Host,
  iface: string,
  target: string
): Promise<boolean> {
  const argv = ['ping', '-c', '1', '-W', '2', '-I', iface, target]
  if (target.includes(':')) argv.splice(1, 0, '-6')
  return (await run(host, argv, { timeoutMs: 5000 })).code === 0
}
