// Carries out plan steps. Independent steps all run; their errors are collected and reported
// together (style.md, Errors).
import type { PlanStep } from '../core/plan/plan'
import type { Host } from '../host/host'
import { applyNftScript } from './nft'
import { runChecked } from './run'

export type ApplyResult = { ok: boolean; errors: string[]; appliedNftHash?: string }

/** Runs each step; a failed step is reported in plain words and the rest still run. */
export async function applyPlan(host: Host, steps: PlanStep[]): Promise<ApplyResult> {
  const result: ApplyResult = { ok: true, errors: [] }
  for (const step of steps) {
    try {
      if (step.kind === 'nft-apply') {
        await applyNftScript(host, step.script)
        result.appliedNftHash = step.hash
      } else {
        await runChecked(host, ['nft', '-f', '-'], { stdin: step.script })
        result.appliedNftHash = ''
      }
    } catch (e) {
      result.ok = false
      result.errors.push(`applying ${step.kind}: ${e instanceof Error ? e.message : String(e)}`)
    }
  }
  return result
}
