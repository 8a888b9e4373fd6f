// Actions that take time (connect, latency test, register now) are requests to the daemon, the one
// writer: the rpc face drops a small JSON file in the RAM run directory and signals the daemon,
// which picks requests up on its next reconcile and reports progress in the status file.
import type { Paths } from '../core/paths'
import type { Host } from '../host/host'
import { notifyDaemon } from './files'

/** What can be asked of the daemon. Extend with new kinds; unknown kinds are dropped with a log.
 * `protection`: count one device's packets and answer with them in `answers/<id>.json`
 * (daemon/protection.ts). */
export type DaemonRequest =
  | { kind: 'latency-test' | 'register-now' | 'reconnect' | 'exit-ip' }
  /** The interface hotplug hook: the WAN went up, down or changed its address. */
  | { kind: 'wan'; action: WanAction }
  | { kind: 'protection'; id: string; mac: string }

/** What netifd says happened to the WAN (hotplug.d/iface ACTION). */
export const WAN_ACTIONS = ['ifup', 'ifdown', 'ifupdate'] as const
export type WanAction = (typeof WAN_ACTIONS)[number]

const KINDS: ReadonlyArray<DaemonRequest['kind']> = [
  'wan',
  'latency-test',
  'register-now',
  'reconnect',
  'exit-ip',
  'protection',
]

/** An answer's id names a file and a MAC goes into an nft script: both are checked again here,
 * whoever wrote the request. */
const isWellFormed = (req: DaemonRequest): boolean =>
  req.kind !== 'protection' ||
  (typeof req.id === 'string' &&
    /^[0-9]{1,16}-[0-9]{1,10}$/.test(req.id) &&
    typeof req.mac === 'string' &&
    /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(req.mac))

function requestsDir(paths: Paths): string {
  return `${paths.runDir}/requests`
}

/** Queues a request and wakes the daemon. Returns whether a daemon was there to be woken (when
 * not, the request waits for its next start). Safe from several rpc processes at once: each
 * request is its own file. */
export function postRequest(host: Host, paths: Paths, request: DaemonRequest): boolean {
  const dir = requestsDir(paths)
  host.mkdirp(dir, 0o700)
  const name = `${host.wallMs()}-${host.pid()}-${request.kind}.json`
  host.writeFileAtomic(`${dir}/${name}`, JSON.stringify(request), { mode: 0o600, durable: false })
  return notifyDaemon(host, paths)
}

/** Takes every queued request, oldest first, removing the files. Unreadable or unknown ones are
 * dropped. Only the daemon calls this. */
export function takeRequests(host: Host, paths: Paths): DaemonRequest[] {
  const dir = requestsDir(paths)
  const out: DaemonRequest[] = []
  for (const name of host.listDir(dir) ?? []) {
    if (!name.endsWith('.json')) continue
    const path = `${dir}/${name}`
    const text = host.readFile(path)
    host.removeFile(path)
    try {
      const req = JSON.parse(text ?? '') as DaemonRequest
      if (KINDS.includes(req.kind) && isWellFormed(req)) out.push(req)
      else host.log('warning', `dropping a request of unknown kind`)
    } catch {
      host.log('warning', 'dropping an unreadable request')
    }
  }
  return out
}
