import { useComputed, useSignal, type Signal } from '../signals'
import { useEffect, useMemo, useRef } from 'preact/hooks'
import type { ConfigView, StatusSnapshot } from '../api/lanvpn'
import { DEVICE_MODES } from '../api/lanvpn'
import { UBUS_STATUS, UbusError } from '../api/ubus'
import type { AppDeps } from '../deps'
import {
  formatDuration,
  formatNumber,
  formatRate,
  formatTime,
  said,
  t,
  type MessageKey,
} from '../i18n'
import { describeError } from '../i18n/errors'
import { createActions, type Actions } from '../models/action'
import type { StatusModel } from '../models/status'
import { WINDOW_MS } from '../models/throughput'
import { Alert } from '../ui/Alert'
import { Badge, type Tone } from '../ui/Badge'
import { Card } from '../ui/Card'
import { Chart } from '../ui/Chart'
import { Facts } from '../ui/Facts'

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

/** A connect or disconnect the user asked for, from the click until it is in force. */
type Intent = 'connect' | 'disconnect' | null

/** The first page: is the household protected, through which location and since when, how much
 * flows, which devices use which mode, and what needs attention. Renders whatever fields the status
 * file has; the config adds names and the kill switch. */
export function Overview({ model, deps }: OverviewProps) {
  const headingRef = useRef<HTMLHeadingElement>(null)
  useEffect(() => headingRef.current?.focus(), [])
  // Names and the kill switch may have changed elsewhere (another tab, the `lanvpn` command).
  useEffect(() => void deps.config.load(), [deps])
  const actions = useMemo(() => createActions(deps.tracker), [deps])
  const intent = useSignal<Intent>(null)

  const s = model.status
  const config = deps.config.config
  const tunnelState = useComputed(() => s.value?.tunnel?.state ?? '')
  // From the click until the wish is in force and the tunnel has left its old state: the state
  // shown is the wish under way.
  const going = useComputed(() => {
    const i = intent.value
    const g = config.value?.globals
    const phase = deps.tracker.phase.value
    // Once applied, the tunnel must have moved too; saved with no service running (the apply bar
    // says so) or refused, it will not.
    const isDone =
      actions.busy.value === null &&
      phase !== 'applying' &&
      (g?.connect ?? false) === (i === 'connect') &&
      (phase !== 'applied' ||
        (i === 'connect'
          ? tunnelState.value !== 'disconnected' || !g?.enabled
          : tunnelState.value !== 'connected'))
    return isDone ? null : i
  })
  const tone = useComputed<Tone>(() =>
    going.value ? 'busy' : (TUNNEL_TONES[tunnelState.value] ?? 'unknown')
  )
  const stateText = useComputed(() => {
    if (going.value)
      return t(going.value === 'connect' ? 'tunnel.connecting' : 'action.disconnecting')
    if (!s.value) return model.lastError.value ? t('tunnel.unknown') : t('overview.loading')
    return tunnelText(tunnelState.value)
  })
  const reason = useComputed(() =>
    tunnelState.value === 'connected'
      ? ''
      : said(s.value?.tunnel?.reason ?? '', s.value?.tunnel?.reasonCode)
  )
  // The location that carries traffic; while none does, the one chosen for the next connect.
  const location = useComputed(() =>
    profileLabel(config.value, s.value?.tunnel?.profile || config.value?.globals.activeProfile)
  )
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
        <ConnectButton deps={deps} actions={actions} intent={intent} going={going.value} />
        {tunnelState.value === 'connected' && !s.value?.tunnel?.exitIp && (
          <ExitIpCheck deps={deps} />
        )}
      </div>
      <Alert message={error} />
      <GroupTunnels status={s.value} config={config.value} />
      <Attention deps={deps} />
      <Traffic deps={deps} />
      <Devices status={s.value} />
      <details class="card">
        <summary>{t('overview.details')}</summary>
        <Facts
          items={[
            { label: t('overview.service'), value: daemon },
            { label: t('overview.generation'), value: generation },
            { label: t('overview.applied'), value: applied },
          ]}
        />
      </details>
    </section>
  )
}

/** Asks the daemon for the exit address (one request through the tunnel, because the user asked);
 * it shows in the facts when the status has it. */
function ExitIpCheck({ deps }: { deps: AppDeps }) {
  const asked = useSignal<'no' | 'asking' | 'none'>('no')
  const ask = async () => {
    asked.value = 'asking'
    try {
      await deps.api.checkExitIp()
    } finally {
      setTimeout(() => (asked.value = 'none'), 25_000)
    }
  }
  if (asked.value === 'none') return <p class="muted small">{t('overview.exitIpNone')}</p>
  return (
    <button
      type="button"
      class="link"
      disabled={asked.value === 'asking'}
      onClick={() => void ask()}
    >
      {asked.value === 'asking' ? t('overview.checkingExitIp') : t('overview.checkExitIp')}
    </button>
  )
}

/** Connect to the chosen location, or disconnect; only when there is a location at all. While
 * one is under way, the button says so and waits. */
function ConnectButton(p: {
  deps: AppDeps
  actions: Actions
  intent: Signal<Intent>
  going: Intent
}) {
  const { deps, actions, intent, going } = p
  const config = deps.config.config.value
  if (!config || config.profiles.length === 0)
    return (
      <p class="muted">
        {t('overview.noLocation')} <a href="#/locations">{t('overview.toLocations')}</a>
      </p>
    )
  const isUp = going ? going === 'connect' : config.globals.connect
  const ask = async (wish: 'connect' | 'disconnect') => {
    intent.value = wish
    const done = await actions.change(wish, () =>
      wish === 'connect' ? deps.api.connect() : deps.api.disconnect()
    )
    if (!done) intent.value = null
  }
  return (
    <div class="actions">
      <button
        type="button"
        class={isUp ? undefined : 'primary'}
        disabled={going !== null || actions.busy.value !== null}
        onClick={() => void ask(isUp ? 'disconnect' : 'connect')}
      >
        {going
          ? t(going === 'connect' ? 'tunnel.connecting' : 'action.disconnecting')
          : t(isUp ? 'action.disconnect' : 'action.connect')}
      </button>
      <Alert message={actions.error.value ? describeError(actions.error.value) : ''} />
    </div>
  )
}

/** A tidy top for the chart: 1, 2 or 5 × a power of ten bit/s, at least 1 kbit/s. Pure. */
export function chartMax(bps: number): number {
  let top = 1000
  while (top < bps) top *= top.toString()[0] === '2' ? 2.5 : 2
  return top
}

/** Live throughput from the tunnel's counters: a chart of the last minutes and the current rates. */
function Traffic({ deps }: { deps: AppDeps }) {
  const { rates, nowMs } = deps.throughput.value
  const last = rates[rates.length - 1]
  const max = chartMax(Math.max(0, ...rates.flatMap((r) => [r.rx, r.tx])))
  return (
    <Card id="traffic-title" title={t('overview.traffic')}>
      <Chart
        label={t('overview.trafficChart')}
        spanMs={WINDOW_MS}
        endMs={nowMs}
        max={max}
        maxText={formatRate(max)}
        zeroText={formatRate(0)}
        startText={t('overview.ago', { time: formatDuration(WINDOW_MS / 1000) })}
        endText={t('overview.now')}
        series={[
          { points: rates.map((r) => [r.atMs, r.rx]), className: 'rx' },
          { points: rates.map((r) => [r.atMs, r.tx]), className: 'tx' },
        ]}
      />
      <p class="legend">
        <span class="rx-key">
          {t('overview.down', { rate: last ? formatRate(last.rx) : t('value.none') })}
        </span>{' '}
        <span class="tx-key">
          {t('overview.up', { rate: last ? formatRate(last.tx) : t('value.none') })}
        </span>
      </p>
    </Card>
  )
}

/** Each device group's own tunnel (issue 21): its state, location and devices, the default group
 * being the card above. From the status when it carries the group, else from the config (a group
 * whose tunnel the daemon does not run yet reads as not protected). Nothing without groups. */
export function GroupTunnels(p: { status: StatusSnapshot | null; config: ConfigView | null }) {
  const groups = p.config?.groups ?? []
  if (!groups.length) return null
  return (
    <Card id="groups-title" title={t('overview.groups')}>
      <ul class="rows">
        {groups.map((g) => {
          const live = p.status?.groups?.find((x) => x.id === g.id)
          const state = live?.tunnel.state ?? 'disconnected'
          const count = live?.devices ?? p.config!.devices.filter((d) => d.group === g.id).length
          return (
            <li class="row group-tunnel" key={g.id} data-group={g.id}>
              <div class="row-main">
                <strong>{g.label || g.id}</strong>
                <span class="small muted">
                  {t('overview.groupLine', {
                    location: profileLabel(p.config, live?.tunnel.profile || g.profile),
                    n: formatNumber(count),
                  })}
                </span>
              </div>
              <Badge tone={TUNNEL_TONES[state] ?? 'unknown'}>{tunnelText(state)}</Badge>
            </li>
          )
        })}
      </ul>
    </Card>
  )
}

/** How many devices use each mode. */
function Devices({ status }: { status: StatusSnapshot | null }) {
  const counts = status?.devices ?? {}
  return (
    <Card id="devices-title" title={t('overview.devices')}>
      <ul class="counts">
        {DEVICE_MODES.map((m) => (
          <li key={m}>
            <span class="count">{formatNumber(counts[m] ?? 0)}</span> {t(`mode.${m}` as MessageKey)}
          </li>
        ))}
      </ul>
      <a href="#/devices">{t('overview.toDevices')}</a>
    </Card>
  )
}

/** Everything that needs attention, as one list: the heading and the list both come from it, so
 * the page never says both "needs attention" and "nothing does". */
function Attention({ deps }: { deps: AppDeps }) {
  const s = deps.status.status.value
  if (!s) return null
  const items = attentionItems(s, deps.config.config.value)
  return (
    <section
      class={items.length ? 'card problems attention' : 'card problems'}
      aria-labelledby="alerts-title"
    >
      <h2 id="alerts-title">{t(items.length ? 'overview.alerts' : 'overview.allWell')}</h2>
      {items.length > 0 && (
        <ul>
          {items.map((p, i) => (
            <li key={i}>
              {p.where && <code>{p.where}</code>} {p.reason}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

/** What needs attention in a status and config, in words: CGNAT, a failed registration, a tunnel
 * reconnecting or on a fallback location, then config problems (after the word that the file is
 * held back, when it is) and a failed apply (its errors are the daemon's plain words). Pure. */
export function attentionItems(
  s: StatusSnapshot | null,
  config: ConfigView | null
): Array<{ where: string; reason: string }> {
  const keys: MessageKey[] = []
  const ms = s?.mediastreamer
  if (ms?.wanKind === 'cgnat' || ms?.state === 'cgnat') keys.push('alert.cgnat')
  if (ms?.state === 'stopped' || ms?.state === 'error' || ms?.lastAttempt?.result === 'refused')
    keys.push('alert.registration')
  const active = config?.globals.activeProfile
  const used = s?.tunnel?.profile
  if (s?.tunnel?.state === 'reconnecting') keys.push('alert.reconnecting')
  else if (active && used && used !== active) keys.push('alert.failover')
  if (s?.configHeld) keys.push('overview.configHeld')
  const items = keys.map((k) => ({ where: '', reason: t(k) }))
  for (const p of s?.problems ?? []) {
    const where = [p.section, p.option].filter(Boolean).join('.')
    const line = typeof p.line === 'number' ? t('overview.problemLine', { line: p.line }) : ''
    items.push({ where: [where, line].filter(Boolean).join(' '), reason: said(p.reason, p) })
  }
  // The LAN without its device, in the daemon's words (in the reader's language where known).
  const lan = s?.lan
  lan?.problems?.forEach((p, i) =>
    items.push({ where: '', reason: said(p, lan.problemCodes?.[i]) })
  )
  if (s?.apply?.ok === false) {
    items.push({ where: '', reason: t('overview.applyFailed') })
    const { errors = [], errorCodes } = s.apply
    errors.forEach((e, i) => items.push({ where: '', reason: said(e, errorCodes?.[i]) }))
  }
  return items
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
  return DAEMON_STATES.includes(state) ? t(`daemon.${state}` as MessageKey) : t('tunnel.unknown')
}

function numberText(n: number | undefined): string {
  return typeof n === 'number' ? String(n) : t('value.none')
}

function errorText(e: Error | null): string {
  if (!e) return ''
  if (e instanceof UbusError && e.status === UBUS_STATUS.NOT_FOUND) return t('overview.noStatus')
  return t('overview.readError', { reason: describeError(e) })
}
