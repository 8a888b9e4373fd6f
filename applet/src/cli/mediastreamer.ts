// `lanvpn mediastreamer …`: the registration status, the settings, changing them, and "register
// now". Secrets are never taken from argv (any local user can read it): `token=-` reads stdin.
import type { Paths } from '../core/paths'
import type { MediastreamerView } from '../core/api/calls'
import { mediastreamerMessage } from '../core/mediastreamer/wan-text'
import { configMethods } from '../rpc/config'
import { getMediastreamer, registerNow } from '../rpc/mediastreamer'
import type { LevelledHost } from '../system/log'
import { fmtTime, type CliCommand } from './command'

const SECRETS = ['token', 'password']
const LISTS = ['dns_server', 'ip_echo_url']

/** The status and settings in a few lines for a person on SSH (no secrets, no addresses). */
export function renderMediastreamerText(v: MediastreamerView): string {
  const s = v.status
  const m = v.settings
  const lines = [
    `mediastreamer: ${s.state}${s.enabled ? '' : ' (disabled)'}`,
    `  ${mediastreamerMessage(s)}`,
    `  WAN kind:     ${s.wanKind}`,
    `  last attempt: ${s.lastAttempt ? `${fmtTime(s.lastAttempt.atWallMs)} ${s.lastAttempt.result} — ${s.lastAttempt.message}` : '-'}`,
    `  next check:   ${fmtTime(s.nextCheckWallMs)}`,
    `settings:`,
    `  method ${m.method}${m.method === 'http' ? ` (${m.httpMethod})` : ''}`,
    `  token ${m.token.set ? 'set' : 'not set'}, password ${m.password.set ? 'set' : 'not set'}`,
    `  smart DNS servers: ${m.dnsServers.length}, IP-echo services: ${m.ipEchoUrls.length}`,
  ]
  return lines.join('\n') + '\n'
}

/** Parses `KEY=VALUE` words into a mediastreamer patch; `KEY=-` reads the value from stdin (the
 * only way to pass a secret); lists take comma-separated values. */
export function parseSetWords(
  words: string[],
  readStdin: () => string
): { patch: Record<string, unknown> } | { error: string } {
  const patch: Record<string, unknown> = {}
  for (const w of words) {
    const eq = w.indexOf('=')
    if (eq <= 0) return { error: `${JSON.stringify(w)}: expected KEY=VALUE` }
    const key = w.slice(0, eq)
    let value = w.slice(eq + 1)
    if (SECRETS.includes(key) && value !== '-' && value !== '')
      return {
        error: `${key}: secrets are not accepted on the command line; use ${key}=- and pipe it in`,
      }
    if (value === '-') value = readStdin().replace(/\r?\n$/, '')
    if (key === 'enabled') patch[key] = value === '1' || value === 'true' || value === 'on'
    else if (LISTS.includes(key))
      patch[key] = value === '' ? [] : value.split(',').map((x) => x.trim())
    else patch[key] = value
  }
  return { patch }
}

/** `lanvpn mediastreamer [status|show|register|set KEY=VALUE…]`. `setConfig` is rpc's setConfig
 * (passed in so this file does not import the method table). */
export function mediastreamerCommand(): CliCommand {
  return {
    usage: 'mediastreamer',
    summary: 'Smart-DNS registration: status | register | set KEY=VALUE (KEY=- reads stdin)',
    async run(host: LevelledHost, paths: Paths, args: string[]): Promise<number> {
      const [sub = 'status', ...rest] = args
      const ctx = { host, paths }
      switch (sub) {
        case 'status':
        case 'show': {
          const view = await getMediastreamer(ctx)
          host.writeStdout(
            rest.includes('--json') ? `${JSON.stringify(view)}\n` : renderMediastreamerText(view)
          )
          return 0
        }
        case 'register': {
          const r = await registerNow(ctx)
          host.writeStdout(
            r.daemonNotified
              ? 'registration requested; follow it with `lanvpn mediastreamer status`\n'
              : 'the daemon is not running; the registration will run when it starts\n'
          )
          return 0
        }
        case 'set': {
          const parsed = parseSetWords(rest, () => host.readStdin(4096))
          if ('error' in parsed) {
            host.writeStderr(`lanvpn mediastreamer set: ${parsed.error}\n`)
            return 2
          }
          const result = await configMethods.setConfig.call(ctx, { mediastreamer: parsed.patch })
          if ('error' in result) {
            host.writeStderr(`lanvpn mediastreamer set: ${result.error.message}\n`)
            return 1
          }
          host.writeStdout('saved\n')
          return 0
        }
        default:
          host.writeStderr(
            'usage: lanvpn mediastreamer [status [--json] | register | set KEY=VALUE…]\n'
          )
          return 2
      }
    },
  }
}
