// Settings: the globals a household changes (kill switch, auto-connect, IPv6, the router's own
// traffic, the health probe, what the LAN-side networks get), edited as a form and saved with one
// setConfig, all or nothing.
import { computed, effect, signal, type ReadonlySignal } from '../signals'
import type { KillSwitch } from '../../../applet/src/core/config/types'
import type { ConfigView, LanvpnApi } from '../api/lanvpn'
import { createActions, type Actions } from './action'
import type { ApplyTracker } from './apply'
import { changedOnly, fieldOf } from './forms'

/** The form, by UCI option name (what setConfig takes). */
export type SettingsForm = {
  kill_switch: KillSwitch
  auto_connect: boolean
  ipv6: boolean
  router_via_vpn: boolean
  health_target: string
  /** Text as typed; sent as a number when it is one, so the router names a bad value. */
  health_interval: string
  /** LAN-side networks (netifd names) whose devices all go direct, or are all blocked; every
   * other one is managed: each device by its own mode. */
  lan_direct: string[]
  lan_blocked: string[]
}

/** What a LAN-side network gets (core/observe/lan.ts). */
export type LanPolicy = 'managed' | 'direct' | 'blocked'

/** The form with `network` under `policy`, and in no other list. Pure. */
export function withLanPolicy(form: SettingsForm, network: string, policy: LanPolicy) {
  const others = (list: string[]) => list.filter((n) => n !== network)
  return {
    ...form,
    lan_direct: [...others(form.lan_direct), ...(policy === 'direct' ? [network] : [])],
    lan_blocked: [...others(form.lan_blocked), ...(policy === 'blocked' ? [network] : [])],
  }
}

/** The policy of `network` in the form. Pure. */
export function lanPolicyOf(form: SettingsForm, network: string): LanPolicy {
  if (form.lan_blocked.includes(network)) return 'blocked'
  return form.lan_direct.includes(network) ? 'direct' : 'managed'
}

/** The form as the config has it. Pure. */
export function settingsFormOf(config: ConfigView): SettingsForm {
  const g = config.globals
  return {
    kill_switch: g.killSwitch,
    auto_connect: g.autoConnect,
    ipv6: g.ipv6,
    router_via_vpn: g.routerViaVpn,
    health_target: g.healthTarget,
    health_interval: String(g.healthInterval),
    lan_direct: g.lanDirect ?? [],
    lan_blocked: g.lanBlocked ?? [],
  }
}

/** The setConfig `globals` patch for the fields that changed. Pure. */
export function settingsPatch(
  before: SettingsForm,
  form: SettingsForm
): Record<string, string | number | boolean | string[]> {
  const { health_interval, ...rest } = changedOnly(before, form)
  const patch: Record<string, string | number | boolean | string[]> = { ...rest }
  if (health_interval !== undefined)
    patch.health_interval = /^\d+$/.test(health_interval.trim())
      ? Number(health_interval.trim())
      : health_interval
  return patch
}

/** The settings page's state and actions. */
export type SettingsModel = {
  form: ReadonlySignal<SettingsForm | null>
  actions: Actions
  /** The option the last error names ('' for none). */
  errorField: ReadonlySignal<string>
  isDirty: ReadonlySignal<boolean>
  edit(patch: Partial<SettingsForm>): void
  save(): Promise<boolean>
}

/** Creates the model over the shared config; the form follows the config until it is edited. */
export function createSettingsModel(deps: {
  api: LanvpnApi
  tracker: ApplyTracker
  config: ReadonlySignal<ConfigView | null>
}): SettingsModel {
  const { api, tracker, config } = deps
  const actions = createActions(tracker)
  const form = signal<SettingsForm | null>(null)
  const base = computed(() => (config.value ? settingsFormOf(config.value) : null))
  const isDirty = computed(() => {
    const f = form.value
    const b = base.value
    return !!f && !!b && Object.keys(settingsPatch(b, f)).length > 0
  })
  let isEdited = false
  effect(() => {
    const b = base.value
    if (b && !isEdited) form.value = b
  })
  return {
    form,
    actions,
    errorField: computed(() => fieldOf(actions.error.value, 'globals')),
    isDirty,
    edit(patch) {
      const f = form.peek()
      if (!f) return
      isEdited = true
      form.value = { ...f, ...patch }
    },
    async save() {
      const f = form.peek()
      const b = base.peek()
      if (!f || !b) return false
      const patch = settingsPatch(b, f)
      if (Object.keys(patch).length === 0) return true
      const done = await actions.change('save', () => api.setConfig({ globals: patch }))
      if (done) isEdited = false
      return done !== undefined
    },
  }
}
