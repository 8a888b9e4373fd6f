// Importing a WireGuard (.conf) or OpenVPN (.ovpn) profile: the provider's file is parsed
// (core/tunnel/wireguard-conf.ts, ovpn.ts), its secrets stored root-only and the profile added to
// the config. Apart from system/profiles.ts because its parsers are a third of the rpc code: an rpc
// call loads them only for importProfile (rpc/profiles.ts; scripts/applet-chunks.mjs). The .ovpn
// parser is the lanvpn-openvpn package's (system/openvpn-addon.ts): without that package an
// OpenVPN profile is refused at once with the command that installs it, rather than imported as a
// location that could never connect.
import type { Profile } from '../core/config/types'
import { hasControlChars } from '../core/config/validate'
import { readableProfileText } from '../core/tunnel/profile-text'
import {
  addProfile,
  globalOption,
  newProblems,
  setGlobalOptions,
  takenSectionNames,
} from '../core/tunnel/profile-doc'
import { profileIdFromLabel } from '../core/tunnel/profile-id'
import {
  MAX_PROFILE_TEXT,
  parseWireguardConf,
  type ImportNote,
} from '../core/tunnel/wireguard-conf'
import type { UciDoc } from '../core/uci/doc'
import type { Paths } from '../core/paths'
import type { Host } from '../host/host'
import { ovpnAuthSecret, ovpnConfigSecret, pskSecret, wgKeySecret, type SecretName } from './files'
import type { ImportResult, RpcError } from '../core/api/calls'
import { changeConfig } from './change'
import { loadOpenvpn, type OpenvpnAddon } from './openvpn-addon'
import { fail, labelProblem } from './profiles'

/** What an import needs. `type` 'auto' looks at the text. */
export type ImportInput = {
  name: string
  text: string
  type?: 'auto' | 'wireguard' | 'openvpn'
  username?: string
  password?: string
  /** Certificate and key files an .ovpn may name, by base name (the rest of an archive). */
  files?: Record<string, string>
}

// Credentials end up in a two-line file: no line breaks or other control characters.
function credentialProblem(value: string): string | null {
  return value.length > 0 && value.length <= 256 && !hasControlChars(value)
    ? null
    : 'must be 1 to 256 characters without control characters'
}

/** Which format the text is in, from its first meaningful line; null when neither. */
export function detectProfileType(text: string): 'wireguard' | 'openvpn' | null {
  if (/^\s*\[(interface|peer)\]\s*$/im.test(text)) return 'wireguard'
  if (/^\s*(client|remote|dev|proto|<ca>)(\s|$)/im.test(text)) return 'openvpn'
  return null
}

type Prepared = { profile: Profile; secrets: Array<[SecretName, string]>; notes: ImportNote[] }

function invalidProfile(notes: ImportNote[]): RpcError {
  const first = notes.find((n) => n.level === 'error') ?? notes[0]
  const message = first
    ? `${first.line > 0 ? `line ${first.line}: ` : ''}${first.message}`
    : 'nothing usable in the file'
  return { error: { code: 'invalid_profile', message, field: 'text', notes } }
}

/** The profile's format: the one asked for, else what its text looks like; null when neither. */
function profileType(input: ImportInput, text: string): 'wireguard' | 'openvpn' | null {
  return !input.type || input.type === 'auto' ? detectProfileType(text) : input.type
}

/** lanvpn-openvpn's .ovpn parser, or why there is none (its package is missing). */
type OvpnParser = OpenvpnAddon['parseOvpn'] | string

function prepare(
  input: ImportInput,
  id: string,
  label: string,
  parseOvpn: OvpnParser | null
): Prepared | RpcError {
  const readable = readableProfileText(input.text)
  if ('error' in readable)
    return { error: { code: 'invalid_profile', message: readable.error, field: 'text', notes: [] } }
  const text = readable.text
  const type = profileType(input, text)
  if (type === null) {
    const message = 'neither a WireGuard (.conf) nor an OpenVPN (.ovpn) profile'
    return { error: { code: 'invalid_profile', message, field: 'text', notes: [] } }
  }
  if (type === 'wireguard') {
    const wg = parseWireguardConf(text, { id, label })
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
  if (typeof parseOvpn !== 'function') {
    const message = parseOvpn ?? 'OpenVPN profiles need the lanvpn-openvpn package'
    return { error: { code: 'invalid_profile', message, field: 'text', notes: [] } }
  }
  const files = input.files ?? {}
  if (Object.values(files).some((f) => typeof f !== 'string' || f.length > MAX_PROFILE_TEXT))
    return fail(
      'invalid_argument',
      'files',
      'files: each must be the text of a file of at most 64 KiB'
    )
  const ovpn = parseOvpn(text, files)
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
 * again and the config is as it was (system/change.ts). Notes say what was refused or ignored,
 * line by line. */
export async function importProfile(
  host: Host,
  paths: Paths,
  input: ImportInput
): Promise<ImportResult | RpcError> {
  const labelWhy = labelProblem(input.name)
  if (labelWhy) return fail('invalid_argument', 'name', `name: ${labelWhy}`)
  // The parser is loaded before the config is locked: import() is the slow part.
  const readable = readableProfileText(input.text)
  const isOpenvpn = 'text' in readable && profileType(input, readable.text) === 'openvpn'
  const ovpn = isOpenvpn ? await loadOpenvpn(host) : null
  const parseOvpn = ovpn && typeof ovpn !== 'string' ? ovpn.parseOvpn : ovpn
  return changeConfig(host, paths, (loaded) => {
    const label = input.name.trim()
    const id = profileIdFromLabel(label, takenIds(host, paths, loaded.doc))
    const prepared = prepare(input, id, label, parseOvpn)
    if ('error' in prepared) return prepared
    let next = addProfile(loaded.doc, prepared.profile)
    // The first location of a config that never armed the kill switch: protection starts at the
    // first connect, not now (a household must not go offline because someone imported a file).
    if (loaded.config.profiles.length === 0 && globalOption(loaded.doc, 'armed') === undefined)
      next = setGlobalOptions(next, { armed: '0' })
    const problems = newProblems(loaded.problems, next)
    if (problems.length > 0) {
      const p = problems[0]
      const message = `the imported profile would not load: ${p.option || p.section}: ${p.reason}`
      return { error: { code: 'invalid_profile', message, field: 'text', notes: prepared.notes } }
    }
    return { doc: next, secrets: prepared.secrets, also: { id, notes: prepared.notes } }
  })
}
