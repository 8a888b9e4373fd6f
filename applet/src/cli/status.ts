// `lanvpn status` and `lanvpn check`: the state and the config's problems for a person on SSH. They
// are lanvpn-cli's (features.ts), not the main package's: nothing on the router runs them (procd,
// hotplug, rpcd and the package scripts read the status file or call the daemon), and the web UI's
// Overview says the same things, so the main package leaves their text out for its size budget.
import { describeProblem, readConfigVersion } from '../core/config/guard'
import type { Config } from '../core/config/types'
import { parseConfig } from '../core/config/validate'
import type { Status } from '../core/api/status'
import { fmtTime, type CliCommand } from './command'
import { readConfigText } from '../system/files'
import { readStatus } from '../system/status'

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
      (i) =>
        `${i.name} ${i.device || '(no device)'}${i.up ? '' : ' down'} (${policy[i.policy]}${
          // render/nft.ts: fw4 would reject a lookup redirected to lanvpn's own dnsmasq there.
          i.closed && i.policy === 'managed'
            ? "; input rejected: vpn DNS to the tunnel's resolver"
            : ''
        })`
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

/** `lanvpn status [--json]`: the status file, as JSON or in words. Reads only. */
export const statusCommand: CliCommand = {
  usage: 'status [--json]',
  summary: 'Show the daemon, tunnel and device state (from the status file).',
  async run(host, paths, args) {
    const s = readStatus(host, paths)
    const text = args.includes('--json')
      ? `${JSON.stringify(s)}\n`
      : renderStatusText(s, paths.config, parseConfig(readConfigText(host, paths)).config)
    host.writeStdout(text)
    return 0
  },
}

/** `lanvpn check`: every problem of the config file, one a line; exit 1 if there is any. */
export const checkCommand: CliCommand = {
  usage: 'check',
  summary: 'Validate /etc/config/lanvpn and list every problem (exit 1 if any).',
  async run(host, paths) {
    const { problems } = readConfigVersion(readConfigText(host, paths))
    for (const p of problems) host.writeStdout(`${describeProblem(p)}\n`)
    if (!problems.length) host.writeStdout(`${paths.config}: ok\n`)
    return problems.length ? 1 : 0
  },
}
