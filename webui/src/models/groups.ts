// Device groups (issue 21): create, rename and remove a group, choose its location and fallback.
// Every change is one setConfig `groups` patch; the config (getConfig) is read again once it is
// saved. The rules are the config's (applet/src/core/config/groups.ts): a location serves one
// group, so the pickers offer only the locations no other group holds.
import type { ConfigView, LanvpnApi } from '../api/lanvpn'
import { createActions, type Actions } from './action'
import type { ApplyTracker } from './apply'
import type { ConfigModel } from './config'

/** The options of a group a page may set, by UCI option name (setConfig's `groups`). */
export type GroupPatch = {
  label?: string
  profile?: string
  fallback?: string[]
  kill_switch?: 'always' | 'auto'
}

/** The group (its id, '' for the default one) that holds location `id` as its location or a
 * fallback; null when none does. Pure. */
export function holderOf(config: ConfigView, id: string): string | null {
  const g = config.globals
  if (g.activeProfile === id || (g.fallback ?? []).includes(id)) return ''
  return config.groups.find((x) => x.profile === id || x.fallback.includes(id))?.id ?? null
}

/** The locations group `group` may take (null: a new group): those no other group holds, in the
 * config's order. Pure. */
export function freeLocations(config: ConfigView, group: string | null): ConfigView['profiles'] {
  return config.profiles.filter((p) => {
    const holder = holderOf(config, p.id)
    return holder === null || holder === group
  })
}

/** A section name for a group a person named `label`: its letters and digits in lower case, `_`
 * between words, at most 32, never "default" and none of `taken` (a number is added). Pure. */
export function groupIdFor(label: string, taken: string[]): string {
  const base =
    label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 28) || 'group'
  let id = base === 'default' ? 'group' : base
  for (let n = 2; taken.includes(id); n++) id = `${base}_${n}`
  return id
}

/** The groups card's actions. */
export type GroupsModel = {
  actions: Actions
  /** Creates a group named `label` on location `profile`. */
  add(label: string, profile: string): Promise<boolean>
  /** Changes some of a group's options. */
  set(id: string, patch: GroupPatch): Promise<boolean>
  /** Removes a group; its devices go back to the default group in the same change. */
  remove(id: string): Promise<boolean>
}

/** Creates the model over the shared config. */
export function createGroupsModel(deps: {
  api: Pick<LanvpnApi, 'setConfig'>
  tracker: ApplyTracker
  config: ConfigModel
}): GroupsModel {
  const { api, config } = deps
  const actions = createActions(deps.tracker)
  const save = (name: string, id: string, patch: GroupPatch | null) =>
    actions.changeAndReload(name, () => api.setConfig({ groups: { [id]: patch } }), config.load)
  return {
    actions,
    add(label, profile) {
      const taken = config.config.peek()?.groups.map((g) => g.id) ?? []
      return save('group:add', groupIdFor(label, taken), { label: label.trim(), profile })
    },
    set: (id, patch) => save(`group:${id}`, id, patch),
    remove: (id) => save(`group:remove:${id}`, id, null),
  }
}
