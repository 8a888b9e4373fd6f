// MediaStreamer: a short setup (method, token or credentials, DNS servers), "register now" with
// progress, the registration status in plain words, the CGNAT explanation when it applies, and the
// devices that use it.
import { useEffect } from 'preact/hooks'
import { memoModel, type AppDeps } from '../deps'
import { formatTime, t, type MessageKey } from '../i18n'
import {
  createMediastreamerModel,
  type MediastreamerModel,
  type MsForm,
} from '../models/mediastreamer'
import { Card } from '../ui/Card'
import { Check, Radios } from '../ui/Controls'
import { Field } from '../ui/Field'
import { Progress } from '../ui/Progress'
import { deviceName } from '../models/devices'
import { ErrorLine, onSubmitted, PageFrame } from './shared'

const modelFor = memoModel((deps) =>
  createMediastreamerModel({ api: deps.api, tracker: deps.tracker, status: deps.status.status })
)

/** The MediaStreamer page. */
export default function Mediastreamer({ deps }: { deps: AppDeps }) {
  const m = modelFor(deps)
  useEffect(() => void m.load(), [m])
  return (
    <PageFrame id="ms-title" title={t('ms.title')} intro={t('ms.intro')}>
      <StatusCard m={m} />
      {m.form.value ? <Setup m={m} form={m.form.value} /> : <Progress label={t('page.loading')} />}
      <Card id="ms-devices" title={t('ms.devices')}>
        {m.devices.value.length === 0 ? (
          <p class="muted">
            {t('ms.devicesNone')} <a href="#/devices">{t('overview.toDevices')}</a>
          </p>
        ) : (
          <ul>
            {m.devices.value.map((d) => (
              <li key={d.mac}>{deviceName(d)}</li>
            ))}
          </ul>
        )}
      </Card>
    </PageFrame>
  )
}

const STATES = [
  'off',
  'checking',
  'registering',
  'registered',
  'backoff',
  'stopped',
  'cgnat',
  'error',
]

function StatusCard({ m }: { m: MediastreamerModel }) {
  const s = m.status.value
  const state = s && STATES.includes(s.state) ? s.state : 'off'
  const isBusy = m.actions.busy.value !== null
  return (
    <Card id="ms-status" title={t('ms.status')}>
      <p class={`ms-state ms-${state}`} aria-live="polite">
        {t(`ms.state.${state}` as MessageKey)}
      </p>
      {(s?.wanKind === 'cgnat' || s?.wanKind === 'double-nat' || s?.wanKind === 'private') && (
        <p class="explain-wan">{t(`ms.wan.${s.wanKind}` as MessageKey)}</p>
      )}
      {s?.lastAttempt && (
        <p class="small muted">
          {t('ms.lastAttempt', {
            time: formatTime(s.lastAttempt.atWallMs),
            result: t(`ms.result.${s.lastAttempt.result}` as MessageKey),
          })}
          {/* After a refusal or failure the daemon's words say why; after a success they add nothing. */}
          {s.lastAttempt.result !== 'ok' && s.lastAttempt.message && ` — ${s.lastAttempt.message}`}
        </p>
      )}
      {s && s.nextCheckWallMs > 0 && (
        <p class="small muted">{t('ms.nextCheck', { time: formatTime(s.nextCheckWallMs) })}</p>
      )}
      {m.isRegistering.value ? (
        <Progress label={t('ms.registering')} />
      ) : (
        <button type="button" disabled={isBusy || !s?.enabled} onClick={() => void m.registerNow()}>
          {t('ms.registerNow')}
        </button>
      )}
      {m.isServiceDown.value && <p class="muted">{t('ms.serviceDown')}</p>}
    </Card>
  )
}

/** The form's text entries. */
type TextKey = Exclude<keyof MsForm, 'enabled' | 'method'>

function Setup({ m, form: f }: { m: MediastreamerModel; form: MsForm }) {
  const settings = m.view.value!.settings
  const err = (field: string) =>
    m.errorField.value === field && m.actions.error.value ? m.actions.error.value.message : ''
  const isBusy = m.actions.busy.value !== null
  const edit = (patch: Partial<MsForm>) => m.edit(patch)
  /** A text field's value, edit and error: the error when the daemon names `option` (the form's
   * key unless given). */
  const bind = (key: TextKey, option: string = key) => ({
    value: f[key],
    error: err(option),
    onInput: (value: string) => edit({ [key]: value }),
  })
  return (
    <Card id="ms-setup" title={t('ms.setup')}>
      <form onSubmit={onSubmitted(m.save)}>
        <Check
          id="ms-enabled"
          label={t('ms.enabled')}
          hint={t('ms.enabledHint')}
          isChecked={f.enabled}
          onChange={(enabled) => edit({ enabled })}
        />
        <Radios
          name="ms-method"
          legend={t('ms.method')}
          value={f.method}
          onChange={(method) => edit({ method })}
          options={[
            { value: 'http', label: t('ms.methodHttp'), hint: t('ms.methodHttpHint') },
            { value: 'dyndns2', label: t('ms.methodDyndns'), hint: t('ms.methodDyndnsHint') },
          ]}
        />
        {f.method === 'http' ? (
          <>
            <Field
              id="ms-url"
              type="url"
              label={t('ms.url')}
              hint={t('ms.urlHint')}
              {...bind('url')}
            />
            <Field
              id="ms-token"
              type="password"
              label={t('ms.token')}
              hint={settings.token.set ? t('secret.set') : t('secret.notSet')}
              autocomplete="new-password"
              {...bind('token')}
            />
          </>
        ) : (
          <>
            <Field id="ms-server" label={t('ms.server')} {...bind('server')} />
            <Field id="ms-hostname" label={t('ms.hostname')} {...bind('hostname')} />
            <Field
              id="ms-username"
              label={t('ms.username')}
              autocomplete="off"
              {...bind('username')}
            />
            <Field
              id="ms-password"
              type="password"
              label={t('login.password')}
              hint={settings.password.set ? t('secret.set') : t('secret.notSet')}
              autocomplete="new-password"
              {...bind('password')}
            />
          </>
        )}
        <Field
          id="ms-dns1"
          label={t('ms.dns1')}
          inputMode="decimal"
          {...bind('dns1', 'dns_server')}
        />
        <Field
          id="ms-dns2"
          label={t('ms.dns2')}
          inputMode="decimal"
          value={f.dns2}
          onInput={(dns2) => edit({ dns2 })}
        />
        <details class="advanced">
          <summary>{t('ms.advanced')}</summary>
          {f.method === 'http' && (
            <Field
              id="ms-match"
              label={t('ms.successMatch')}
              hint={t('ms.successMatchHint')}
              {...bind('success_match')}
            />
          )}
          <Field
            id="ms-echo"
            label={t('ms.echo')}
            hint={t('ms.echoHint')}
            rows={3}
            {...bind('ip_echo_url')}
          />
        </details>
        {m.actions.failed.value === 'save' && !m.errorField.value && (
          <ErrorLine error={m.actions.error.value} />
        )}
        {m.actions.failed.value === 'register' || m.actions.failed.value === 'load' ? (
          <ErrorLine error={m.actions.error.value} />
        ) : null}
        <button type="submit" class="primary" disabled={isBusy}>
          {m.actions.busy.value === 'save' ? t('action.saving') : t('action.save')}
        </button>
      </form>
    </Card>
  )
}
