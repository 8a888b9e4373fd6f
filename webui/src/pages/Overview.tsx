import { useComputed } from '@preact/signals'
import { useEffect, useRef } from 'preact/hooks'
import type { StatusSnapshot } from '../api/lanvpn'
import { UBUS_STATUS, UbusError } from '../api/ubus'
import { formatTime, t, type MessageKey } from '../i18n'
import { describeError } from '../i18n/errors'
import type { StatusModel } from '../models/status'
import { Alert } from '../ui/Alert'
import { Badge, type Tone } from '../ui/Badge'
import { Facts } from '../ui/Facts'
import { ProblemList, type ProblemItem } from '../ui/ProblemList'

/** Props of the overview page. */
export type OverviewProps = { model: StatusModel }

const TUNNEL_TONES: Record<string, Tone> = {
  connected: 'ok',
  connecting: 'busy',
  reconnecting: 'busy',
  disconnected: 'bad',
  failed: 'bad',
}
const DAEMON_STATES = ['starting', 'running', 'stopping', 'stopped']

/** The first page: is the household protected, is the service running, what did it apply last,
 * and which problems did it find. Renders whatever fields the status file has. */
export function Overview({ model }: OverviewProps) {
  const headingRef = useRef<HTMLHeadingElement>(null)
  useEffect(() => headingRef.current?.focus(), [])

  const s = model.status
  const tunnelState = useComputed(() => s.value?.tunnel?.state ?? '')
  const tone = useComputed<Tone>(() => TUNNEL_TONES[tunnelState.value] ?? 'unknown')
  const stateText = useComputed(() => {
    if (!s.value) return model.lastError.value ? t('tunnel.unknown') : t('overview.loading')
    return tunnelText(tunnelState.value)
  })
  const location = useComputed(() => s.value?.tunnel?.profile || t('value.none'))
  const since = useComputed(() => formatTime(s.value?.tunnel?.since))
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
        <Facts
          items={[
            { label: t('overview.location'), value: location },
            { label: t('overview.since'), value: since },
          ]}
        />
      </div>
      <Alert message={error} />
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

/** Its own component so a new status re-renders only the list, not the page. */
function Problems({ model }: OverviewProps) {
  return (
    <ProblemList
      title={t('overview.problems')}
      emptyText={t('overview.problemsNone')}
      items={problemItems(model.status.value)}
    />
  )
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

/** Config problems first, then a failed apply (its errors are the daemon's plain words). */
function problemItems(s: StatusSnapshot | null): ProblemItem[] {
  const items: ProblemItem[] = (s?.problems ?? []).map((p) => ({
    where: [p.section, p.option].filter(Boolean).join('.'),
    reason: p.reason,
  }))
  if (s?.apply?.ok === false) {
    items.push({ where: '', reason: t('overview.applyFailed') })
    for (const reason of s.apply.errors ?? []) items.push({ where: '', reason })
  }
  return items
}
