// Bundled like the product (iife, neutral, es2020) and run under qjs or qjs-emu:
//   qjs --std host-bundle.js <tmpDir>
// Runs the Host contract against createQuickjsHost and prints one JSON line of results.
import { createQuickjsHost } from '../../applet/src/host/quickjs'
import type { QjsOs, QjsStd } from '../../applet/src/host/quickjs-types'
import { runHostCases } from './host-runner'

const g = globalThis as unknown as { std: QjsStd; os: QjsOs; scriptArgs: string[] }
const host = createQuickjsHost(g.std, g.os, g.scriptArgs)
const tmpDir = host.argv()[0]

runHostCases(host, tmpDir).then(
  (results) => {
    host.writeStdout(JSON.stringify(results) + '\n')
    host.exit(0)
  },
  (e) => {
    host.writeStderr(`host-cases crashed: ${(e as Error)?.message ?? e}\n`)
    host.exit(2)
  }
)
