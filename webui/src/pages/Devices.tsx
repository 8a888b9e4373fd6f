// Devices: every device with its name, type, addresses, online state and mode; search, a mode
// filter, bulk changes, the default mode for new devices, rename and type, and "why is it routed
// like this" (explainDevice) in the user's language, and "is this device protected?" from the
// router's own counters (checkProtection).
import type { ComponentChildren } from 'preact'
import { useSignal } from '../signals'
import { useEffect, useRef } from 'preact/hooks'
import {
  DEVICE_KINDS,
  DEVICE_MODES,
  type ConfigView,
  type DeviceMode,
  type ExplainDeviceResult,
  type InventoryDevice,
  type CheckProtectionResult,
} from '../api/lanvpn'
import { memoModel, type AppDeps } from '../deps'
import { formatNumber, formatTime, t, type MessageKey } from '../i18n'
import {
  createDevicesModel,
  deviceName,
  type DevicesModel,
  type ModeFilter,
} from '../models/devices'
import { Card } from '../ui/Card'
import { Select } from '../ui/Controls'
import { DeviceIcon } from '../ui/DeviceIcon'
import { Field } from '../ui/Field'
import { Progress } from '../ui/Progress'
import { ErrorLine, onSubmitted, PageFrame } from './shared'

const modelFor = memoModel((deps) => createDevicesModel({ api: deps.api, tracker: deps.tracker }))

const modeName = (m: string) => t(`mode.${m}` as MessageKey)
const kindName = (k: string) => t(`kind.${k}` as MessageKey)
const MODE_OPTIONS = () => DEVICE_MODES.map((m) => ({ value: m, label: modeName(m) }))

/** The Devices page. */
export default function Devices({ deps }: { deps: AppDeps }) {
  const m = modelFor(deps)
  useEffect(() => void m.load(), [m])
  // The groups to pick from (the config, read again when it changes anywhere).
  useEffect(() => void deps.config.load(), [deps])
  const list = m.list.value
  const groups = deps.config.config.value?.groups ?? []
  return (
    <PageFrame id="devices-title" title={t('nav.devices')} intro={t('devices.intro')}>
      <ErrorLine error={m.actions.error.value} />
      {m.explanation.value && <Explanation m={m} e={m.explanation.value} />}
      {m.protection.value && <Protection m={m} a={m.protection.value} />}
      <Card id="devices-default" title={t('devices.defaultTitle')}>
        <Select
          id="default-mode"
          label={t('devices.defaultMode')}
          value={list?.defaultMode ?? 'vpn'}
          options={MODE_OPTIONS()}
          isDisabled={!list || m.actions.busy.value !== null}
          onChange={(mode) => void m.setDefaultMode(mode)}
        />
      </Card>
      <Card id="devices-list" title={t('devices.list')}>
        <div class="filters">
          <Field
            id="device-search"
            label={t('devices.search')}
            value={m.query}
            onInput={m.setQuery}
          />
          <Select<ModeFilter>
            id="device-filter"
            label={t('devices.filter')}
            value={m.mode.value}
            options={[{ value: 'all', label: t('devices.all') }, ...MODE_OPTIONS()]}
            onChange={m.setModeFilter}
          />
        </div>
        <Bulk m={m} />
        {!list ? (
          <Progress label={t('page.loading')} />
        ) : m.visible.value.length === 0 ? (
          <p class="muted">
            {list.devices.length === 0 ? t('devices.none') : t('devices.noMatch')}
          </p>
        ) : (
          <ul class="rows devices">
            {m.visible.value.map((d) => (
              <DeviceRow key={d.mac} m={m} d={d} groups={groups} />
            ))}
          </ul>
        )}
        <button
          type="button"
          class="link"
          disabled={m.actions.busy.value !== null}
          onClick={() => void m.load()}
        >
          {t('devices.refresh')}
        </button>
      </Card>
    </PageFrame>
  )
}

function Bulk({ m }: { m: DevicesModel }) {
  const mode = useSignal<DeviceMode>('vpn')
  const count = m.selected.value.size
  const visible = m.visible.value
  const isAll = visible.length > 0 && visible.every((d) => m.selected.value.has(d.mac))
  return (
    <div class="bulk" role="group" aria-label={t('devices.bulk')}>
      <div class="check">
        <input
          id="select-all"
          type="checkbox"
          checked={isAll}
          disabled={visible.length === 0}
          onChange={m.toggleAll}
        />
        <label for="select-all">{t('devices.selectAll')}</label>
      </div>
      {count > 0 && (
        <div class="bulk-apply">
          <span>{t('devices.selected', { n: count })}</span>
          <Select
            id="bulk-mode"
            label={t('devices.bulkMode')}
            value={mode.value}
            options={MODE_OPTIONS()}
            onChange={(v) => (mode.value = v)}
            isLabelHidden
          />
          <button
            type="button"
            class="primary"
            disabled={m.actions.busy.value !== null}
            onClick={() => void m.setMode([...m.selected.peek()], mode.peek())}
          >
            {t('devices.bulkApply')}
          </button>
        </div>
      )}
    </div>
  )
}

/** The group picker's choices: the default group, then each group by its name. */
const groupOptions = (groups: ConfigView['groups']) => [
  { value: '', label: t('groups.default') },
  ...groups.map((g) => ({ value: g.id, label: g.label || g.id })),
]

function DeviceRow(p: { m: DevicesModel; d: InventoryDevice; groups: ConfigView['groups'] }) {
  const { m, d, groups } = p
  const name = deviceName(d)
  const id = d.mac.replace(/:/g, '')
  const busy = m.actions.busy.value
  const label = useSignal(d.label)
  const addresses = [...(d.ipv4 ?? []), ...(d.ipv6 ?? [])]
  return (
    <li class={d.online ? 'row device' : 'row device offline'}>
      <div class={groups.length ? 'device-head grouped' : 'device-head'}>
        <input
          id={`sel-${id}`}
          type="checkbox"
          checked={m.selected.value.has(d.mac)}
          onChange={() => m.toggle(d.mac)}
          aria-label={t('devices.select', { name })}
        />
        <DeviceIcon kind={d.kind || 'other'} label={kindName(d.kind || 'other')} />
        <div class="row-main">
          <strong>{name}</strong>
          <span class="small muted">
            {d.online ? t('devices.online') : t('devices.offline')}
            {d.modeIsDefault && ` · ${t('devices.usesDefault')}`}
          </span>
          <span class="small mono">{addresses.length ? addresses.join(', ') : d.mac}</span>
        </div>
        <Select
          id={`mode-${id}`}
          label={t('devices.modeFor', { name })}
          value={d.mode}
          options={MODE_OPTIONS()}
          isDisabled={busy !== null}
          isLabelHidden
          onChange={(mode) => void m.setMode([d.mac], mode)}
        />
        {groups.length > 0 && (
          <Select
            id={`group-${id}`}
            label={t('devices.groupFor', { name })}
            value={groups.some((g) => g.id === d.group) ? d.group : ''}
            options={groupOptions(groups)}
            isDisabled={busy !== null}
            isLabelHidden
            onChange={(group) => void m.setGroup([d.mac], group)}
          />
        )}
      </div>
      <details>
        <summary>{t('devices.more', { name })}</summary>
        <p class="small muted">
          {t('devices.mac', { mac: d.mac })}
          {d.lastSeenWallMs
            ? ` · ${t('devices.lastSeen', { time: formatTime(d.lastSeenWallMs) })}`
            : ''}
        </p>
        <form class="inline" onSubmit={onSubmitted(() => m.rename(d.mac, label.peek().trim()))}>
          <Field
            id={`label-${id}`}
            label={t('devices.name')}
            value={label}
            onInput={(v) => (label.value = v)}
            placeholder={d.hostname}
          />
          <button type="submit" disabled={busy !== null}>
            {t('action.save')}
          </button>
        </form>
        <Select
          id={`kind-${id}`}
          label={t('devices.kind')}
          value={d.kind || 'other'}
          options={DEVICE_KINDS.map((k) => ({ value: k, label: kindName(k) }))}
          isDisabled={busy !== null}
          onChange={(kind) => void m.setKind(d.mac, kind)}
        />
        <div class="row-actions">
          <button type="button" disabled={busy !== null} onClick={() => void m.explain(d.mac)}>
            {t('devices.why')}
          </button>
          <button
            type="button"
            disabled={busy !== null}
            onClick={() => void m.checkProtection(d.mac)}
          >
            {t('devices.protected')}
          </button>
          {d.configured && (
            <button type="button" disabled={busy !== null} onClick={() => void m.forget(d.mac)}>
              {t('devices.forget')}
            </button>
          )}
        </div>
      </details>
    </li>
  )
}

/** The answer to a device's question, as a region whose heading takes the focus for each new
 * answer, so a screen reader reads it right after the button press. */
function Answer(p: {
  id: string
  class: string
  title: string
  answer: object
  children: ComponentChildren
}) {
  const ref = useRef<HTMLHeadingElement>(null)
  useEffect(() => ref.current?.focus(), [p.answer])
  return (
    <section class={p.class} aria-labelledby={p.id} role="region">
      <h2 id={p.id} tabIndex={-1} ref={ref}>
        {p.title}
      </h2>
      {p.children}
    </section>
  )
}

function Explanation({ m, e }: { m: DevicesModel; e: ExplainDeviceResult }) {
  const device = m.list.value?.devices.find((d) => d.mac === e.mac)
  const params = {
    ...e.params,
    mode: modeName(e.params.mode ?? e.mode),
    defaultMode: modeName(e.params.defaultMode ?? ''),
    profile:
      e.params.profile === 'no location chosen' ? t('explain.noProfile') : (e.params.profile ?? ''),
  }
  return (
    <Answer
      id="explain-title"
      class="card explain"
      title={t('explain.title', { name: device ? deviceName(device) : e.mac })}
      answer={e}
    >
      <p>
        <strong>{t(`explain.${e.summaryCode}` as MessageKey, params)}</strong>
      </p>
      <ul>
        {e.reasonCodes.map((code) => (
          <li key={code}>{t(`explain.${code}` as MessageKey, params)}</li>
        ))}
      </ul>
      <button type="button" onClick={m.closeExplanation}>
        {t('action.close')}
      </button>
    </Answer>
  )
}

/** The verdict in plain words: a direct or MediaStreamer device sending by the WAN is doing what
 * its mode says, a vpn device doing so is not protected. Whole ids, so the build shortens them. */
function verdictKey(a: CheckProtectionResult): MessageKey {
  if (a.verdict === 'wan') return a.mode === 'vpn' ? 'proof.wan' : 'proof.wanByMode'
  return a.verdict === 'protected'
    ? 'proof.protected'
    : a.verdict === 'stopped'
      ? 'proof.stopped'
      : 'proof.quiet'
}

function Protection({ m, a }: { m: DevicesModel; a: CheckProtectionResult }) {
  const device = m.list.value?.devices.find((d) => d.mac === a.mac)
  const name = device ? deviceName(device) : a.name || a.mac
  const c = a.counters
  const n = (x: number) => formatNumber(x)
  const rows: Array<[MessageKey, number]> = [
    ['proof.nTunnel', c.tunnel],
    ['proof.nWan', c.wan],
    ['proof.nStopped', c.stopped],
    ['proof.nDns', c.dns],
    ['proof.nIpv6', c.ipv6],
  ]
  const busy = m.actions.busy.value !== null
  return (
    <Answer
      id="proof-title"
      class="card explain proof"
      title={t('proof.title', { name })}
      answer={a}
    >
      <p>
        <strong>
          {t(verdictKey(a), {
            tunnel: n(c.tunnel),
            wan: n(c.wan),
            stopped: n(c.stopped),
            mode: modeName(a.mode),
          })}
        </strong>
      </p>
      <ul>
        {rows.map(([key, value]) => (
          <li key={key}>{t(key, { n: n(value) })}</li>
        ))}
      </ul>
      <p class="small muted">
        {a.started
          ? t('proof.started', { until: formatTime(a.untilWallMs) })
          : t('proof.since', {
              since: formatTime(a.sinceWallMs),
              until: formatTime(a.untilWallMs),
            })}
      </p>
      <div class="row-actions">
        <button
          type="button"
          class="primary"
          disabled={busy}
          onClick={() => void m.checkProtection(a.mac)}
        >
          {t('proof.again')}
        </button>
        <button type="button" onClick={m.closeProtection}>
          {t('action.close')}
        </button>
      </div>
    </Answer>
  )
}
