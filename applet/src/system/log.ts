// Log-level filtering over Host.log, and the privacy rule of the log: below debug, no address, MAC,
// key, host name or domain reaches syslog, whatever a message carries (a command's stderr quoted in
// an error, say), nor a name lanvpn knows (a device's label or the host name it announced, which no
// pattern can recognise: "Johns-iPhone"). Debug (the `[#] argv` lines) is left whole; a user turns
// it on knowingly, and it does not last (DEBUG_LOG_MS).
import { redactText } from '../core/redact'
import type { Host, LogLevel } from '../host/host'

const RANK: Record<LogLevel, number> = { err: 0, warning: 1, notice: 2, info: 3, debug: 4 }

/** The level lanvpn logs at until the config says otherwise. */
export const DEFAULT_LOG_LEVEL: LogLevel = 'notice'

/** How long `log_level debug` lasts: the daemon sets the config back to notice an hour after it
 * first ran with debug (counted on the monotonic clock, across daemon restarts), and the init
 * script does at boot. An hour is enough to reproduce a problem; a forgotten debug does not go on
 * writing every address and name to syslog. */
export const DEBUG_LOG_MS = 3600_000

export type LevelledHost = Host & {
  setLogLevel(level: LogLevel): void
  /** The names to redact below debug besides what the patterns catch (device labels, host
   * names); replaces the previous list. */
  setLogNames(names: string[]): void
}

/** A Host whose log drops messages less severe than the current level. Every other member is the
 * wrapped host's own, called on it (a Proxy, so class-based hosts such as FakeHost keep `this`). */
export function withLogLevel(host: Host, level: LogLevel = DEFAULT_LOG_LEVEL): LevelledHost {
  let current = level
  let names: string[] = []
  const log = (l: LogLevel, message: string) => {
    if (RANK[l] > RANK[current]) return
    host.log(l, l === 'debug' ? message : redactText(message, { secrets: [], names }))
  }
  const setLogLevel = (l: LogLevel) => {
    current = l
  }
  const setLogNames = (list: string[]) => {
    names = list.filter((n) => n.trim() !== '')
  }
  return new Proxy(host, {
    get(target, prop) {
      if (prop === 'log') return log
      if (prop === 'setLogLevel') return setLogLevel
      if (prop === 'setLogNames') return setLogNames
      const value = Reflect.get(target, prop, target) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    },
  }) as LevelledHost
}
