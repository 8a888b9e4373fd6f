// The `lanvpn` ubus object: every method, its argument schema and its implementation. rpcd's `list`
// answer is generated from this table at build time (scripts/build.mjs → `lanvpn.js rpc list`).
//
// rpc methods validate input, change the config through system/change.ts (under the config lock,
// all or nothing, the daemon woken once) and return; they never run nft or ip (architecture.md,
// One writer).
import { configMethods } from './config'
import { deviceMethods } from './devices'
import { diagnosticsMethods } from './diagnostics'
import { historyMethods } from './history'
import { mediastreamerMethods } from './mediastreamer'
import { profileMethods } from './profiles'
import { protectionMethods } from './protection'
import { ruleMethods } from './rules'
import type { MethodTable } from './method'

/** The API. Read methods (`status`, `get*`, `list*`, `explain*`) are what the ACL's read block
 * grants; everything else needs write access. */
export const methods = {
  ...configMethods,
  ...profileMethods,
  ...deviceMethods,
  ...mediastreamerMethods,
  ...historyMethods,
  ...diagnosticsMethods,
  ...protectionMethods,
  ...ruleMethods,
} satisfies MethodTable

export type MethodName = keyof typeof methods
