// `checkProtection { device }`: "is this device protected?" — the router's own counters for one
// device (by MAC or by the name the device list shows), read live by the daemon and never stored.
// The first question about a device starts its counting (for PROOF_SECONDS); later ones read it.
// Not a read method: it changes what the kernel counts, so it needs write access, like checkExitIp.
import { isDeviceMac, normaliseMac, parseConfig } from '../core/config/validate'
import { judgeProtection } from '../core/devices/protection'
import { macsFollowingDefault, mergeInventory } from '../core/devices/inventory'
import { readDevicesFile } from '../system/devices-file'
import { readConfigText } from '../system/files'
import { askProtection } from '../system/protection'
import type { CheckProtectionResult, RpcError } from '../core/api/calls'
import type { MethodTable, RpcContext } from './method'

const rpcError = (code: RpcError['error']['code'], message: string): RpcError => ({
  error: { code, message, field: code === 'io_error' ? undefined : 'device' },
})

async function checkProtection(
  ctx: RpcContext,
  args: Record<string, unknown>
): Promise<CheckProtectionResult | RpcError> {
  const word = String(args.device).trim()
  const { config, doc } = parseConfig(readConfigText(ctx.host, ctx.paths))
  if (!config.globals.enabled)
    return rpcError('io_error', 'lanvpn is turned off, so it has no rules to count with')
  const devices = mergeInventory(
    readDevicesFile(ctx.host, ctx.paths).devices,
    config,
    macsFollowingDefault(doc)
  )
  const nameOf = (d: (typeof devices)[number]) => d.label || d.hostname || ''
  const mac = normaliseMac(word)
  const named = devices.filter((d) => nameOf(d).toLowerCase() === word.toLowerCase())
  const device = mac ? devices.find((d) => d.mac === mac) : named[0]
  if (!mac && named.length !== 1) {
    const known = devices.map(nameOf).filter(Boolean).join(', ') || 'none known yet'
    return rpcError(
      'not_found',
      `device: "${word}" ${named.length ? 'names several devices; give its MAC' : `is no device's MAC or name (devices: ${known})`}`
    )
  }
  const target = mac ?? device!.mac
  if (!isDeviceMac(target))
    return rpcError('invalid_argument', 'device: must be a device MAC address or name')
  const answer = await askProtection(ctx.host, ctx.paths, target)
  if ('error' in answer) return rpcError('io_error', answer.error)
  return {
    mac: target,
    name: device ? nameOf(device) : '',
    mode: device?.mode ?? config.globals.defaultMode,
    verdict: judgeProtection(answer.counters),
    ...answer,
  }
}

/** To spread into rpc/methods.ts. */
export const protectionMethods = {
  checkProtection: {
    args: { device: { type: 'string', required: true, maxLength: 64, sample: 'laptop' } },
    call: checkProtection,
  },
} satisfies MethodTable
