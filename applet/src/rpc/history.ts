// The connection-history part of the `lanvpn` ubus object. `getHistory` is a read (the ACL's read
// block grants get*); `clearHistory` needs write access.
import { pruneHistory, type HistoryRecord } from '../core/history'
import type { Paths } from '../core/paths'
import type { Host } from '../host/host'
import { readHistory, removeHistory, withHistoryLock } from '../system/history'

export type { HistoryRecord, HistoryResult } from '../core/history'

/** `getHistory {}` result: the last sessions, newest first, at most 20, none older than 30 days,
 * no address of any kind. `startWallMs` 0 means the date is not known yet (the router's clock was
 * not set). Sample: `{ "records": [ { "startWallMs": 1763800000000, "durationS": 5400,
 * "location": "Amsterdam", "protocol": "wireguard", "version": "0.4.0", "result": "ok" } ] }` */
export type GetHistoryResult = { records: HistoryRecord[] }

/** `clearHistory {}` result. Sample: `{ "ok": true }` */
export type ClearHistoryResult = { ok: true }

type Ctx = { host: Host; paths: Paths }

/** `getHistory {}`: reads the file and applies the retention rules to what it shows (the file
 * itself is only rewritten when a session ends, to spare the flash). */
export async function getHistory(ctx: Ctx): Promise<GetHistoryResult> {
  return { records: pruneHistory(readHistory(ctx.host, ctx.paths), ctx.host.wallMs()) }
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
