// `lanvpn import | profiles | connect | disconnect | rename | delete | fallback | latency`: the same
// functions the rpc methods call (system/profiles.ts, profile-import.ts), with output for a person
// on SSH. A password is read from stdin, never taken from argv, where any local user could read it
// in /proc.
import { parseConfig } from '../core/config/validate'
import { latencyTargets, rankLatency } from '../core/tunnel/latency'
import type { ImportNote } from '../core/tunnel/wireguard-conf'
import type { Paths } from '../core/paths'
import type { Host } from '../host/host'
import { readConfigText } from '../system/files'
import { measureLatency } from '../system/latency'
import { readArchive } from '../system/profile-archive'
import { importProfile, type ImportInput } from '../system/profile-import'
import { asksForCredentials, planArchive } from '../core/tunnel/zip'
import {
  connectProfile,
  deleteProfile,
  disconnectProfile,
  listProfiles,
  renameProfile,
  setFallback,
} from '../system/profiles'
import type { RpcError, SetConfigResult } from '../core/api/calls'
import type { CliCommand } from './command'

const renderNote = (n: ImportNote): string =>
  `  ${n.line > 0 ? `line ${n.line}` : 'file'}: ${n.level}: ${n.message}\n`

// Prints a change's outcome; 0 on success, 1 on a refused change.
function report(host: Host, what: string, r: SetConfigResult | RpcError): number {
  if ('error' in r) {
    host.writeStderr(`lanvpn ${what}: ${r.error.message}\n`)
    for (const n of r.error.notes ?? []) host.writeStderr(renderNote(n))
    return 1
  }
  const applied = r.daemonNotified ? 'the daemon is applying it' : 'applies when the daemon starts'
  host.writeStdout(`saved; ${applied}\n`)
  return 0
}

function usage(host: Host, cmd: CliCommand): number {
  host.writeStderr(`usage: lanvpn ${cmd.usage}\n`)
  return 2
}

// `--flag value` pairs out of args; the rest stays positional. Unknown flags are errors.
function options(
  args: string[],
  known: string[]
): { flags: Record<string, string>; rest: string[] } | null {
  const flags: Record<string, string> = {}
  const rest: string[] = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (!a.startsWith('--')) rest.push(a)
    else if (known.includes(a) && i + 1 < args.length) flags[a.slice(2)] = args[++i]
    else return null
  }
  return { flags, rest }
}

// `lanvpn import archive.zip`: every .conf and .ovpn in it becomes a location, each imported on
// its own (all or nothing per file), with what happened said file by file and line by line.
async function importArchive(
  host: Host,
  paths: Paths,
  file: string,
  credentials: Pick<ImportInput, 'username' | 'password'>
): Promise<number> {
  const read = await readArchive(host, file)
  const plan = planArchive('error' in read ? [] : read.files)
  const why =
    'error' in read
      ? read.error
      : plan.locations.some((l) => asksForCredentials(l.text)) && !credentials.username
        ? 'its OpenVPN profiles need a user name and password: add --user USER (password on stdin)'
        : ''
  if (why) {
    host.writeStderr(`lanvpn import: ${file}: ${why}\n`)
    return 1
  }
  let refused = 0
  for (const l of plan.locations) {
    const input: ImportInput = { name: l.name, text: l.text, files: plan.companions }
    if (asksForCredentials(l.text)) Object.assign(input, credentials)
    const r = await importProfile(host, paths, input)
    refused += 'error' in r ? 1 : 0
    host.writeStdout(
      'error' in r ? `refused ${l.file}: ${r.error.message}\n` : `imported ${l.file} as ${r.id}\n`
    )
    for (const n of 'error' in r ? (r.error.notes ?? []) : r.notes) host.writeStdout(renderNote(n))
  }
  for (const s of plan.skipped) host.writeStdout(`skipped ${s.file}: ${s.why}\n`)
  const done = plan.locations.length - refused
  host.writeStdout(`${done} imported, ${refused} refused, ${plan.skipped.length} skipped\n`)
  return refused > 0 || done === 0 ? 1 : 0
}

const importCommand: CliCommand = {
  usage: 'import FILE|ARCHIVE.zip [--name NAME] [--user USER] [--type T]',
  summary:
    'Import a WireGuard .conf or OpenVPN .ovpn file, or a .zip of them (with --user: password on stdin).',
  async run(host, paths, args) {
    const parsed = options(args, ['--name', '--type', '--user'])
    if (!parsed || parsed.rest.length !== 1) return usage(host, this)
    const [file] = parsed.rest
    const text = host.readFile(file)
    if (text === null) {
      host.writeStderr(`lanvpn import: ${file}: no such file\n`)
      return 1
    }
    const credentials: Pick<ImportInput, 'username' | 'password'> = {}
    if (parsed.flags.user !== undefined) {
      credentials.username = parsed.flags.user
      // First line of stdin: `echo "$PASS" | lanvpn import …` or a here-doc; never argv.
      credentials.password = host.readStdin(1024).split(/\r?\n/)[0]
    }
    if (/\.zip$/i.test(file) || text.startsWith('PK\u0003\u0004')) {
      if (parsed.flags.name !== undefined || parsed.flags.type !== undefined)
        return usage(host, this)
      return importArchive(host, paths, file, credentials)
    }
    const base = file.replace(/^.*\//, '').replace(/\.(conf|ovpn)$/i, '')
    const input: ImportInput = { name: parsed.flags.name ?? base, text, ...credentials }
    const type = parsed.flags.type
    if (type !== undefined) {
      if (type !== 'auto' && type !== 'wireguard' && type !== 'openvpn') return usage(host, this)
      input.type = type
    }
    const r = await importProfile(host, paths, input)
    if ('error' in r) return report(host, 'import', r)
    host.writeStdout(`imported as ${r.id}\n`)
    for (const n of r.notes) host.writeStdout(renderNote(n))
    return report(host, 'import', r)
  },
}

const profilesCommand: CliCommand = {
  usage: 'profiles [--json]',
  summary: 'List the imported profiles, the active one and the fallback order.',
  async run(host, paths, args) {
    const list = listProfiles(host, paths)
    if (args.includes('--json')) {
      host.writeStdout(`${JSON.stringify(list)}\n`)
      return 0
    }
    if (list.profiles.length === 0) host.writeStdout('no profiles; import one with lanvpn import\n')
    for (const p of list.profiles) {
      const mark = p.id === list.active ? '*' : list.fallback.includes(p.id) ? '+' : ' '
      const keys = p.privateKey.set ? '' : ' (keys missing: import again)'
      host.writeStdout(`${mark} ${p.id.padEnd(20)} ${p.type.padEnd(9)} ${p.label}${keys}\n`)
    }
    const order = list.fallback.length > 0 ? list.fallback.join(', ') : '-'
    host.writeStdout(
      `active: ${list.active || '-'}  connect: ${list.connect ? 'yes' : 'no'}  fallback: ${order}\n`
    )
    return 0
  },
}

const connectCommand: CliCommand = {
  usage: 'connect [ID]',
  summary: 'Connect (to profile ID, which becomes the active one).',
  async run(host, paths, args) {
    if (args.length > 1) return usage(host, this)
    return report(host, 'connect', await connectProfile(host, paths, args[0]))
  },
}

const disconnectCommand: CliCommand = {
  usage: 'disconnect',
  summary: 'Disconnect; the active profile is kept for the next connect.',
  async run(host, paths, args) {
    if (args.length > 0) return usage(host, this)
    return report(host, 'disconnect', await disconnectProfile(host, paths))
  },
}

const renameCommand: CliCommand = {
  usage: 'rename ID LABEL',
  summary: 'Change the label of a profile (its id stays).',
  async run(host, paths, args) {
    if (args.length < 2) return usage(host, this)
    return report(
      host,
      'rename',
      await renameProfile(host, paths, args[0], args.slice(1).join(' '))
    )
  },
}

const deleteCommand: CliCommand = {
  usage: 'delete ID',
  summary: 'Delete a profile and its keys.',
  async run(host, paths, args) {
    if (args.length !== 1) return usage(host, this)
    return report(host, 'delete', await deleteProfile(host, paths, args[0]))
  },
}

const fallbackCommand: CliCommand = {
  usage: 'fallback [ID...]',
  summary: 'Set the ordered fallback profiles (none: clear the list).',
  async run(host, paths, args) {
    return report(host, 'fallback', await setFallback(host, paths, args))
  },
}

const latencyCommand: CliCommand = {
  usage: 'latency [--json]',
  summary: "Ping every profile's server over the WAN and list them fastest first.",
  async run(host, paths, args) {
    const { config } = parseConfig(readConfigText(host, paths))
    if (config.globals.routerViaVpn) {
      host.writeStderr(
        'lanvpn latency: router_via_vpn is on; with a tunnel up, pings may take it\n'
      )
    }
    const results = await measureLatency(host, latencyTargets(config.profiles))
    const { ranked, fastest } = rankLatency(results)
    if (args.includes('--json')) {
      host.writeStdout(`${JSON.stringify({ results: ranked, fastest })}\n`)
      return 0
    }
    for (const r of ranked) {
      const label = config.profiles.find((p) => p.id === r.id)?.label ?? r.id
      const time = r.ms === null ? `- (${r.error ?? 'no reply'})` : `${r.ms.toFixed(1)} ms`
      host.writeStdout(`${r.id.padEnd(20)} ${time.padEnd(12)} ${label}\n`)
    }
    if (ranked.length === 0) host.writeStdout('no profiles to test\n')
    return 0
  },
}

/** The profile commands, by name, for cli.ts's FEATURE_COMMANDS. */
export const profileCommands: Record<string, CliCommand> = {
  import: importCommand,
  profiles: profilesCommand,
  connect: connectCommand,
  disconnect: disconnectCommand,
  rename: renameCommand,
  delete: deleteCommand,
  fallback: fallbackCommand,
  latency: latencyCommand,
}
