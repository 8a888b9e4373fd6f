// A rules golden case (issue 22) as the daemon plans it: the case's config and state.json through
// desiredState, which renders the rules' table (live and boot-time) beside the main one and adds
// ruleIpRules. state.json's `local` is what the daemon observes for local exceptions (the
// networks the router is on, observe/lan.ts parseDumpNets); the include has local_dest alone.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseConfig } from '../../applet/src/core/config/validate'
import type { Config, ConfigProblem } from '../../applet/src/core/config/types'
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
  /** The live rules' table, then the live main table: one script, as the kernel holds them. */
  nft: string
  /** The boot-time includes the same way (the rules' first, as fw4 loads them). */
  fw4Include: string
  ip4: IpState
  ip6: IpState
  model: NftRulesModel
  problems: ConfigProblem[]
  /** The config the case was planned from (after `edit`). */
  config: Config
}

/** Plans case `dir`; `up` overrides state.json's tunnels (group id → up) to take tunnels down,
 * `edit` changes the config's text first. */
export function planRulesCase(
  dir: string,
  up: Record<string, boolean> = {},
  edit: (text: string) => string = (text) => text
): RulesCase {
  const text = edit(readFileSync(join(dir, 'config'), 'utf8'))
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
    nft: `${desired.rules?.nft ?? ''}${desired.nft}`,
    fw4Include: `${desired.rules?.include ?? ''}${desired.fw4Include}`,
    ip4: desired.ip4,
    ip6: desired.ip6,
    model,
    problems,
    config,
  }
}
