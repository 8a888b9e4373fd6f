// `lanvpn rules …`: rules by destination (issue 22) and the local exceptions, for SSH users.
// Changes go through the rpc's own functions (setRule, deleteRule, moveRule, setConfig's globals),
// so they are checked by the same rules and refused with the same messages as from the web UI.
import type { ConfigView, RpcError, SetConfigResult } from '../core/api/calls'
import { portWords, viaWord } from '../core/api/rules'
import { normaliseCidr } from '../core/config/formats'
import { configMethods } from '../rpc/config'
import { ruleMethods } from '../rpc/rules'
import type { CliCommand } from './command'
import { macsOf, renderTable, saved } from './devices'

const USAGE = `rules [list] [--json]
  rules add --via vpn|direct|blocked|GROUP [--domain NAME] [--dest CIDR] [--port tcp:N|udp:N-M|N]
            [--device DEVICE] [--group GROUP] [--label TEXT]   (--domain … --group may repeat)
  rules remove|enable|disable RULE     (RULE: its number as listed, or its id)
  rules move RULE POSITION
  rules local [on|off|add CIDR|remove CIDR]
A domain covers its subdomains; the first rule that matches decides. Local exceptions: the LAN's
other networks, the router and the modem are reached directly (on by default), and the CIDRs added.`

/** `add`'s flags, each to its setRule field (lists but --via and --label). */
const FLAGS: Record<string, string> = {
  '--domain': 'domains',
  '--dest': 'dests',
  '--port': 'ports',
  '--device': 'devices',
  '--group': 'groups',
  '--via': 'via',
  '--label': 'label',
}

/** The rules as a table, numbered as the daemon and the web UI number them. Pure. */
export function renderRules(config: ConfigView): string {
  const name = (mac: string) => config.devices.find((d) => d.mac === mac)?.label || mac
  const rows = config.rules.map((r) => [
    String(r.number),
    r.id,
    r.enabled ? 'on' : 'off',
    viaWord(r),
    [...r.domains, ...r.dests, ...portWords(r.ports)].join(' ') || 'everything',
    [...r.devices.map(name), ...r.groups.map((g) => g || 'default')].join(' ') || 'everyone',
    r.label === r.id ? '' : r.label,
  ])
  const g = config.globals
  return [
    ...(rows.length
      ? renderTable(['RULE', 'ID', 'ON', 'VIA', 'MATCHES', 'FOR', 'LABEL'], rows)
      : ['no rules: every device goes by its mode']),
    '',
    `local exceptions: ${g.localDirect ? 'on' : 'off'}${g.localDest.length ? `, and ${g.localDest.join(' ')}` : ''}`,
    '',
  ].join('\n')
}

const rules: CliCommand = {
  usage: 'rules [list|add|remove|enable|disable|move|local]',
  summary: 'Rules by destination: a domain, address or port direct, through the VPN or blocked.',
  async run(host, paths, args) {
    const ctx = { host, paths }
    const [sub = 'list', ...rest] = args
    const done = (cmd: string, r: SetConfigResult | RpcError) => {
      if (!('error' in r)) return saved(host, r)
      host.writeStderr(`lanvpn rules ${cmd}: ${r.error.message}\n`)
      return 1
    }
    // A number is the rule's position: findRule takes `@rule[i]` for any rule section.
    const id = (w: string) => (/^[0-9]+$/.test(w) ? `@rule[${Number(w) - 1}]` : w)
    const config = await configMethods.getConfig.call(ctx)
    switch (sub) {
      case 'help':
        host.writeStdout(`usage: lanvpn ${USAGE}\n`)
        return 0
      case 'list':
        if (rest.some((a) => a !== '--json')) break
        host.writeStdout(
          rest.length
            ? `${JSON.stringify({ rules: config.rules, localDirect: config.globals.localDirect, localDest: config.globals.localDest })}\n`
            : renderRules(config)
        )
        return 0
      case 'add': {
        const fields: Record<string, string | string[]> = {}
        for (let i = 0; i < rest.length; i += 2) {
          const field = FLAGS[rest[i]]
          const value = rest[i + 1]
          if (!field || value === undefined) return usage(host)
          if (field === 'via' || field === 'label') fields[field] = value
          else fields[field] = [...((fields[field] as string[]) ?? []), value]
        }
        if (!fields.via) {
          host.writeStderr('lanvpn rules add: --via: required (vpn, direct, blocked or a group)\n')
          return 2
        }
        if (fields.devices) {
          const macs = await macsOf(host, paths, 'rules add', fields.devices as string[])
          if (!macs) return 1
          fields.devices = macs
        }
        const r = await ruleMethods.setRule.call(ctx, fields)
        if ('error' in r) return done(sub, r)
        const added = (await configMethods.getConfig.call(ctx)).rules.find((x) => x.id === r.id)
        host.writeStdout(`rule ${added?.number} (${r.id}): `)
        return saved(host, r)
      }
      case 'remove':
      case 'enable':
      case 'disable':
        if (rest.length !== 1) break
        return done(
          sub,
          sub === 'remove'
            ? await ruleMethods.deleteRule.call(ctx, { id: id(rest[0]) })
            : await ruleMethods.setRule.call(ctx, { id: id(rest[0]), enabled: sub === 'enable' })
        )
      case 'move': {
        const position = Number(rest[1])
        if (rest.length !== 2 || !Number.isInteger(position)) break
        return done(sub, await ruleMethods.moveRule.call(ctx, { id: id(rest[0]), position }))
      }
      case 'local': {
        const [what, ...cidrs] = rest
        const g = config.globals
        let globals: Record<string, unknown>
        if (what === undefined) {
          host.writeStdout(renderRules(config).split('\n').slice(-2).join('\n'))
          return 0
        } else if ((what === 'on' || what === 'off') && !cidrs.length)
          globals = { local_direct: what === 'on' }
        else if (what === 'add' && cidrs.length)
          globals = { local_dest: [...g.localDest, ...cidrs] }
        else if (what === 'remove' && cidrs.length) {
          const gone = cidrs.map((c) => normaliseCidr(c) ?? c)
          const missing = gone.filter((c) => !g.localDest.includes(c))
          if (missing.length) {
            host.writeStderr(
              `lanvpn rules local: not among the local exceptions: ${missing.join(' ')}\n`
            )
            return 1
          }
          globals = { local_dest: g.localDest.filter((c) => !gone.includes(c)) }
        } else break
        return done(sub, await configMethods.setConfig.call(ctx, { globals }))
      }
    }
    return usage(host)
  },
}

function usage(host: { writeStderr(s: string): void }): number {
  host.writeStderr(`usage: lanvpn ${USAGE}\n`)
  return 2
}

/** The rule commands, to spread into features.ts FEATURE_COMMANDS. */
export const RULE_COMMANDS: Record<string, CliCommand> = { rules }
