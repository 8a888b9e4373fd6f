// What sysupgrade keeps (/lib/upgrade/keep.d/lanvpn): the secrets and state in /etc/lanvpn/, and
// the fail-closed rules the firewall loads at boot, at the path the daemon writes them to.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { resolvePaths } from '../../applet/src/core/paths'

const KEEP = new URL('../../openwrt-package/files/lib/upgrade/keep.d/lanvpn', import.meta.url)

describe('keep.d/lanvpn', () => {
  const kept = readFileSync(KEEP, 'utf8').trim().split('\n')
  const paths = resolvePaths('')

  it('keeps the boot-time firewall include the daemon writes', () => {
    expect(kept).toContain(paths.fw4Include)
  })

  it('keeps the secrets and the history, and only paths (sysupgrade reads every line as one)', () => {
    expect(kept).toContain('/etc/lanvpn/')
    expect(paths.secretsDir.startsWith('/etc/lanvpn/')).toBe(true)
    for (const line of kept) expect(line).toMatch(/^\/[\w./-]+$/)
  })
})
