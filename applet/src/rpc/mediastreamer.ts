// The MediaStreamer part of the `lanvpn` ubus object: read the settings and the registration
// status, and ask the daemon to register now. Settings are changed with `setConfig`
// ({ mediastreamer: { … } }); token and password are write-only there.
import { parseConfig } from '../core/config/validate'
import type { Paths } from '../core/paths'
import type { Host } from '../host/host'
import { hasSecret, readConfigText } from '../system/files'
import { postRequest } from '../system/requests'
import { readStatus } from '../system/status'
import type { MediastreamerView, RegisterNowResult } from '../core/api/calls'
import { offMediastreamerStatus, type MediastreamerStatus } from '../core/api/status'

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
