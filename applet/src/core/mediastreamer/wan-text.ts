// MediaStreamer's state in English for `lanvpn mediastreamer`: the daemon's words for the state
// (scheduler.ts viewOf), the WAN's kind in a sentence when the state is about it, and the note.
// Only the lanvpn-cli package carries the WAN's sentences; the web UI has its own words for the
// same kinds (webui/src/i18n, ms.wan.*), so the main package need not carry a second English
// copy. Pure.
import type { MediastreamerStatus } from '../api/status'
import type { WanKind } from './classify'

/** Plain words for a WAN kind (no address in them). */
export function explainWan(kind: WanKind): string {
  switch (kind) {
    case 'public':
      return 'The WAN has a public address; it is registered as it is.'
    case 'private':
      return 'The WAN address is private (the router is behind another router or modem); asking an IP-echo service for the public address.'
    case 'double-nat':
      return 'The router is behind another router or modem (double NAT). The public address comes from an IP-echo service; registration works while that box keeps its address.'
    case 'cgnat':
      return 'Your internet provider shares one public address among many customers (carrier-grade NAT, 100.64.0.0/10), so smart-DNS registration cannot work. Ask your ISP for a public IPv4 address (often called "opting out of CGNAT" or a "public/static IP").'
    case 'unknown':
      return 'The WAN has no IPv4 address (down or IPv6 only).'
  }
}

/** The status's message in one line: its words, the WAN's sentence when it explains the WAN, then
 * the note in parentheses, e.g. "Registered. The WAN has a public address; … (note)". */
export function mediastreamerMessage(
  s: Pick<MediastreamerStatus, 'message' | 'wanKind' | 'explainsWan' | 'note'>
): string {
  const words = [s.message, s.explainsWan ? explainWan(s.wanKind) : ''].filter(Boolean).join(' ')
  return s.note ? `${words} (${s.note})` : words
}
