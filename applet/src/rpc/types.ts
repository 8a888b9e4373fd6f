// The API the web UI and the `ubus call lanvpn …` user see. Types only: the web UI imports them with
// `import type`, so nothing of the applet ends up in its bundle.
import type {
  ConfigProblem,
  DeviceMode,
  Globals,
  Mediastreamer,
  Profile,
} from '../core/config/types'
import type { MediastreamerStatus } from './mediastreamer'
import type { LanInterface } from '../core/observe/lan'

export type { MediastreamerStatus } from './mediastreamer'
export type { ExplainDeviceResult, ListDevicesResult } from './devices'
export type { InventoryDevice } from '../core/devices/inventory'

/** An error as data (style.md: never a stack trace). `field` names the argument or config option at
 * fault, when there is one. Sample:
 * `{ "error": { "code": "invalid_argument", "message": "kill_switch: must be one of always, auto", "field": "globals.kill_switch" } }` */
export type RpcError = {
  error: {
    code: RpcErrorCode
    message: string
    field?: string
    /** Every config problem at once, for `invalid_config`. */
    problems?: ConfigProblem[]
    /** Import notes by line, for `invalid_profile`. */
    notes?: Array<{ line: number; level: string; message: string }>
  }
}

export type RpcErrorCode =
  | 'invalid_json'
  | 'too_large'
  | 'unknown_method'
  | 'invalid_argument'
  | 'invalid_config'
  | 'invalid_profile'
  | 'not_found'
  | 'io_error'
  | 'internal'

export type DaemonState = 'starting' | 'running' | 'stopping' | 'stopped'
export type TunnelState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'failed'

/** /var/run/lanvpn/status.json (RAM only), polled by the UI through rpcd's `file.read` and returned by
 * the `status` method. Sample:
 * `{ "version": 1, "generation": 7, "updatedAt": 1763800000000, "configHash": "9f1c2e3a",
 *    "daemon": { "state": "running", "pid": 123, "startedAt": 1763790000000, "runtime": "qjs" },
 *    "tunnel": { "state": "disconnected", "profile": "", "since": 0 },
 *    "devices": { "vpn": 2, "direct": 1, "mediastreamer": 0, "blocked": 0 },
 *    "problems": [], "apply": { "ok": true, "errors": [] } }` */
export type Status = {
  version: 1
  /** Increases with every status write; the UI's "applying…" ends when it sees a generation whose
   * configHash equals the hash its setConfig returned. */
  generation: number
  /** Wall-clock ms of this write (for display only). */
  updatedAt: number
  /** Hash of the config text this status reflects (fnv1a). */
  configHash: string
  daemon: { state: DaemonState; pid: number; startedAt: number; runtime: string }
  /** RAM only; removed with the status file on cleanup. No endpoint or exit address. */
  tunnel: {
    state: TunnelState
    /** Profile id in use (after failover), '' when none. */
    profile: string
    /** Wall-clock ms when this state began, 0 when disconnected. */
    since: number
    /** Why it is not connected, in plain words. */
    reason?: string
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
  devices: Record<DeviceMode, number>
  /** Config problems found on the last load, each with section, option, reason and line. */
  problems: ConfigProblem[]
  /** Set while /etc/config/lanvpn has problems the config in force did not have: that version of
   * the file (its hash) is not applied, and the last one applied stays in force. */
  configHeld?: { hash: string }
  /** Outcome of the last apply, in plain words. Earlier rules stay in force when it failed. */
  apply: { ok: boolean; errors: string[] }
  /** The LAN-side interfaces with their devices and policies, and what is wrong with them (a LAN
   * without its device), in plain words. */
  lan?: { interfaces: LanInterface[]; problems: string[] }
  /** The WAN as netifd reports it: its address is shown on the Overview (RAM only). */
  wan?: { ip: string; up: boolean }
  /** Smart-DNS registration (RAM only, no address in it). */
  mediastreamer?: MediastreamerStatus
  /** The last latency test: running, or its results fastest first. */
  latency?: LatencyStatus
}

/** `status.latency`. Sample: `{ "running": false, "atWallMs": 1763800000000, "results": [{ "id": "ams", "ms": 23.4 }] }` */
export type LatencyStatus = {
  running: boolean
  atWallMs: number
  results: Array<{ id: string; ms: number | null; error?: string }>
}

/** A secret is write-only: the API only says whether it is set. */
export type SecretFlag = { set: boolean }

/** `getConfig` result. Sample:
 * `{ "globals": { "enabled": true, "killSwitch": "always", … }, "profiles": [], "devices": [],
 *    "mediastreamer": { "enabled": false, …, "token": { "set": false }, "password": { "set": false } },
 *    "problems": [], "configHash": "9f1c2e3a" }` */
export type ConfigView = {
  globals: Globals
  profiles: Array<Profile & { privateKey: SecretFlag }>
  devices: Array<{ id: string; mac: string; mode: DeviceMode; label: string; kind: string }>
  mediastreamer: Mediastreamer & { token: SecretFlag; password: SecretFlag }
  problems: ConfigProblem[]
  configHash: string
}

/** `setConfig` argument: options to change, by UCI option name, per section. Secrets (`token`,
 * `password` under mediastreamer) are accepted here and stored root-only, never in UCI. Sample:
 * `{ "globals": { "kill_switch": "auto" }, "mediastreamer": { "enabled": true, "token": "…" } }` */
export type SetConfigArgs = {
  globals?: Record<string, string | number | boolean | string[]>
  mediastreamer?: Record<string, string | number | boolean | string[]>
}

/** `setConfig` result. `daemonNotified` is false when no daemon runs (the change applies at its next
 * start). Sample: `{ "ok": true, "configHash": "9f1c2e3a", "daemonNotified": true }` */
export type SetConfigResult = { ok: true; configHash: string; daemonNotified: boolean }
