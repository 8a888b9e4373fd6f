// /var/run/lanvpn/devices.json: the devices the daemon observed (RAM only, gone on reboot, as the
// no-logs rule asks). The daemon writes it after each observation; the rpc face reads it and joins
// the config in (core/devices/inventory.ts mergeInventory). It holds MACs, addresses and host
// names, so it is root-only (0600), unlike the status file.
import type { SeenDevice } from '../core/devices/inventory'
import type { Paths } from '../core/paths'
import type { Host } from '../host/host'

/** The file's content. `generation` increases with every write. Sample:
 * `{ "version": 1, "generation": 12, "updatedAt": 1763800000000, "devices": [ { "mac": "02:00:00:00:50:01",
 *    "hostname": "laptop", "ipv4": ["192.168.50.183"], "ipv6": [], "online": true,
 *    "lastSeenWallMs": 1763800000000, "privateMac": true, "wireless": false } ] }` */
export type DevicesSnapshot = {
  version: 1
  generation: number
  updatedAt: number
  devices: SeenDevice[]
}

/** Where the snapshot lives, next to the status file. */
export function devicesFilePath(paths: Paths): string {
  return `${paths.runDir}/devices.json`
}

/** What reads come back with when no daemon has observed anything yet. */
export function emptySnapshot(): DevicesSnapshot {
  return { version: 1, generation: 0, updatedAt: 0, devices: [] }
}

/** The snapshot; missing or unreadable reads as empty (generation 0). Never throws for content. */
export function readDevicesFile(host: Host, paths: Paths): DevicesSnapshot {
  const text = host.readFile(devicesFilePath(paths))
  if (text === null) return emptySnapshot()
  try {
    const s = JSON.parse(text) as DevicesSnapshot
    return s && s.version === 1 && Array.isArray(s.devices) ? s : emptySnapshot()
  } catch {
    return emptySnapshot()
  }
}

/** Writes the next snapshot atomically (tmpfs: no fsync), root-only, and returns it. Its
 * generation is one more than the file's current one, so readers can tell a new observation. */
export function writeDevicesFile(host: Host, paths: Paths, devices: SeenDevice[]): DevicesSnapshot {
  const snapshot: DevicesSnapshot = {
    version: 1,
    generation: readDevicesFile(host, paths).generation + 1,
    updatedAt: host.wallMs(),
    devices,
  }
  host.mkdirp(paths.runDir, 0o755)
  const path = devicesFilePath(paths)
  host.writeFileAtomic(path, JSON.stringify(snapshot), { mode: 0o600, durable: false })
  return snapshot
}
