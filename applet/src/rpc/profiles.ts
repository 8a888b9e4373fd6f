// The profile methods of the `lanvpn` ubus object: a MethodTable fragment that rpc/methods.ts
// spreads into its table. Names follow the ACL split: read methods start with get/list, everything
// else needs write access. Each method validates its arguments (schema.ts, unknown keys refused),
// then calls system/profiles.ts, which the `lanvpn` commands call too. An import loads its parsers
// (system/profile-import.ts) only when one is called.
import type { ImportInput } from '../system/profile-import'
import {
  connectProfile,
  deleteProfile,
  disconnectProfile,
  listProfiles,
  renameProfile,
  requestExitIp,
  requestLatencyTest,
  setFallback,
} from '../system/profiles'
import type { MethodTable } from './method'

const ID = { type: 'string', required: true, maxLength: 32, pattern: /^[A-Za-z0-9_]+$/ } as const

/** Profile methods. Samples of each result are on the types in core/api/calls.ts:
 * `listProfiles {}` → ProfileList; `importProfile { name, text, type?, username?, password?, files? }` (files: the
 * certificates an .ovpn names, by base name → text) →
 * ImportResult | RpcError; `renameProfile { id, label }`, `deleteProfile { id }`,
 * `setFallback { ids }`, `connect { id? }`, `disconnect {}` → SetConfigResult | RpcError;
 * `testLatency {}`, `checkExitIp {}` → LatencyRequestResult (the results come in the status). */
export const profileMethods = {
  listProfiles: {
    args: {},
    call: async ({ host, paths }) => listProfiles(host, paths),
  },
  importProfile: {
    args: {
      name: { type: 'string', required: true, maxLength: 64 },
      text: { type: 'string', required: true, maxLength: 60000 },
      type: { type: 'string', maxLength: 9, pattern: /^(auto|wireguard|openvpn)$/, sample: 'auto' },
      username: { type: 'string', maxLength: 256 },
      password: { type: 'string', maxLength: 256 },
      files: { type: 'object', maxKeys: 8 },
    },
    call: async ({ host, paths }, args) =>
      (await import('../system/profile-import')).importProfile(host, paths, args as ImportInput),
  },
  renameProfile: {
    args: { id: ID, label: { type: 'string', required: true, maxLength: 64 } },
    call: async ({ host, paths }, args) =>
      renameProfile(host, paths, args.id as string, args.label as string),
  },
  deleteProfile: {
    args: { id: ID },
    call: async ({ host, paths }, args) => deleteProfile(host, paths, args.id as string),
  },
  setFallback: {
    args: { ids: { type: 'array', required: true, maxItems: 32 } },
    call: async ({ host, paths }, args) => setFallback(host, paths, args.ids as unknown[]),
  },
  connect: {
    args: { id: { ...ID, required: false } },
    call: async ({ host, paths }, args) =>
      connectProfile(host, paths, args.id as string | undefined),
  },
  disconnect: {
    args: {},
    call: async ({ host, paths }) => disconnectProfile(host, paths),
  },
  testLatency: {
    args: {},
    call: async ({ host, paths }) => requestLatencyTest(host, paths),
  },
  checkExitIp: {
    args: {},
    call: async ({ host, paths }) => requestExitIp(host, paths),
  },
} satisfies MethodTable
