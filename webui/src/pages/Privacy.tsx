// Privacy: what lanvpn stores, rendered from the real config (secrets only as "set"); the last
// connection records and the diagnostics bundle when the router offers those methods.
import { useSignal } from '../signals'
import { useEffect } from 'preact/hooks'
import type { ConfigView } from '../api/lanvpn'
import { memoModel, type AppDeps } from '../deps'
import { formatDuration, formatTime, t, type MessageKey } from '../i18n'
import { createPrivacyModel, type PrivacyModel } from '../models/privacy'
import { Card } from '../ui/Card'
import { Facts } from '../ui/Facts'
import { Progress } from '../ui/Progress'
import { ErrorLine, PageFrame } from './shared'

/** Paths on the router (not translated: they are what `ls` shows). */
const CONFIG_PATH = '/etc/config/lanvpn'
const SECRETS_PATH = '/etc/lanvpn/secrets'
const HISTORY_PATH = '/etc/lanvpn/state/history.json'

/** A record's protocol as the Locations page names it; one this UI does not know, as it is. Whole
 * ids, not put together: the build shortens only the ids written out (webui/vite.config.ts). */
const protocolName = (p: string): string =>
  p === 'wireguard' ? t('locations.wireguard') : p === 'openvpn' ? t('locations.openvpn') : p

const modelFor = memoModel((deps) => createPrivacyModel({ api: deps.api, tracker: deps.tracker }))

/** The Privacy page. */
export default function Privacy({ deps }: { deps: AppDeps }) {
  const m = modelFor(deps)
  useEffect(() => void m.load(), [m])
  const config = deps.config.config.value
  return (
    <PageFrame id="privacy-title" title={t('nav.privacy')} intro={t('privacy.intro')}>
      <ErrorLine error={m.actions.error.value} />
      <Card id="privacy-stored" title={t('privacy.stored')}>
        {config ? <Stored config={config} /> : <Progress label={t('page.loading')} />}
      </Card>
      {config && <Backups config={config} m={m} reload={deps.config.load} />}
      <Card id="privacy-ram" title={t('privacy.ram')}>
        <p>{t('privacy.ramText')}</p>
        <p class="muted">{t('privacy.never')}</p>
        <p class="muted">{t('privacy.log', { level: config?.globals.logLevel ?? '' })}</p>
      </Card>
      <History m={m} />
      <Diagnostics m={m} />
    </PageFrame>
  )
}

function Stored({ config }: { config: ConfigView }) {
  const ms = config.mediastreamer
  const secret = (isSet: boolean) => (isSet ? t('privacy.isSet') : t('privacy.isNotSet'))
  return (
    <Facts
      items={[
        { label: t('privacy.configFile'), value: <code>{CONFIG_PATH}</code> },
        {
          label: t('privacy.locations', { n: config.profiles.length }),
          value:
            config.profiles.length === 0 ? (
              t('value.none')
            ) : (
              <ul class="plain">
                {config.profiles.map((p) => (
                  <li key={p.id}>
                    {p.label} — {t('privacy.privateKey', { state: secret(p.privateKey.set) })}
                  </li>
                ))}
              </ul>
            ),
        },
        {
          label: t('privacy.devices', { n: config.devices.length }),
          value: t('privacy.devicesText'),
        },
        {
          label: t('privacy.ms'),
          value: (
            <>
              {ms.enabled ? t('privacy.msOn') : t('privacy.msOff')} ·{' '}
              {t('privacy.msToken', { state: secret(ms.token.set) })} ·{' '}
              {t('privacy.msPassword', { state: secret(ms.password.set) })}
            </>
          ),
        },
        {
          label: t('privacy.secretsDir'),
          value: (
            <>
              <code>{SECRETS_PATH}</code> {t('privacy.secretsText')}
            </>
          ),
        },
        {
          label: t('privacy.history'),
          value: (
            <>
              <code>{HISTORY_PATH}</code> {t('privacy.historyFile')}
            </>
          ),
        },
      ]}
    />
  )
}

/** Router backups (sysupgrade, LuCI's "Generate archive") and what they carry of lanvpn. */
function Backups(props: { config: ConfigView; m: PrivacyModel; reload: () => Promise<unknown> }) {
  const on = props.config.globals.backupSecrets
  return (
    <Card id="privacy-backups" title={t('privacy.backups')}>
      <p>{t('privacy.backupsText')}</p>
      <div class="check">
        <input
          id="backup-secrets"
          type="checkbox"
          checked={on}
          disabled={props.m.actions.busy.value !== null}
          onChange={() => void props.m.setBackupSecrets(!on, props.reload)}
        />
        <label for="backup-secrets">{t('privacy.backupSecrets')}</label>
      </div>
      <p class="muted">{on ? t('privacy.backupOn') : t('privacy.backupOff')}</p>
      <p class="muted">{t('privacy.forget')}</p>
    </Card>
  )
}

function History({ m }: { m: PrivacyModel }) {
  const features = m.features.value
  const records = m.history.value
  const confirm = useSignal(false)
  return (
    <Card id="privacy-history" title={t('privacy.history')} intro={t('privacy.historyIntro')}>
      {!features ? (
        <Progress label={t('page.loading')} />
      ) : !features.history ? (
        <p class="unavailable">{t('privacy.notAvailable')}</p>
      ) : !records ? (
        <Progress label={t('page.loading')} />
      ) : records.length === 0 ? (
        <p>{t('privacy.historyNone')}</p>
      ) : (
        <ul class="rows">
          {records.map((r, i) => (
            <li class="row" key={i}>
              <span class="row-main">
                <strong>{r.location || t('value.none')}</strong>
                <span class="small muted">
                  {formatTime(r.start)} · {formatDuration(r.durationS)} · {protocolName(r.protocol)}{' '}
                  · {t('app.name')} {r.version} · {t(`privacy.result.${r.result}` as MessageKey)}
                </span>
              </span>
            </li>
          ))}
        </ul>
      )}
      {features?.clearHistory &&
        (confirm.value ? (
          <div class="row-actions">
            <button
              type="button"
              class="danger"
              disabled={m.actions.busy.value !== null}
              onClick={async () => {
                if (await m.clearHistory()) confirm.value = false
              }}
            >
              {t('privacy.clearConfirm')}
            </button>
            <button type="button" class="link" onClick={() => (confirm.value = false)}>
              {t('action.cancel')}
            </button>
          </div>
        ) : (
          <button type="button" onClick={() => (confirm.value = true)}>
            {t('privacy.clear')}
          </button>
        ))}
    </Card>
  )
}

function Diagnostics({ m }: { m: PrivacyModel }) {
  const features = m.features.value
  async function download() {
    const text = await m.diagnostics()
    if (text === undefined) return
    // A blob URL stays on this page: nothing leaves the router but the file the user saves.
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }))
    const a = document.createElement('a')
    a.href = url
    a.download = 'lanvpn-diagnostics.txt'
    a.click()
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
  }
  return (
    <Card
      id="privacy-diagnostics"
      title={t('privacy.diagnostics')}
      intro={t('privacy.diagnosticsIntro')}
    >
      {features && !features.diagnostics ? (
        <p class="unavailable">{t('privacy.notAvailable')}</p>
      ) : m.actions.busy.value === 'diagnostics' ? (
        <Progress label={t('privacy.preparing')} />
      ) : (
        <button type="button" disabled={!features} onClick={() => void download()}>
          {t('privacy.download')}
        </button>
      )}
    </Card>
  )
}
