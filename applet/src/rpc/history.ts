// The connection-history part of the `lanvpn` ubus object. `getHistory` is a read (the ACL's read
// block grants get*); `clearHistory` needs write access.
import type { ClearHistoryResult, GetHistoryResult } from '../core/api/calls'
import { pruneHistory } from '../core/history'
import type { Paths } from '../core/paths'
import type { Host } from '../host/host'
import { readHistory, removeHistory, withHistoryLock, writeHistory } from '../system/history'

export type { HistoryRecord, HistoryResult } from '../core/history'

type Ctx = { host: Host; paths: Paths }

/** `getHistory {}`: the records under the retention rules. The daemon prunes the file itself (at
 * start, hourly, on every write: daemon/history.ts); a record found expired here all the same (the
 * service stopped, say) is removed from the file too, so what is not shown is not kept. */
export async function getHistory(ctx: Ctx): Promise<GetHistoryResult> {
  const { host, paths } = ctx
  const stored = readHistory(host, paths)
  const records = pruneHistory(stored, host.wallMs())
  if (records.length < stored.length)
    await withHistoryLock(host, paths, () => {
      // Again under the lock: the daemon may have written meanwhile.
      const now = readHistory(host, paths)
      const kept = pruneHistory(now, host.wallMs())
      if (kept.length === now.length) return
      if (kept.length === 0) removeHistory(host, paths)
      else writeHistory(host, paths, kept)
    })
  return { records }
}

/** `clearHistory {}`: deletes every record at once (the file goes). A session in progress is not
 * a record yet; it is saved when it ends. */
export async function clearHistory(ctx: Ctx): Promise<ClearHistoryResult> {
  await withHistoryLock(ctx.host, ctx.paths, () => removeHistory(ctx.host, ctx.paths))
  return { ok: true }
}

/** The rpc table entries, for rpc/methods.ts: `...historyMethods`. */
export const historyMethods = {
  getHistory: { args: {}, call: getHistory },
  clearHistory: { args: {}, call: clearHistory },
}
