// The rpc contract: what each method of the `lanvpn` ubus object answers, and its errors. Types
// only: the web UI imports them with `import type`, so nothing of the applet reaches its bundle.
// Below everyone who uses it (system, features, rpc, cli, web UI). The status is in status.ts.
import type { ConfigProblem, Device, DeviceMode, Globals, Group } from '../config/types'
import type { Mediastreamer, Profile } from '../config/types'
import type { ConfigPatch } from '../config/patch'
import type { Rule } from '../config/rules'
import type { Explanation } from '../devices/explain'
import type { InventoryDevice } from '../devices/inventory'
import type { ProtectionAnswer } from '../devices/protection'
import type { HistoryRecord } from '../history'
import type { ImportNote } from '../tunnel/wireguard-conf'
import type { MediastreamerStatus } from './status'

export type { InventoryDevice } from '../devices/inventory'
export type { ProtectionAnswer, ProtectionVerdict } from '../devices/protection'
export type { ImportNote } from '../tunnel/wireguard-conf'

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
    notes?: ImportNote[]
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

/** A secret is write-only: the API only says whether it is set. */
export type SecretFlag = { set: boolean }

/** `getConfig` result. Sample:
 * `{ "globals": { "enabled": true, "killSwitch": "always", … }, "profiles": [], "devices": [],
 *    "mediastreamer": { "enabled": false, …, "token": { "set": false }, "password": { "set": false } },
 *    "problems": [], "configHash": "9f1c2e3a" }` */
export type ConfigView = {
  globals: Globals
  profiles: Array<Profile & { privateKey: SecretFlag }>
  devices: Device[]
  /** The groups besides the default one (issue 21), in index order. */
  groups: Group[]
  mediastreamer: Mediastreamer & { token: SecretFlag; password: SecretFlag }
  /** Rules by destination (issue 22), in file order; a skipped one is missing (its problem is
   * in `problems`) and the others keep their numbers. */
  rules: Rule[]
  problems: ConfigProblem[]
  configHash: string
}

/** `setRule`, `deleteRule`, `moveRule` result: a saved change and the rule's id (its section name,
 * `@rule[i]` for an anonymous one; '' after deleteRule). `setRule` args: `{ id?, label, enabled,
 * domains, dests, ports: ['tcp:443'], via: 'direct', devices, groups }`, no id for a new rule;
 * only the fields given change. Sample: `{ "ok": true, "configHash": "9f1c2e3a",
 * "daemonNotified": true, "id": "rule_1" }` */
export type RuleIdResult = SetConfigResult & { id: string }

/** `setConfig` argument: options to change, by UCI option name, per section; `groups` by group
 * name (null removes one). Secrets (`token`, `password` under mediastreamer) are accepted here and
 * stored root-only, never in UCI. Sample:
 * `{ "globals": { "kill_switch": "auto" }, "mediastreamer": { "enabled": true, "token": "…" },
 *    "groups": { "tv_uk": { "label": "TV (UK)", "profile": "uk" }, "old": null } }` */
export type SetConfigArgs = ConfigPatch & {
  mediastreamer?: { token?: string; password?: string }
}

/** `setConfig` result. `daemonNotified` is false when no daemon runs (the change applies at its next
 * start). Sample: `{ "ok": true, "configHash": "9f1c2e3a", "daemonNotified": true }` */
export type SetConfigResult = { ok: true; configHash: string; daemonNotified: boolean }

/** `getMediastreamer` result: the settings (secrets only as flags) and the live status. Sample:
 * `{ "settings": { "enabled": true, "method": "dyndns2", "server": "members.example.net", …,
 *      "token": { "set": false }, "password": { "set": true } },
 *    "status": { "enabled": true, "state": "registered", "wanKind": "public", … } }` */
export type MediastreamerView = {
  settings: Mediastreamer & { token: SecretFlag; password: SecretFlag }
  status: MediastreamerStatus
}

/** `registerNow` result. `daemonNotified` false: no daemon runs; the request waits for its next
 * start. Progress shows in status.mediastreamer. Sample: `{ "ok": true, "daemonNotified": true }` */
export type RegisterNowResult = { ok: true; daemonNotified: boolean }

/** `listDevices` result: observed and configured devices joined, offline configured ones too.
 * Sample: `{ "devices": [ { "mac": "02:00:00:00:50:01", "label": "Laptop", "kind": "laptop",
 *   "hostname": "laptop", "ipv4": ["192.168.50.183"], "ipv6": [], "online": true,
 *   "lastSeenWallMs": 1763800000000, "configured": true, "mode": "vpn", "modeIsDefault": false,
 *   "privateMac": true, "wireless": false, "group": "" } ], "defaultMode": "vpn",
 *   "counts": { "vpn": 1, "direct": 0, "mediastreamer": 0, "blocked": 0 },
 *   "generation": 12, "updatedAt": 1763800000000 }` */
export type ListDevicesResult = {
  devices: InventoryDevice[]
  defaultMode: DeviceMode
  counts: Record<DeviceMode, number>
  /** devices.json generation (0: the daemon has observed nothing yet). */
  generation: number
  updatedAt: number
}

/** `explainDevice` result: see core/devices/explain.ts Explanation for the sample. */
export type ExplainDeviceResult = Explanation

/** `checkProtection` result: see core/devices/protection.ts ProtectionAnswer for the sample. */
export type CheckProtectionResult = ProtectionAnswer

/** One profile as the API shows it: no secret, only whether each is stored. `privateKey` is the
 * WireGuard key file, or for OpenVPN the sanitised config that carries the inline keys;
 * `credentials` the OpenVPN user/password file. Sample:
 * `{ "id": "amsterdam", "label": "Amsterdam", "type": "wireguard", "endpoints": ["ams.example.net:51820"],
 *    "addresses": ["10.64.0.2/32"], "dns": ["10.64.0.1"], "dnsSearch": [], "mtu": 0, "peers": 1,
 *    "privateKey": { "set": true }, "credentials": { "set": false } }` */
export type ProfileSummary = {
  id: string
  label: string
  type: Profile['type']
  endpoints: string[]
  addresses: string[]
  dns: string[]
  dnsSearch: string[]
  mtu: number
  peers: number
  privateKey: SecretFlag
  credentials: SecretFlag
}

/** `listProfiles` result. Sample:
 * `{ "profiles": [ …ProfileSummary ], "active": "amsterdam", "fallback": ["paris"], "connect": true, "configHash": "9f1c2e3a" }` */
export type ProfileList = {
  profiles: ProfileSummary[]
  active: string
  fallback: string[]
  connect: boolean
  configHash: string
}

/** A saved import. Sample:
 * `{ "ok": true, "id": "amsterdam", "notes": [{ "line": 7, "level": "refused", "message": "postup refused: …" }], "configHash": "9f1c2e3a", "daemonNotified": false }` */
export type ImportResult = SetConfigResult & { id: string; notes: ImportNote[] }

/** `testLatency` result. Sample: `{ "queued": true, "daemonNotified": true }` */
export type LatencyRequestResult = { queued: true; daemonNotified: boolean }

/** `getHistory {}` result: the last sessions, newest first, at most 20, none older than 30 days,
 * no address of any kind. `startWallMs` 0 means the date is not known yet (the router's clock was
 * not set). Sample: `{ "records": [ { "startWallMs": 1763800000000, "durationS": 5400,
 * "location": "Amsterdam", "protocol": "wireguard", "version": "0.4.0", "result": "ok" } ] }` */
export type GetHistoryResult = { records: HistoryRecord[] }

/** `clearHistory {}` result. Sample: `{ "ok": true }` */
export type ClearHistoryResult = { ok: true }

/** `getDiagnostics {}` result: a file name and the bundle's text, with every key, token, password,
 * IP and MAC address, host name and domain replaced by `[redacted-…]`. Sample:
 * `{ "filename": "lanvpn-diagnostics-20251122-0826.txt",
 *    "text": "lanvpn diagnostics\nversion: 0.4.0\nruntime: qjs\n…== status ==\n{ … }\n…" }` */
export type DiagnosticsResult = { filename: string; text: string }
