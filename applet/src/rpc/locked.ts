// Concurrent rpc processes (rpcd runs one per call: a UI firing twenty mode changes at once) each
// read, change and write /etc/config/lanvpn. Without a lock the last writer silently drops the
// others' changes. Every write method of the table runs under the one config lock
// (system/files.ts withConfigLock); reads never wait.
import { withConfigLock } from '../system/files'
import type { MethodTable } from './method'

/** Whether a method only reads: the ACL's read block (`status`, `get*`, `list*`, `explain*`). */
export function isReadMethod(name: string): boolean {
  return name === 'status' || /^(get|list|explain)/.test(name)
}

/** The same table with every write method's `call` run under the config lock. Arguments are
 * validated before (handleCall), so a rejected call never waits for the lock. */
export function lockWrites<T extends MethodTable>(table: T): T {
  const out: MethodTable = {}
  for (const [name, method] of Object.entries(table)) {
    out[name] = isReadMethod(name)
      ? method
      : {
          ...method,
          call: (ctx, args) => withConfigLock(ctx.host, ctx.paths, () => method.call(ctx, args)),
        }
  }
  return out as T
}
