// The shape of a `lanvpn` subcommand, and how the commands write a time. Each feature keeps its
// commands in its own file under cli/ and cli.ts lists them, so --help stays complete.
import type { Paths } from '../core/paths'
import type { LevelledHost } from '../system/log'

/** One `lanvpn <name> …` command. `run` resolves with the exit code; errors go to stderr in plain
 * words (never a stack trace). */
export type CliCommand = {
  /** Usage after `lanvpn `, e.g. `import FILE [--name NAME]`. */
  usage: string
  /** One line for --help. */
  summary: string
  run(host: LevelledHost, paths: Paths, args: string[]): Promise<number>
}

/** A wall-clock time as the commands print it, `2026-12-06 21:55:58 UTC`; `-` for 0 (never, or not
 * dated: the clock was not set yet). */
export function fmtTime(ms: number): string {
  return ms > 0
    ? new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC')
    : '-'
}
