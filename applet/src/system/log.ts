// Log-level filtering over Host.log. The default level (notice) writes no address, MAC, host name or
// domain: those only ever appear at debug (the `[#] argv` lines), which a user turns on knowingly.
import type { Host, LogLevel } from '../host/host'

const RANK: Record<LogLevel, number> = { err: 0, warning: 1, notice: 2, info: 3, debug: 4 }

/** The level lanvpn logs at until the config says otherwise. */
export const DEFAULT_LOG_LEVEL: LogLevel = 'notice'

export type LevelledHost = Host & { setLogLevel(level: LogLevel): void }

/** A Host whose log drops messages less severe than the current level. Every other member is the
 * wrapped host's own, called on it (a Proxy, so class-based hosts such as FakeHost keep `this`). */
export function withLogLevel(host: Host, level: LogLevel = DEFAULT_LOG_LEVEL): LevelledHost {
  let current = level
  const log = (l: LogLevel, message: string) => {
    if (RANK[l] <= RANK[current]) host.log(l, message)
  }
  const setLogLevel = (l: LogLevel) => {
    current = l
  }
  return new Proxy(host, {
    get(target, prop) {
      if (prop === 'log') return log
      if (prop === 'setLogLevel') return setLogLevel
      const value = Reflect.get(target, prop, target) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    },
  }) as LevelledHost
}
