// The model the plan specs start from (plan.test.ts, guest-dns.test.ts): one WireGuard location,
// active and set to connect. Not a spec itself (no .test.ts): importing a spec would run its tests.
import { defaultConfig } from '../../applet/src/core/config/defaults'
import type { Config, Profile } from '../../applet/src/core/config/types'

/** A WireGuard location (id `ams`) routing everything, IPv4 and IPv6, with one resolver,
 * 10.64.0.1. */
export const PROFILE: Profile = {
  id: 'ams',
  label: 'Amsterdam',
  type: 'wireguard',
  addresses: ['10.64.0.2/32', 'fd64::2/128'],
  dns: ['10.64.0.1'],
  dnsSearch: [],
  mtu: 0,
  peers: [
    {
      publicKey: 'o3+LdGXKA4fu5I1xAIJ/SJ/pQ9nPt/ukL0lND9Wigkk=',
      endpointHost: '203.0.113.10',
      endpointPort: 51820,
      allowedIps: ['0.0.0.0/0', '::/0'],
      persistentKeepalive: 25,
      hasPresharedKey: false,
    },
  ],
}

/** The default config with PROFILE as its one location, active, and `connect` on; no devices.
 * A new object each call: a test may change it. */
export function connectedConfig(): Config {
  const c = defaultConfig()
  c.profiles = [PROFILE]
  c.globals.activeProfile = PROFILE.id
  c.globals.connect = true
  return c
}
