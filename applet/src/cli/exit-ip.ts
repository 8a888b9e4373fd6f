// `lanvpn exit-ip`: the address the internet sees through the tunnel, beside the WAN's. The daemon
// asks an IP-echo service through the tunnel (one request, because the user asked) and puts the
// answer in the status; this waits for it.
import { requestExitIp } from '../system/profiles'
import { readStatus } from '../system/status'
import type { CliCommand } from './command'

/** How long to wait for the daemon's answer: two IP-echo services at 10 s each, and a margin. */
const WAIT_MS = 25_000

export const exitIpCommand: CliCommand = {
  usage: 'exit-ip',
  summary: 'Find the address the internet sees through the tunnel (one IP-echo request).',
  async run(host, paths, args) {
    if (args.length) {
      host.writeStderr(`usage: lanvpn ${exitIpCommand.usage}\n`)
      return 2
    }
    const before = readStatus(host, paths)
    if (before.tunnel.state !== 'connected') {
      host.writeStderr('lanvpn exit-ip: the tunnel is not connected\n')
      return 1
    }
    if (!requestExitIp(host, paths).daemonNotified) {
      host.writeStderr('lanvpn exit-ip: the daemon is not running\n')
      return 1
    }
    const start = host.monotonicMs()
    while (host.monotonicMs() - start < WAIT_MS) {
      await new Promise((resolve) => host.setTimeout(() => resolve(null), 250))
      const s = readStatus(host, paths)
      if (s?.tunnel.exitIp && s.generation > before.generation) {
        host.writeStdout(
          `exit IP: ${s.tunnel.exitIp} (through ${s.tunnel.profile})\nWAN IP:  ${s.wan?.ip || 'unknown'}\n`
        )
        return 0
      }
    }
    host.writeStderr('lanvpn exit-ip: no IP-echo service answered through the tunnel\n')
    return 1
  },
}
