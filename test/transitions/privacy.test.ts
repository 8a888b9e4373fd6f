// The daemon's privacy keeper (daemon/privacy.ts) on a FakeHost: debug logging ends by itself
// after an hour (the config says notice again), the secrets go into backups only while the user
// wants them there, the log redacts the names of the devices, and the device list (RAM) goes
// when the daemon stops.
import { beforeEach, describe, expect, it } from 'vitest'
import { parseConfig } from '../../applet/src/core/config/validate'
import { DEFAULT_CONFIG_TEXT } from '../../applet/src/core/config/defaults'
import type { SeenDevice } from '../../applet/src/core/devices/inventory'
import { resolvePaths } from '../../applet/src/core/paths'
import { createPrivacyKeeper } from '../../applet/src/daemon/privacy'
import { FakeHost } from '../../applet/src/host/fake'
import { devicesFilePath } from '../../applet/src/system/devices-file'
import { withLogLevel, type LevelledHost } from '../../applet/src/system/log'

const paths = resolvePaths('')
let fake: FakeHost
let host: LevelledHost

const configText = (globals: string) =>
  DEFAULT_CONFIG_TEXT.replace(
    "\toption log_level 'notice'\n\toption backup_secrets '1'\n",
    globals
  ) +
  "\nconfig device 'd_020000005001'\n\toption mac '02:00:00:00:50:01'\n\toption label 'Johns-iPhone'\n"
const write = (text: string) =>
  fake.files.set(paths.config, { content: text, mode: 0o600, mtimeMs: 0 })
const current = () => parseConfig(fake.readFile(paths.config) ?? '').config
const seen: SeenDevice[] = [
  {
    mac: '02:00:00:00:50:02',
    hostname: 'kids-tablet',
    ipv4: [],
    ipv6: [],
    online: true,
    lastSeenWallMs: 0,
    privateMac: false,
    wireless: false,
  },
]

beforeEach(() => {
  fake = new FakeHost()
  fake.mkdirp('/etc/config')
  fake.mkdirp(paths.runDir)
  fake.mkdirp('/lib/upgrade/keep.d')
  host = withLogLevel(fake)
})

describe('privacy keeper', () => {
  it('sets log_level debug back to notice an hour after the daemon first ran with it', async () => {
    write(configText("\toption log_level 'debug'\n"))
    const keeper = createPrivacyKeeper(host, paths)
    await keeper.onReconcile(current(), seen)
    expect(fake.logs.map((l) => l.message)).toContain(
      'log level debug: addresses and names go to the log for one hour'
    )
    fake.advance(59 * 60_000)
    await keeper.onReconcile(current(), seen)
    expect(current().globals.logLevel).toBe('debug')
    // A daemon restarted meanwhile counts from the first start (a RAM marker, monotonic).
    const again = createPrivacyKeeper(host, paths)
    fake.advance(60_000)
    await again.onReconcile(current(), seen)
    expect(current().globals.logLevel).toBe('notice')
    expect(fake.logs.at(-1)?.message).toBe('log level debug ended after an hour: back to notice')
    // The rest of the file is as it was.
    expect(current().devices.map((d) => d.label)).toEqual(['Johns-iPhone'])
    await again.onReconcile(current(), seen)
    expect(fake.readFile(`${paths.runDir}/debug-since`)).toBeNull()
  })

  it('lists the secrets for backups only while backup_secrets is on', async () => {
    write(configText("\toption log_level 'notice'\n"))
    const keeper = createPrivacyKeeper(host, paths)
    await keeper.onReconcile(current(), seen)
    expect(fake.readFile(paths.backupSecretsList)).toBe('/etc/lanvpn/secrets/\n')
    write(configText("\toption log_level 'notice'\n\toption backup_secrets '0'\n"))
    await keeper.onReconcile(current(), seen)
    expect(fake.readFile(paths.backupSecretsList)).toBeNull()
    write(configText("\toption log_level 'notice'\n\toption backup_secrets '1'\n"))
    await keeper.onReconcile(current(), seen)
    expect(fake.readFile(paths.backupSecretsList)).toBe('/etc/lanvpn/secrets/\n')
  })

  it("redacts a configured device's label and a seen device's host name in the log", async () => {
    write(configText("\toption log_level 'notice'\n"))
    await createPrivacyKeeper(host, paths).onReconcile(current(), seen)
    host.log('warning', 'Johns-iPhone and kids-tablet')
    expect(fake.logs.at(-1)?.message).toBe('[redacted-name] and [redacted-name]')
  })

  it('removes the device list when the daemon stops', () => {
    fake.files.set(devicesFilePath(paths), { content: '{}', mode: 0o600, mtimeMs: 0 })
    createPrivacyKeeper(host, paths).stop()
    expect(fake.readFile(devicesFilePath(paths))).toBeNull()
  })
})
