// `lanvpn protected DEVICE`: "is this device protected?" from the router's own counters, through
// the same rpc method the web UI calls (checkProtection), so a name or a MAC is taken and checked
// by the same rules. The first question about a device starts its counting; ask again after
// using it.
import type { RpcError } from '../core/api/calls'
import type { ProtectionAnswer } from '../core/devices/protection'
import { describeProtection } from '../core/devices/protection-text'
import { methods } from '../rpc/methods'
import { handleCall } from '../rpc/protocol'
import type { CliCommand } from './command'

/** Wall time as the router's clock shows it (UTC, as `lanvpn status`). */
const clock = (ms: number) => `${new Date(ms).toISOString().slice(11, 19)} UTC`

export const protectedCommand: CliCommand = {
  usage: 'protected DEVICE [--json]',
  summary:
    "Is this device protected? Its packets by the tunnel and by the WAN, from the router's counters.",
  async run(host, paths, args) {
    const rest = args.filter((a) => a !== '--json')
    if (rest.length !== 1) {
      host.writeStderr(`usage: lanvpn ${protectedCommand.usage}\n`)
      return 2
    }
    const args1 = JSON.stringify({ device: rest[0] })
    const r = await handleCall(methods, { host, paths }, 'checkProtection', args1)
    if ('error' in r) {
      host.writeStderr(`lanvpn protected: ${(r as RpcError).error.message}\n`)
      return 1
    }
    const a = r as ProtectionAnswer
    host.writeStdout(
      args.includes('--json') ? `${JSON.stringify(a)}\n` : describeProtection(a, clock)
    )
    return 0
  },
}
