// `lanvpn cleanup`: removes exactly what lanvpn owns (core/ids.ts) and nothing else. Safe at any
// time, and idempotent: a second run finds nothing and says so. The config and secrets are the
// user's and stay (opkg keeps the conffile; removal of secrets is a separate, explicit action).
import { errorText } from '../core/errors'
import {
  groupTable,
  MAX_GROUPS,
  NFT_FAMILY,
  NFT_RULES_TABLE,
  NFT_TABLE,
  PRIO_BASE,
  PRIO_SPAN,
} from '../core/ids'
import { parseRulePriorities } from '../core/observe/ip'
import { groupPaths, type Paths } from '../core/paths'
import type { Host } from '../host/host'
import { devicesFilePath } from './devices-file'
import { stopAllDnsmasq } from './dnsmasq'
import { observeNftTables } from './nft'
import { stopOpenvpn } from './openvpn'
import { run } from './run'

export type CleanupReport = { removed: string[]; errors: string[] }

/** Removes our nft tables, ip rules in our priority window, every group's route table, the openvpns
 * we started, every group's tunnel interface and our runtime files. Each step runs even when an earlier one failed. */
export async function cleanup(host: Host, paths: Paths): Promise<CleanupReport> {
  const report: CleanupReport = { removed: [], errors: [] }
  const attempt = async (what: string, argv: string[]) => {
    const r = await run(host, argv)
    if (r.code === 0) report.removed.push(what)
    else report.errors.push(`${what}: ${r.stderr.trim() || `${argv[0]} exited ${r.code}`}`)
  }

  const tables = await observeNftTables(host)
  for (const name of [NFT_TABLE, NFT_RULES_TABLE])
    if (tables.some((t) => t.family === NFT_FAMILY && t.name === name))
      await attempt(`nft table ${NFT_FAMILY} ${name}`, ['nft', 'delete', 'table', NFT_FAMILY, name])

  for (const family of ['-4', '-6']) {
    const rules = await run(host, ['ip', family, 'rule', 'show'])
    const ours = parseRulePriorities(rules.stdout).filter(
      (p) => p >= PRIO_BASE && p < PRIO_BASE + PRIO_SPAN
    )
    for (const prio of ours)
      await attempt(`ip ${family} rule ${prio}`, [
        'ip',
        family,
        'rule',
        'del',
        'priority',
        String(prio),
      ])
    // Every group's table (core/ids.ts), whether or not the config has that group now.
    for (let index = 0; index <= MAX_GROUPS; index++) {
      const table = String(groupTable(index))
      const routes = await run(host, ['ip', family, 'route', 'show', 'table', table])
      if (routes.code === 0 && routes.stdout.trim() !== '')
        await attempt(`ip ${family} route table ${table}`, [
          'ip',
          family,
          'route',
          'flush',
          'table',
          table,
        ])
    }
  }

  // Every group's tunnel (core/paths.ts groupPaths), whether or not the config has that group now.
  for (let index = 0; index <= MAX_GROUPS; index++) {
    const own = groupPaths(paths, index)
    // openvpn (found by its pid file, checked against /proc) takes its tun device with it; its
    // run config, pid, status and pushed-DNS files go too.
    try {
      if (await stopOpenvpn(host, own.runDir))
        report.removed.push(index === 0 ? 'openvpn' : `openvpn of group ${index}`)
    } catch (e) {
      report.errors.push(`openvpn: ${errorText(e)}`)
    }
    for (const iface of [own.tunnelIface, own.sideIface]) {
      // No process for a name that is not there (cleanup runs ten names).
      if (index > 0 && !host.stat(`/sys/class/net/${iface}`)) continue
      const link = await run(host, ['ip', 'link', 'show', 'dev', iface])
      if (link.code === 0) await attempt(`interface ${iface}`, ['ip', 'link', 'del', 'dev', iface])
    }
  }

  // lanvpn's own dnsmasq instances (daemon/dns.ts).
  for (const name of await stopAllDnsmasq(host, `${paths.runDir}/dns`))
    report.removed.push(`dnsmasq ${name}`)

  // The device list and the debug marker (daemon/privacy.ts) are RAM files of the daemon's too.
  const ram = [devicesFilePath(paths), `${paths.runDir}/debug-since`]
  for (const file of [
    paths.fw4Include,
    paths.fw4RulesInclude,
    paths.status,
    paths.pidFile,
    paths.appliedConfig,
    ...ram,
  ]) {
    if (host.stat(file) === null) continue
    try {
      host.removeFile(file)
      report.removed.push(file)
    } catch (e) {
      report.errors.push(`${file}: ${errorText(e)}`)
    }
  }
  return report
}
