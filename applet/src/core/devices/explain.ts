// "Why is this device routed this way": the answer in plain English sentences, each with a stable
// code (and the values it mentions in `params`) so the web UI can show its own translation.
// Pure: everything it talks about comes in as arguments and mirrors product.md's mode table.
import type { DeviceMode, KillSwitch } from '../config/types'

/** Stable identifiers of the sentences below; the UI translates by these. */
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

/** The explanation. `reasons[i]` has the code `reasonCodes[i]`. Sample:
 * `{ mac: '02:00:00:00:50:01', mode: 'vpn', modeIsDefault: false, summaryCode: 'vpn_tunnel_up',
 *    summary: 'Its traffic and DNS go through the VPN tunnel (Amsterdam).',
 *    reasons: ['You chose the mode vpn for this device.'], reasonCodes: ['mode_chosen'],
 *    params: { mode: 'vpn', profile: 'Amsterdam', tunnelState: 'connected' } }` */
export type Explanation = {
  mac: string
  mode: DeviceMode
  modeIsDefault: boolean
  summary: string
  summaryCode: ExplainCode
  reasons: string[]
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
  const reasons: Array<[ExplainCode, string]> = []
  const done = (code: ExplainCode, summary: string): Explanation => ({
    mac: device.mac,
    mode,
    modeIsDefault: device.modeIsDefault,
    summary,
    summaryCode: code,
    reasons: reasons.map((r) => r[1]),
    reasonCodes: reasons.map((r) => r[0]),
    params,
  })

  if (!globals.enabled) {
    const text =
      'lanvpn is switched off, so this device uses the WAN like any other, whatever its mode.'
    return done('disabled', text)
  }
  if (device.modeIsDefault) {
    const text = `It has no mode of its own, so it uses the default mode for devices: ${globals.defaultMode}.`
    reasons.push(['mode_default', text])
  } else {
    reasons.push(['mode_chosen', `You chose the mode ${mode} for this device.`])
  }
  if (device.privateMac) {
    const text =
      'It uses a private (randomised) MAC address: if it changes that address it shows up as a new device with the default mode.'
    reasons.push(['private_mac', text])
  }
  if (!device.online) {
    reasons.push([
      'offline',
      'It is not on the network right now; this applies when it comes back.',
    ])
  }

  if (mode === 'blocked') {
    reasons.push(['tunnel_irrelevant', 'The state of the VPN tunnel does not matter for it.'])
    return done(
      'blocked',
      'It gets an address from the router but reaches nothing past the router.'
    )
  }
  if (mode === 'direct') {
    reasons.push(['tunnel_irrelevant', 'The state of the VPN tunnel does not matter for it.'])
    return done(
      'direct_wan',
      "Its traffic goes straight out through the WAN, with the router's normal DNS."
    )
  }
  if (mode === 'mediastreamer') {
    reasons.push(['tunnel_irrelevant', 'The state of the VPN tunnel does not matter for it.'])
    if (!input.hasSmartDns) {
      const text =
        "Its traffic goes out through the WAN; no MediaStreamer DNS servers are set, so its DNS uses the router's normal resolver."
      return done('ms_no_servers', text)
    }
    const text =
      "Its traffic goes out through the WAN, and its DNS queries go to the provider's MediaStreamer servers through the WAN."
    return done('ms_smart_dns', text)
  }

  // vpn
  if (group?.id) {
    const text = `It is in the group ${params.group}: only that group's own tunnel (${group.tunnelIface}, ${profile}) carries it, never the WAN or another group's tunnel.`
    reasons.push(['vpn_group', text])
  } else if (group) {
    const text = `It is in the household's default group: only its tunnel (${group.tunnelIface}, ${profile}) carries it, never the WAN or another group's tunnel.`
    reasons.push(['vpn_group_default', text])
  }
  if (!globals.ipv6) {
    reasons.push([
      'vpn_ipv6_dropped',
      'IPv6 through the tunnel is switched off, so its IPv6 traffic is dropped.',
    ])
  }
  // Mirrors core/plan nftModel's vpnBypassed: with no location at all, before the first connect,
  // or after a manual disconnect under kill switch `auto`, vpn devices use the WAN; any other way
  // down blocks them.
  if (!input.hasProfiles) {
    const text =
      "No VPN location is set up yet, so its traffic uses the WAN with the router's normal DNS until you import one."
    return done('vpn_no_profile', text)
  }
  if (globals.armed === false && tunnel.state !== 'connected') {
    const text =
      "Nobody has connected the VPN yet, so its traffic uses the WAN with the router's normal DNS; the kill switch starts at the first connect."
    return done('vpn_not_armed', text)
  }
  if (tunnel.state === 'connected') {
    const which = group?.id ? `the tunnel of the group ${params.group}` : 'the VPN tunnel'
    return done('vpn_tunnel_up', `Its traffic and DNS go through ${which} (${profile}).`)
  }
  const killSwitch = group?.killSwitch ?? globals.killSwitch
  if (killSwitch === 'auto' && !(group?.connect ?? globals.connect)) {
    const text =
      "You disconnected the VPN and the kill switch is set to auto, so its traffic uses the WAN with the router's normal DNS until you connect again."
    return done('vpn_auto_wan', text)
  }
  const which = group?.id ? `The tunnel of the group ${params.group}` : 'The VPN tunnel'
  const text = `${which} is ${tunnel.state}, so the kill switch blocks its traffic: nothing of it goes out through the WAN.`
  return done('vpn_killswitch_blocks', text)
}
