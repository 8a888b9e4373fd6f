// The Host contract under Node: in this process, and (for writes that fail, which need a
// process-wide file-size limit) in a Node process of its own running the bundled entry.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNodeHost } from '../../applet/src/host/node'
import { hostCases, hostWriteFailureCases } from './host-cases'
import { bundleHostEntry, runHostEntry } from './host-process'
import type { HostCaseResult } from './host-runner'

const root = mkdtempSync(join(tmpdir(), 'lanvpn-host-node-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('NodeHost meets the Host contract', () => {
  const host = createNodeHost()
  hostCases.forEach((c, i) => {
    it(c.name, async () => {
      const dir = join(root, `case-${i}`)
      host.mkdirp(dir)
      await c.run(host, {
        tmpDir: dir,
        assert: (cond, msg) => expect(cond, msg).toBeTruthy(),
        eq: (a, b, msg) => expect(a, msg).toEqual(b),
      })
    })
  })
})

describe('NodeHost when writes fail half-way (ulimit -f 0)', () => {
  const bundle = join(root, 'host-bundle.js')
  let results: HostCaseResult[] = []
  beforeAll(async () => {
    await bundleHostEntry(bundle)
    results = runHostEntry(
      [process.execPath],
      bundle,
      join(root, 'write-failures'),
      'write-failures'
    )
  })
  for (const c of hostWriteFailureCases) {
    it(c.name, () => {
      const r = results.find((x) => x.name === c.name)
      expect(r, 'case ran').toBeDefined()
      expect(r!.error ?? '').toBe('')
    })
  }
})
