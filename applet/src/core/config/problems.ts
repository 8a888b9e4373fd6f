// When a config problem refuses a change: the one rule the rpc methods, the `lanvpn` commands and
// the daemon's choice of the version to run share.
import type { ConfigProblem } from './types'

const problemKey = (p: ConfigProblem): string => `${p.section}\n${p.option}\n${p.reason}`

/** The problems of the changed config (`next`) that refuse the change: those the config before it
 * did not have (`known`: a known, reported problem elsewhere does not freeze every later change),
 * and any in a place the change set (`touched`: an option set to a value that is still wrong is
 * refused even when it was wrong before). */
export function blockingProblems(
  known: ConfigProblem[],
  next: ConfigProblem[],
  touched: (p: ConfigProblem) => boolean = () => false
): ConfigProblem[] {
  const old = new Set(known.map(problemKey))
  return next.filter((p) => touched(p) || !old.has(problemKey(p)))
}
