// The MediaStreamer part of the `lanvpn` ubus object: read the settings and the registration
// status, and ask the daemon to register now. Settings are changed with `setConfig`
// ({ mediastreamer: { … } }); token and password are write-only there.
import type { Mediastreamer } from '../core/config/types'
import { parseConfig } from '../core/config/validate'
import type { WanKind } from '../core/mediastreamer/classify'
import type { MsAttempt, MsStateName } from '../core/mediastreamer/scheduler'
import type { Paths } from '../core/paths'
import type { Host } from '../host/host'
import { hasSecret, readConfigText } from '../system/files'
import { postRequest } from '../system/requests'
import { readStatus } from '../system/status'
import type { SecretFlag } from './types'

/** status.mediastreamer (RAM only). No address anywhere: the UI shows the WAN address from the
 * WAN status, not from here. Sample:
 * `{ "enabled": true, "state": "registered", "wanKind": "public",
 *    "lastAttempt": { "atWallMs": 1763800000000, "result": "ok", "message": "registered" },
 *    "nextCheckWallMs": 1763800600000, "message": "Registered. The WAN has a public address; …" }` */
export type MediastreamerStatus = {
  enabled: boolean
  state: MsStateName
  wanKind: WanKind
  /** `result`: ok, refused (stopped until the settings change), wait (provider asked to wait),
   * failed (will retry). */
  lastAttempt: { atWallMs: number; result: MsAttempt['result']; message: string } | null
  /** Wall-clock ms of the next planned check; 0 when none is planned. */
  nextCheckWallMs: number
  message: string
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

type Ctx = { host: Host; paths: Paths }

/** `getMediastreamer {}`: settings plus status read from the status file. */
export async function getMediastreamer(ctx: Ctx): Promise<MediastreamerView> {
  const { host, paths } = ctx
  const { config } = parseConfig(readConfigText(host, paths))
  const settings = {
    ...config.mediastreamer,
    token: { set: hasSecret(host, paths, 'ms_token') },
    password: { set: hasSecret(host, paths, 'ms_password') },
  }
  const written = (readStatus(host, paths) as { mediastreamer?: MediastreamerStatus }).mediastreamer
  return { settings, status: written ?? offMediastreamerStatus(config.mediastreamer.enabled) }
}

/** `registerNow {}`: asks the daemon to register at once (a request; no network from rpc). */
export async function registerNow(ctx: Ctx): Promise<RegisterNowResult> {
  return { ok: true, daemonNotified: postRequest(ctx.host, ctx.paths, { kind: 'register-now' }) }
}

/** The rpc table entries, for rpc/methods.ts: `...mediastreamerMethods`. */
export const mediastreamerMethods = {
  getMediastreamer: { args: {}, call: getMediastreamer },
  registerNow: { args: {}, call: registerNow },
}
