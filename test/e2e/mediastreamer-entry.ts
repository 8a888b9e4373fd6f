// A stand-in for the daemon until the lead wires the driver into daemon/daemon.ts: runs
// createMediastreamer on the real Node host in the lab's router namespace. Config from
// $LANVPN_PREFIX/etc/config/lanvpn; SIGUSR1 plays the interface hotplug hook, SIGHUP reloads the
// config; every status change is written to $LANVPN_PREFIX/ms-status.json.
import { parseConfig } from '../../applet/src/core/config/validate'
import { resolvePaths } from '../../applet/src/core/paths'
import { createMediastreamer } from '../../applet/src/daemon/mediastreamer'
import { createNodeHost } from '../../applet/src/host/node'
import { readConfigText } from '../../applet/src/system/files'

const host = createNodeHost()
const prefix = host.getEnv('LANVPN_PREFIX') ?? ''
const paths = resolvePaths(prefix)
const statusFile = `${prefix}/ms-status.json`
const driver = createMediastreamer(host, paths, {
  onStatusChange: () =>
    host.writeFileAtomic(statusFile, JSON.stringify(driver.status()), { durable: false }),
})
const load = () => driver.onConfig(parseConfig(readConfigText(host, paths)).config)
host.onSignal('USR1', () => driver.onWanEvent())
host.onSignal('HUP', load)
host.onSignal('TERM', () => {
  driver.stop()
  host.exit(0)
})
// Keeps the process alive between the driver's own timers.
const keepAlive = () => host.setTimeout(keepAlive, 60_000)
keepAlive()
load()
