// Rules by destination (issue 22): each change is one rpc write (setRule, deleteRule, moveRule,
// setConfig's globals for the local exceptions), the config read again once it is saved; "check a
// destination" asks explainDestination. The common cases are setRule arguments made here.
import { signal, type Signal } from '../signals'
import type { DestExplanation, LanvpnApi, RuleArgs } from '../api/lanvpn'
import { createActions, type Actions } from './action'
import type { ApplyTracker } from './apply'
import type { ConfigModel } from './config'

/** The items typed into one box (commas, spaces or new lines between them), each once. Pure. */
export const items = (text: string): string[] => [...new Set(text.split(/[\s,]+/).filter(Boolean))]

/** Game consoles' common online ports (Xbox Live, PlayStation Network), offered for editing. */
export const CONSOLE_PORTS = '3074, udp:88, udp:500, udp:3544, udp:4500, 3478-3480'

/** The common cases as setRule arguments. Pure. */
export const presets = {
  /** The bank's site (and its subdomains) by the WAN. */
  bank: (domain: string, label: string): RuleArgs => ({
    label,
    domains: items(domain),
    via: 'direct',
  }),
  /** The services named through the VPN (`via`: a group's tunnel, or 'vpn' the device's own). */
  streaming: (domains: string, via: string, label: string): RuleArgs => ({
    label,
    domains: items(domains),
    via,
  }),
  /** A console's game ports by the WAN. */
  console: (mac: string, ports: string, label: string): RuleArgs => ({
    label,
    ports: items(ports),
    devices: [mac],
    via: 'direct',
  }),
}

/** The Rules page's actions. */
export type RulesModel = {
  actions: Actions
  /** The last destination checked, with the answer. */
  answer: Signal<{ dest: string; mac: string; r: DestExplanation } | null>
  save(args: RuleArgs): Promise<boolean>
  remove(id: string): Promise<boolean>
  move(id: string, position: number): Promise<boolean>
  /** The local exceptions: on or off, the user's own destinations. */
  setLocal(globals: { local_direct?: boolean; local_dest?: string[] }): Promise<boolean>
  check(mac: string, dest: string, port: string): Promise<void>
}

/** Creates the model over the shared config. */
export function createRulesModel(deps: {
  api: Pick<LanvpnApi, 'setRule' | 'deleteRule' | 'moveRule' | 'setConfig' | 'explainDestination'>
  tracker: ApplyTracker
  config: ConfigModel
}): RulesModel {
  const { api, config } = deps
  const actions = createActions(deps.tracker)
  const answer: RulesModel['answer'] = signal(null)
  const go = (name: string, fn: () => ReturnType<LanvpnApi['setRule']>) =>
    actions.changeAndReload(name, fn, config.load)
  return {
    actions,
    answer,
    save: (args) => go(`rule:${args.id ?? 'new'}`, () => api.setRule(args)),
    remove: (id) => go(`rule:remove:${id}`, () => api.deleteRule(id)),
    move: (id, position) => go(`rule:move:${id}`, () => api.moveRule(id, position)),
    setLocal: (globals) => go('rule:local', () => api.setConfig({ globals })),
    async check(mac, dest, port) {
      answer.value = null
      const r = await actions.run('rule:check', () =>
        api.explainDestination(mac, dest.trim(), port.trim())
      )
      if (r) answer.value = { dest: dest.trim(), mac, r }
    },
  }
}
