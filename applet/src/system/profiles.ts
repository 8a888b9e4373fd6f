// Profile management on disk: the rpc methods and the `lanvpn` commands both call these, so every
// rule lives once. Each change is an edit of the document (core/tunnel/profile-doc.ts) that the one
// change path (system/change.ts) loads, checks, saves and announces to the daemon. Secrets go to
// root-only files (system/files.ts) and are never returned or logged. Imports are in
// system/profile-import.ts.
import type {
  LatencyRequestResult,
  ProfileList,
  ProfileSummary,
  RpcError,
  SetConfigResult,
} from '../core/api/calls'
import type { Profile } from '../core/config/types'
import { hasControlChars, parseConfig } from '../core/config/validate'
import { fnv1a } from '../core/hash'
import type { Paths } from '../core/paths'
import {
  globalOption,
  newProblems,
  removeProfile,
  setGlobalOptions,
  setProfileLabel,
} from '../core/tunnel/profile-doc'
import { isProfileId } from '../core/tunnel/profile-id'
import type { UciDoc } from '../core/uci/doc'
import type { Host } from '../host/host'
import {
  hasSecret,
  ovpnAuthSecret,
  ovpnConfigSecret,
  readConfigText,
  wgKeySecret,
  writeSecret,
  type SecretName,
} from './files'
import { changeConfig, type Edited, type Loaded } from './change'
import { postRequest } from './requests'

/** A refusal as data: its code, the argument at fault and the sentence. */
export const fail = (
  code: RpcError['error']['code'],
  field: string | undefined,
  message: string
): RpcError => ({ error: { code, message, field } })

/** Labels: what people see, 1–64 characters, no control characters (as validate.ts reads them). */
export function labelProblem(label: string): string | null {
  return label.trim().length > 0 && label.length <= 64 && !hasControlChars(label)
    ? null
    : 'must be 1 to 64 characters without control characters'
}

const endpointText = (host: string, port: number): string =>
  host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`

/** A profile change's edit: the next document, or a refusal when it adds a config problem. */
function checked(loaded: Loaded, next: UciDoc): Edited<object> {
  const problems = newProblems(loaded.problems, next)
  return problems.length ? { problems } : { doc: next }
}

function findProfile(loaded: Loaded, id: string, field = 'id'): Profile | RpcError {
  if (!isProfileId(id)) return fail('invalid_argument', field, `${field}: is not a profile id`)
  const profile = loaded.config.profiles.find((p) => p.id === id)
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

/** Changes a profile's label; its id, secrets and references stay. */
export function renameProfile(
  host: Host,
  paths: Paths,
  id: string,
  label: string
): Promise<SetConfigResult | RpcError> {
  const why = labelProblem(label)
  if (why) return Promise.resolve(fail('invalid_argument', 'label', `label: ${why}`))
  return changeConfig(host, paths, (loaded) => {
    const found = findProfile(loaded, id)
    if ('error' in found) return found
    return checked(loaded, setProfileLabel(loaded.doc, id, label.trim()))
  })
}

/** Deletes a profile: its sections, its place in the fallback list, active_profile and connect when
 * it was the active one, then its secret files (after the config, so a crash in between leaves at
 * worst an unused key file, never a profile without its key). Hand-made profile sections that do
 * not validate can be deleted too. */
export function deleteProfile(
  host: Host,
  paths: Paths,
  id: string
): Promise<SetConfigResult | RpcError> {
  if (!isProfileId(id))
    return Promise.resolve(fail('invalid_argument', 'id', 'id: is not a profile id'))
  return changeConfig(host, paths, (loaded) => {
    const exists = loaded.doc.sections.some((s) => s.type === 'profile' && s.name === id)
    if (!exists) return fail('not_found', 'id', `id: no profile "${id}"`)
    const afterSave = () => {
      for (const name of host.listDir(paths.secretsDir) ?? []) {
        if (name === wgKeySecret(id) || name.startsWith(`${wgKeySecret(id)}.`)) {
          writeSecret(host, paths, name as SecretName, '')
        }
      }
    }
    return { doc: removeProfile(loaded.doc, id), afterSave }
  })
}

/** Sets the ordered fallback list: usable profiles, each once, not the active one. */
export function setFallback(
  host: Host,
  paths: Paths,
  ids: unknown[]
): Promise<SetConfigResult | RpcError> {
  return changeConfig(host, paths, (loaded) => fallbackEdit(loaded, ids))
}

function fallbackEdit(loaded: Loaded, ids: unknown[]): Edited<object> | RpcError {
  const list: string[] = []
  for (const [i, id] of ids.entries()) {
    const field = `ids[${i}]`
    if (typeof id !== 'string')
      return fail('invalid_argument', field, `${field}: must be a profile id`)
    const found = findProfile(loaded, id, field)
    if ('error' in found) return found
    if (list.includes(id)) return fail('invalid_argument', field, `${field}: repeats "${id}"`)
    if (id === loaded.config.globals.activeProfile) {
      return fail('invalid_argument', field, `${field}: "${id}" is the active profile already`)
    }
    list.push(id)
  }
  return checked(loaded, setGlobalOptions(loaded.doc, { fallback: list }))
}

/** Records the wish to be connected, optionally choosing the profile first (it then leaves the
 * fallback list, which may not hold the active one). The daemon does the connecting. */
export function connectProfile(
  host: Host,
  paths: Paths,
  id?: string
): Promise<SetConfigResult | RpcError> {
  return changeConfig(host, paths, (loaded) => connectEdit(loaded, id))
}

function connectEdit(loaded: Loaded, id?: string): Edited<object> | RpcError {
  const { activeProfile, fallback } = loaded.config.globals
  // Connecting arms the kill switch for good: said in the file, so that removing every location
  // and importing again does not disarm it.
  const changes: Record<string, string | string[]> = { connect: '1', armed: '1' }
  if (id !== undefined) {
    const found = findProfile(loaded, id)
    if ('error' in found) return found
    changes.active_profile = id
    if (fallback.includes(id)) changes.fallback = fallback.filter((x) => x !== id)
  } else if (!activeProfile) {
    return fail('invalid_argument', 'id', 'id: no profile is chosen yet; name the one to connect')
  }
  return checked(loaded, setGlobalOptions(loaded.doc, changes))
}

/** Records the wish to be disconnected; the chosen profile stays for the next connect. */
export function disconnectProfile(host: Host, paths: Paths): Promise<SetConfigResult | RpcError> {
  return changeConfig(host, paths, (loaded) =>
    globalOption(loaded.doc, 'connect') === '0'
      ? { doc: loaded.doc }
      : checked(loaded, setGlobalOptions(loaded.doc, { connect: '0' }))
  )
}

/** Asks the daemon to measure every profile's endpoint; results appear in the status file. */
export function requestLatencyTest(host: Host, paths: Paths): LatencyRequestResult {
  return { queued: true, daemonNotified: postRequest(host, paths, { kind: 'latency-test' }) }
}

/** Asks the daemon for the address the internet sees through the tunnel (one request to an
 * IP-echo service, through the tunnel); it appears as `status.tunnel.exitIp`. */
export function requestExitIp(host: Host, paths: Paths): LatencyRequestResult {
  return { queued: true, daemonNotified: postRequest(host, paths, { kind: 'exit-ip' }) }
}
