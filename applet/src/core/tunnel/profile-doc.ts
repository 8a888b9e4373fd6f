// Profiles in /etc/config/lanvpn, as pure edits of the UCI document. A profile is one named
// `config profile '<id>'` section carrying the first WireGuard peer's options, plus one anonymous
// `config peer` (option profile '<id>') per further peer. Secrets never appear here: only
// `preshared_key_set '1'` says a peer's preshared key file exists. Every function returns a new
// document and leaves its input untouched, so callers validate a candidate before saving it.
import { blockingProblems } from '../config/problems'
import type { Profile, WireguardPeer } from '../config/types'
import { singletonSection, validateConfig } from '../config/validate'
import {
  addSection,
  getOption,
  removeSection,
  replaceSection,
  sectionsOfType,
  setOption,
} from '../uci/doc'
import type { UciDoc, UciSection, UciValue } from '../uci/doc'
import type { ConfigProblem } from '../config/types'

function withOptions(section: UciSection, options: Array<[string, UciValue | number]>): UciSection {
  let s = section
  for (const [name, value] of options) {
    s = setOption(s, name, typeof value === 'number' ? (value > 0 ? String(value) : '') : value)
  }
  return s
}

function peerOptions(peer: WireguardPeer): Array<[string, UciValue | number]> {
  return [
    ['public_key', peer.publicKey],
    ['endpoint_host', peer.endpointHost],
    ['endpoint_port', peer.endpointPort],
    ['allowed_ips', peer.allowedIps],
    ['persistent_keepalive', peer.persistentKeepalive],
    ['preshared_key_set', peer.hasPresharedKey ? '1' : ''],
  ]
}

/** The sections that store `profile`: the named profile section first, then one anonymous peer
 * section per WireGuard peer after the first. */
export function profileSections(profile: Profile): UciSection[] {
  const [first, ...rest] = profile.peers
  const section = withOptions({ type: 'profile', name: profile.id, options: [] }, [
    ['label', profile.label],
    ['type', profile.type],
    ['address', profile.addresses],
    ['dns', profile.dns],
    ['dns_search', profile.dnsSearch],
    ['mtu', profile.mtu],
    ['listen_port', profile.listenPort ?? 0],
    ['remote', (profile.remotes ?? []).map((r) => `${r.host} ${r.port} ${r.proto}`)],
    ...(first ? peerOptions(first) : []),
  ])
  const peers = rest.map((peer) =>
    withOptions({ type: 'peer', name: null, options: [] }, [
      ['profile', profile.id],
      ...peerOptions(peer),
    ])
  )
  return [section, ...peers]
}

/** Every section name in use: UCI names are unique across a whole package, not per type. */
export function takenSectionNames(doc: UciDoc): string[] {
  return doc.sections.map((s) => s.name).filter((n): n is string => n !== null)
}

/** `doc` with the profile's sections appended. */
export function addProfile(doc: UciDoc, profile: Profile): UciDoc {
  return profileSections(profile).reduce((d, s) => addSection(d, s), doc)
}

/** `doc` with the globals section's options changed ('' or [] removes one), creating the section
 * first in the file when it is missing, as the shipped default has it. */
export function setGlobalOptions(doc: UciDoc, options: Record<string, UciValue>): UciDoc {
  const existing = singletonSection(doc, 'globals')
  let section: UciSection = existing ?? { type: 'globals', name: 'globals', options: [] }
  for (const [name, value] of Object.entries(options)) section = setOption(section, name, value)
  return existing ? replaceSection(doc, existing, section) : addSection(doc, section, 0)
}

/** The globals' raw option, for edits that keep what the file says (not the validated view). */
export function globalOption(doc: UciDoc, name: string): UciValue | undefined {
  const g = singletonSection(doc, 'globals')
  return g ? getOption(g, name) : undefined
}

/** `doc` without the profile `id`: its section, its peer sections, its place in the fallback list
 * and, when it was the active profile, active_profile and the wish to be connected. */
export function removeProfile(doc: UciDoc, id: string): UciDoc {
  let next = doc
  for (const s of doc.sections) {
    const isPeer = s.type === 'peer' && getOption(s, 'profile') === id
    if ((s.type === 'profile' && s.name === id) || isPeer) next = removeSection(next, s)
  }
  const fallback = globalOption(next, 'fallback')
  const list = fallback === undefined ? [] : Array.isArray(fallback) ? fallback : [fallback]
  const changes: Record<string, UciValue> = {}
  if (list.includes(id)) changes.fallback = list.filter((x) => x !== id)
  if (globalOption(next, 'active_profile') === id) {
    changes.active_profile = ''
    changes.connect = '0'
  }
  return Object.keys(changes).length > 0 ? setGlobalOptions(next, changes) : next
}

/** `doc` with the profile's label changed; the id (section name) stays, so nothing else moves. */
export function setProfileLabel(doc: UciDoc, id: string, label: string): UciDoc {
  const section = sectionsOfType(doc, 'profile').find((s) => s.name === id)
  if (!section) return doc
  return replaceSection(doc, section, setOption(section, 'label', label))
}

/** Problems `next` has that the document before it did not (`known`, its problems): what an edit
 * would break. Sections must keep their labels between the two (true for appending and in-place
 * edits, not for removals). */
export function newProblems(known: ConfigProblem[], next: UciDoc): ConfigProblem[] {
  return blockingProblems(known, validateConfig(next).problems)
}
