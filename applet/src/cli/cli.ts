// The `lanvpn` command of the main package: what the system runs (daemon, rpc, the hotplug hook's
// wan-event, the init script's and prerm's cleanup) plus help and version. Every other command
// (status, check, locations, devices, groups, MediaStreamer …) is the package lanvpn-cli
// (cli/features.ts, dist/lanvpn-cli.js), loaded with import() when one is asked for: without that
// package such a verb says which package to install.
import { errorText } from '../core/errors'
import type { Paths } from '../core/paths'
import type { LevelledHost } from '../system/log'
import type { CliCommand } from './command'
import { wanEventCommand } from './wan-event'
import { cleanup } from '../system/cleanup'
import { installCommand } from '../system/install-command'

declare const __LANVPN_VERSION__: string
const VERSION = typeof __LANVPN_VERSION__ === 'string' ? __LANVPN_VERSION__ : 'dev'

/** The verbs of lanvpn-cli (features.ts FEATURE_COMMANDS, in its order), so that one asked for
 * without the package is told apart from a typo. */
export const FEATURE_VERBS = (
  'import profiles connect disconnect rename delete fallback latency devices mode name kind ' +
  'forget default-mode explain group device rules mediastreamer exit-ip protected history ' +
  'diagnostics status check'
).split(' ')

type Features = Record<string, CliCommand>

/** lanvpn-cli's commands, or null when the package is missing or of another version (the reason
 * goes to the log at info: a missing optional package is no fault). */
async function loadFeatures(host: LevelledHost): Promise<Features | null> {
  let why: string
  try {
    const cli = await import('./features')
    if (cli.CLI_VERSION === VERSION) return cli.FEATURE_COMMANDS
    why = `lanvpn-cli ${cli.CLI_VERSION} is not lanvpn ${VERSION}`
  } catch (e) {
    why = errorText(e)
  }
  host.log('info', `loading lanvpn-cli: ${why}`)
  return null
}

/** One help row per command; a usage that would not leave two spaces before the summary gets it
 * on a line of its own. */
function helpRows(commands: CliCommand[]): string {
  return commands
    .map((c) =>
      c.usage.length < 20
        ? `  ${c.usage.padEnd(21)}${c.summary}\n`
        : `  ${c.usage}\n  ${''.padEnd(21)}${c.summary}\n`
    )
    .join('')
}

/** The --help text: the feature commands when lanvpn-cli is there, else how to install it. */
export function renderHelp(host: LevelledHost, features: Features | null): string {
  const more = features
    ? helpRows(Object.values(features))
    : `  (status, check, locations, devices, groups, MediaStreamer and more: ${installCommand(host, 'lanvpn-cli')})\n`
  return `lanvpn ${VERSION} — VPN sharing for OpenWrt routers

Usage: lanvpn <command> [options]

Commands:
${more}  cleanup              Remove every rule, route, interface and runtime file lanvpn made.
                       Safe to run at any time; your config and secrets are kept.
${helpRows([wanEventCommand])}  daemon               Run the daemon (procd starts this; you normally do not).
  rpc list             Print the rpcd signature of the lanvpn ubus object.
  rpc call METHOD      Run one rpc method with a JSON object on stdin (what rpcd does).
  version              Print the version.
  help, --help         Show this help.

The web UI is at http://<router>/lanvpn/. Settings live in /etc/config/lanvpn.
`
}

/** Runs one command line; resolves with the process exit code. */
export async function runCli(host: LevelledHost, paths: Paths, argv: string[]): Promise<number> {
  const [cmd = 'help', ...rest] = argv
  switch (cmd) {
    case 'help':
    case '--help':
    case '-h':
      host.writeStdout(renderHelp(host, await loadFeatures(host)))
      return 0
    case 'version':
    case '--version':
      host.writeStdout(`${VERSION}\n`)
      return 0
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
    case 'wan-event':
      return wanEventCommand.run(host, paths, rest)
    default:
      return runFeature(host, paths, cmd, rest)
  }
}

/** Runs a verb of lanvpn-cli, or says the package is missing (exit 1) or the verb unknown (2). */
async function runFeature(host: LevelledHost, paths: Paths, cmd: string, rest: string[]) {
  if (!FEATURE_VERBS.includes(cmd)) {
    host.writeStderr(`lanvpn: unknown command ${JSON.stringify(cmd)}; see lanvpn --help\n`)
    return 2
  }
  const features = await loadFeatures(host)
  if (features) return features[cmd].run(host, paths, rest)
  const install = installCommand(host, 'lanvpn-cli')
  host.writeStderr(`lanvpn ${cmd}: this command is in the lanvpn-cli package: ${install}\n`)
  return 1
}
