import { useComputed } from '@preact/signals'
import { useEffect, useMemo, useRef } from 'preact/hooks'
import type { ConfigView, StatusSnapshot } from '../api/lanvpn'
import { DEVICE_MODES } from '../api/lanvpn'
import { UBUS_STATUS, UbusError } from '../api/ubus'
import type { AppDeps } from '../deps'
import { formatDuration, formatNumber, formatRate, formatTime, t, type MessageKey } from '../i18n'
import { describeError } from '../i18n/errors'
import { createActions } from '../models/action'
import type { StatusModel } from '../models/status'
import { MAX_RATES } from '../models/throughput'
import { Alert } from '../ui/Alert'
import { Badge, type Tone } from '../ui/Badge'
import { Chart } from '../ui/Chart'
import { Facts } from '../ui/Facts'
import { ProblemList, type ProblemItem } from '../ui/ProblemList'

/** Props of the overview page. */
export type OverviewProps = { model: StatusModel; deps: AppDeps }

const TUNNEL_TONES: Record<string, Tone> = {
  connected: 'ok',
  connecting: 'busy',
  reconnecting: 'busy',
  disconnected: 'bad',
  failed: 'bad',
}
const DAEMON_STATES = ['starting', 'running', 'stopping', 'stopped']

/** The first page: is the household protected, through which location and since when, how much
 * flows, which devices use which mode, and what needs attention. Renders whatever fields the status
 * file has; the config adds names and the kill switch. */
export function Overview({ model, deps }: OverviewProps) {
  const headingRef = useRef<HTMLHeadingElement>(null)
  useEffect(() => headingRef.current?.focus(), [])
  // Names and the kill switch may have changed elsewhere (another tab, the `lanvpn` command).
  useEffect(() => void deps.config.load(), [deps])

  const s = model.status
  const config = deps.config.config
  const tunnelState = useComputed(() => s.value?.tunnel?.state ?? '')
  const tone = useComputed<Tone>(() => TUNNEL_TONES[tunnelState.value] ?? 'unknown')
  const stateText = useComputed(() => {
    if (!s.value) return model.lastError.value ? t('tunnel.unknown') : t('overview.loading')
    return tunnelText(tunnelState.value)
  })
  const reason = useComputed(() =>
    tunnelState.value === 'connected' ? '' : (s.value?.tunnel?.reason ?? '')
  )
  const location = useComputed(() => profileLabel(config.value, s.value?.tunnel?.profile))
  const since = useComputed(() => sinceText(s.value))
  const handshake = useComputed(() => {
    const age = s.value?.tunnel?.handshakeAgeS
    return age === undefined ? t('value.none') : t('overview.ago', { time: formatDuration(age) })
  })
  const exitIp = useComputed(() => s.value?.tunnel?.exitIp || t('value.unknown'))
  const wanIp = useComputed(() => s.value?.wan?.ip || t('value.unknown'))
  const killSwitch = useComputed(() => killSwitchText(config.value, s.value))
  const daemon = useComputed(() => daemonText(s.value?.daemon?.state))
  const generation = useComputed(() => numberText(s.value?.generation))
  const applied = useComputed(() => formatTime(s.value?.updatedAt))
  const error = useComputed(() => errorText(model.lastError.value))

  return (
    <section class="overview" aria-labelledby="overview-title">
      <h1 id="overview-title" tabIndex={-1} ref={headingRef}>
        {t('overview.title')}
      </h1>
      <div class="card hero" aria-live="polite">
        <span class="label">{t('overview.vpn')}</span>
        <Badge tone={tone}>{stateText}</Badge>
        {reason.value && <p class="reason">{reason}</p>}
        <Facts
          items={[
            { label: t('overview.location'), value: location },
            { label: t('overview.since'), value: since },
            { label: t('overview.handshake'), value: handshake },
            { label: t('overview.exitIp'), value: exitIp },
            { label: t('overview.wanIp'), value: wanIp },
            { label: t('overview.killSwitch'), value: killSwitch },
          ]}
        />
        <ConnectButton deps={deps} />
      </div>
      <Alert message={error} />
      <Alerts deps={deps} />
      <Traffic deps={deps} />
      <Devices status={s.value} />
      <div class="card">
        <Facts
          items={[
            { label: t('overview.service'), value: daemon },
            { label: t('overview.generation'), value: generation },
            { label: t('overview.applied'), value: applied },
          ]}
        />
      </div>
      <div class="card">
        <Problems model={model} />
      </div>
    </section>
  )
}

/** Connect to the chosen location, or disconnect; only when there is a location at all. */
function ConnectButton({ deps }: { deps: AppDeps }) {
  const actions = useMemo(() => createActions(deps.tracker), [deps])
  const config = deps.config.config.value
  if (!config || config.profiles.length === 0)
    return (
      <p class="muted">
        {t('overview.noLocation')} <a href="#/locations">{t('overview.toLocations')}</a>
      </p>
    )
  const wantsUp = config.globals.connect
  const isBusy = actions.busy.value !== null
  return (
    <div class="actions">
      {wantsUp ? (
        <button
          type="button"
          disabled={isBusy}
          onClick={() => void actions.change('disconnect', deps.api.disconnect)}
        >
          {t('action.disconnect')}
        </button>
      ) : (
        <button
          type="button"
          class="primary"
          disabled={isBusy}
          onClick={() => void actions.change('connect', () => deps.api.connect())}
        >
          {t('action.connect')}
        </button>
      )}
      <Alert message={actions.error.value ? describeError(actions.error.value) : ''} />
    </div>
  )
}

/** Live throughput from the tunnel's counters: a chart of the last minute and the current rates. */
function Traffic({ deps }: { deps: AppDeps }) {
  const rates = deps.throughput.value.rates
  const last = rates[rates.length - 1]
  return (
    <section class="card" aria-labelledby="traffic-title">
      <h2 id="traffic-title">{t('overview.traffic')}</h2>
      <Chart
        label={t('overview.trafficChart')}
        capacity={MAX_RATES}
        series={[
          { values: rates.map((r) => r.rxBps), className: 'rx' },
          { values: rates.map((r) => r.txBps), className: 'tx' },
        ]}
      />
      <p class="legend">
        <span class="rx-key">
          {t('overview.down', { rate: last ? formatRate(last.rxBps) : t('value.none') })}
        </span>{' '}
        <span class="tx-key">
          {t('overview.up', { rate: last ? formatRate(last.txBps) : t('value.none') })}
        </span>
      </p>
    </section>
  )
}

/** How many devices use each mode. */
function Devices({ status }: { status: StatusSnapshot | null }) {
  const counts = status?.devices ?? {}
  return (
    <section class="card" aria-labelledby="devices-title">
      <h2 id="devices-title">{t('overview.devices')}</h2>
      <ul class="counts">
        {DEVICE_MODES.map((m) => (
          <li key={m}>
            <span class="count">{formatNumber(counts[m] ?? 0)}</span> {t(`mode.${m}` as MessageKey)}
          </li>
        ))}
      </ul>
      <a href="#/devices">{t('overview.toDevices')}</a>
    </section>
  )
}

/** What needs attention: CGNAT, a failed registration, a tunnel failing over. */
function Alerts({ deps }: { deps: AppDeps }) {
  const items = alertKeys(deps.status.status.value, deps.config.config.value)
  if (items.length === 0) return null
  return (
    <section class="card attention" aria-labelledby="alerts-title">
      <h2 id="alerts-title">{t('overview.alerts')}</h2>
      <ul>
        {items.map((k) => (
          <li key={k}>{t(k)}</li>
        ))}
      </ul>
    </section>
  )
}

/** The alerts a status and config call for, as message keys. Pure. */
export function alertKeys(s: StatusSnapshot | null, config: ConfigView | null): MessageKey[] {
  const keys: MessageKey[] = []
  const ms = s?.mediastreamer
  if (ms?.wanKind === 'cgnat' || ms?.state === 'cgnat') keys.push('alert.cgnat')
  if (ms?.state === 'stopped' || ms?.state === 'error' || ms?.lastAttempt?.result === 'refused')
    keys.push('alert.registration')
  const active = config?.globals.activeProfile
  const used = s?.tunnel?.profile
  if (s?.tunnel?.state === 'reconnecting') keys.push('alert.reconnecting')
  else if (active && used && used !== active) keys.push('alert.failover')
  return keys
}

/** Its own component so a new status re-renders only the list, not the page. */
function Problems({ model }: { model: StatusModel }) {
  return (
    <ProblemList
      title={t('overview.problems')}
      emptyText={t('overview.problemsNone')}
      items={problemItems(model.status.value)}
    />
  )
}

function profileLabel(config: ConfigView | null, id: string | undefined): string {
  if (!id) return t('value.none')
  return config?.profiles.find((p) => p.id === id)?.label || id
}

function sinceText(s: StatusSnapshot | null): string {
  const since = s?.tunnel?.since
  if (!since) return t('value.none')
  const now = s?.updatedAt
  const time = formatTime(since)
  return now && now >= since ? `${time} (${formatDuration((now - since) / 1000)})` : time
}

function killSwitchText(config: ConfigView | null, s: StatusSnapshot | null): string {
  if (!config) return t('value.none')
  const g = config.globals
  if (!g.enabled) return t('killSwitch.off')
  // As the daemon's plan: no protection before there is a location and someone connected once.
  if (config.profiles.length === 0) return t('killSwitch.noLocation')
  if (g.armed === false) return t('killSwitch.notArmed')
  const isDown = s?.tunnel?.state !== 'connected'
  const blocks = isDown && (g.killSwitch === 'always' || g.connect)
  const mode = g.killSwitch === 'always' ? t('killSwitch.always') : t('killSwitch.auto')
  return blocks ? t('killSwitch.blocking', { mode }) : mode
}

function tunnelText(state: string): string {
  return state in TUNNEL_TONES ? t(`tunnel.${state}` as MessageKey) : t('tunnel.unknown')
}

function daemonText(state: string | undefined): string {
  if (!state) return t('value.none')
  return DAEMON_STATES.includes(state) ? t(`daemon.${state}` as MessageKey) : t('daemon.unknown')
}

function numberText(n: number | undefined): string {
  return typeof n === 'number' ? String(n) : t('value.none')
}

function errorText(e: Error | null): string {
  if (!e) return ''
  if (e instanceof UbusError && e.status === UBUS_STATUS.NOT_FOUND) return t('overview.noStatus')
  return t('overview.readError', { reason: describeError(e) })
}

/** Config problems first (after the word that the file is held back, when it is), then a failed
 * apply (its errors are the daemon's plain words). */
function problemItems(s: StatusSnapshot | null): ProblemItem[] {
  const items: ProblemItem[] = []
  if (s?.configHeld) items.push({ where: '', reason: t('overview.configHeld') })
  for (const p of s?.problems ?? []) {
    const where = [p.section, p.option].filter(Boolean).join('.')
    const line = typeof p.line === 'number' ? t('overview.problemLine', { line: p.line }) : ''
    items.push({ where: [where, line].filter(Boolean).join(' '), reason: p.reason })
  }
  if (s?.apply?.ok === false) {
    items.push({ where: '', reason: t('overview.applyFailed') })
    for (const reason of s.apply.errors ?? []) items.push({ where: '', reason })
  }
  return items
}
