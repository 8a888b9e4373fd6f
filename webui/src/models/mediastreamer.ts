// MediaStreamer: the smart-DNS setup form (method, token or credentials, DNS servers), "register
// now" with progress, the live registration status from the polled status file, and the devices
// that use it. Token and password are write-only: the form only says whether they are set.
import type { MediastreamerMethod } from '../../../applet/src/core/config/types'
import { computed, signal, type ReadonlySignal } from '../signals'
import type {
  InventoryDevice,
  LanvpnApi,
  MediastreamerStatus,
  MediastreamerView,
  StatusSnapshot,
} from '../api/lanvpn'
import { createActions, type Actions } from './action'
import type { ApplyTracker } from './apply'
import { changedOnly, fieldOf } from './forms'

/** The form, by UCI option name. `token`/`password` are new values ('' keeps the stored one);
 * the DNS servers are two fields, echo URLs one per line. */
export type MsForm = {
  enabled: boolean
  method: MediastreamerMethod
  url: string
  success_match: string
  server: string
  hostname: string
  username: string
  dns1: string
  dns2: string
  ip_echo_url: string
  token: string
  password: string
}

/** The form as the settings have it (secrets empty). Pure. */
export function msFormOf(view: MediastreamerView): MsForm {
  const s = view.settings
  return {
    enabled: s.enabled,
    method: s.method,
    url: s.url,
    success_match: s.successMatch,
    server: s.server,
    hostname: s.hostname,
    username: s.username,
    dns1: s.dnsServers[0] ?? '',
    dns2: s.dnsServers[1] ?? '',
    ip_echo_url: s.ipEchoUrls.join('\n'),
    token: '',
    password: '',
  }
}

/** The setConfig `mediastreamer` patch: changed options, plus any secret typed in. Pure. */
export function msPatch(before: MsForm, form: MsForm): Record<string, string | boolean | string[]> {
  const { dns1, dns2, ip_echo_url, token, password, ...rest } = changedOnly(before, form)
  const patch: Record<string, string | boolean | string[]> = { ...rest }
  if (dns1 !== undefined || dns2 !== undefined)
    patch.dns_server = [form.dns1, form.dns2].map((s) => s.trim()).filter(Boolean)
  if (ip_echo_url !== undefined)
    patch.ip_echo_url = form.ip_echo_url
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean)
  if (token) patch.token = token
  if (password) patch.password = password
  return patch
}

/** The MediaStreamer page's state and actions. */
export type MediastreamerModel = {
  view: ReadonlySignal<MediastreamerView | null>
  form: ReadonlySignal<MsForm | null>
  /** The live status: the polled status file's, else the one getMediastreamer returned. */
  status: ReadonlySignal<MediastreamerStatus | null>
  devices: ReadonlySignal<InventoryDevice[]>
  actions: Actions
  errorField: ReadonlySignal<string>
  /** A registration was asked for (or is running) and no newer attempt has been reported. */
  isRegistering: ReadonlySignal<boolean>
  /** registerNow found no daemon to ask. */
  isServiceDown: ReadonlySignal<boolean>
  load(): Promise<void>
  edit(patch: Partial<MsForm>): void
  save(): Promise<boolean>
  registerNow(): Promise<void>
}

/** Creates the model. */
export function createMediastreamerModel(deps: {
  api: LanvpnApi
  tracker: ApplyTracker
  status: ReadonlySignal<StatusSnapshot | null>
}): MediastreamerModel {
  const { api, tracker } = deps
  const actions = createActions(tracker)
  const view = signal<MediastreamerView | null>(null)
  const form = signal<MsForm | null>(null)
  const devices = signal<InventoryDevice[]>([])
  const askedAfter = signal<number | null>(null)
  const isServiceDown = signal(false)
  const status = computed<MediastreamerStatus | null>(
    () => (deps.status.value?.mediastreamer as MediastreamerStatus) ?? view.value?.status ?? null
  )
  const isRegistering = computed(() => {
    const s = status.value
    if (s && (s.state === 'checking' || s.state === 'registering')) return true
    const asked = askedAfter.value
    return asked !== null && !isServiceDown.value && (s?.lastAttempt?.atWallMs ?? 0) <= asked
  })

  async function load(): Promise<void> {
    const next = await actions.read(() => api.getMediastreamer())
    if (!next) return
    view.value = next
    form.value = msFormOf(next)
    const list = await api.listDevices().catch(() => null)
    if (list) devices.value = list.devices.filter((d) => d.mode === 'mediastreamer')
  }

  return {
    view,
    form,
    status,
    devices,
    actions,
    errorField: computed(() => fieldOf(actions.error.value, 'mediastreamer')),
    isRegistering,
    isServiceDown,
    load,
    edit(patch) {
      const f = form.peek()
      if (f) form.value = { ...f, ...patch }
    },
    async save() {
      const f = form.peek()
      const v = view.peek()
      if (!f || !v) return false
      const patch = msPatch(msFormOf(v), f)
      if (Object.keys(patch).length === 0) return true
      return actions.changeAndReload('save', () => api.setConfig({ mediastreamer: patch }), load)
    },
    async registerNow() {
      const before = status.peek()?.lastAttempt?.atWallMs ?? 0
      const done = await actions.run('register', () => api.registerNow())
      if (!done) return
      isServiceDown.value = !done.daemonNotified
      askedAfter.value = before
    },
  }
}
