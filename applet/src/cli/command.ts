// The shape of a `lanvpn` subcommand. Each feature keeps its commands in its own file under cli/
// and cli.ts lists them, so --help stays complete.
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
