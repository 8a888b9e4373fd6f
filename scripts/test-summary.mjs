// The last lines of `make test` (scripts/test.sh): each run's counts and every failed test with the
// first line of its error, read from vitest's JSON reports. A run that wrote no report (it crashed,
// or was stopped) says so.
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'

const firstLine = (text) =>
  String(text ?? '')
    .split('\n')
    .find((l) => l.trim()) ?? ''

for (const file of process.argv.slice(2)) {
  let report
  try {
    report = JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    console.log(`── ${file}: no report (the run did not finish)`)
    continue
  }
  const { numPassedTests: passed, numFailedTests: failed, numPendingTests: skipped } = report
  const failures = []
  for (const suite of report.testResults) {
    const where = relative(process.cwd(), suite.name)
    const failedTests = suite.assertionResults.filter((t) => t.status === 'failed')
    for (const t of failedTests)
      failures.push(`${where} › ${t.fullName}: ${firstLine(t.failureMessages[0])}`)
    // A file that failed outside its tests (an import, a hook) has no failed test to name.
    if (suite.status === 'failed' && failedTests.length === 0)
      failures.push(`${where}: ${firstLine(suite.message)}`)
  }
  const run = file.endsWith('soak.json') ? 'test/soak' : 'unit, contract, webui, e2e'
  console.log(`── ${run}: ${passed} passed, ${failed} failed, ${skipped} skipped`)
  for (const f of failures) console.log(`   ✗ ${f.slice(0, 400)}`)
}
