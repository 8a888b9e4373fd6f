// Locations: import (file picker, drag and drop, paste), the list with connect, rename and delete,
// the fallback order, and the latency test with its progress.
import { useSignal } from '../signals'
import { useEffect } from 'preact/hooks'
import type { ProfileSummary } from '../api/lanvpn'
import { memoModel, type AppDeps } from '../deps'
import { formatNumber, t } from '../i18n'
import { asksForCredentials } from '../../../applet/src/core/tunnel/zip'
import { createLocationsModel, move, type LocationsModel } from '../models/locations'
import { Card } from '../ui/Card'
import { Field } from '../ui/Field'
import { Progress } from '../ui/Progress'
import { Groups } from './Groups'
import { ErrorLine, onSubmitted, PageFrame } from './shared'

const modelFor = memoModel((deps) =>
  createLocationsModel({ api: deps.api, tracker: deps.tracker, status: deps.status.status })
)

/** The Locations page. */
export default function Locations({ deps }: { deps: AppDeps }) {
  const m = modelFor(deps)
  useEffect(() => void m.load(), [m])
  const list = m.list.value
  return (
    <PageFrame id="locations-title" title={t('nav.locations')} intro={t('locations.intro')}>
      <ErrorLine error={m.actions.failed.value === 'import' ? null : m.actions.error.value} />
      <Card id="locations-list" title={t('locations.list')}>
        {!list ? (
          <Progress label={t('page.loading')} />
        ) : list.profiles.length === 0 ? (
          <p class="muted">{t('locations.none')}</p>
        ) : (
          <ul class="rows">
            {list.profiles.map((p) => (
              <ProfileRow key={p.id} m={m} p={p} />
            ))}
          </ul>
        )}
        <LatencyTest m={m} />
      </Card>
      {list && list.profiles.length > 1 && <Fallback m={m} />}
      {list && list.profiles.length > 0 && (
        <Groups deps={deps} locations={list.profiles.map((p) => p.id).join()} />
      )}
      <Import m={m} />
    </PageFrame>
  )
}

function ProfileRow({ m, p }: { m: LocationsModel; p: ProfileSummary }) {
  const list = m.list.value!
  const isActive = list.active === p.id
  // The one that carries the traffic (after a failover, a fallback), else the chosen one.
  const used = list.connect ? m.inUse.value : null
  const carries = used?.id === p.id
  const isUp = list.connect && (carries || (isActive && !used))
  const fallback = isActive && used && !carries ? list.profiles.find((o) => o.id === used.id) : null
  const busy = m.actions.busy.value
  const mode = useSignal<'view' | 'rename' | 'delete'>('view')
  const label = useSignal(p.label)
  const ms = m.latency.value?.results.find((r) => r.id === p.id)
  return (
    <li class="row">
      <div class="row-main">
        <strong>{p.label}</strong>
        {(isUp || isActive) && (
          <span class="tag">
            {!isUp || fallback
              ? t('locations.chosen')
              : carries && !used?.isUp
                ? t('tunnel.connecting')
                : t('locations.connected')}
          </span>
        )}
        {fallback && (
          <span class="muted small">{t('locations.onFallback', { name: fallback.label })}</span>
        )}
        <span class="muted small">
          {p.type === 'wireguard' ? t('locations.wireguard') : t('locations.openvpn')}
          {ms &&
            ` · ${ms.ms === null ? t('locations.noAnswer') : t('locations.ms', { n: formatNumber(ms.ms, 0) })}`}
        </span>
      </div>
      {mode.value === 'rename' ? (
        <form
          class="inline"
          onSubmit={onSubmitted(async () => {
            if (await m.rename(p.id, label.peek().trim())) mode.value = 'view'
          })}
        >
          <Field
            id={`rename-${p.id}`}
            label={t('locations.newName')}
            value={label}
            onInput={(v) => (label.value = v)}
            isRequired
          />
          <button type="submit" disabled={busy !== null}>
            {t('action.save')}
          </button>
          <button type="button" class="link" onClick={() => (mode.value = 'view')}>
            {t('action.cancel')}
          </button>
        </form>
      ) : mode.value === 'delete' ? (
        <div
          class="inline"
          role="group"
          aria-label={t('locations.confirmDelete', { name: p.label })}
        >
          <p>{t('locations.confirmDelete', { name: p.label })}</p>
          <button
            type="button"
            class="danger"
            disabled={busy !== null}
            onClick={() => void m.remove(p.id)}
          >
            {t('action.delete')}
          </button>
          <button type="button" class="link" onClick={() => (mode.value = 'view')}>
            {t('action.cancel')}
          </button>
        </div>
      ) : (
        <div class="row-actions">
          {isUp ? (
            <button type="button" disabled={busy !== null} onClick={() => void m.disconnect()}>
              {busy === 'disconnect' ? t('action.working') : t('action.disconnect')}
            </button>
          ) : (
            <button
              type="button"
              class="primary"
              disabled={busy !== null}
              aria-label={t('locations.connectTo', { name: p.label })}
              onClick={() => void m.connect(p.id)}
            >
              {busy === `connect:${p.id}` ? t('action.working') : t('action.connect')}
            </button>
          )}
          <button
            type="button"
            aria-label={t('locations.renameNamed', { name: p.label })}
            onClick={() => (mode.value = 'rename')}
          >
            {t('action.rename')}
          </button>
          <button
            type="button"
            aria-label={t('locations.deleteNamed', { name: p.label })}
            onClick={() => (mode.value = 'delete')}
          >
            {t('action.delete')}
          </button>
        </div>
      )}
    </li>
  )
}

function LatencyTest({ m }: { m: LocationsModel }) {
  const list = m.list.value
  if (!list || list.profiles.length === 0) return null
  return (
    <div class="latency">
      {m.isTesting.value ? (
        <Progress label={t('locations.testing')} />
      ) : (
        <button
          type="button"
          disabled={m.actions.busy.value !== null}
          onClick={() => void m.testLatency()}
        >
          {t('locations.testLatency')}
        </button>
      )}
    </div>
  )
}

function Fallback({ m }: { m: LocationsModel }) {
  const list = m.list.value!
  const names = new Map(list.profiles.map((p) => [p.id, p.label]))
  const order = list.fallback.filter((id) => names.has(id))
  const others = list.profiles.filter((p) => p.id !== list.active && !order.includes(p.id))
  const isBusy = m.actions.busy.value !== null
  return (
    <Card id="fallback-title" title={t('locations.fallback')} intro={t('locations.fallbackIntro')}>
      {order.length === 0 ? (
        <p class="muted">{t('locations.fallbackNone')}</p>
      ) : (
        <ol class="rows">
          {order.map((id, i) => {
            const name = names.get(id)!
            return (
              <li class="row" key={id}>
                <span class="row-main">{name}</span>
                <span class="row-actions">
                  <button
                    type="button"
                    disabled={isBusy || i === 0}
                    aria-label={t('locations.up', { name })}
                    onClick={() => void m.setFallback(move(order, id, -1))}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    disabled={isBusy || i === order.length - 1}
                    aria-label={t('locations.down', { name })}
                    onClick={() => void m.setFallback(move(order, id, 1))}
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    disabled={isBusy}
                    aria-label={t('locations.removeFallback', { name })}
                    onClick={() => void m.setFallback(order.filter((x) => x !== id))}
                  >
                    ✕
                  </button>
                </span>
              </li>
            )
          })}
        </ol>
      )}
      {others.length > 0 && (
        <div class="row-actions wrap">
          {others.map((p) => (
            <button
              type="button"
              key={p.id}
              disabled={isBusy}
              onClick={() => void m.setFallback([...order, p.id])}
            >
              {t('locations.addFallback', { name: p.label })}
            </button>
          ))}
        </div>
      )}
    </Card>
  )
}

function Import({ m }: { m: LocationsModel }) {
  const d = m.draft.value
  const isDragging = useSignal(false)
  const busy = m.actions.busy.value === 'import'
  const error = m.actions.error.value
  const notes = m.notes.value
  const archive = m.archive.value
  const progress = m.progress.value
  const outcomes = m.outcomes.value
  const lines = d.text.split('\n')
  const texts = archive ? archive.plan.locations.map((l) => l.text) : [d.text]
  const needsCredentials = texts.some(asksForCredentials)
  const count = (o: string) => outcomes.filter((x) => x.outcome === o).length
  const takeFile = (file: File | undefined) => void (file && m.takeFile(file))
  return (
    <Card id="import-title" title={t('locations.import')}>
      <form onSubmit={onSubmitted(archive ? m.importArchive : m.importDraft)}>
        <div
          class={isDragging.value ? 'drop dragging' : 'drop'}
          onDragOver={(e) => {
            e.preventDefault()
            isDragging.value = true
          }}
          onDragLeave={() => (isDragging.value = false)}
          onDrop={(e) => {
            e.preventDefault()
            isDragging.value = false
            takeFile(e.dataTransfer?.files[0])
          }}
        >
          <p>{t('locations.dropHint')}</p>
          <label class="file-button">
            {t('locations.chooseFile')}
            <input
              type="file"
              class="visually-hidden"
              accept=".conf,.ovpn,.zip,text/plain,application/zip"
              onChange={(e) => takeFile(e.currentTarget.files?.[0])}
            />
          </label>
        </div>
        {archive || d.fileName ? (
          // A chosen file's text is never shown: it holds a private key.
          <p>
            {archive
              ? t('locations.archiveChosen', {
                  file: archive.fileName,
                  n: archive.plan.locations.length,
                })
              : t('locations.fileChosen', { file: d.fileName })}{' '}
            <button type="button" class="link" onClick={() => m.clearFile()}>
              {t('action.cancel')}
            </button>
          </p>
        ) : (
          <Field
            id="import-text"
            label={t('locations.paste')}
            hint={t('locations.pasteHint')}
            value={d.text}
            rows={8}
            onInput={(text) => m.editDraft({ text })}
          />
        )}
        {!archive && (
          <Field
            id="import-name"
            label={t('locations.name')}
            hint={t('locations.nameHint')}
            value={d.name}
            onInput={(name) => m.editDraft({ name })}
            isRequired
          />
        )}
        {needsCredentials && (
          <>
            <Field
              id="import-user"
              label={t('locations.username')}
              value={d.username}
              onInput={(username) => m.editDraft({ username })}
              autocomplete="off"
              isRequired
            />
            <Field
              id="import-password"
              type="password"
              label={t('locations.password')}
              value={d.password}
              onInput={(password) => m.editDraft({ password })}
              autocomplete="new-password"
              isRequired
            />
          </>
        )}
        {m.imported.value && (
          <p role="status">{t('locations.imported', { name: m.imported.value })}</p>
        )}
        {outcomes.length > 0 && (
          <p role="status">
            {t('locations.archiveDone', {
              imported: count('imported'),
              refused: count('refused'),
              skipped: count('skipped'),
            })}
          </p>
        )}
        {notes.length + outcomes.length > 0 && (
          <ul class="notes" aria-label={t('locations.notes')}>
            {notes.map((n, i) => (
              <li key={i} class={`note note-${n.level}`}>
                <strong>{t('locations.line', { n: n.line })}</strong>{' '}
                {lineKey(lines[n.line - 1]) && <code>{lineKey(lines[n.line - 1])}</code>}{' '}
                {n.message}
              </li>
            ))}
            {outcomes.map((o) => (
              <li key={o.file} class={`note note-${o.outcome}`}>
                {o.outcome === 'imported' ? '✓' : o.outcome === 'refused' ? '✗' : '–'}{' '}
                <strong>{o.file}</strong>
                {o.outcome === 'imported' ? ` → ${o.message}` : `: ${o.message}`}
                {o.notes.length > 0 && (
                  <ul>
                    {o.notes.map((n, i) => (
                      <li key={i} class={`note note-${n.level}`}>
                        {t('locations.line', { n: n.line })} {n.message}
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ul>
        )}
        {m.actions.failed.value === 'import' && notes.length === 0 && <ErrorLine error={error} />}
        {busy ? (
          <Progress
            label={
              progress
                ? t('locations.importingOf', { done: progress.done + 1, total: progress.total })
                : t('locations.importing')
            }
          />
        ) : (
          <button
            type="submit"
            class="primary"
            disabled={
              (archive ? !archive.plan.locations.length : !d.text.trim() || !d.name.trim()) ||
              (needsCredentials && !(d.username && d.password)) ||
              m.actions.busy.value !== null
            }
          >
            {t('locations.importButton')}
          </button>
        )}
      </form>
    </Card>
  )
}

/** The option name of a config line (`PrivateKey = …` → `PrivateKey`), never its value: the line
 * may hold a key. */
function lineKey(line: string | undefined): string {
  const m = /^\s*([A-Za-z][\w-]*)/.exec(line ?? '')
  return m ? m[1] : ''
}
