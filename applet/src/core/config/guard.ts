// Which config the daemon runs. /etc/config/lanvpn can be broken behind lanvpn's back — a hand
// edit, a `uci` batch, another tool's torn write — and a broken file read leniently means defaults:
// no locations, so `vpn` devices would go out of the WAN in clear. So a new version of the file is
// taken only when it brings no problem the running one did not have (the rule setConfig applies to
// changes made through lanvpn); otherwise the last version applied stays in force, and the new
// problems are shown, each with its line.
import { blockingProblems } from './problems'
import { fnv1a } from '../hash'
import { sectionLabel, type UciDoc } from '../uci/doc'
import { lineOf } from '../uci/parse'
import type { Config, ConfigProblem } from './types'
import { parseConfig } from './validate'

/** One version of the config file, read and checked. */
export type ConfigVersion = {
  /** fnv1a of the text: what the status's configHash and the rpc replies name. */
  hash: string
  text: string
  config: Config
  /** Every problem, with the line it is about where the file says. */
  problems: ConfigProblem[]
  /** Not a UCI file at all: its config is only the default and must never be applied. */
  unreadable: boolean
}

/** Parses and checks config text; problems carry their line. */
export function readConfigVersion(text: string): ConfigVersion {
  const parsed = parseConfig(text)
  return {
    hash: fnv1a(text),
    text,
    config: parsed.config,
    problems: parsed.problems.map((p) => locate(parsed.doc, p)),
    unreadable: parsed.unreadable,
  }
}

function locate(doc: UciDoc, p: ConfigProblem): ConfigProblem {
  const syntax = /^the file cannot be read: line (\d+):/.exec(p.reason)
  if (syntax) return { ...p, line: Number(syntax[1]) }
  const section = doc.sections.find((s) => sectionLabel(doc, s) === p.section)
  if (!section) return p
  const option = section.options.find((o) => o.name === p.option)
  const line = (option && lineOf(option)) ?? lineOf(section)
  return line === undefined ? p : { ...p, line }
}

/** A config problem in one line, for people: where (line, section.option) and what is wrong. */
export function describeProblem(p: ConfigProblem): string {
  const line = p.line ? `line ${p.line}: ` : ''
  return `${line}${p.section || '-'}.${p.option || '-'}: ${p.reason}`
}

/** What the daemon runs, and the problems that keep a new version out. */
export type ConfigChoice = {
  /** The version to apply; null when there is none that is safe (an unreadable file and nothing
   * applied before): then nothing is changed, and the rules already in force stay. */
  run: ConfigVersion | null
  /** The candidate's problems that the version in force does not have: while any is left, the
   * candidate is held back. Empty when the candidate runs. */
  held: ConfigProblem[]
}

/** Chooses between a freshly read candidate and the version applied last (null when this daemon
 * has applied none). A candidate whose problems were all there before runs (a known, reported
 * problem does not freeze every later change); one with new problems is held back. Pure. */
export function chooseConfig(
  candidate: ConfigVersion,
  applied: ConfigVersion | null
): ConfigChoice {
  if (!applied) {
    return candidate.unreadable
      ? { run: null, held: candidate.problems }
      : { run: candidate, held: [] }
  }
  const fresh = blockingProblems(applied.problems, candidate.problems)
  return fresh.length > 0 ? { run: applied, held: fresh } : { run: candidate, held: [] }
}
