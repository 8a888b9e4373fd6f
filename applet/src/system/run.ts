// Every command lanvpn runs goes through here, so the debug log shows exactly what was run.
import type { ExecOptions, ExecResult, Host } from '../host/host'

/** A command that exited non-zero (or could not start) when the caller needed it to succeed. */
export class ExecError extends Error {
  constructor(
    readonly argv: string[],
    readonly result: ExecResult
  ) {
    const why = result.timedOut
      ? 'timed out'
      : result.code === 127
        ? 'could not be started (not installed?)'
        : `exited ${result.code}`
    const detail = result.stderr.trim().split('\n').slice(0, 3).join(' / ')
    super(`${argv[0]} ${why}${detail ? `: ${detail}` : ''}`)
  }
}

/** Runs argv (never through a shell), logging `[#] <argv>` at debug level first. Never throws for a
 * failing command: the result is a value. */
export async function run(host: Host, argv: string[], opts?: ExecOptions): Promise<ExecResult> {
  host.log('debug', `[#] ${argv.join(' ')}`)
  return host.exec(argv, opts)
}

/** Like run, but a non-zero exit becomes an ExecError carrying argv, code and stderr. */
export async function runChecked(
  host: Host,
  argv: string[],
  opts?: ExecOptions
): Promise<ExecResult> {
  const result = await run(host, argv, opts)
  if (result.code !== 0 || result.timedOut) throw new ExecError(argv, result)
  return result
}
