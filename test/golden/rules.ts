// A rules golden case (issue 22) as the daemon plans it: the case's config and state.json through
// desiredState, which splices the rules into the live table and the boot-time include and adds
// ruleIpRules. state.json's `local` is what the daemon observes for local exceptions (the
// networks the router is on, observe/lan.ts parseDumpNets); the include has local_dest alone.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseConfig } from '../../applet/src/core/config/validate'
import type { ConfigProblem } from '../../applet/src/core/config/types'
import { desiredState } from '../../applet/src/core/plan/plan'
import type { SeenDevice, TunnelView } from '../../applet/src/core/plan/plan'
import type { IpState } from '../../applet/src/core/plan/ip'
import { localDestinations, type NftRulesModel } from '../../applet/src/core/render/nft-rules'

type State = {
  tunnels?: Record<string, { profile: string; up: boolean }>
  seen?: SeenDevice[]
  local?: string[]
}

export type RulesCase = {
  /** The live table with the rules spliced in. */
  nft: string
  /** The boot-time include with the same rules. */
  fw4Include: string
  ip4: IpState
  ip6: IpState
  model: NftRulesModel
  problems: ConfigProblem[]
}

/** Plans case `dir`; `tunnels` overrides state.json's (group id → up) to take tunnels down. */
export function planRulesCase(dir: string, up: Record<string, boolean> = {}): RulesCase {
  const text = readFileSync(join(dir, 'config'), 'utf8')
  const { config, problems } = parseConfig(text)
  const statePath = join(dir, 'state.json')
  const state = (existsSync(statePath) ? JSON.parse(readFileSync(statePath, 'utf8')) : {}) as State
  const view = (id: string): TunnelView => {
    const t = state.tunnels?.[id]
    return {
      profile: config.profiles.find((p) => p.id === t?.profile) ?? null,
      up: up[id] ?? t?.up ?? false,
    }
  }
  const groups = Object.fromEntries(config.groups.map((g) => [g.id, view(g.id)]))
  const nets = state.local ?? []
  const desired = desiredState(config, view(''), 'lanvpn0', state.seen ?? [], [], groups, nets)
  const model: NftRulesModel = {
    rules: config.rules,
    groups: config.groups.map((g) => ({ id: g.id, index: g.index })),
    devices: config.devices.map((d) => ({ mac: d.mac, group: d.group })),
    local: localDestinations(config.globals, nets),
    lan: desired.model.lan.managed,
  }
  return {
    nft: desired.nft as string,
    fw4Include: desired.fw4Include,
    ip4: desired.ip4,
    ip6: desired.ip6,
    model,
    problems,
  }
}
