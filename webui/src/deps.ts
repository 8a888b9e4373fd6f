// The models every page may use, created once per page load (main.tsx) and handed down. Pages
// that are loaded later create their own models from these (see pages/*.tsx `modelFor`).
import { createLanvpnApi, type LanvpnApi } from './api/lanvpn'
import { createApplyTracker, type ApplyTracker } from './models/apply'
import { createConfigModel, type ConfigModel } from './models/config'
import type { Session } from './models/session'
import type { StatusModel } from './models/status'
import { createThroughput, type Throughput } from './models/throughput'
import type { ReadonlySignal } from './signals'

/** The shared models. */
export type AppDeps = {
  session: Session
  status: StatusModel
  api: LanvpnApi
  tracker: ApplyTracker
  config: ConfigModel
  throughput: ReadonlySignal<Throughput>
}

/** Builds the shared models over a session and its status poll. */
export function createAppDeps(session: Session, status: StatusModel): AppDeps {
  const api = createLanvpnApi(session)
  const tracker = createApplyTracker(status.status)
  return {
    session,
    status,
    api,
    tracker,
    config: createConfigModel(api, tracker, session.loginState, status.status),
    throughput: createThroughput(status.status, session.loginState),
  }
}

/** One model per deps object, created on first use: a page keeps its state (a half-typed form,
 * a search) when the user goes elsewhere and comes back. */
export function memoModel<M>(create: (deps: AppDeps) => M): (deps: AppDeps) => M {
  const cache = new WeakMap<AppDeps, M>()
  return (deps) => {
    let model = cache.get(deps)
    if (!model) {
      model = create(deps)
      cache.set(deps, model)
    }
    return model
  }
}
