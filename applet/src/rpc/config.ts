// The config part of the `lanvpn` ubus object: `status`, `getConfig` and `setConfig` (globals and
// MediaStreamer options). A MethodTable fragment that rpc/methods.ts spreads into its table.
import { applyConfigPatch, type ConfigPatch } from '../core/config/patch'
import { hasControlChars, parseConfig } from '../core/config/validate'
import { fnv1a } from '../core/hash'
import { changeConfig, configError } from '../system/change'
import { hasSecret, readConfigText } from '../system/files'
import { readStatus } from '../system/status'
import type { MethodTable, RpcContext } from './method'
import type { ConfigView, RpcError, SetConfigResult } from '../core/api/calls'
import type { Status } from '../core/api/status'

/** Secrets accepted by setConfig under `mediastreamer`, stored root-only and never in UCI. */
const MS_SECRETS = { token: 'ms_token', password: 'ms_password' } as const

/** `status`: the daemon's status file, or a "stopped" status when no daemon has written one. */
async function status(ctx: RpcContext): Promise<Status> {
  return readStatus(ctx.host, ctx.paths)
}

/** `getConfig`: the validated config; secrets only as `{ set: boolean }`. */
async function getConfig(ctx: RpcContext): Promise<ConfigView> {
  const { host, paths } = ctx
  const text = readConfigText(host, paths)
  const { config, problems } = parseConfig(text)
  return {
    globals: config.globals,
    profiles: config.profiles.map((p) => ({
      ...p,
      privateKey: { set: hasSecret(host, paths, `profile_${p.id}`) },
    })),
    devices: config.devices,
    groups: config.groups,
    mediastreamer: {
      ...config.mediastreamer,
      token: { set: hasSecret(host, paths, MS_SECRETS.token) },
      password: { set: hasSecret(host, paths, MS_SECRETS.password) },
    },
    rules: config.rules,
    problems,
    configHash: fnv1a(text),
  }
}

function isSecretValue(v: unknown): v is string {
  // Secrets end up in files handed to fetchers: no control characters (a newline would split a
  // header or a config line), and a sane size.
  return typeof v === 'string' && v.length <= 512 && !hasControlChars(v)
}

/** `setConfig`: a partial change of globals, mediastreamer and group options, validated as a whole. Either
 * everything is saved or nothing is: a problem anywhere leaves the file (and the secrets) as they
 * were. */
async function setConfig(
  ctx: RpcContext,
  args: Record<string, unknown>
): Promise<SetConfigResult | RpcError> {
  const { host, paths } = ctx
  const patch: Record<string, unknown> = { ...args }
  const secrets: Array<[keyof typeof MS_SECRETS, string]> = []
  if (patch.mediastreamer) {
    const ms = { ...(patch.mediastreamer as Record<string, unknown>) }
    for (const key of Object.keys(MS_SECRETS) as Array<keyof typeof MS_SECRETS>) {
      if (!(key in ms)) continue
      const value = ms[key]
      if (!isSecretValue(value))
        return configError([
          {
            section: 'mediastreamer',
            option: key,
            reason: 'must be text of at most 512 characters without control characters',
          },
        ])
      secrets.push([key, value])
      delete ms[key]
    }
    patch.mediastreamer = ms
  }

  return changeConfig(host, paths, (loaded) => {
    const result = applyConfigPatch(loaded.doc, patch as ConfigPatch, loaded.problems)
    if (result.problems.length > 0) return { problems: result.problems }
    return { doc: result.doc, secrets: secrets.map(([key, value]) => [MS_SECRETS[key], value]) }
  })
}

/** The rpc table entries, for rpc/methods.ts: `...configMethods`. */
export const configMethods = {
  status: { args: {}, call: status },
  getConfig: { args: {}, call: getConfig },
  setConfig: {
    args: {
      globals: { type: 'object', maxKeys: 32 },
      mediastreamer: { type: 'object', maxKeys: 32 },
      groups: { type: 'object', maxKeys: 16 },
    },
    call: setConfig,
  },
} satisfies MethodTable
