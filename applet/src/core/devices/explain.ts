// "Why is this device routed this way": the answer as stable codes of sentences (and the values they
// mention in `params`), which the web UI shows in its own words and `lanvpn explain` in English
// (explain-text.ts, in the lanvpn-cli package: the main package carries no second English copy).
// Pure: everything it talks about comes in as arguments and mirrors product.md's mode table.
import type { DeviceMode, KillSwitch } from '../config/types'

/** Stable identifiers of the sentences; the UI translates by these (explain-text.ts: English). */
export type ExplainCode =
  | 'disabled'
  | 'mode_chosen'
  | 'mode_default'
  | 'vpn_tunnel_up'
  | 'vpn_killswitch_blocks'
  | 'vpn_auto_wan'
  | 'vpn_no_profile'
  | 'vpn_not_armed'
  | 'vpn_ipv6_dropped'
  | 'vpn_group'
  | 'vpn_group_default'
  | 'direct_wan'
  | 'ms_smart_dns'
  | 'ms_no_servers'
  | 'blocked'
  | 'tunnel_irrelevant'
  | 'private_mac'
  | 'offline'

/** What explainDevice needs to know. `tunnel.state` is the status file's. */
export type ExplainInput = {
  device: {
    mac: string
    mode: DeviceMode
    modeIsDefault: boolean
    privateMac: boolean
    online: boolean
  }
  /** `connect` is the user's wish to be connected (false after a manual disconnect). */
  globals: {
    enabled: boolean
    defaultMode: DeviceMode
    killSwitch: KillSwitch
    ipv6: boolean
    connect: boolean
    /** False before the first connect (config/types.ts); absent means armed. */
    armed?: boolean
  }
  tunnel: { state: string; profileLabel: string }
  /** Whether any VPN location (profile) is set up. */
  hasProfiles: boolean
  /** Whether MediaStreamer is on with smart-DNS servers (only then is DNS redirected). */
  hasSmartDns: boolean
  /** The device's group, when the household has groups (issue 21): id '' for the default one.
   * Its kill switch and wish to be connected replace the globals', and `tunnel` is its tunnel. */
  group?: {
    id: string
    label: string
    /** Its tunnel interface (lanvpn1…). */
    tunnelIface: string
    killSwitch: KillSwitch
    connect: boolean
  }
}

/** The explanation: the summary's code, the reasons' codes in order, and the values the sentences
 * mention. Sample:
 * `{ mac: '02:00:00:00:50:01', mode: 'vpn', modeIsDefault: false, summaryCode: 'vpn_tunnel_up',
 *    reasonCodes: ['mode_chosen'],
 *    params: { mode: 'vpn', profile: 'Amsterdam', tunnelState: 'connected' } }` */
export type Explanation = {
  mac: string
  mode: DeviceMode
  modeIsDefault: boolean
  summaryCode: ExplainCode
  reasonCodes: ExplainCode[]
  params: Record<string, string>
}

/** How a packet from this device is routed now, and why. Same input, same output. */
export function explainDevice(input: ExplainInput): Explanation {
  const { device, globals, tunnel } = input
  const mode = device.mode
  const profile = tunnel.profileLabel || 'no location chosen'
  const group = input.group
  const params: Record<string, string> = {
    mode,
    defaultMode: globals.defaultMode,
    profile,
    tunnelState: tunnel.state,
    ...(group ? { group: group.label || group.id, tunnel: group.tunnelIface } : {}),
  }
  const reasonCodes: ExplainCode[] = []
  const done = (summaryCode: ExplainCode): Explanation => ({
    mac: device.mac,
    mode,
    modeIsDefault: device.modeIsDefault,
    summaryCode,
    reasonCodes,
    params,
  })

  if (!globals.enabled) return done('disabled')
  reasonCodes.push(device.modeIsDefault ? 'mode_default' : 'mode_chosen')
  if (device.privateMac) reasonCodes.push('private_mac')
  if (!device.online) reasonCodes.push('offline')

  if (mode !== 'vpn') {
    reasonCodes.push('tunnel_irrelevant')
    if (mode === 'blocked') return done('blocked')
    if (mode === 'direct') return done('direct_wan')
    return done(input.hasSmartDns ? 'ms_smart_dns' : 'ms_no_servers')
  }

  if (group) reasonCodes.push(group.id ? 'vpn_group' : 'vpn_group_default')
  if (!globals.ipv6) reasonCodes.push('vpn_ipv6_dropped')
  // Mirrors core/plan nftModel's vpnBypassed: with no location at all, before the first connect,
  // or after a manual disconnect under kill switch `auto`, vpn devices use the WAN; any other way
  // down blocks them.
  if (!input.hasProfiles) return done('vpn_no_profile')
  if (globals.armed === false && tunnel.state !== 'connected') return done('vpn_not_armed')
  if (tunnel.state === 'connected') return done('vpn_tunnel_up')
  const killSwitch = group?.killSwitch ?? globals.killSwitch
  if (killSwitch === 'auto' && !(group?.connect ?? globals.connect)) return done('vpn_auto_wan')
  return done('vpn_killswitch_blocks')
}
