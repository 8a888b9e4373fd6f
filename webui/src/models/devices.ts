// Devices: the inventory (listDevices), search and mode filter, a selection for bulk changes, "why
// is this device routed like this" (explainDevice) and "is this device protected?"
// (checkProtection). listDevices runs the exec plugin, so it is read on visit, after a change and
// on request, never on the status poll.
import { computed, signal, type ReadonlySignal } from '../signals'
import type {
  Change,
  DeviceMode,
  ExplainDeviceResult,
  InventoryDevice,
  LanvpnApi,
  ListDevicesResult,
  CheckProtectionResult,
} from '../api/lanvpn'
import { createActions, type Actions } from './action'
import type { ApplyTracker } from './apply'

/** The mode filter: one mode or all. */
export type ModeFilter = DeviceMode | 'all'

/** The name a device is shown by: the user's label, else its host name, else its MAC. */
export function deviceName(d: Pick<InventoryDevice, 'label' | 'hostname' | 'mac'>): string {
  return d.label || d.hostname || d.mac
}

/** The devices matching a search (name, host name, MAC or address, any case) and a mode, sorted
 * online first, then by name. Pure. */
export function filterDevices(
  devices: InventoryDevice[],
  query: string,
  mode: ModeFilter
): InventoryDevice[] {
  const q = query.trim().toLowerCase()
  const hits = devices.filter((d) => {
    if (mode !== 'all' && d.mode !== mode) return false
    if (!q) return true
    const hay = [d.label, d.hostname, d.mac, ...(d.ipv4 ?? []), ...(d.ipv6 ?? [])]
    return hay.some((s) => (s ?? '').toLowerCase().includes(q))
  })
  return hits.sort(
    (a, b) =>
      Number(b.online) - Number(a.online) ||
      deviceName(a).localeCompare(deviceName(b)) ||
      a.mac.localeCompare(b.mac)
  )
}

/** The devices page's state and actions. */
export type DevicesModel = {
  list: ReadonlySignal<ListDevicesResult | null>
  actions: Actions
  query: ReadonlySignal<string>
  mode: ReadonlySignal<ModeFilter>
  visible: ReadonlySignal<InventoryDevice[]>
  /** MACs chosen for a bulk change. */
  selected: ReadonlySignal<ReadonlySet<string>>
  /** The last explanation asked for. */
  explanation: ReadonlySignal<ExplainDeviceResult | null>
  /** The last "is this device protected?" answer (counters read live, kept only here). */
  protection: ReadonlySignal<CheckProtectionResult | null>
  setQuery(q: string): void
  setModeFilter(m: ModeFilter): void
  toggle(mac: string): void
  /** Selects every visible device, or clears the selection when all are selected already. */
  toggleAll(): void
  load(): Promise<void>
  setMode(macs: string[], mode: DeviceMode): Promise<boolean>
  /** Moves devices into a group ('' for the default group). */
  setGroup(macs: string[], group: string): Promise<boolean>
  rename(mac: string, label: string): Promise<boolean>
  setKind(mac: string, kind: string): Promise<boolean>
  forget(mac: string): Promise<boolean>
  setDefaultMode(mode: DeviceMode): Promise<boolean>
  explain(mac: string): Promise<void>
  closeExplanation(): void
  /** Asks the router for a device's counters (the first time starts them); again to refresh. */
  checkProtection(mac: string): Promise<void>
  closeProtection(): void
}

/** Creates the model. */
export function createDevicesModel(deps: { api: LanvpnApi; tracker: ApplyTracker }): DevicesModel {
  const { api, tracker } = deps
  const list = signal<ListDevicesResult | null>(null)
  const actions = createActions(tracker)
  const query = signal('')
  const mode = signal<ModeFilter>('all')
  const selected = signal<ReadonlySet<string>>(new Set())
  const explanation = signal<ExplainDeviceResult | null>(null)
  const protection = signal<CheckProtectionResult | null>(null)
  const visible = computed(() => filterDevices(list.value?.devices ?? [], query.value, mode.value))

  async function load(): Promise<void> {
    const next = await actions.read(() => api.listDevices())
    if (!next) return
    list.value = next
    // A forgotten device cannot stay selected.
    const macs = new Set(next.devices.map((d) => d.mac))
    selected.value = new Set([...selected.peek()].filter((m) => macs.has(m)))
  }

  const changed = (name: string, fn: () => Promise<Change>) =>
    actions.changeAndReload(name, fn, load)

  return {
    list,
    actions,
    query,
    mode,
    visible,
    selected,
    explanation,
    protection,
    setQuery(q) {
      query.value = q
    },
    setModeFilter(m) {
      mode.value = m
    },
    toggle(mac) {
      const next = new Set(selected.peek())
      if (next.has(mac)) next.delete(mac)
      else next.add(mac)
      selected.value = next
    },
    toggleAll() {
      const macs = visible.peek().map((d) => d.mac)
      const all = macs.length > 0 && macs.every((m) => selected.peek().has(m))
      selected.value = all ? new Set() : new Set(macs)
    },
    load,
    async setMode(macs, m) {
      const ok = await changed(`mode:${macs.join(',')}`, () => api.setDeviceMode(macs, m))
      if (ok && macs.length > 1) selected.value = new Set()
      return ok
    },
    setGroup: (macs, group) =>
      changed(`group:${macs.join(',')}`, () => api.setDeviceGroup(macs, group)),
    rename: (mac, label) => changed(`rename:${mac}`, () => api.renameDevice(mac, label)),
    setKind: (mac, kind) => changed(`kind:${mac}`, () => api.setDeviceKind(mac, kind)),
    forget: (mac) => changed(`forget:${mac}`, () => api.forgetDevice(mac)),
    setDefaultMode: (m) => changed('default', () => api.setDefaultMode(m)),
    async explain(mac) {
      const result = await actions.run(`explain:${mac}`, () => api.explainDevice(mac))
      if (result) explanation.value = result
    },
    closeExplanation() {
      explanation.value = null
    },
    async checkProtection(mac) {
      const result = await actions.run(`protection:${mac}`, () => api.checkProtection(mac))
      if (result) protection.value = result
    },
    closeProtection() {
      protection.value = null
    },
  }
}
