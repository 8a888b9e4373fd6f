// Log-level filtering over Host.log, and the privacy rule of the log: below debug, no address, MAC,
// key, host name or domain reaches syslog, whatever a message carries (a command's stderr quoted in
// an error, say). Debug (the `[#] argv` lines) is left whole; a user turns it on knowingly.
import { redactText } from '../core/redact'
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
    if (RANK[l] > RANK[current]) return
    host.log(l, l === 'debug' ? message : redactText(message, { secrets: [], names: [] }))
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
