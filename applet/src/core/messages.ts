// The daemon's sentences in the status file (why the tunnel is down, the LAN's and the config's
// problems, a failed apply), each once, with a stable code and its parameters, so that the web UI
// can say them in the reader's language (its catalogs translate `said.<code>`). The call sites
// write the English (`say`), which the CLI prints and a UI that does not know a code shows; the
// status writer puts each sentence's code beside it (`withSentenceCodes`).
import type { Said, Status } from './api/status'

/** The English sentences by code; `{name}` is a parameter (any text, English or a name). */
export const SENTENCES = {
  // The tunnel (core/tunnel/health.ts, daemon/tunnel*.ts, core/tunnel/setup-reason.ts).
  wanDown: "the router's internet connection (WAN) is down",
  goingBack: 'the chosen location answers again: going back to it',
  serverStopped: 'the VPN server stopped answering',
  serverNotAnswering: 'the VPN server is not answering',
  serverDidNotAnswer: 'the VPN server did not answer',
  serverSilent: 'the VPN server has not answered for a while',
  interfaceGone: 'the tunnel interface disappeared',
  setupFailed: 'the tunnel could not be set up',
  setupFailedBecause: 'setting up the tunnel failed ({detail})',
  locationDeleted: 'this location was deleted',
  keyMissing: 'the private key of this location is missing: import it again',
  settingsMissing: 'the settings of this location are missing: import it again',
  nameNoAnswer: "the VPN server's name could not be looked up: DNS is not answering",
  nameUnknown: "the VPN server's name could not be looked up: DNS knows no such name",
  nameFailed: "the VPN server's name could not be looked up",
  openvpnNotStarted: 'openvpn could not be started ({detail})',
  openvpnExited: 'openvpn exited before the VPN server accepted the connection',
  // system/openvpn-addon.ts: the command is `opkg install lanvpn-openvpn` or apk's.
  openvpnMissing: 'OpenVPN profiles need the lanvpn-openvpn package: {command}',
  // The LAN (system/lan.ts).
  lanMissing:
    'the LAN (network interface {name}) has no device now ({device} is missing): no device on it reaches anything; VPN devices stay closed',
  lanNoDevice:
    'the LAN (network interface {name}) has no device now: no device on it reaches anything; VPN devices stay closed',
  lanDeviceMissing:
    'the LAN device {device} (option lan_device) does not exist: VPN devices stay closed',
  notLanSide: '{option}: {name} is not a network interface on the LAN side',
  // A failed apply (system/apply.ts): the step is a tool's, the detail its own words.
  applyStep: 'applying {step}: {detail}',
  // The config file (core/config/validate.ts): the option is shown beside the sentence.
  unreadable: 'the file cannot be read: {detail}',
  notList: 'must be a single option, not a list',
  bool: 'must be 0 or 1 (or true/false, yes/no, on/off)',
  wholeNumber: 'must be a whole number from {min} to {max}',
  oneOf: 'must be one of {values}',
  ipAddress: 'must be an IPv4 or IPv6 address',
  ipAddressOrEmpty: 'must be empty or an IPv4 or IPv6 address',
  linuxName: 'must be a Linux interface name: 1 to 15 characters without /, : or spaces',
  networkName: 'must be a network interface name: letters, digits and _',
  label: 'must be 1 to 64 characters without control characters',
  onlyOne: 'only one {type} section is used; this one is ignored',
  noSecrets: 'secrets do not belong in /etc/config/lanvpn; {how}',
} as const

/** A sentence's code. */
export type SentenceCode = keyof typeof SENTENCES

/** The English sentence `code` with its parameters filled in. Pure. */
export function say(code: SentenceCode, args: Record<string, string | number> = {}): string {
  return SENTENCES[code].replace(/\{(\w+)\}/g, (_, name: string) => String(args[name]))
}

let patterns: Array<[SentenceCode, RegExp, string[]]> | null = null

/** The code and parameters of one of the daemon's sentences; undefined for any other text. Pure. */
export function codeOf(text: string): Said | undefined {
  patterns ??= Object.entries(SENTENCES).map(([code, sentence]) => {
    const names = [...sentence.matchAll(/\{(\w+)\}/g)].map((m) => m[1])
    const source = sentence
      .split(/\{\w+\}/)
      .map((part) => part.replace(/[.*+?^$()|[\]\\/]/g, '\\$&'))
      .join('(.+?)')
    return [code as SentenceCode, new RegExp(`^${source}$`), names]
  })
  for (const [code, re, names] of patterns) {
    const m = re.exec(text)
    if (!m) continue
    if (names.length === 0) return { code }
    return { code, args: Object.fromEntries(names.map((n, i) => [n, m[i + 1]])) }
  }
  return undefined
}

/** `status` with the code of each sentence the web UI shows: the tunnel's reason, each config
 * problem's, and the LAN's problems and the apply errors in their order (null where a sentence
 * has none; no list where there is no sentence). Pure. */
export function withSentenceCodes(status: Status): Status {
  const codes = (list: string[]) => list.map((text) => codeOf(text) ?? null)
  const out: Status = {
    ...status,
    problems: status.problems.map((p) => ({ ...p, ...codeOf(p.reason) })),
  }
  const why = status.tunnel.reason ? codeOf(status.tunnel.reason) : undefined
  if (why) out.tunnel = { ...status.tunnel, reasonCode: why }
  if (status.apply.errors.length)
    out.apply = { ...status.apply, errorCodes: codes(status.apply.errors) }
  if (status.lan?.problems.length)
    out.lan = { ...status.lan, problemCodes: codes(status.lan.problems) }
  return out
}
