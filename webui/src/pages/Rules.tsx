// Rules by destination (issue 22), phone first: the common cases one tap away (a bank direct,
// streaming through the VPN, a console's game ports direct), a full form, the rules in order
// (numbered as the daemon and `lanvpn rules` number them) with on/off, up/down and delete, the
// local exceptions, and "check a destination". Native details, selects and buttons: keyboard
// and screen readers as everywhere else.
import { useSignal } from '../signals'
import { useEffect } from 'preact/hooks'
import type { ConfigView, DestExplanation, Rule } from '../api/lanvpn'
import { portWords } from '../../../applet/src/core/api/rules'
import { memoModel, type AppDeps } from '../deps'
import { t, type MessageKey } from '../i18n'
import { deviceName } from '../models/devices'
import { CONSOLE_PORTS, createRulesModel, items, presets, type RulesModel } from '../models/rules'
import { Card, Check, Select } from '../ui/Controls'
import { Field } from '../ui/Field'
import { ErrorLine, PageFrame } from './shared'

const modelFor = memoModel((deps) =>
  createRulesModel({ api: deps.api, tracker: deps.tracker, config: deps.config })
)

type Option = { value: string; label: string }
type Ctx = { m: RulesModel; config: ConfigView; devices: Option[]; busy: boolean }

const groupName = (c: ConfigView, id: string) =>
  id ? c.groups.find((g) => g.id === id)?.label || id : t('groups.default')

/** Where a rule or an answer sends traffic, in words. */
function viaText(c: ConfigView, via: string, group: string): string {
  if (via === 'group' || (via === 'vpn' && group))
    return t('rules.viaGroup', { name: groupName(c, group) })
  return t(`rules.via.${via}` as MessageKey)
}

/** "stream.example from TV: through the VPN, by rule 3", then what a tunnel that is down does to
 * it (held), or one without IPv6 to an IPv6 address (dropped), or why a vpn mode uses the internet directly (explainDevice's words): one or two
 * lines. */
export function answerText(c: ConfigView, dest: string, device: string, r: DestExplanation) {
  const by = r.by === 'rule' ? t('rules.byRule', { n: r.rule ?? 0 }) : t(`rules.by.${r.by}`)
  const answer = t('rules.answer', { dest, device, via: viaText(c, r.via, r.group), by })
  const note = r.held
    ? t('rules.held')
    : r.noIpv6
      ? t('rules.noIpv6')
      : r.bypass && t(`explain.${r.bypass}`)
  return note ? [answer, note] : [answer]
}

/** The Rules page. */
export default function Rules({ deps }: { deps: AppDeps }) {
  const m = modelFor(deps)
  const list = useSignal<Option[]>([])
  useEffect(() => {
    void deps.config.load()
    void m.actions.read(deps.api.listDevices).then((r) => {
      if (r) list.value = r.devices.map((d) => ({ value: d.mac, label: deviceName(d) }))
    })
  }, [deps])
  const config = deps.config.config.value
  const ctx = config && { m, config, devices: list.value, busy: m.actions.busy.value !== null }
  return (
    <PageFrame id="rules-title" title={t('rules.title')} intro={t('rules.intro')}>
      {deps.status.status.value?.rulesDns === 'poll' && (
        <p class="note-warning">{t('rules.poll')}</p>
      )}
      <ErrorLine error={m.actions.error.value} />
      {ctx && ctx.config.rules && (
        <>
          <Quick {...ctx} />
          <RuleList {...ctx} />
          <Local {...ctx} />
          <CheckDest {...ctx} />
        </>
      )}
    </PageFrame>
  )
}

/** The VPN choices: the device's own tunnel, and each group's where there are groups. */
const vpnOptions = (c: ConfigView): Option[] => [
  { value: 'vpn', label: t('rules.via.vpn') },
  ...c.groups.map((g) => ({ value: g.id, label: t('rules.viaGroup', { name: g.label || g.id }) })),
]

/** One common case: a details whose summary is the tap, its fields and an Add button. */
function Preset(p: {
  title: string
  ctx: Ctx
  children: preact.ComponentChildren
  add: () => unknown
}) {
  return (
    <details>
      <summary>{p.title}</summary>
      <form
        class="new-group"
        onSubmit={(e) => {
          e.preventDefault()
          void p.add()
        }}
      >
        {p.children}
        <button type="submit" class="primary" disabled={p.ctx.busy}>
          {t('rules.add')}
        </button>
      </form>
    </details>
  )
}

function Quick(ctx: Ctx) {
  const { m, config, devices } = ctx
  const bank = useSignal('')
  const stream = useSignal('')
  const via = useSignal('vpn')
  const mac = useSignal('')
  const ports = useSignal(CONSOLE_PORTS)
  const device = mac.value || devices[0]?.value || ''
  return (
    <Card id="rules-quick" title={t('rules.quick')}>
      <Preset
        title={t('rules.bank')}
        ctx={ctx}
        add={() => m.save(presets.bank(bank.peek(), t('rules.bank')))}
      >
        <Field
          id="rule-bank"
          label={t('rules.bankDomain')}
          value={bank}
          onInput={(v) => (bank.value = v)}
          isRequired
        />
      </Preset>
      <Preset
        title={t('rules.streaming')}
        ctx={ctx}
        add={() => m.save(presets.streaming(stream.peek(), via.peek(), t('rules.streaming')))}
      >
        <Field
          id="rule-stream"
          label={t('rules.services')}
          value={stream}
          onInput={(v) => (stream.value = v)}
          isRequired
        />
        {config.groups.length > 0 && (
          <Select
            id="rule-stream-via"
            label={t('rules.via')}
            value={via.value}
            options={vpnOptions(config)}
            onChange={(v) => (via.value = v)}
          />
        )}
      </Preset>
      <Preset
        title={t('rules.console')}
        ctx={ctx}
        add={() => device && m.save(presets.console(device, ports.peek(), t('rules.console')))}
      >
        <Select
          id="rule-console"
          label={t('rules.device')}
          value={device}
          options={devices}
          onChange={(v) => (mac.value = v)}
        />
        <Field
          id="rule-ports"
          label={t('rules.ports')}
          hint={t('rules.portsHint')}
          value={ports}
          onInput={(v) => (ports.value = v)}
        />
      </Preset>
      <Full {...ctx} />
    </Card>
  )
}

/** The full form: every field of a rule. */
function Full(ctx: Ctx) {
  const { m, config, devices } = ctx
  const f = useSignal({ label: '', domains: '', dests: '', ports: '', via: 'direct', who: '' })
  const v = f.value
  const set = (k: keyof typeof v) => (x: string) => (f.value = { ...f.peek(), [k]: x })
  const text = (k: 'label' | 'domains' | 'dests' | 'ports', label: string, hint?: string) => (
    <Field id={`rule-new-${k}`} label={label} hint={hint} value={v[k]} onInput={set(k)} />
  )
  const [kind, who] = [v.who.slice(0, 2), v.who.slice(2)]
  return (
    <Preset
      title={t('rules.new')}
      ctx={ctx}
      add={async () => {
        const ok = await m.save({
          label: v.label.trim() || undefined,
          domains: items(v.domains),
          dests: items(v.dests),
          ports: items(v.ports),
          via: v.via,
          devices: kind === 'd:' ? [who] : [],
          groups: kind === 'g:' ? [who || 'default'] : [],
        })
        if (ok) f.value = { ...f.peek(), label: '', domains: '', dests: '', ports: '' }
      }}
    >
      {text('label', t('rules.label'))}
      {text('domains', t('rules.domains'))}
      {text('dests', t('rules.dests'))}
      {text('ports', t('rules.ports'), t('rules.portsHint'))}
      <Select
        id="rule-via"
        label={t('rules.via')}
        value={v.via}
        options={[
          ...vpnOptions(config),
          ...(['direct', 'blocked'] as const).map((x) => ({
            value: x,
            label: t(`rules.via.${x}`),
          })),
        ]}
        onChange={set('via')}
      />
      <Select
        id="rule-who"
        label={t('rules.who')}
        value={v.who}
        options={[
          { value: '', label: t('rules.everyone') },
          ...[{ id: '' }, ...config.groups].map((g) => ({
            value: `g:${g.id}`,
            label: groupName(config, g.id),
          })),
          ...devices.map((d) => ({ value: `d:${d.value}`, label: d.label })),
        ]}
        onChange={set('who')}
      />
    </Preset>
  )
}

function RuleList(ctx: Ctx) {
  const rules = ctx.config.rules
  return (
    <Card id="rules-list" title={t('rules.list')}>
      {rules.length === 0 && <p class="muted">{t('rules.none')}</p>}
      <ul class="rows">
        {rules.map((r, i) => (
          <RuleRow key={r.id} ctx={ctx} r={r} i={i} last={i === rules.length - 1} />
        ))}
      </ul>
    </Card>
  )
}

function RuleRow({ ctx, r, i, last }: { ctx: Ctx; r: Rule; i: number; last: boolean }) {
  const { m, config, devices, busy } = ctx
  const asking = useSignal(false)
  const n = { n: r.number }
  const what = [...r.domains, ...r.dests, ...portWords(r.ports)].join(', ')
  const who = [
    ...r.groups.map((g) => groupName(config, g)),
    ...r.devices.map((d) => devices.find((x) => x.value === d)?.label || d),
  ].join(', ')
  // Up and down move among the rules listed: to the place of the one above or below.
  const to = (j: number) => void m.move(r.id, config.rules[j].number)
  const button = (key: MessageKey, on: () => void, off = false) => (
    <button type="button" disabled={busy || off} onClick={on}>
      {t(key, n)}
    </button>
  )
  return (
    <li class="row" data-rule={r.number}>
      <div class="row-main">
        <strong>
          {t('rules.n', n)}
          {r.label !== r.id && ` · ${r.label}`}
        </strong>
        <span class="small">
          {what || t('rules.everything')} → {viaText(config, r.via, r.group)} ·{' '}
          {who || t('rules.everyone')}
        </span>
      </div>
      <Check
        id={`rule-on-${r.number}`}
        label={t('rules.on', n)}
        isChecked={r.enabled}
        isDisabled={busy}
        onChange={(enabled) => void m.save({ id: r.id, enabled })}
      />
      <div class="row-actions">
        {button('rules.up', () => to(i - 1), i === 0)}
        {button('rules.down', () => to(i + 1), last)}
        {asking.value ? (
          <>
            <span class="small">{t('rules.removeAsk', n)}</span>
            <button
              type="button"
              class="danger"
              disabled={busy}
              onClick={() => void m.remove(r.id)}
            >
              {t('action.delete')}
            </button>
            {button('action.cancel', () => (asking.value = false))}
          </>
        ) : (
          button('rules.remove', () => (asking.value = true))
        )}
      </div>
    </li>
  )
}

function Local({ m, config, busy }: Ctx) {
  const extra = useSignal('')
  const g = config.globals
  return (
    <Card id="rules-local" title={t('rules.local')}>
      <Check
        id="rule-local"
        label={t('rules.localOn')}
        isChecked={g.localDirect}
        isDisabled={busy}
        onChange={(on) => void m.setLocal({ local_direct: on })}
      />
      <ul class="rows">
        {g.localDest.map((d) => (
          <li class="row row-actions" key={d}>
            <span class="row-main">{d}</span>
            <button
              type="button"
              disabled={busy}
              onClick={() => void m.setLocal({ local_dest: g.localDest.filter((x) => x !== d) })}
            >
              {t('rules.localRemove', { name: d })}
            </button>
          </li>
        ))}
      </ul>
      <form
        class="inline"
        onSubmit={async (e) => {
          e.preventDefault()
          const local_dest = [...g.localDest, ...items(extra.peek())]
          if (await m.setLocal({ local_dest })) extra.value = ''
        }}
      >
        <Field
          id="rule-local-add"
          label={t('rules.localAdd')}
          placeholder="192.168.2.0/24"
          value={extra}
          onInput={(v) => (extra.value = v)}
        />
        <button type="submit" disabled={busy}>
          {t('rules.add')}
        </button>
      </form>
    </Card>
  )
}

function CheckDest({ m, config, devices, busy }: Ctx) {
  const mac = useSignal('')
  const dest = useSignal('')
  const port = useSignal('')
  const device = mac.value || devices[0]?.value || ''
  const a = m.answer.value
  return (
    <Card id="rules-check" title={t('rules.check')}>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          if (device) void m.check(device, dest.peek(), port.peek())
        }}
      >
        <Select
          id="check-device"
          label={t('rules.device')}
          value={device}
          options={devices}
          onChange={(v) => (mac.value = v)}
        />
        <Field
          id="check-dest"
          label={t('rules.dest')}
          value={dest}
          onInput={(v) => (dest.value = v)}
          isRequired
        />
        <Field
          id="check-port"
          label={t('rules.port')}
          value={port}
          onInput={(v) => (port.value = v)}
        />
        <button type="submit" disabled={busy || !device}>
          {t('rules.checkButton')}
        </button>
      </form>
      <div aria-live="polite">
        {a &&
          answerText(
            config,
            a.dest,
            devices.find((d) => d.value === a.mac)?.label || a.mac,
            a.r
          ).map((line) => <p key={line}>{line}</p>)}
      </div>
    </Card>
  )
}
