// What sysupgrade keeps (/lib/upgrade/keep.d/lanvpn): the history and the fail-closed rules the
// firewall loads at boot, at the paths the daemon writes them to. The secrets are in a list of
// their own that the daemon writes only while `backup_secrets` is on (daemon/privacy.ts), so a
// user can leave them out of every backup.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { resolvePaths } from '../../applet/src/core/paths'
import { backupSecretsText } from '../../applet/src/daemon/privacy'

const KEEP = new URL('../../openwrt-package/files/lib/upgrade/keep.d/lanvpn', import.meta.url)

describe('keep.d/lanvpn', () => {
  const kept = readFileSync(KEEP, 'utf8').trim().split('\n')
  const paths = resolvePaths('')

  it("keeps both boot-time firewall includes the daemon writes: the main table's and the rules'", () => {
    expect(kept).toContain(paths.fw4Include)
    expect(kept).toContain(paths.fw4RulesInclude)
  })

  it('keeps the history, and only paths (sysupgrade reads every line as one)', () => {
    expect(kept).toContain(`${paths.stateDir}/`)
    for (const line of kept) expect(line).toMatch(/^\/[\w./-]+$/)
  })

  it('leaves the secrets to their own list, which names exactly the secrets directory', () => {
    for (const line of kept) expect(paths.secretsDir.startsWith(line)).toBe(false)
    expect(paths.backupSecretsList).toBe('/lib/upgrade/keep.d/lanvpn-secrets')
    expect(backupSecretsText(paths)).toBe('/etc/lanvpn/secrets/\n')
  })
})
