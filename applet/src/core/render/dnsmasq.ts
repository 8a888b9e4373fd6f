// lanvpn's own dnsmasq instances (issue 22). A vpn device's lookups go to its group's instance
// (dns_vpn<i> redirects them to its port), which asks the group's tunnel resolver on a socket
// bound to the tunnel (they fail while it is down, never leave by the WAN), asks the router's own
// dnsmasq for the router's local names, and, with dnsmasq's nftset, fills the domain rules' sets
// from the answers. With nftset, devices that are not vpn and that a domain rule may apply to have
// their lookups redirected to one more instance that asks the router's own dnsmasq: lanvpn never
// edits or restarts the router's dnsmasq (it serves the home's DHCP), and what its sets are for
// goes with the table. Without nftset the daemon looks the rules' domains up itself every POLL_MS
// (pollArgv, parseLookups) through the same resolvers. Pure.
import type { Rule } from '../config/rules'
import type { Config } from '../config/types'
import { isIp, isIpv4 } from '../config/formats'
import { NFT_FAMILY, NFT_RULES_TABLE } from '../ids'
import { dnsmasqNftsets, dnsSets } from './nft-rules'

/** Group i's instance listens on DNS_PORT + i; the non-vpn devices' on DNS_PORT + 9. */
export const DNS_PORT = 5330
export const DIRECT_DNS = 'direct'
export const POLL_MS = 300_000

/** One instance: `name` names its files ('g<i>' or DIRECT_DNS). */
export type LocalDns = { name: string; port: number; conf: string }

/** A group as the instances need it: its tunnel and the resolvers its devices use. */
export type DnsGroup = {
  index: number
  id: string
  iface: string
  resolvers: string[]
  /** The group wants its tunnel (set up and connected). */
  on: boolean
  /** The tunnel's ifindex now, '' when it is missing: a socket is bound to one, so a tunnel
   * made anew needs the instance started anew (the conf carries it). */
  ifindex: string
}

/** Names the router's own dnsmasq answers: its local domain(s), bare names, private reverse
 * zones (it answers them from its leases and hosts and, with OpenWrt's boguspriv, never forwards
 * them). */
const PRIVATE_ZONES = [
  '10.in-addr.arpa',
  '168.192.in-addr.arpa',
  ...Array.from({ length: 16 }, (_, i) => `${16 + i}.172.in-addr.arpa`),
  'd.f.ip6.arpa',
]

const ruleWho = (r: Rule) => r.devices.length + r.groups.length === 0

/** Enabled rules with domains. */
export const domainRules = (config: Config): Rule[] =>
  config.rules.filter((r) => r.enabled && r.domains.length > 0)

/** Whether a rule applies to group `id`'s devices (by configuration, as nft-rules.ts). */
function appliesTo(config: Config, r: Rule, id: string): boolean {
  if (ruleWho(r) || r.groups.includes(id)) return true
  return r.devices.some((m) => (config.devices.find((d) => d.mac === m)?.group ?? '') === id)
}

/** Whether a rule may apply to a device that is not vpn: then its domains are looked up through
 * the router's own resolver too, which is what such a device asks. */
function forNonVpn(config: Config, r: Rule): boolean {
  const all = ruleWho(r) || r.groups.includes('')
  if (all && config.globals.defaultMode !== 'vpn') return true
  return config.devices.some(
    (d) => d.mode !== 'vpn' && (all || r.devices.includes(d.mac) || r.groups.includes(d.group))
  )
}

function conf(
  runDir: string,
  name: string,
  port: number,
  lan: string[],
  servers: string[],
  local: string[],
  nftsets: string[]
): string {
  return [
    `port=${port}`,
    ...[...lan, 'lo'].map((i) => `interface=${i}`),
    'no-hosts',
    'no-resolv',
    'no-poll',
    // No cache, as before it (a vpn device's lookups went to the tunnel's resolver): dnsmasq
    // fills nft sets only from answers it forwards, and a rebuilt table starts them empty.
    'cache-size=0',
    // Nothing it does is logged: queries and domains stay out of every log.
    'log-facility=/dev/null',
    `pid-file=${runDir}/${name}.pid`,
    ...servers.map((x) => `server=${x}`),
    ...local,
    ...nftsets,
    '',
  ].join('\n')
}

/** The instances `config` needs: one per group that wants its tunnel and has a resolver, when
 * local_direct is on or a domain rule applies to it (`.lan` names then work for its devices); with
 * nftset, one for the non-vpn devices a domain rule may apply to. `lan`: the managed LAN
 * devices; `domains`: the router's local domains. Same input, same output. */
export function localDnsPlan(
  config: Config,
  groups: DnsGroup[],
  nftset: boolean,
  runDir: string,
  lan: string[],
  domains: string[]
): LocalDns[] {
  const rules = domainRules(config)
  const local = [
    `server=/${[...domains, ...PRIVATE_ZONES].join('/')}/127.0.0.1`,
    'server=//127.0.0.1',
  ]
  const out: LocalDns[] = []
  for (const g of groups) {
    const own = rules.filter((r) => appliesTo(config, r, g.id))
    if (!g.on || !g.resolvers.length || !(config.globals.localDirect || own.length)) continue
    const name = `g${g.index}`
    const port = DNS_PORT + g.index
    const sets = [...(nftset ? dnsmasqNftsets(own) : []), `# ${g.ifindex}`]
    const servers = g.resolvers.map((r) => `${r}@${g.iface}`)
    out.push({ name, port, conf: conf(runDir, name, port, lan, servers, local, sets) })
  }
  const other = rules.filter((r) => forNonVpn(config, r))
  if (nftset && other.length) {
    const port = DNS_PORT + 9
    const sets = dnsmasqNftsets(other)
    out.push({
      name: DIRECT_DNS,
      port,
      conf: conf(runDir, DIRECT_DNS, port, lan, ['127.0.0.1'], [], sets),
    })
  }
  return out
}

/** Whether `dnsmasq --version` lists nftset among its compile options. */
export const hasNftset = (version: string): boolean => /options:.*(^|\s)nftset(\s|$)/m.test(version)

/** Without nftset: one `sh` that looks up every rule's domains with busybox nslookup, each
 * through the resolvers its devices use (a running instance's port; the router's own for devices
 * that are not vpn), printing `#<rule>` before each rule's answers. null: nothing to look up. */
export function pollArgv(
  config: Config,
  instances: { index: number; id: string; port: number }[]
): string[] | null {
  const args: string[] = []
  for (const r of domainRules(config)) {
    const via = instances
      .filter((g) => appliesTo(config, r, g.id))
      .map((g) => `127.0.0.1:${g.port}`)
    if (forNonVpn(config, r)) via.push('127.0.0.1')
    for (const s of via) args.push(`@${s}`, `#${r.number}`, ...r.domains)
  }
  if (!args.length) return null
  const script =
    's=; for a; do case $a in @*) s=${a#@};; \\#*) echo "$a";; *) busybox nslookup "$a" "$s";; esac; done'
  return ['sh', '-c', script, 'sh', ...args]
}

/** The nft script adding what pollArgv's output answered to each rule's DNS sets (one
 * transaction), or '' when it answered nothing. busybox nslookup prints the server as
 * `Server:`/`Address:` lines, then each answer as `Name:` and `Address: <ip>`. */
export function parseLookups(text: string): string {
  const found = new Map<string, Set<string>>()
  let rule = 0
  let answers = false
  for (const line of text.split('\n')) {
    const marker = /^#(\d+)$/.exec(line)
    if (marker) rule = Number(marker[1])
    else if (line.startsWith('Server:')) answers = false
    else if (line.startsWith('Name:')) answers = true
    const ip = /^Address:\s*(\S+)$/.exec(line)?.[1] ?? ''
    if (!rule || !answers || !isIp(ip)) continue
    const s = dnsSets(rule)[isIpv4(ip) ? 'v4' : 'v6']
    found.set(s, (found.get(s) ?? new Set()).add(ip))
  }
  return [...found]
    .map(
      ([s, ips]) => `add element ${NFT_FAMILY} ${NFT_RULES_TABLE} ${s} { ${[...ips].join(', ')} }\n`
    )
    .join('')
}
