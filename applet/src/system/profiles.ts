// Profile management on disk: the rpc methods and the `lanvpn` commands both call these, so every
// rule lives once. Each change reads /etc/config/lanvpn, edits the document (core/tunnel/
// profile-doc.ts), checks that the candidate breaks nothing, then saves it atomically and wakes the
// daemon. Secrets go to root-only files (system/files.ts) and are never returned or logged.
import type { Profile, ConfigProblem } from '../core/config/types'
import { hasControlChars, parseConfig } from '../core/config/validate'
import { fnv1a } from '../core/hash'
import type { Paths } from '../core/paths'
import { parseOvpn } from '../core/tunnel/ovpn'
import {
  addProfile,
  globalOption,
  newProblems,
  removeProfile,
  setGlobalOptions,
  setProfileLabel,
  takenSectionNames,
} from '../core/tunnel/profile-doc'
import { isProfileId, profileIdFromLabel } from '../core/tunnel/profile-id'
import { parseWireguardConf, type ImportNote } from '../core/tunnel/wireguard-conf'
import type { UciDoc } from '../core/uci/doc'
import { renderUci } from '../core/uci/render'
import type { Host } from '../host/host'
import {
  hasSecret,
  notifyDaemon,
  readConfigText,
  writeConfigText,
  writeSecret,
  type SecretName,
} from './files'
import { postRequest } from './requests'

/** The secret file holding a WireGuard profile's private key (getConfig reports it as privateKey). */
export const wgKeySecret = (id: string): SecretName => `profile_${id}`
/** The secret file holding the preshared key of peer `index` (0 = the first peer). */
export const pskSecret = (id: string, index: number): SecretName => `profile_${id}.psk${index}`
/** The sanitised OpenVPN config (it carries the inline keys, so it is a secret). */
export const ovpnConfigSecret = (id: string): SecretName => `profile_${id}.ovpn`
/** OpenVPN user name and password, one per line, for `auth-user-pass <file>` (never argv). */
export const ovpnAuthSecret = (id: string): SecretName => `profile_${id}.auth`

/** A refused profile change, as data. `invalid_profile` carries the import notes; `not_found` names
 * an id that is not a usable profile. Sample:
 * `{ "error": { "code": "invalid_profile", "message": "line 3: PrivateKey must be a WireGuard key (base64 of 32 bytes)", "field": "text", "notes": [{ "line": 3, "level": "error", "message": "…" }] } }` */
export type ProfileError = {
  error: {
    code: 'invalid_profile' | 'invalid_argument' | 'not_found' | 'invalid_config'
    message: string
    field?: string
    notes?: ImportNote[]
    problems?: ConfigProblem[]
  }
}

/** A saved change. Sample: `{ "ok": true, "configHash": "9f1c2e3a", "daemonNotified": true }` */
export type ProfileChange = { ok: true; configHash: string; daemonNotified: boolean }

/** A saved import. Sample:
 * `{ "ok": true, "id": "amsterdam", "notes": [{ "line": 7, "level": "refused", "message": "postup refused: …" }], "configHash": "9f1c2e3a", "daemonNotified": false }` */
export type ImportResult = ProfileChange & { id: string; notes: ImportNote[] }

/** A secret's presence, never its value. */
export type SecretFlag = { set: boolean }

/** One profile as the API shows it: no secret, only whether each is stored. `privateKey` is the
 * WireGuard key file, or for OpenVPN the sanitised config that carries the inline keys;
 * `credentials` the OpenVPN user/password file. Sample:
 * `{ "id": "amsterdam", "label": "Amsterdam", "type": "wireguard", "endpoints": ["ams.example.net:51820"],
 *    "addresses": ["10.64.0.2/32"], "dns": ["10.64.0.1"], "dnsSearch": [], "mtu": 0, "peers": 1,
 *    "privateKey": { "set": true }, "credentials": { "set": false } }` */
export type ProfileSummary = {
  id: string
  label: string
  type: Profile['type']
  endpoints: string[]
  addresses: string[]
  dns: string[]
  dnsSearch: string[]
  mtu: number
  peers: number
  privateKey: SecretFlag
  credentials: SecretFlag
}

/** `listProfiles` result. Sample:
 * `{ "profiles": [ …ProfileSummary ], "active": "amsterdam", "fallback": ["paris"], "connect": true, "configHash": "9f1c2e3a" }` */
export type ProfileList = {
  profiles: ProfileSummary[]
  active: string
  fallback: string[]
  connect: boolean
  configHash: string
}

/** What an import needs. `type` 'auto' looks at the text. */
export type ImportInput = {
  name: string
  text: string
  type?: 'auto' | 'wireguard' | 'openvpn'
  username?: string
  password?: string
}

const fail = (
  code: ProfileError['error']['code'],
  field: string | undefined,
  message: string
): ProfileError => ({ error: { code, message, field } })

/** Labels: what people see, 1–64 characters, no control characters (as validate.ts reads them). */
export function labelProblem(label: string): string | null {
  return label.trim().length > 0 && label.length <= 64 && !hasControlChars(label)
    ? null
    : 'must be 1 to 64 characters without control characters'
}

// Credentials end up in a two-line file: no line breaks or other control characters.
function credentialProblem(value: string): string | null {
  return value.length > 0 && value.length <= 256 && !hasControlChars(value)
    ? null
    : 'must be 1 to 256 characters without control characters'
}

const endpointText = (host: string, port: number): string =>
  host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`

type Loaded = { text: string; doc: UciDoc; profiles: Profile[]; active: string; fallback: string[] }

function load(host: Host, paths: Paths): Loaded | ProfileError {
  const text = readConfigText(host, paths)
  const parsed = parseConfig(text)
  const syntax = parsed.problems.find((p) => p.section === '' && p.option === '')
  if (syntax) return fail('invalid_config', undefined, syntax.reason)
  const { globals, profiles } = parsed.config
  return {
    text,
    doc: parsed.doc,
    profiles,
    active: globals.activeProfile,
    fallback: globals.fallback,
  }
}

function save(host: Host, paths: Paths, doc: UciDoc): ProfileChange {
  const text = renderUci(doc)
  writeConfigText(host, paths, text)
  return { ok: true, configHash: fnv1a(text), daemonNotified: notifyDaemon(host, paths) }
}

// Saves `next` unless it adds a config problem (then nothing is written).
function saveChecked(
  host: Host,
  paths: Paths,
  before: UciDoc,
  next: UciDoc
): ProfileChange | ProfileError {
  const problems = newProblems(before, next)
  if (problems.length === 0) return save(host, paths, next)
  const p = problems[0]
  const where = [p.section, p.option].filter(Boolean).join('.')
  return { error: { code: 'invalid_config', message: `${where}: ${p.reason}`, problems } }
}

function findProfile(loaded: Loaded, id: string, field = 'id'): Profile | ProfileError {
  if (!isProfileId(id)) return fail('invalid_argument', field, `${field}: is not a profile id`)
  const profile = loaded.profiles.find((p) => p.id === id)
  return profile ?? fail('not_found', field, `${field}: no usable profile "${id}"`)
}

/** Every usable profile with its endpoints and which secrets are stored, plus the active profile,
 * the fallback order and the wish to be connected. Reads only; no secret is read. */
export function listProfiles(host: Host, paths: Paths): ProfileList {
  const text = readConfigText(host, paths)
  const { config } = parseConfig(text)
  const summaries = config.profiles.map((p): ProfileSummary => {
    const isWg = p.type === 'wireguard'
    const endpoints = isWg
      ? p.peers.map((peer) => endpointText(peer.endpointHost, peer.endpointPort))
      : (p.remotes ?? []).map((r) => endpointText(r.host, r.port))
    return {
      id: p.id,
      label: p.label,
      type: p.type,
      endpoints,
      addresses: p.addresses,
      dns: p.dns,
      dnsSearch: p.dnsSearch,
      mtu: p.mtu,
      peers: isWg ? p.peers.length : 0,
      privateKey: {
        set: hasSecret(host, paths, isWg ? wgKeySecret(p.id) : ovpnConfigSecret(p.id)),
      },
      credentials: { set: !isWg && hasSecret(host, paths, ovpnAuthSecret(p.id)) },
    }
  })
  const g = config.globals
  return {
    profiles: summaries,
    active: g.activeProfile,
    fallback: g.fallback,
    connect: g.connect,
    configHash: fnv1a(text),
  }
}

/** Which format the text is in, from its first meaningful line; null when neither. */
export function detectProfileType(text: string): 'wireguard' | 'openvpn' | null {
  if (/^\s*\[(interface|peer)\]\s*$/im.test(text)) return 'wireguard'
  if (/^\s*(client|remote|dev|proto|<ca>)(\s|$)/im.test(text)) return 'openvpn'
  return null
}

type Prepared = { profile: Profile; secrets: Array<[SecretName, string]>; notes: ImportNote[] }

function invalidProfile(notes: ImportNote[]): ProfileError {
  const first = notes.find((n) => n.level === 'error') ?? notes[0]
  const message = first
    ? `${first.line > 0 ? `line ${first.line}: ` : ''}${first.message}`
    : 'nothing usable in the file'
  return { error: { code: 'invalid_profile', message, field: 'text', notes } }
}

function prepare(input: ImportInput, id: string, label: string): Prepared | ProfileError {
  const type = !input.type || input.type === 'auto' ? detectProfileType(input.text) : input.type
  if (type === null) {
    const message = 'neither a WireGuard (.conf) nor an OpenVPN (.ovpn) profile'
    return { error: { code: 'invalid_profile', message, field: 'text', notes: [] } }
  }
  if (type === 'wireguard') {
    const wg = parseWireguardConf(input.text, { id, label })
    if (!wg.ok) return invalidProfile(wg.notes)
    const secrets: Array<[SecretName, string]> = [[wgKeySecret(id), wg.privateKey]]
    for (const [index, key] of Object.entries(wg.presharedKeys)) {
      secrets.push([pskSecret(id, Number(index)), key])
    }
    const notes = wg.notes.slice()
    if (input.username !== undefined || input.password !== undefined) {
      notes.push({
        line: 0,
        level: 'warning',
        message: 'user name and password ignored: WireGuard uses keys',
      })
    }
    return { profile: wg.profile, secrets, notes }
  }
  const ovpn = parseOvpn(input.text)
  if (!ovpn.ok) return invalidProfile(ovpn.notes)
  const profile: Profile = {
    id,
    label,
    type: 'openvpn',
    addresses: [],
    dns: ovpn.dns,
    dnsSearch: ovpn.dnsSearch,
    mtu: 0,
    peers: [],
    remotes: ovpn.remotes,
  }
  const secrets: Array<[SecretName, string]> = [[ovpnConfigSecret(id), ovpn.sanitised]]
  const notes = ovpn.notes.slice()
  const username = input.username ?? ovpn.credentials?.username
  const password = input.password ?? ovpn.credentials?.password
  if (ovpn.needsCredentials) {
    if (username === undefined)
      return fail(
        'invalid_argument',
        'username',
        'username: this profile needs a user name and password'
      )
    if (password === undefined)
      return fail(
        'invalid_argument',
        'password',
        'password: this profile needs a user name and password'
      )
    for (const [field, value] of [
      ['username', username],
      ['password', password],
    ] as const) {
      const problem = credentialProblem(value)
      if (problem) return fail('invalid_argument', field, `${field}: ${problem}`)
    }
    secrets.push([ovpnAuthSecret(id), `${username}\n${password}\n`])
  } else if (input.username !== undefined || input.password !== undefined) {
    notes.push({
      line: 0,
      level: 'warning',
      message: 'user name and password ignored: the profile uses a certificate',
    })
  }
  return { profile, secrets, notes }
}

// Ids already used: section names anywhere in the package and stems of stored secret files (a
// leftover key must never be picked up by a new profile of the same name).
function takenIds(host: Host, paths: Paths, doc: UciDoc): string[] {
  const fromSecrets = (host.listDir(paths.secretsDir) ?? [])
    .filter((n) => n.startsWith('profile_'))
    .map((n) => n.slice('profile_'.length).split('.')[0])
  return [...takenSectionNames(doc), ...fromSecrets]
}

/** Imports a WireGuard or OpenVPN profile under a new id derived from `name`. Secrets are written
 * first, then the config in one atomic write; if anything fails, the secrets written are removed
 * again and the config is as it was. Notes say what was refused or ignored, line by line. */
export function importProfile(
  host: Host,
  paths: Paths,
  input: ImportInput
): ImportResult | ProfileError {
  const labelWhy = labelProblem(input.name)
  if (labelWhy) return fail('invalid_argument', 'name', `name: ${labelWhy}`)
  const loaded = load(host, paths)
  if ('error' in loaded) return loaded
  const label = input.name.trim()
  const id = profileIdFromLabel(label, takenIds(host, paths, loaded.doc))
  const prepared = prepare(input, id, label)
  if ('error' in prepared) return prepared
  let next = addProfile(loaded.doc, prepared.profile)
  // The first location of a config that never armed the kill switch: protection starts at the
  // first connect, not now (a household must not go offline because someone imported a file).
  if (loaded.profiles.length === 0 && globalOption(loaded.doc, 'armed') === undefined)
    next = setGlobalOptions(next, { armed: '0' })
  const problems = newProblems(loaded.doc, next)
  if (problems.length > 0) {
    const p = problems[0]
    const message = `the imported profile would not load: ${p.option || p.section}: ${p.reason}`
    return { error: { code: 'invalid_profile', message, field: 'text', notes: prepared.notes } }
  }
  const written: SecretName[] = []
  try {
    for (const [name, value] of prepared.secrets) {
      writeSecret(host, paths, name, value)
      written.push(name)
    }
    const change = save(host, paths, next)
    return { ...change, id, notes: prepared.notes }
  } catch (e) {
    for (const name of written) {
      try {
        writeSecret(host, paths, name, '')
      } catch {
        // Keep going: remove as many as possible; the original error is what the caller needs.
      }
    }
    throw new Error(`importing profile: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    })
  }
}

/** Changes a profile's label; its id, secrets and references stay. */
export function renameProfile(
  host: Host,
  paths: Paths,
  id: string,
  label: string
): ProfileChange | ProfileError {
  const why = labelProblem(label)
  if (why) return fail('invalid_argument', 'label', `label: ${why}`)
  const loaded = load(host, paths)
  if ('error' in loaded) return loaded
  const found = findProfile(loaded, id)
  if ('error' in found) return found
  return saveChecked(host, paths, loaded.doc, setProfileLabel(loaded.doc, id, label.trim()))
}

/** Deletes a profile: its sections, its place in the fallback list, active_profile and connect when
 * it was the active one, then its secret files (after the config, so a crash in between leaves at
 * worst an unused key file, never a profile without its key). Hand-made profile sections that do
 * not validate can be deleted too. */
export function deleteProfile(host: Host, paths: Paths, id: string): ProfileChange | ProfileError {
  if (!isProfileId(id)) return fail('invalid_argument', 'id', 'id: is not a profile id')
  const loaded = load(host, paths)
  if ('error' in loaded) return loaded
  const exists = loaded.doc.sections.some((s) => s.type === 'profile' && s.name === id)
  if (!exists) return fail('not_found', 'id', `id: no profile "${id}"`)
  const change = save(host, paths, removeProfile(loaded.doc, id))
  for (const name of host.listDir(paths.secretsDir) ?? []) {
    if (name === wgKeySecret(id) || name.startsWith(`${wgKeySecret(id)}.`)) {
      writeSecret(host, paths, name as SecretName, '')
    }
  }
  return change
}

/** Sets the ordered fallback list: usable profiles, each once, not the active one. */
export function setFallback(
  host: Host,
  paths: Paths,
  ids: unknown[]
): ProfileChange | ProfileError {
  const loaded = load(host, paths)
  if ('error' in loaded) return loaded
  const list: string[] = []
  for (const [i, id] of ids.entries()) {
    const field = `ids[${i}]`
    if (typeof id !== 'string')
      return fail('invalid_argument', field, `${field}: must be a profile id`)
    const found = findProfile(loaded, id, field)
    if ('error' in found) return found
    if (list.includes(id)) return fail('invalid_argument', field, `${field}: repeats "${id}"`)
    if (id === loaded.active) {
      return fail('invalid_argument', field, `${field}: "${id}" is the active profile already`)
    }
    list.push(id)
  }
  return saveChecked(host, paths, loaded.doc, setGlobalOptions(loaded.doc, { fallback: list }))
}

/** Records the wish to be connected, optionally choosing the profile first (it then leaves the
 * fallback list, which may not hold the active one). The daemon does the connecting. */
export function connectProfile(
  host: Host,
  paths: Paths,
  id?: string
): ProfileChange | ProfileError {
  const loaded = load(host, paths)
  if ('error' in loaded) return loaded
  // Connecting arms the kill switch for good: said in the file, so that removing every location
  // and importing again does not disarm it.
  const changes: Record<string, string | string[]> = { connect: '1', armed: '1' }
  if (id !== undefined) {
    const found = findProfile(loaded, id)
    if ('error' in found) return found
    changes.active_profile = id
    if (loaded.fallback.includes(id)) changes.fallback = loaded.fallback.filter((x) => x !== id)
  } else if (!loaded.active) {
    return fail('invalid_argument', 'id', 'id: no profile is chosen yet; name the one to connect')
  }
  return saveChecked(host, paths, loaded.doc, setGlobalOptions(loaded.doc, changes))
}

/** Records the wish to be disconnected; the chosen profile stays for the next connect. */
export function disconnectProfile(host: Host, paths: Paths): ProfileChange | ProfileError {
  const loaded = load(host, paths)
  if ('error' in loaded) return loaded
  if (globalOption(loaded.doc, 'connect') === '0') {
    return { ok: true, configHash: fnv1a(loaded.text), daemonNotified: notifyDaemon(host, paths) }
  }
  return saveChecked(host, paths, loaded.doc, setGlobalOptions(loaded.doc, { connect: '0' }))
}

/** `testLatency` result. Sample: `{ "queued": true, "daemonNotified": true }` */
export type LatencyRequestResult = { queued: true; daemonNotified: boolean }

/** Asks the daemon to measure every profile's endpoint; results appear in the status file. */
export function requestLatencyTest(host: Host, paths: Paths): LatencyRequestResult {
  return { queued: true, daemonNotified: postRequest(host, paths, { kind: 'latency-test' }) }
}
