// The diagnostics bundle (product.md, Privacy rules): a text file the user downloads (`lanvpn
// diagnostics`, the UI's Privacy page) and may send to someone who helps. It is never sent
// anywhere by lanvpn. Keys, tokens, passwords, IP and MAC addresses, e-mail addresses, host names
// and domains are replaced by `[redacted-…]` markers (core/redact.ts, the log's rule too) that keep
// the structure readable. Pure: the caller reads the files and passes their content in.
import type { Config, ConfigProblem } from './config/types'
import { isWallClockSane } from './history'
import { redactText, type RedactionKnown } from './redact'

export { redactText, type RedactionKnown } from './redact'

/** Every name a person chose or a provider gave in the config: device and location labels,
 * endpoint and remote hosts, DNS search domains, the dyndns server, host and user. */
export function configNames(config: Config): string[] {
  const names: string[] = []
  for (const d of config.devices) names.push(d.label)
  for (const p of config.profiles) {
    names.push(p.label, ...p.dnsSearch)
    for (const peer of p.peers) names.push(peer.endpointHost)
    for (const r of p.remotes ?? []) names.push(r.host)
  }
  const m = config.mediastreamer
  names.push(m.server, m.hostname, m.username)
  return names.filter((n) => n.trim() !== '')
}

/** Everything the bundle is made of, already read by the caller. */
export type DiagnosticsInput = {
  version: string
  runtime: string
  nowWallMs: number
  /** The status file's content (already parsed), or null. */
  status: unknown
  config: Config
  problems: ConfigProblem[]
  devices: { seen: number; online: number }
  /** The fail-closed firewall include: the nft table the daemon last applied. */
  firewallInclude: string | null
  /** The destination rules' boot-time include (their own table, render/nft-rules.ts), or null when
   * none is written (no rule, no local_dest). */
  rulesInclude: string | null
  known: RedactionKnown
}

function isoTime(ms: number): string {
  return isWallClockSane(ms) ? new Date(ms).toISOString() : 'unknown (the clock is not set)'
}

/** The bundle's file name, e.g. `lanvpn-diagnostics-20251122-0826.txt`. */
export function diagnosticsFilename(nowWallMs: number): string {
  if (!isWallClockSane(nowWallMs)) return 'lanvpn-diagnostics.txt'
  const iso = new Date(nowWallMs).toISOString()
  return `lanvpn-diagnostics-${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 16).replace(':', '')}.txt`
}

/** The rules' include as the bundle shows it: its tables, chains and set declarations as they are,
 * each set's elements as a count, each domain set's hash comment left out. The config part already
 * holds every rule (redacted); what this adds is what boot loads, and whether it is there. Without
 * its elements it stays a few KB with 10,000 CIDRs, and none of the domains' hashes (a 32-bit FNV-1a
 * of a rule's domain list, which no redaction pattern catches) could confirm a guessed domain. */
export function rulesIncludeSummary(text: string): string {
  return text
    .replace(/^(\s*)elements = \{ (.*) \}$/gm, (_m, indent: string, list: string) => {
      const n = list.split(', ').length
      return `${indent}# ${n} element${n === 1 ? '' : 's'} (left out)`
    })
    .replace(/^(\s*)comment "[0-9a-f]{8}"$/gm, "$1# the domains' hash (left out)")
}

/** The whole bundle as text, redacted. Secrets never enter it: the config part is the validated
 * config (secrets live in files, not in it), and the status and firewall parts go through
 * redactText like everything else. Same input, same output. */
export function buildDiagnostics(input: DiagnosticsInput): string {
  const known = {
    secrets: input.known.secrets,
    names: [...input.known.names, ...configNames(input.config)],
  }
  const section = (title: string, body: string) => `== ${title} ==\n${body.replace(/\n*$/, '\n')}\n`
  const text =
    `lanvpn diagnostics\n` +
    `version: ${input.version}\nruntime: ${input.runtime}\ngenerated: ${isoTime(input.nowWallMs)}\n` +
    `Addresses, MACs, keys, tokens, passwords, host names and domains are replaced by [redacted-…].\n\n` +
    section('status', JSON.stringify(input.status, null, 2)) +
    section('config', JSON.stringify(input.config, null, 2)) +
    section(
      'config problems',
      input.problems.length
        ? input.problems
            .map((p) => `${p.section || '-'}.${p.option || '-'}: ${p.reason}`)
            .join('\n')
        : 'none'
    ) +
    section('devices', `seen: ${input.devices.seen}, online: ${input.devices.online}`) +
    section('firewall rules (fail-closed include)', input.firewallInclude ?? 'not written') +
    section(
      'destination rules (their boot include; set elements counted, not listed)',
      input.rulesInclude === null ? 'not written' : rulesIncludeSummary(input.rulesInclude)
    )
  return redactText(text, known)
}
