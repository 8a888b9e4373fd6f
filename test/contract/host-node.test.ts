import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createNodeHost } from '../../applet/src/host/node'
import { hostCases } from './host-cases'

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
