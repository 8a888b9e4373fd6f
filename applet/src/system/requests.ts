// Actions that take time (connect, latency test, register now) are requests to the daemon, the one
// writer: the rpc face drops a small JSON file in the RAM run directory and signals the daemon,
// which picks requests up on its next reconcile and reports progress in the status file.
import type { Paths } from '../core/paths'
import type { Host } from '../host/host'
import { notifyDaemon } from './files'

/** What can be asked of the daemon. Extend with new kinds; unknown kinds are dropped with a log. */
export type DaemonRequest = {
  kind: 'latency-test' | 'register-now' | 'reconnect' | 'exit-ip'
}

const KINDS: ReadonlyArray<DaemonRequest['kind']> = [
  'latency-test',
  'register-now',
  'reconnect',
  'exit-ip',
]

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
      if (KINDS.includes(req.kind)) out.push(req)
      else host.log('warning', `dropping a request of unknown kind`)
    } catch {
      host.log('warning', 'dropping an unreadable request')
    }
  }
  return out
}
