// The device list: what the router sees on the LAN (leases, static leases, neighbour tables,
// wireless clients), merged by MAC, then joined with the configured devices. Two steps because
// they run in different processes: the daemon observes and writes `seen` to RAM
// (/var/run/lanvpn/devices.json); the rpc face joins it with the config as it is right now, so a
// rename shows at once. Pure: time comes in as arguments.
import type { Config, DeviceMode } from '../config/types'
import type { DhcpLease } from '../observe/leases'
import type { Neighbour } from '../observe/neigh'
import type { StaticLease } from '../observe/dhcp-hosts'
import { getOption, sectionsOfType } from '../uci/doc'
import type { UciDoc } from '../uci/doc'
import { normaliseMac } from '../config/formats'

/** One round of raw observations, already parsed. */
export type Observation = {
  leases: DhcpLease[]
  staticLeases: StaticLease[]
  neighbours: Neighbour[]
  /** MACs of associated wireless clients (hostapd), [] when there is no hostapd. */
  wireless: string[]
  /** The MACs of the router's own LAN devices, never a device: the router's neighbour table can
   * hold its own link-local address with its own MAC (a router advertisement it heard back).
   * Absent when it could not be read. */
  ownMacs?: string[]
}

/** Monotonic ms of the last time each MAC was online. RAM only: the daemon keeps it between
 * observations and loses it on restart, which is what the no-logs rule wants. */
export type PresenceBook = Record<string, number>

/** Both clocks of one observation: intervals use `monoMs` (immune to NTP jumps); `wallMs` only
 * turns a last sighting into a time people can read. */
export type Clock = { monoMs: number; wallMs: number }

/** A device as observed, before the config is joined in. Sample:
 * `{ mac: '02:00:00:00:50:01', hostname: 'laptop', ipv4: ['192.168.50.183'], ipv6: ['fd50::a'],
 *    online: true, lastSeenWallMs: 1763800000000, privateMac: true, wireless: false }` */
export type SeenDevice = {
  mac: string
  hostname: string
  ipv4: string[]
  ipv6: string[]
  online: boolean
  /** Wall-clock ms of the last sighting, 0 when never seen online since the daemon started. */
  lastSeenWallMs: number
  privateMac: boolean
  wireless: boolean
}

/** What listDevices returns per device. Sample:
 * `{ mac: '02:00:00:00:50:01', label: 'Laptop', kind: 'laptop', hostname: 'laptop',
 *    ipv4: ['192.168.50.183'], ipv6: [], online: true, lastSeenWallMs: 1763800000000,
 *    configured: true, mode: 'vpn', modeIsDefault: false, privateMac: true, wireless: false,
 *    group: '' }` */
export type InventoryDevice = SeenDevice & {
  label: string
  kind: string
  configured: boolean
  mode: DeviceMode
  /** True when the device has no mode of its own and follows globals.default_mode. */
  modeIsDefault: boolean
  /** The group whose tunnel carries it in mode vpn (issue 21): a group's id, '' for the
   * household's default group (also when the group it names is gone). */
  group: string
}

/** A device not seen for this long is dropped from the RAM list (unless it still has a lease or
 * is configured): a day is enough for "seen this morning", short enough to keep no history. */
export const FORGET_UNSEEN_MS = 24 * 60 * 60 * 1000

/** Whether a MAC is locally administered (bit 1 of the first octet): phones randomise their MAC
 * per network this way, so such a device may show up as new after a reset. */
export function isPrivateMac(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 0x02) !== 0
}

const isLinkLocal6 = (ip: string): boolean => /^fe[89ab][0-9a-f]:/i.test(ip)

function addUnique(list: string[], value: string): void {
  if (value !== '' && !list.includes(value)) list.push(value)
}

/** Merges one observation by MAC and updates the presence book. Online means: present in a
 * neighbour table (REACHABLE, STALE, DELAY, PROBE, PERMANENT) or associated to an AP. Returns a
 * new book; the old one is not changed. */
export function observeDevices(
  obs: Observation,
  book: PresenceBook,
  clock: Clock
): { devices: SeenDevice[]; book: PresenceBook } {
  const byMac = new Map<string, SeenDevice>()
  const isOwn = (mac: string): boolean => !!obs.ownMacs?.includes(mac)
  const get = (mac: string): SeenDevice => {
    let d = byMac.get(mac)
    if (!d) {
      d = {
        mac,
        hostname: '',
        ipv4: [],
        ipv6: [],
        online: false,
        lastSeenWallMs: 0,
        privateMac: isPrivateMac(mac),
        wireless: false,
      }
      byMac.set(mac, d)
    }
    return d
  }
  for (const s of obs.staticLeases) {
    for (const mac of s.macs) {
      if (isOwn(mac)) continue
      const d = get(mac)
      if (d.hostname === '') d.hostname = s.name
      if (s.ip) addUnique(d.ipv4, s.ip)
    }
  }
  for (const l of obs.leases) {
    if (l.mac === null || isOwn(l.mac)) continue
    const d = get(l.mac)
    // The name the device itself sent wins over a static lease's name only when it has one.
    if (l.hostname !== '') d.hostname = l.hostname
    addUnique(l.family === 4 ? d.ipv4 : d.ipv6, l.ip)
  }
  const online = new Set<string>()
  for (const n of obs.neighbours) {
    if (!n.isPresent || isOwn(n.mac)) continue
    const d = get(n.mac)
    online.add(n.mac)
    if (n.family === 4) addUnique(d.ipv4, n.ip)
    else if (!isLinkLocal6(n.ip)) addUnique(d.ipv6, n.ip)
  }
  for (const mac of obs.wireless) {
    if (isOwn(mac)) continue
    get(mac).wireless = true
    online.add(mac)
  }
  const next: PresenceBook = {}
  for (const [mac, mono] of Object.entries(book)) {
    if (clock.monoMs - mono <= FORGET_UNSEEN_MS) next[mac] = mono
  }
  for (const mac of online) next[mac] = clock.monoMs
  for (const [mac, mono] of Object.entries(next)) {
    const d = get(mac)
    d.online = online.has(mac)
    d.lastSeenWallMs = clock.wallMs - (clock.monoMs - mono)
  }
  const devices = [...byMac.values()].sort((a, b) => (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : 0))
  for (const d of devices) {
    d.ipv4.sort(compareIpv4)
    d.ipv6.sort()
  }
  return { devices, book: next }
}

function compareIpv4(a: string, b: string): number {
  const n = (ip: string) => ip.split('.').reduce((acc, p) => acc * 256 + Number(p), 0)
  return n(a) - n(b)
}

/** MACs of configured devices whose section has no `mode` option: they follow the default mode
 * (validate gives them globals.default_mode, which hides where it came from). */
export function macsFollowingDefault(doc: UciDoc): Set<string> {
  const out = new Set<string>()
  for (const s of sectionsOfType(doc, 'device')) {
    const raw = getOption(s, 'mac')
    const mac = typeof raw === 'string' ? normaliseMac(raw) : null
    if (mac !== null && getOption(s, 'mode') === undefined) out.add(mac)
  }
  return out
}

/** A configured device that is not in `seen`, as listDevices shows it: offline, nothing known. */
function unseen(mac: string): SeenDevice {
  const base = { hostname: '', ipv4: [], ipv6: [], online: false, lastSeenWallMs: 0 }
  return { mac, ...base, privateMac: isPrivateMac(mac), wireless: false }
}

/** The name a person reads first: their label, else the device's host name, else the MAC. */
export function displayName(d: InventoryDevice): string {
  return d.label || d.hostname || d.mac
}

/** Joins observed devices with the config: every configured device is listed (offline ones too),
 * every observed one gets its mode (its own, or the default). Stable order: by display name
 * (case-insensitive), then MAC. Same input, same output. */
export function mergeInventory(
  seen: SeenDevice[],
  config: Config,
  followsDefault: Set<string> = new Set()
): InventoryDevice[] {
  const configured = new Map(config.devices.map((d) => [d.mac, d]))
  const groupIds = new Set(config.groups.map((g) => g.id))
  const all = new Map<string, SeenDevice>(seen.map((d) => [d.mac, d]))
  for (const mac of configured.keys()) if (!all.has(mac)) all.set(mac, unseen(mac))
  const out: InventoryDevice[] = []
  for (const d of all.values()) {
    const c = configured.get(d.mac)
    const isDefault = !c || followsDefault.has(d.mac)
    out.push({
      ...d,
      ipv4: d.ipv4.slice(),
      ipv6: d.ipv6.slice(),
      label: c?.label ?? '',
      kind: c?.kind ?? '',
      configured: c !== undefined,
      mode: isDefault ? config.globals.defaultMode : c.mode,
      modeIsDefault: isDefault,
      group: c && groupIds.has(c.group) ? c.group : '',
    })
  }
  const key = (d: InventoryDevice) => displayName(d).toLowerCase()
  return out.sort((a, b) => {
    const ka = key(a)
    const kb = key(b)
    if (ka !== kb) return ka < kb ? -1 : 1
    return a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : 0
  })
}

/** Devices per mode, for the list's header and the status file. */
export function countModes(devices: InventoryDevice[]): Record<DeviceMode, number> {
  const counts: Record<DeviceMode, number> = { vpn: 0, direct: 0, mediastreamer: 0, blocked: 0 }
  for (const d of devices) counts[d.mode] += 1
  return counts
}
