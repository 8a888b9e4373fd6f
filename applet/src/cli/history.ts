// `lanvpn history [--clear]`: the connection history for SSH users, through the same rpc methods
// the web UI calls (no address is ever in it).
import type { HistoryRecord } from '../core/history'
import { clearHistory, getHistory } from '../rpc/history'
import type { CliCommand } from './command'

function fmtTime(ms: number): string {
  if (ms <= 0) return 'date unknown       '
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/:\d\d\.\d+Z$/, ' UTC')
}

function fmtDuration(s: number): string {
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${s % 60}s` : `${s}s`
}

/** The records as a table for a terminal, newest first. */
export function renderHistoryText(records: HistoryRecord[]): string {
  if (records.length === 0) return 'no connections recorded\n'
  return records
    .map(
      (r) =>
        `${fmtTime(r.startWallMs)}  ${fmtDuration(r.durationS).padStart(7)}  ${r.result.padEnd(11)}  ${r.protocol.padEnd(9)}  ${r.location}\n`
    )
    .join('')
}

/** `lanvpn history`: the records; `--clear` deletes them all; `--json` prints the rpc result. */
export const historyCommand: CliCommand = {
  usage: 'history [--clear|--json]',
  summary: 'Show the last connections (no addresses), or delete them all.',
  async run(host, paths, args) {
    const unknown = args.find((a) => a !== '--clear' && a !== '--json')
    if (unknown !== undefined) {
      host.writeStderr(`usage: lanvpn ${historyCommand.usage}\n`)
      return 2
    }
    if (args.includes('--clear')) {
      await clearHistory({ host, paths })
      host.writeStdout('connection history deleted\n')
      return 0
    }
    const result = await getHistory({ host, paths })
    host.writeStdout(
      args.includes('--json') ? `${JSON.stringify(result)}\n` : renderHistoryText(result.records)
    )
    return 0
  },
}
