// lanvpnd: the one writer. A reconcile runs observe → desired (pure) → diff (pure) → apply (thin) →
// status, on start, on SIGHUP (procd reload, rpc setConfig), and periodically so drift (a firewall
// restart that deleted our table, say) is repaired. Reconciles never overlap: a request that comes
// in while one runs is folded into one more run afterwards.
import type { Config } from '../core/config/types'
import { parseConfig } from '../core/config/validate'
import { fnv1a } from '../core/hash'
import type { Paths } from '../core/paths'
import { desiredState, diffState } from '../core/plan/plan'
import type { TimerHandle } from '../host/host'
import type { Status } from '../rpc/types'
import { applyPlan } from '../system/apply'
import { readConfigText } from '../system/files'
import { observeNftTables } from '../system/nft'
import type { LevelledHost } from '../system/log'
import { writeStatus } from '../system/status'

/** Seconds between reconciles when nothing asks for one: repairs drift without costing a process
 * per second on a small router. */
export const RECONCILE_INTERVAL_MS = 60_000

export type DaemonOptions = { intervalMs?: number }

/** Runs until SIGTERM/SIGINT; resolves with the exit code after a clean shutdown. The rules stay in
 * place on exit: the kill switch must hold while the daemon is down (fail closed). */
export function runDaemon(
  host: LevelledHost,
  paths: Paths,
  opts: DaemonOptions = {}
): Promise<number> {
  const intervalMs = opts.intervalMs ?? RECONCILE_INTERVAL_MS
  const startedAt = host.wallMs()
  const status: Status = {
    version: 1,
    generation: 0,
    updatedAt: startedAt,
    configHash: '',
    daemon: { state: 'starting', pid: host.pid(), startedAt, runtime: host.runtime },
    tunnel: { state: 'disconnected', profile: '', since: 0 },
    devices: { vpn: 0, direct: 0, mediastreamer: 0, blocked: 0 },
    problems: [],
    apply: { ok: true, errors: [] },
  }
  let appliedNftHash = ''
  let running = false
  let again = false
  let stopping = false
  let timer: TimerHandle | null = null

  const publish = () => {
    status.generation += 1
    status.updatedAt = host.wallMs()
    try {
      writeStatus(host, paths, status)
    } catch (e) {
      // /var/run full or read-only: keep running with the rules in force; say it once per failure.
      host.log('err', `writing status: ${e instanceof Error ? e.message : String(e)}`)
    }
  }

  const loadConfig = (): { config: Config; hash: string } => {
    const text = readConfigText(host, paths)
    const { config, problems } = parseConfig(text)
    host.setLogLevel(config.globals.logLevel)
    for (const p of problems)
      host.log('warning', `config ${p.section || '-'}.${p.option || '-'}: ${p.reason}`)
    status.problems = problems
    return { config, hash: fnv1a(text) }
  }

  const reconcileOnce = async (why: string) => {
    host.log('debug', `reconcile: ${why}`)
    const { config, hash } = loadConfig()
    const desired = desiredState(config)
    const observed = { nftTables: await observeNftTables(host), appliedNftHash }
    const steps = diffState(desired, observed)
    const result = await applyPlan(host, steps)
    if (result.appliedNftHash !== undefined) appliedNftHash = result.appliedNftHash
    for (const e of result.errors) host.log('err', `reconciling: ${e}`)
    status.apply = { ok: result.ok, errors: result.errors }
    status.devices = desired.devices
    status.configHash = hash
    // A stop that came in while this ran has already published the final status.
    if (stopping) return
    status.daemon.state = 'running'
    publish()
  }

  const schedule = () => {
    if (timer) host.clearTimeout(timer)
    timer = host.setTimeout(() => void reconcile('periodic'), intervalMs)
  }

  const reconcile = async (why: string): Promise<void> => {
    if (stopping) return
    if (running) {
      again = true
      return
    }
    running = true
    try {
      do {
        again = false
        await reconcileOnce(why)
      } while (again && !stopping)
    } catch (e) {
      host.log('err', `reconciling: ${e instanceof Error ? e.message : String(e)}`)
      status.apply = { ok: false, errors: [e instanceof Error ? e.message : String(e)] }
      publish()
    } finally {
      running = false
      if (!stopping) schedule()
    }
  }

  return new Promise<number>((resolve) => {
    const stop = (sig: string) => {
      if (stopping) return
      stopping = true
      host.log('notice', `stopping on SIG${sig}`)
      if (timer) host.clearTimeout(timer)
      status.daemon.state = 'stopped'
      publish()
      host.removeFile(paths.pidFile)
      resolve(0)
    }
    host.onSignal('TERM', () => stop('TERM'))
    host.onSignal('INT', () => stop('INT'))
    host.onSignal('HUP', () => void reconcile('reload'))
    host.mkdirp(paths.runDir, 0o755)
    host.writeFileAtomic(paths.pidFile, `${host.pid()}\n`, { mode: 0o644, durable: false })
    host.log('notice', `started (${host.runtime})`)
    void reconcile('start')
  })
}
