// Temp files left by writers killed mid-write (host.ts atomicTempPath, `.<base>.tmp-<pid>`) are
// swept when the config is saved and when the daemon starts: only dead writers' files, only in the
// directories lanvpn writes, and in the directories it shares (/etc/config, the fw4 include dir)
// only the temp files of its own file.
import { describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG_TEXT } from '../../applet/src/core/config/defaults'
import { resolvePaths } from '../../applet/src/core/paths'
import { runDaemon } from '../../applet/src/daemon/daemon'
import { FakeHost } from '../../applet/src/host/fake'
import { removeStaleTempFiles, writeConfigText } from '../../applet/src/system/files'
import { withLogLevel } from '../../applet/src/system/log'

const paths = resolvePaths('')
const LIVE = 1000
const DEAD = 999

/** A router with a temp file of every kind lying around. */
function routerWithLeftovers(): FakeHost {
  const host = new FakeHost()
  host.livePids.add(LIVE)
  for (const dir of ['/etc/config', paths.secretsDir, paths.stateDir, `${paths.runDir}/requests`])
    host.mkdirp(dir)
  host.mkdirp('/usr/share/nftables.d/ruleset-post')
  const files = [
    `/etc/config/network`,
    `/etc/config/.lanvpn.tmp-${DEAD}`,
    `/etc/config/lanvpn.tmp-${DEAD}`, // named before temp files were dot-files
    `/etc/config/.lanvpn.tmp-${LIVE}`, // a save in progress
    `/etc/config/.lanvpn.tmp-0`, // a qjs that could not tell its pid
    `/etc/config/.network.tmp-${DEAD}`, // not ours: /etc/config is shared
    `/etc/config/.network.uci-AbC123`,
    `${paths.secretsDir}/.profile_home.ovpn.tmp-${DEAD}`,
    `${paths.secretsDir}/profile_home.ovpn`,
    `${paths.stateDir}/.history.json.tmp-${DEAD}`,
    `${paths.runDir}/.status.json.tmp-${DEAD}`,
    `${paths.runDir}/.lanvpnd.pid.tmp-4242`, // FakeHost's own pid
    `${paths.runDir}/requests/.1-2-reconnect.json.tmp-${DEAD}`,
    `${paths.fw4Include.replace(/[^/]+$/, '')}.90-lanvpn.nft.tmp-${DEAD}`,
    `${paths.fw4Include.replace(/[^/]+$/, '')}.10-other.nft.tmp-${DEAD}`,
  ]
  for (const f of files) host.files.set(f, { content: 'x', mode: 0o600, mtimeMs: 0 })
  return host
}

const left = (host: FakeHost): string[] =>
  [...host.files.keys()].filter((f) => f.includes('.tmp-') || f.includes('.uci-')).sort()

const KEPT = [
  `/etc/config/.lanvpn.tmp-${LIVE}`,
  `/etc/config/.network.tmp-${DEAD}`,
  `/etc/config/.network.uci-AbC123`,
  `/usr/share/nftables.d/ruleset-post/.10-other.nft.tmp-${DEAD}`,
  `${paths.runDir}/.lanvpnd.pid.tmp-4242`,
].sort()

describe('stale temp files', () => {
  it("removes dead writers' temp files of lanvpn's files and keeps everything else", () => {
    const host = routerWithLeftovers()
    const removed = removeStaleTempFiles(host, paths)
    expect(left(host)).toEqual(KEPT)
    expect(removed).toHaveLength(8)
    expect(host.readFile('/etc/config/network')).toBe('x')
    expect(host.readFile(`${paths.secretsDir}/profile_home.ovpn`)).toBe('x')
    expect(host.logs.filter((l) => l.level === 'notice')).toHaveLength(8)
  })

  it('never throws: a directory it cannot list is reported and the save goes on', () => {
    const host = routerWithLeftovers()
    host.listDir = () => {
      throw new Error('listing /etc/config: Permission denied')
    }
    expect(removeStaleTempFiles(host, paths)).toEqual([])
    expect(host.logs.at(-1)?.message).toMatch(/sweeping temp files: .*Permission denied/)
  })

  it('a config save sweeps them', () => {
    const host = routerWithLeftovers()
    writeConfigText(host, paths, DEFAULT_CONFIG_TEXT)
    expect(left(host)).toEqual(KEPT)
    expect(host.readFile(paths.config)).toBe(DEFAULT_CONFIG_TEXT)
  })

  it('a daemon start sweeps them', async () => {
    const host = routerWithLeftovers()
    host.files.set(paths.config, { content: DEFAULT_CONFIG_TEXT, mode: 0o600, mtimeMs: 0 })
    void runDaemon(withLogLevel(host), paths)
    await host.flush()
    expect(left(host)).toEqual(KEPT)
    host.raise('TERM')
  })
})
