// `lanvpn explain` in English: the sentences of an explanation's codes (explain.ts), with the values
// it mentions. Only the lanvpn-cli package carries them; the web UI has its own words for the same
// codes (webui/src/i18n, explain.*), so the main package need not carry a second English copy.
// Pure.
import type { ExplainCode, Explanation } from './explain'
import type { DestExplanation } from './explain-dest'

/** The English of one code, the values filled in from `p` (explain.ts params); `inGroup`: the
 * device is in a group other than the default one. */
function sentence(code: ExplainCode, p: Record<string, string>, inGroup: boolean): string {
  const which = inGroup ? `the tunnel of the group ${p.group}` : 'the VPN tunnel'
  const wan = "its traffic uses the WAN with the router's normal DNS"
  const never = "carries it, never the WAN or another group's tunnel."
  switch (code) {
    case 'disabled':
      return 'lanvpn is switched off, so this device uses the WAN like any other, whatever its mode.'
    case 'mode_default':
      return `It has no mode of its own, so it uses the default mode for devices: ${p.defaultMode}.`
    case 'mode_chosen':
      return `You chose the mode ${p.mode} for this device.`
    case 'private_mac':
      return 'It uses a private (randomised) MAC address: if it changes that address it shows up as a new device with the default mode.'
    case 'offline':
      return 'It is not on the network right now; this applies when it comes back.'
    case 'tunnel_irrelevant':
      return 'The state of the VPN tunnel does not matter for it.'
    case 'blocked':
      return 'It gets an address from the router but reaches nothing past the router.'
    case 'direct_wan':
      return "Its traffic goes straight out through the WAN, with the router's normal DNS."
    case 'ms_no_servers':
      return "Its traffic goes out through the WAN; no MediaStreamer DNS servers are set, so its DNS uses the router's normal resolver."
    case 'ms_smart_dns':
      return "Its traffic goes out through the WAN, and its DNS queries go to the provider's MediaStreamer servers through the WAN."
    case 'vpn_group':
      return `It is in the group ${p.group}: only that group's own tunnel (${p.tunnel}, ${p.profile}) ${never}`
    case 'vpn_group_default':
      return `It is in the household's default group: only its tunnel (${p.tunnel}, ${p.profile}) ${never}`
    case 'vpn_ipv6_dropped':
      return 'IPv6 through the tunnel is switched off, so its IPv6 traffic is dropped.'
    case 'vpn_no_profile':
      return `No VPN location is set up yet, so ${wan} until you import one.`
    case 'vpn_not_armed':
      return `Nobody has connected the VPN yet, so ${wan}; the kill switch starts at the first connect.`
    case 'vpn_tunnel_up':
      return `Its traffic and DNS go through ${which} (${p.profile}).`
    case 'vpn_auto_wan':
      return `You disconnected the VPN and the kill switch is set to auto, so ${wan} until you connect again.`
    case 'vpn_killswitch_blocks':
      return `${which[0].toUpperCase()}${which.slice(1)} is ${p.tunnelState}, so the kill switch blocks its traffic: nothing of it goes out through the WAN.`
  }
}

/** The summary and the reasons of an explanation as English sentences, in its order. */
export function explainText(e: Explanation): { summary: string; reasons: string[] } {
  const inGroup = e.reasonCodes.includes('vpn_group')
  return {
    summary: sentence(e.summaryCode, e.params, inGroup),
    reasons: e.reasonCodes.map((c) => sentence(c, e.params, inGroup)),
  }
}

/** A destination's answer (explain-dest.ts) in one line: "stream.example from TV: through the VPN
 * (tv), by rule 3 (Streaming)." `who`: the device as the user named it. A tunnel that is down,
 * or a vpn mode that uses the WAN, is said after it. */
export function destinationText(dest: string, who: string, e: DestExplanation): string {
  const via =
    e.via === 'vpn'
      ? `through the VPN${e.group ? ` (${e.group})` : ''}`
      : e.via === 'mediastreamer'
        ? 'direct, with the MediaStreamer DNS'
        : e.via
  const by =
    e.by === 'rule'
      ? `by rule ${e.rule}${e.label ? ` (${e.label})` : ''}`
      : e.by === 'local'
        ? 'a local address, always reached directly'
        : 'by its mode'
  const held = e.held
    ? ' — the VPN is not connected, so the kill switch holds this traffic until it is: none of it goes out through the WAN'
    : e.noIpv6
      ? ' — that VPN location carries no IPv6, so IPv6 to it is dropped: none of it goes out through the WAN'
      : ''
  const bypass = e.bypass ? ` ${sentence(e.bypass, {}, false)}` : ''
  return `${dest} from ${who}: ${via}, ${by}${held}.${bypass}`
}
