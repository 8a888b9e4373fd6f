// The `lanvpn` command (for SSH users, the init script and rpcd): one bundle, several verbs.
import { describeProblem, readConfigVersion } from '../core/config/guard'
import type { Config } from '../core/config/types'
import { parseConfig } from '../core/config/validate'
import type { Paths } from '../core/paths'
import type { LevelledHost } from '../system/log'
import type { CliCommand } from './command'
import { DEVICE_COMMANDS, pickOne } from './devices'
import { GROUP_COMMANDS } from './groups'
import { diagnosticsCommand } from './diagnostics'
import { exitIpCommand } from './exit-ip'
import { wanEventCommand } from './wan-event'
import { historyCommand } from './history'
import { mediastreamerCommand } from './mediastreamer'
import { profileCommands } from './profiles'
import { protectedCommand } from './protected'
import type { Status } from '../core/api/status'
import { cleanup } from '../system/cleanup'
import { readConfigText } from '../system/files'
import { readStatus } from '../system/status'

declare const __LANVPN_VERSION__: string
const VERSION = typeof __LANVPN_VERSION__ === 'string' ? __LANVPN_VERSION__ : 'dev'

/** Feature commands (profiles, devices, MediaStreamer …), each defined in its own cli/ file. */
const FEATURE_COMMANDS: Record<string, CliCommand> = {
  ...profileCommands,
  connect: byName(profileCommands.connect),
  ...DEVICE_COMMANDS,
  ...GROUP_COMMANDS,
  mediastreamer: mediastreamerCommand(),
  'exit-ip': exitIpCommand,
  'wan-event': wanEventCommand,
  protected: protectedCommand,
  history: historyCommand,
  diagnostics: diagnosticsCommand,
}

/** `connect` that also takes a location's name as `lanvpn profiles` shows it, in any case. */
function byName(connect: CliCommand): CliCommand {
  return {
    usage: 'connect [LOCATION]',
    summary: 'Connect (to LOCATION, its name or id, which becomes the chosen one).',
    async run(host, paths, args) {
      if (args.length !== 1) return connect.run(host, paths, args)
      const { profiles } = parseConfig(readConfigText(host, paths)).config
      const id = pickOne(
        host,
        'connect',
        args[0],
        profiles.map((p) => [p.id, p.label])
      )
      return id === null ? 1 : connect.run(host, paths, [id])
    },
  }
}

function featureHelp(): string {
  return (
    Object.values(FEATURE_COMMANDS)
      // A usage that would not leave two spaces before the summary gets it on a line of its own.
      .map((c) =>
        c.usage.length < 20
          ? `  ${c.usage.padEnd(21)}${c.summary}\n`
          : `  ${c.usage}\n  ${''.padEnd(21)}${c.summary}\n`
      )
      .join('')
  )
}

export const HELP = `lanvpn ${VERSION} — VPN sharing for OpenWrt routers

Usage: lanvpn <command> [options]

Commands:
${featureHelp()}  status [--json]      Show the daemon, tunnel and device state (from the status file).
  check                Validate /etc/config/lanvpn and list every problem (exit 1 if any).
  cleanup              Remove every rule, route, interface and runtime file lanvpn made.
                       Safe to run at any time; your config and secrets are kept.
  daemon               Run the daemon (procd starts this; you normally do not).
  rpc list             Print the rpcd signature of the lanvpn ubus object.
  rpc call METHOD      Run one rpc method with a JSON object on stdin (what rpcd does).
  version              Print the version.
  help, --help         Show this help.

The web UI is at http://<router>/lanvpn/. Settings live in /etc/config/lanvpn.
`

function fmtTime(ms: number): string {
  return ms > 0
    ? new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC')
    : '-'
}

/** The status in a few lines for a person on SSH, locations by name (from `config`), saying when a
 * fallback carries the traffic. No addresses: status holds none. */
export function renderStatusText(s: Status, configPath = '/etc/config/lanvpn', config?: Config) {
  const label = (id: string) => config?.profiles.find((p) => p.id === id)?.label || id
  const chosen = config?.globals.activeProfile ?? ''
  const used = s.tunnel.profile
  const lines = [
    `daemon:  ${s.daemon.state}${s.daemon.pid ? ` (pid ${s.daemon.pid}, ${s.daemon.runtime}, since ${fmtTime(s.daemon.startedAt)})` : ''}`,
    `tunnel:  ${s.tunnel.state}${used || chosen ? ` (${label(used || chosen)})` : ''}${s.tunnel.reason ? ` — ${s.tunnel.reason}` : ''}`,
  ]
  if (used && chosen && used !== chosen)
    lines.push(
      `         a fallback is in use: ${label(chosen)} (the chosen location) does not answer`
    )
  // Each group's own tunnel (issue 21), its location by name, the chosen one while none carries.
  for (const g of s.groups ?? []) {
    const t = g.tunnel
    const where = t.profile || config?.groups.find((x) => x.id === g.id)?.profile || ''
    lines.push(
      `group ${g.id}: ${t.state}${where ? ` (${label(where)})` : ''}, ${g.devices} device(s)${t.reason ? ` — ${t.reason}` : ''}`
    )
  }
  lines.push(
    `devices: vpn ${s.devices.vpn}, direct ${s.devices.direct}, mediastreamer ${s.devices.mediastreamer}, blocked ${s.devices.blocked}`,
    `applied: ${s.apply.ok ? 'ok' : 'FAILED'} (generation ${s.generation}, ${fmtTime(s.updatedAt)})`
  )
  for (const e of s.apply.errors) lines.push(`  ${e}`)
  if (s.lan) {
    const policy = { managed: 'each device by its mode', direct: 'direct', blocked: 'blocked' }
    const each = s.lan.interfaces.map(
      (i) => `${i.name} ${i.device || '(no device)'}${i.up ? '' : ' down'} (${policy[i.policy]})`
    )
    lines.push(`lan:     ${each.join(', ')}`, ...s.lan.problems.map((p) => `  ${p}`))
  }
  if (s.configHeld) {
    lines.push(`config:  NOT APPLIED: ${configPath} has new problems; the last good settings`)
    lines.push('         stay in force (VPN devices stay protected) until it is fixed:')
    for (const p of s.problems) lines.push(`  ${describeProblem(p)}`)
  } else if (s.problems.length)
    lines.push(`config:  ${s.problems.length} problem(s); run \`lanvpn check\``)
  return lines.join('\n') + '\n'
}

/** Runs one command line; resolves with the process exit code. */
export async function runCli(host: LevelledHost, paths: Paths, argv: string[]): Promise<number> {
  const [cmd = 'help', ...rest] = argv
  switch (cmd) {
    case 'help':
    case '--help':
    case '-h':
      host.writeStdout(HELP)
      return 0
    case 'version':
    case '--version':
      host.writeStdout(`${VERSION}\n`)
      return 0
    case 'status': {
      const s = readStatus(host, paths)
      const text = rest.includes('--json')
        ? `${JSON.stringify(s)}\n`
        : renderStatusText(s, paths.config, parseConfig(readConfigText(host, paths)).config)
      host.writeStdout(text)
      return 0
    }
    case 'check': {
      const { problems } = readConfigVersion(readConfigText(host, paths))
      for (const p of problems) host.writeStdout(`${describeProblem(p)}\n`)
      if (!problems.length) host.writeStdout(`${paths.config}: ok\n`)
      return problems.length ? 1 : 0
    }
    case 'cleanup': {
      const report = await cleanup(host, paths)
      for (const r of report.removed) host.writeStdout(`removed ${r}\n`)
      for (const e of report.errors) host.writeStderr(`lanvpn cleanup: ${e}\n`)
      if (!report.removed.length && !report.errors.length)
        host.writeStdout('nothing of lanvpn is left\n')
      return report.errors.length ? 1 : 0
    }
    // Loaded on demand, as main.ts does: neither is part of the CLI's own code.
    case 'daemon':
      return (await import('../daemon/daemon')).runDaemon(host, paths)
    case 'rpc':
      return (await import('../rpc/command')).runRpc(host, paths, rest)
    default:
      if (Object.prototype.hasOwnProperty.call(FEATURE_COMMANDS, cmd))
        return FEATURE_COMMANDS[cmd].run(host, paths, rest)
      host.writeStderr(`lanvpn: unknown command ${JSON.stringify(cmd)}; see lanvpn --help\n`)
      return 2
  }
}
