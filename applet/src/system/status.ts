// The status file: RAM only (/var/run), written by the daemon, read by the UI through rpcd's
// `file.read` (no process per poll) and by the `status` rpc method and CLI command.
import type { Paths } from '../core/paths'
import { withSentenceCodes } from '../core/messages'
import { renderStatusFile } from '../core/render/status'
import type { Host } from '../host/host'
import type { Status } from '../core/api/status'

/** What status reads as when no daemon has written one (not installed, not started, or cleaned up). */
export function stoppedStatus(): Status {
  return {
    version: 1,
    generation: 0,
    updatedAt: 0,
    configHash: '',
    daemon: { state: 'stopped', pid: 0, startedAt: 0, runtime: '' },
    tunnel: { state: 'disconnected', profile: '', since: 0 },
    devices: { vpn: 0, direct: 0, mediastreamer: 0, blocked: 0 },
    problems: [],
    apply: { ok: true, errors: [] },
  }
}

/** The current status; a missing or unreadable file reads as stopped. */
export function readStatus(host: Host, paths: Paths): Status {
  const text = host.readFile(paths.status)
  if (text === null) return stoppedStatus()
  try {
    const parsed = JSON.parse(text) as Status
    return parsed && parsed.version === 1 ? parsed : stoppedStatus()
  } catch {
    return stoppedStatus()
  }
}

/** Writes the status atomically (tmpfs: no fsync), with the codes of its sentences (for the web
 * UI's languages), never a little longer than the file it replaces (renderStatusFile: rpcd's
 * file.read would cut it short). 0640: it holds the WAN
 * address, and only root and rpcd (the directory's group: daemon/privacy.ts) read it. */
export function writeStatus(host: Host, paths: Paths, status: Status): void {
  host.mkdirp(paths.runDir, 0o755)
  const text = renderStatusFile(withSentenceCodes(status), host.stat(paths.status)?.size ?? 0)
  host.writeFileAtomic(paths.status, text, { mode: 0o640, durable: false })
}
