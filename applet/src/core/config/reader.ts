// Reads the options of one UCI section into typed values, reporting each problem once; shared by
// validate.ts and groups.ts.
import { getOption } from '../uci/doc'
import type { UciSection } from '../uci/doc'
import type { ConfigProblem } from './types'
import * as f from './formats'
import { say, SENTENCES } from '../messages'

export const LABEL_REASON = SENTENCES.label
/** A label people see: 1–64 characters without control characters. */
export const isLabel = (s: string): boolean =>
  s.length > 0 && s.length <= 64 && !f.hasControlChars(s)

/** One section's reader: each (option, reason) problem is reported once however often it is read. */
export class SectionReader {
  constructor(
    readonly section: UciSection,
    readonly label: string,
    private readonly problems: ConfigProblem[]
  ) {}

  problem(option: string, reason: string): void {
    const p = this.problems
    if (!p.some((x) => x.section === this.label && x.option === option && x.reason === reason)) {
      p.push({ section: this.label, option, reason })
    }
  }

  text(name: string): string | undefined {
    const value = getOption(this.section, name)
    if (!Array.isArray(value)) return value
    this.problem(name, SENTENCES.notList)
    return undefined
  }

  // A plain `option` where a list is expected is read as a one-item list, as shell scripts do.
  list(name: string): string[] | undefined {
    const value = getOption(this.section, name)
    return value === undefined ? undefined : Array.isArray(value) ? value : [value]
  }

  pick<T>(name: string, fallback: T, parse: (raw: string) => T | null, reason: string): T {
    const raw = this.text(name)
    if (raw === undefined) return fallback
    const value = parse(raw)
    if (value === null) this.problem(name, reason)
    return value === null ? fallback : value
  }

  bool(name: string, fallback: boolean): boolean {
    return this.pick(name, fallback, f.parseUciBool, SENTENCES.bool)
  }

  int(name: string, min: number, max: number, fallback: number): number {
    const parse = (s: string): number | null => f.parseWholeNumber(s, min, max)
    return this.pick(name, fallback, parse, say('wholeNumber', { min, max }))
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T {
    const parse = (s: string): T | null => values.find((v) => v === s) ?? null
    return this.pick(name, fallback, parse, say('oneOf', { values: values.join(', ') }))
  }

  str(name: string, test: (s: string) => boolean, reason: string, fallback = ''): string {
    return this.pick(name, fallback, (s) => (test(s) ? s : null), reason)
  }

  // Bad items are dropped and reported by position (not value: reasons may reach the log).
  items(name: string, parse: (s: string) => string | null, reason: string): string[] {
    const out: string[] = []
    ;(this.list(name) ?? []).forEach((item, i) => {
      const value = parse(item)
      if (value === null) this.problem(name, `item ${i + 1} ${reason}`)
      else out.push(value)
    })
    return out
  }
}

/** A parser that keeps a value passing `test` as it is. */
export const keep =
  (test: (s: string) => boolean) =>
  (s: string): string | null =>
    test(s) ? s : null
