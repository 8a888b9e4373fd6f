// The status contract: /var/run/lanvpn/status.json as the daemon writes it and the web UI, the CLI
// and the `status` method read it. Types, and the one "nothing written yet" value. Below everyone
// who uses it (core, system, daemon, rpc, cli, web UI), so nothing imports upward for it.
import type { ConfigProblem, DeviceMode } from '../config/types'
import type { WanKind } from '../mediastreamer/classify'
import type { MsAttempt, MsStateName } from '../mediastreamer/scheduler'
import type { LanInterface } from '../observe/lan'

/** One of the daemon's sentences by its stable code (core/messages.ts) and its parameters, for the
 * web UI to say in the reader's language; the English sentence is always beside it. Sample:
 * `{ "code": "lanNoDevice", "args": { "name": "lan" } }` */
export type Said = { code: string; args?: Record<string, string> }

export type DaemonState = 'starting' | 'running' | 'stopping' | 'stopped'
export type TunnelState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'failed'

/** /var/run/lanvpn/status.json (RAM only), polled by the UI through rpcd's `file.read` and returned by
 * the `status` method. Sample:
 * `{ "version": 1, "generation": 7, "updatedAt": 1763800000000, "configHash": "9f1c2e3a",
 *    "daemon": { "state": "running", "pid": 123, "startedAt": 1763790000000, "runtime": "qjs",
 *      "version": "0.1.0" },
 *    "tunnel": { "state": "disconnected", "profile": "", "since": 0 },
 *    "devices": { "vpn": 2, "direct": 1, "mediastreamer": 0, "blocked": 0 },
 *    "problems": [], "apply": { "ok": true, "errors": [] } }` */
export type RulesDns = 'nftset' | 'poll' | null

export type Status = {
  version: 1
  /** Increases with every status write; the UI's "applying…" ends when it sees a generation whose
   * configHash equals the hash its setConfig returned. */
  generation: number
  /** Wall-clock ms of this write (for display only). */
  updatedAt: number
  /** Hash of the config text this status reflects (fnv1a). */
  configHash: string
  daemon: {
    state: DaemonState
    pid: number
    startedAt: number
    runtime: string
    /** The lanvpn version the running daemon was built as: after an upgrade, the new one only once
     * the daemon restarted into the new files. Absent when no daemon wrote the file. */
    version?: string
  }
  /** RAM only; removed with the status file on cleanup. No endpoint or exit address. */
  tunnel: {
    state: TunnelState
    /** Profile id in use (after failover), '' when none. */
    profile: string
    /** Wall-clock ms when this state began, 0 when disconnected. */
    since: number
    /** Why it is not connected, in plain words. */
    reason?: string
    /** `reason` as code and parameters, when it is one of core/messages.ts's sentences. */
    reasonCode?: Said
    handshakeAgeS?: number
    rxBytes?: number
    txBytes?: number
    /** `kernel` or `userspace` (wireguard-go). */
    implementation?: string
    /** The address the internet sees through the tunnel, when the user asked for it (rpc
     * checkExitIp, `lanvpn exit-ip`) or turned on exit_ip_check; only while the location it was
     * found through carries the traffic. */
    exitIp?: string
  }
  /** The household's groups besides the default one (whose tunnel is `tunnel` above), in the
   * config's order, each with its own tunnel; absent or [] without groups (issue 21). Sample:
   * `[{ "id": "tv_uk", "label": "TV in the UK", "tunnel": { "state": "connected",
   *    "profile": "uk", "since": 1763800000000 }, "devices": 2 }]` */
  groups?: GroupStatus[]
  /** How domain rules follow DNS (issue 22): `nftset`, every answer of lanvpn's own dnsmasq
   * (dnsmasq-full); `poll`, lanvpn looks the names up itself every 5 minutes and so sees only the
   * addresses its look-ups got; null, no enabled rule has a domain. Absent before the daemon's
   * first reconcile. */
  rulesDns?: RulesDns
  /** The networks the router is on, as the daemon last read them from netifd (the rules' local
   * exceptions while local_direct is on; explainDestination reads them here). */
  localNets?: string[]
  devices: Record<DeviceMode, number>
  /** Config problems found on the last load, each with section, option, reason and line, and
   * the reason's code and parameters when it has one (core/messages.ts). */
  problems: Array<ConfigProblem & Partial<Said>>
  /** Set while /etc/config/lanvpn has problems the config in force did not have: that version of
   * the file (its hash) is not applied, and the last one applied stays in force. */
  configHeld?: { hash: string }
  /** Outcome of the last apply, in plain words. Earlier rules stay in force when it failed. */
  apply: { ok: boolean; errors: string[]; errorCodes?: Array<Said | null> }
  /** The LAN-side interfaces with their devices and policies, and what is wrong with them (a LAN
   * without its device), in plain words; `problemCodes[i]` is the code of `problems[i]`. */
  lan?: { interfaces: LanInterface[]; problems: string[]; problemCodes?: Array<Said | null> }
  /** The WAN as netifd reports it: its address is shown on the Overview (RAM only). */
  wan?: { ip: string; up: boolean }
  /** Smart-DNS registration (RAM only, no address in it). */
  mediastreamer?: MediastreamerStatus
  /** The last latency test: running, or its results fastest first. */
  latency?: LatencyStatus
}

/** One group in `status.groups`: its id (the UCI section name), its label, its tunnel (the same
 * fields as the default group's `status.tunnel`) and how many devices are in it. */
export type GroupStatus = { id: string; label: string; tunnel: Status['tunnel']; devices: number }

/** `status.latency`. Sample: `{ "running": false, "atWallMs": 1763800000000, "results": [{ "id": "ams", "ms": 23.4 }] }` */
export type LatencyStatus = {
  running: boolean
  atWallMs: number
  results: Array<{ id: string; ms: number | null; error?: string }>
}

/** status.mediastreamer (RAM only). No address anywhere: the UI shows the WAN address from the
 * WAN status, not from here. Sample:
 * `{ "enabled": true, "state": "registered", "wanKind": "public",
 *    "lastAttempt": { "atWallMs": 1763800000000, "result": "ok", "message": "registered" },
 *    "nextCheckWallMs": 1763800600000, "message": "Registered.", "explainsWan": true, "note": "" }`
 * In words (`lanvpn mediastreamer`, core/mediastreamer/wan-text.ts): "Registered. The WAN has a
 * public address; it is registered as it is." */
export type MediastreamerStatus = {
  enabled: boolean
  state: MsStateName
  wanKind: WanKind
  /** `result`: ok, refused (stopped until the settings change), wait (provider asked to wait),
   * failed (will retry). */
  lastAttempt: { atWallMs: number; result: MsAttempt['result']; message: string } | null
  /** Wall-clock ms of the next planned check; 0 when none is planned. */
  nextCheckWallMs: number
  /** The state in words, without the WAN's kind when `explainsWan` (then '' or 'Registered.'). */
  message: string
  /** Whether the WAN's kind is what the state says, after `message`: lanvpn-cli says it in
   * English, the web UI as ms.wan.<kind>; the daemon carries neither's words. */
  explainsWan?: boolean
  /** A plain-words note on the last event, said after both (absent or '' when none). */
  note?: string
}

/** What status.mediastreamer reads as when the daemon has not written one. */
export function offMediastreamerStatus(enabled = false): MediastreamerStatus {
  return {
    enabled,
    state: 'off',
    wanKind: 'unknown',
    lastAttempt: null,
    nextCheckWallMs: 0,
    message: enabled ? 'The daemon is not running.' : 'MediaStreamer registration is off.',
  }
}

type Scalar<T> = T extends string
  ? 'string'
  : T extends number
    ? 'number'
    : T extends boolean
      ? 'boolean'
      : never
/** The scalar fields of a part of the status, each with its JSON type. */
type Fields<T> = {
  [K in keyof T as Scalar<NonNullable<T[K]>> extends never ? never : K]-?: Scalar<NonNullable<T[K]>>
}

/** The scalar fields of the status's parts as the web UI keeps them (webui/src/api/lanvpn.ts
 * parseStatus keeps a field only when it has this type, so a half-known file never breaks a
 * page). Checked against the types above: a field renamed or retyped there fails to compile here. */
export const STATUS_FIELDS = {
  daemon: {
    state: 'string',
    pid: 'number',
    startedAt: 'number',
    runtime: 'string',
    version: 'string',
  },
  tunnel: {
    state: 'string',
    profile: 'string',
    since: 'number',
    reason: 'string',
    handshakeAgeS: 'number',
    rxBytes: 'number',
    txBytes: 'number',
    implementation: 'string',
    exitIp: 'string',
  },
  apply: { ok: 'boolean' },
  wan: { ip: 'string', up: 'boolean' },
  configHeld: { hash: 'string' },
} satisfies {
  daemon: Fields<Status['daemon']>
  tunnel: Fields<Status['tunnel']>
  apply: Fields<Status['apply']>
  wan: Fields<NonNullable<Status['wan']>>
  configHeld: Fields<NonNullable<Status['configHeld']>>
}
