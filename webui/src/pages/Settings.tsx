// Settings: kill switch, auto-connect, IPv6, the router's own traffic, the health probe and what
// each LAN-side network gets, saved together with one setConfig (all or nothing; a bad value is
// named at its field).
import { memoModel, type AppDeps } from '../deps'
import { t } from '../i18n'
import {
  createSettingsModel,
  lanPolicyOf,
  withLanPolicy,
  type LanPolicy,
  type SettingsForm,
} from '../models/settings'
import { Card } from '../ui/Card'
import { Check, Radios, Select } from '../ui/Controls'
import { Field } from '../ui/Field'
import { Progress } from '../ui/Progress'
import { ErrorLine, onSubmitted, PageFrame } from './shared'

const modelFor = memoModel((deps) =>
  createSettingsModel({ api: deps.api, tracker: deps.tracker, config: deps.config.config })
)

/** The Settings page. */
export default function Settings({ deps }: { deps: AppDeps }) {
  const m = modelFor(deps)
  const f = m.form.value
  if (!f)
    return (
      <PageFrame id="settings-title" title={t('nav.settings')}>
        <Progress label={t('page.loading')} />
      </PageFrame>
    )
  const edit = (patch: Partial<SettingsForm>) => m.edit(patch)
  const err = (field: string) =>
    m.errorField.value === field && m.actions.error.value ? m.actions.error.value.message : ''
  return (
    <PageFrame id="settings-title" title={t('nav.settings')}>
      <form onSubmit={onSubmitted(m.save)}>
        <Card id="settings-protection" title={t('settings.protection')}>
          <Radios
            name="kill-switch"
            legend={t('settings.killSwitch')}
            value={f.kill_switch}
            onChange={(kill_switch) => edit({ kill_switch })}
            options={[
              { value: 'always', label: t('settings.ksAlways'), hint: t('settings.ksAlwaysHint') },
              { value: 'auto', label: t('settings.ksAuto'), hint: t('settings.ksAutoHint') },
            ]}
          />
          <Check
            id="auto-connect"
            label={t('settings.autoConnect')}
            hint={t('settings.autoConnectHint')}
            isChecked={f.auto_connect}
            onChange={(auto_connect) => edit({ auto_connect })}
          />
          <Check
            id="ipv6"
            label={t('settings.ipv6')}
            hint={t('settings.ipv6Hint')}
            isChecked={f.ipv6}
            onChange={(ipv6) => edit({ ipv6 })}
          />
          <Check
            id="router-via-vpn"
            label={t('settings.routerViaVpn')}
            hint={t('settings.routerViaVpnHint')}
            isChecked={f.router_via_vpn}
            onChange={(router_via_vpn) => edit({ router_via_vpn })}
          />
        </Card>
        <Card id="settings-health" title={t('settings.health')} intro={t('settings.healthIntro')}>
          <Field
            id="health-target"
            label={t('settings.healthTarget')}
            hint={t('settings.healthTargetHint')}
            inputMode="decimal"
            value={f.health_target}
            error={err('health_target')}
            onInput={(health_target) => edit({ health_target })}
          />
          <Field
            id="health-interval"
            label={t('settings.healthInterval')}
            hint={t('settings.healthIntervalHint')}
            inputMode="numeric"
            value={f.health_interval}
            error={err('health_interval')}
            onInput={(health_interval) => edit({ health_interval })}
          />
        </Card>
        <Networks deps={deps} form={f} edit={(next) => m.edit(next)} />
        {m.actions.error.value && !m.errorField.value && (
          <ErrorLine error={m.actions.error.value} />
        )}
        <button
          type="submit"
          class="primary"
          disabled={!m.isDirty.value || m.actions.busy.value !== null}
        >
          {m.actions.busy.value === 'save' ? t('action.saving') : t('action.save')}
        </button>
      </form>
    </PageFrame>
  )
}

/** The LAN-side networks the daemon reports (netifd's: the LAN, a guest network…), each with what
 * its devices get; none while the status has not named them. */
function Networks(p: { deps: AppDeps; form: SettingsForm; edit: (f: SettingsForm) => void }) {
  const networks = p.deps.status.status.value?.lan?.interfaces ?? []
  if (networks.length === 0) return null
  return (
    <Card id="settings-lan" title={t('settings.networks')} intro={t('settings.networksIntro')}>
      {networks.map((n) => (
        <Select<LanPolicy>
          key={n.name}
          id={`lan-${n.name}`}
          label={t('settings.network', { name: n.name, device: n.device || t('value.none') })}
          value={lanPolicyOf(p.form, n.name)}
          onChange={(policy) => p.edit(withLanPolicy(p.form, n.name, policy))}
          options={[
            { value: 'managed', label: t('settings.lanManaged') },
            { value: 'direct', label: t('settings.lanDirect') },
            { value: 'blocked', label: t('settings.lanBlocked') },
          ]}
        />
      ))}
    </Card>
  )
}
