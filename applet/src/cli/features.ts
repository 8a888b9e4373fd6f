// The feature commands of `lanvpn` (locations, devices, groups, MediaStreamer …, status and check):
// dist/lanvpn-cli.js, the package lanvpn-cli (scripts/ipk.mjs ADDONS). They are the largest part of
// the command and a household that uses the web UI never runs them, so the main package leaves
// them out to stay within its size budget (product.md Budgets); cli.ts loads this file with
// import() and, when it is missing, says which package to install. Every command calls the web
// UI's rpc functions or reads what they read, so nothing here is needed for the router to work.
import { parseConfig } from '../core/config/validate'
import type { CliCommand } from './command'
import { DEVICE_COMMANDS, pickOne } from './devices'
import { GROUP_COMMANDS } from './groups'
import { RULE_COMMANDS } from './rules'
import { diagnosticsCommand } from './diagnostics'
import { exitIpCommand } from './exit-ip'
import { historyCommand } from './history'
import { mediastreamerCommand } from './mediastreamer'
import { profileCommands } from './profiles'
import { protectedCommand } from './protected'
import { checkCommand, statusCommand } from './status'
import { readConfigText } from '../system/files'

declare const __LANVPN_VERSION__: string

/** The version of lanvpn-cli, which cli.ts compares with its own: the chunks of two builds do not
 * fit together (their exports are minified names). */
export const CLI_VERSION = typeof __LANVPN_VERSION__ === 'string' ? __LANVPN_VERSION__ : 'dev'

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

/** The feature commands by verb, in --help order; cli.ts FEATURE_VERBS names the same verbs. */
export const FEATURE_COMMANDS: Record<string, CliCommand> = {
  ...profileCommands,
  connect: byName(profileCommands.connect),
  ...DEVICE_COMMANDS,
  ...GROUP_COMMANDS,
  ...RULE_COMMANDS,
  mediastreamer: mediastreamerCommand(),
  'exit-ip': exitIpCommand,
  protected: protectedCommand,
  history: historyCommand,
  diagnostics: diagnosticsCommand,
  // Last, so --help lists them just above the main package's cleanup.
  status: statusCommand,
  check: checkCommand,
}
