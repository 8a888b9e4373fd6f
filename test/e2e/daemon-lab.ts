// Setup shared by the lab specs that run the real daemon on the lab's router: a WireGuard profile
// from the lab's provider, the daemon started with the lab's paths, and lanvpn's cleanup after it.
// Not a spec itself (no .test.ts): the specs import it.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Lab, LabProcess } from './lab'

/** The bundle as it lands on a router (needs `npm run build`). */
export const LAB_BUNDLE = resolve(import.meta.dirname, '../../dist/root/usr/share/lanvpn/lanvpn.js')

/** The `config profile` section of a wg-quick file from `lab.clientConf(...)`, label = id, routing
 * everything (0.0.0.0/0 and ::/0); its private key is returned apart, never in the section. */
export function wgProfileSection(id: string, conf: string): { section: string; key: string } {
  const get = (k: string) => new RegExp(`^${k}\\s*=\\s*(.+)$`, 'm').exec(conf)?.[1].trim() ?? ''
  const [host, port] = get('Endpoint').split(':')
  const section = [
    `config profile '${id}'`,
    `\toption label '${id}'`,
    "\toption type 'wireguard'",
    ...get('Address')
      .split(/,\s*/)
      .map((a) => `\tlist address '${a}'`),
    `\tlist dns '${get('DNS')}'`,
    `\toption public_key '${get('PublicKey')}'`,
    `\toption endpoint_host '${host}'`,
    `\toption endpoint_port '${port}'`,
    "\tlist allowed_ips '0.0.0.0/0'",
    "\tlist allowed_ips '::/0'",
    '',
  ].join('\n')
  return { section, key: get('PrivateKey') }
}

/** Writes profile `id`'s private key where lanvpn reads it (<prefix>/etc/lanvpn/secrets/profile_<id>,
 * 0600 in a 0700 directory) and returns the profile's config section (see wgProfileSection). */
export function writeLabProfile(prefix: string, id: string, conf: string): string {
  const { section, key } = wgProfileSection(id, conf)
  const dir = join(prefix, 'etc/lanvpn/secrets')
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  writeFileSync(join(dir, `profile_${id}`), key, { mode: 0o600 })
  return section
}

/** How the daemon meets the lab. */
export interface LabDaemonOptions {
  /** The tunnel interface (LANVPN_TUNNEL_IFACE): one per lab, so parallel labs do not collide. */
  iface?: string
  /** Read the lab's DHCP leases (LANVPN_LEASE_FILE) and trust its HTTPS CA (CURL_CA_BUNDLE). */
  labServices?: boolean
  /** The bundle to run; LAB_BUNDLE when left out. */
  bundle?: string
}

function labEnv(lab: Lab, prefix: string, opts: LabDaemonOptions): string[] {
  const env = [`LANVPN_PREFIX=${prefix}`]
  if (opts.iface) env.push(`LANVPN_TUNNEL_IFACE=${opts.iface}`)
  if (opts.labServices)
    env.push(
      `LANVPN_LEASE_FILE=${lab.stateDir}/dhcp.leases`,
      `CURL_CA_BUNDLE=${lab.stateDir}/provider/ca.pem`
    )
  return env
}

/** Starts `lanvpn daemon` in the router namespace, logging to stderr (the LabProcess keeps it). */
export function startLabDaemon(lab: Lab, prefix: string, opts: LabDaemonOptions = {}): LabProcess {
  return lab.spawn('router', [
    'env',
    ...labEnv(lab, prefix, opts),
    'LANVPN_LOG=stderr',
    process.execPath,
    opts.bundle ?? LAB_BUNDLE,
    'daemon',
  ])
}

/** Runs `lanvpn cleanup` in the router namespace with the daemon's prefix and interface, so no
 * table, rule, route or interface outlives the spec. The caller stops the daemon first. */
export async function cleanupLabDaemon(
  lab: Lab,
  prefix: string,
  opts: LabDaemonOptions = {}
): Promise<void> {
  const { iface, bundle } = opts
  await lab.exec('router', [
    'env',
    ...labEnv(lab, prefix, { iface }),
    process.execPath,
    bundle ?? LAB_BUNDLE,
    'cleanup',
  ])
}
