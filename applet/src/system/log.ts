// Log-level filtering over Host.log. The default level (notice) writes no address, MAC, host name or
// domain: those only ever appear at debug (the `[#] argv` lines), which a user turns on knowingly.
import type { Host, LogLevel } from '../host/host'

const RANK: Record<LogLevel, number> = { err: 0, warning: 1, notice: 2, info: 3, debug: 4 }

/** The level lanvpn logs at until the config says otherwise. */
export const DEFAULT_LOG_LEVEL: LogLevel = 'notice'

export type LevelledHost = Host & { setLogLevel(level: LogLevel): void }

/** A Host whose log drops messages less severe than the current level. Host implementations are
 * plain objects whose methods do not use `this`, so spreading one is safe. */
export function withLogLevel(host: Host, level: LogLevel = DEFAULT_LOG_LEVEL): LevelledHost {
  let current = level
  return {
    ...host,
    log(l: LogLevel, message: string) {
      if (RANK[l] <= RANK[current]) host.log(l, message)
    },
    setLogLevel(l: LogLevel) {
      current = l
    },
  }
}
