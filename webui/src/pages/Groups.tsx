// The device groups card of the Locations page (issue 21): each group with its location,
// fallback and kill switch, a new group by name and location, rename and remove. Phone first: one
// column, native selects. A location another group holds is never offered (a location serves one
// group).
import { useSignal } from '../signals'
import { useEffect } from 'preact/hooks'
import type { ConfigView } from '../api/lanvpn'
import { memoModel, type AppDeps } from '../deps'
import { t } from '../i18n'
import { createGroupsModel, freeLocations, type GroupsModel } from '../models/groups'
import { Card } from '../ui/Card'
import { Select } from '../ui/Controls'
import { Field } from '../ui/Field'
import { ErrorLine, onSubmitted } from './shared'

const modelFor = memoModel((deps) =>
  createGroupsModel({ api: deps.api, tracker: deps.tracker, config: deps.config })
)

/** Most groups besides the default one (applet/src/core/ids.ts MAX_GROUPS). */
const MAX_GROUPS = 4

type Group = ConfigView['groups'][number]

/** Locations as a picker's choices, by name. */
const locationOptions = (list: ConfigView['profiles']) =>
  list.map((x) => ({ value: x.id, label: x.label || x.id }))

/** The groups card; nothing until the config is read. `locations`: the ids of the locations
 * listed, so an import or a deletion is offered (or no longer) at once. */
export function Groups({ deps, locations }: { deps: AppDeps; locations: string }) {
  const m = modelFor(deps)
  useEffect(() => void deps.config.load(), [deps, locations])
  const config = deps.config.config.value
  // Nothing until the config is read, nor from a router whose config has no groups at all.
  if (!config?.groups) return null
  const label = (id: string) => config.profiles.find((p) => p.id === id)?.label || id
  return (
    <Card id="groups-title" title={t('overview.groups')} intro={t('groups.intro')}>
      <ErrorLine error={m.actions.error.value} />
      <ul class="rows">
        <li class="row">
          <div class="row-main">
            <strong>{t('groups.default')}</strong>
            <span class="small muted">
              {t('groups.location', {
                name: config.globals.activeProfile
                  ? label(config.globals.activeProfile)
                  : t('groups.noLocation'),
              })}
            </span>
          </div>
        </li>
        {config.groups.map((g) => (
          <GroupRow key={g.id} m={m} config={config} g={g} label={label} />
        ))}
      </ul>
      {config.groups.length < MAX_GROUPS && <NewGroup m={m} config={config} />}
    </Card>
  )
}

function GroupRow(p: {
  m: GroupsModel
  config: ConfigView
  g: Group
  label: (id: string) => string
}) {
  const { m, config, g, label } = p
  const name = g.label || g.id
  const busy = m.actions.busy.value !== null
  const text = useSignal(name)
  const isRemoving = useSignal(false)
  const free = freeLocations(config, g.id)
  const fallback = g.fallback[0] ?? ''
  const none = { value: '', label: t('groups.none') }
  return (
    <li class="row group" data-group={g.id}>
      <div class="row-main">
        <strong>{name}</strong>
        <span class="small muted">
          {t('groups.location', { name: g.profile ? label(g.profile) : t('groups.noLocation') })}
          {g.fallback.length > 0 &&
            ` · ${t('groups.fallbackIs', { name: g.fallback.map(label).join(', ') })}`}
        </span>
      </div>
      <details>
        <summary>{t('groups.change', { name })}</summary>
        <Select
          id={`group-loc-${g.id}`}
          label={t('groups.locationFor', { name })}
          value={g.profile}
          options={[
            ...(g.profile ? [] : [none]),
            ...locationOptions(free.filter((x) => !g.fallback.includes(x.id))),
          ]}
          isDisabled={busy}
          onChange={(profile) => void m.set(g.id, { profile })}
        />
        <Select
          id={`group-fb-${g.id}`}
          label={t('groups.fallbackFor', { name })}
          value={fallback}
          options={[none, ...locationOptions(free.filter((x) => x.id !== g.profile))]}
          isDisabled={busy}
          onChange={(v) =>
            void m.set(g.id, {
              fallback: v
                ? [v, ...g.fallback.slice(1).filter((x) => x !== v)]
                : g.fallback.slice(1),
            })
          }
        />
        <Select
          id={`group-ks-${g.id}`}
          label={t('groups.killSwitchFor', { name })}
          value={g.killSwitch}
          options={[
            { value: 'always', label: t('settings.ksAlways') },
            { value: 'auto', label: t('settings.ksAuto') },
          ]}
          isDisabled={busy}
          onChange={(v) => void m.set(g.id, { kill_switch: v as 'always' | 'auto' })}
        />
        <form
          class="inline"
          onSubmit={onSubmitted(() => m.set(g.id, { label: text.peek().trim() }))}
        >
          <Field
            id={`group-name-${g.id}`}
            label={t('groups.name')}
            value={text}
            onInput={(v) => (text.value = v)}
          />
          <button type="submit" disabled={busy}>
            {t('action.save')}
          </button>
        </form>
        <div class="row-actions">
          {isRemoving.value ? (
            <>
              <span class="small">{t('groups.removeAsk', { name })}</span>
              <button
                type="button"
                class="danger"
                disabled={busy}
                onClick={() => void m.remove(g.id)}
              >
                {t('groups.removeYes')}
              </button>
              <button type="button" onClick={() => (isRemoving.value = false)}>
                {t('action.cancel')}
              </button>
            </>
          ) : (
            <button type="button" disabled={busy} onClick={() => (isRemoving.value = true)}>
              {t('groups.remove', { name })}
            </button>
          )}
        </div>
      </details>
    </li>
  )
}

function NewGroup({ m, config }: { m: GroupsModel; config: ConfigView }) {
  const name = useSignal('')
  const free = freeLocations(config, null)
  const chosen = useSignal('')
  const profile = free.some((x) => x.id === chosen.value) ? chosen.value : (free[0]?.id ?? '')
  if (free.length === 0) return <p class="muted small">{t('groups.allUsed')}</p>
  return (
    <form
      class="new-group"
      onSubmit={onSubmitted(async () => {
        if (await m.add(name.peek().trim(), profile)) name.value = ''
      })}
    >
      <h3>{t('groups.new')}</h3>
      <Field
        id="group-new-name"
        label={t('groups.name')}
        value={name}
        onInput={(v) => (name.value = v)}
        placeholder={t('groups.namePlaceholder')}
        isRequired
      />
      <Select
        id="group-new-location"
        label={t('groups.newLocation')}
        value={profile}
        options={locationOptions(free)}
        onChange={(v) => (chosen.value = v)}
      />
      <button
        type="submit"
        class="primary"
        disabled={m.actions.busy.value !== null || name.value.trim() === ''}
      >
        {t('groups.create')}
      </button>
    </form>
  )
}
