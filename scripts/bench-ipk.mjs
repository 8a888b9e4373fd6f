// The .ipk size beside its budget (product.md, Budgets), for `npm run bench`.
import { readFileSync } from 'node:fs'
import { writeIpk } from './ipk.mjs'

/** The budget: pbr + luci-app-pbr + ddns-scripts together, about 90 KB compressed. */
export const IPK_BUDGET_BYTES = 90 * 1024

/** Builds the .ipk into dist/ (needs `npm run build` first) and reports its size against the
 * budget: `{ file, bytes, budget, ok, line }`, `line` being one Markdown table row. */
export function reportPackageSize() {
  const file = writeIpk()
  const bytes = readFileSync(file).length
  const ok = bytes <= IPK_BUDGET_BYTES
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`
  const line = `| .ipk size | ${kb(bytes)} | ≤ ${kb(IPK_BUDGET_BYTES)} | ${ok ? 'ok' : 'OVER'} |`
  return { file, bytes, budget: IPK_BUDGET_BYTES, ok, line }
}
