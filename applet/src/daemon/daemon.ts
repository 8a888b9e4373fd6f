// lanvpnd: the one writer. A reconcile runs observe → desired (pure) → diff (pure) → apply (thin) →
// status, on start, on SIGHUP (procd reload, rpc changes, requests such as the WAN event), when the
// tunnel changes, and periodically so drift (a firewall restart that deleted our table, say) is
// repaired. Reconciles never overlap: a request that comes in while one runs is folded into one
// more run afterwards.
import {
  chooseConfig,
  describeProblem,
  readConfigVersion,
  type ConfigVersion,
} from '../core/config/guard'
import { isIpv4, isIpv6 } from '../core/config/formats'
import type { Config } from '../core/config/types'
import { observeDevices, type PresenceBook, type SeenDevice } from '../core/devices/inventory'
import { groupPaths, type Paths } from '../core/paths'
import {
  desiredState,
  diffState,
  vpnDevices,
  type Applied,
  type GroupTunnels,
  type TunnelView,
} from '../core/plan/plan'
import { membershipOf, movedMacs } from '../core/render/nft-sets'
import { keptDnsSets, movedByRules } from '../core/render/nft-rules'
import { tableObjects } from '../core/render/nft-keep'
import type { Rule } from '../core/config/rules'
import { latencyTargets, rankLatency } from '../core/tunnel/latency'
import type { TimerHandle } from '../host/host'
import type { GroupStatus, Status } from '../core/api/status'
import { MAX_GROUPS, NFT_FAMILY, NFT_RULES_TABLE, NFT_TABLE } from '../core/ids'
import { applyPlan } from '../system/apply'
import { dropConntrack } from '../system/conntrack'
import { echoRequest, httpRequest } from '../system/http'
import { writeDevicesFile } from '../system/devices-file'
import { readConfigText, removeStaleTempFiles } from '../system/files'
import { observeInventory, OPENWRT_LEASE_FILE } from '../system/inventory'
import { measureLatency } from '../system/latency'
import type { LevelledHost } from '../system/log'
import { observeRouter } from '../system/observe'
import { takeRequests } from '../system/requests'
import { errorText } from '../core/errors'
import { mainLan, type LanInterface } from '../core/observe/lan'
import { observeLan } from '../system/lan'
import { observeWan } from '../system/wan'
import { writeStatus } from '../system/status'
import { watchDrift } from './drift'
import { createHistoryRecorder } from './history'
import { createMediastreamer } from './mediastreamer'
import { createPrivacyKeeper } from './privacy'
import { answerProtection } from './protection'
import { createTunnelDriver, type TunnelDriver } from './tunnel'
import { retireGroupTunnels } from './groups'
import { createLocalDns } from './dns'

/** Between reconciles when nothing asks for one: repairs drift and refreshes the device list
 * without costing a process per second on a small router. */
export const RECONCILE_INTERVAL_MS = 30_000

export type DaemonOptions = { intervalMs?: number }

/** The observed hash of a table changed in part by another hand: matches nothing wanted, and no
 * table this daemon applied, so it is applied whole. */
const TAMPERED = 'tampered'

declare const __LANVPN_VERSION__: string
const VERSION = typeof __LANVPN_VERSION__ === 'string' ? __LANVPN_VERSION__ : 'dev'

function initialStatus(host: LevelledHost): Status {
  const startedAt = host.wallMs()
  return {
    version: 1,
    generation: 0,
    updatedAt: startedAt,
    configHash: '',
    daemon: {
      state: 'starting',
      pid: host.pid(),
      startedAt,
      runtime: host.runtime,
      version: VERSION,
    },
    tunnel: { state: 'disconnected', profile: '', since: 0 },
    devices: { vpn: 0, direct: 0, mediastreamer: 0, blocked: 0 },
    problems: [],
    apply: { ok: true, errors: [] },
  }
}

/** Devices per mode for the Overview: the configured ones, plus every device seen on the LAN that
 * has no mode of its own and so follows the default. */
function countByMode(
  config: Config,
  configured: Status['devices'],
  seen: Array<{ mac: string }>
): Status['devices'] {
  const counts = { ...configured }
  const known = new Set(config.devices.map((d) => d.mac))
  for (const d of seen) if (!known.has(d.mac)) counts[config.globals.defaultMode] += 1
  return counts
}

/** Runs until SIGTERM/SIGINT; resolves with the exit code after a clean shutdown. The rules stay in
 * place on exit, and so does the tunnel: the kill switch holds while the daemon is down. */
export function runDaemon(
  host: LevelledHost,
  paths: Paths,
  opts: DaemonOptions = {}
): Promise<number> {
  const intervalMs = opts.intervalMs ?? RECONCILE_INTERVAL_MS
  const status = initialStatus(host)
  let running = false
  let again = false
  let stopping = false
  let timer: TimerHandle | null = null
  let book: PresenceBook = {}
  /** The devices the last inventory saw on the managed LAN, with their addresses. */
  let seenDevices: SeenDevice[] = []
  /** The managed LAN-side interfaces as last seen with the LAN up (see the reconcile). */
  let seenManaged: LanInterface[] = []
  /** The live table this daemon last applied, for membership-only updates. */
  let appliedTable: Applied | null = null
  /** The rules' table it last applied: its hash, chains and sets (render/nft-keep.ts), and the
   * rules it was made for. */
  let appliedRules: { hash: string; objects: string[]; rules: Rule[] } | null = null
  /** The rules' table's hash as last seen ('' none; null not looked for yet: a daemon starting
   * looks, whatever its config says, for one a daemon before it left). */
  let seenRulesHash: string | null = null
  /** The networks the router is on, as last read: the rules' observed local exceptions. */
  let seenNets: string[] = []
  /** lanvpn's tables another hand changed in part since the last reconcile (daemon/drift.ts):
   * their hash still matches, and they are applied anew all the same. */
  const tampered = new Set<string>()
  let config: Config | null = null

  const publish = () => {
    status.generation += 1
    status.updatedAt = host.wallMs()
    try {
      writeStatus(host, paths, status)
    } catch (e) {
      // /var/run full or read-only: keep running with the rules in force, and say why.
      host.log('err', `writing status: ${errorText(e)}`)
    }
  }

  /** The config version applied last: a new version of the file must not bring new problems
   * (core/config/guard.ts). Read back after a restart from the RAM copy. */
  let applied: ConfigVersion | null = (() => {
    const text = host.readFile(paths.appliedConfig)
    return text === null ? null : readConfigVersion(text)
  })()

  /** The file as last read, parsed: every reconcile reads it, and with 10,000 rule destinations
   * parsing it again took 25 ms here, ten times that on a router, every 30 s. Nothing changes a
   * parsed config, so the same text gives the same version. */
  let lastRead: ConfigVersion | null = null

  /** Reads the file and chooses what runs: the new version, or (when it brings new problems, or
   * cannot be read at all) the one in force; null when nothing safe is known yet. */
  const loadConfig = (): ConfigVersion | null => {
    const text = readConfigText(host, paths)
    const candidate = lastRead?.text === text ? lastRead : (lastRead = readConfigVersion(text))
    const choice = chooseConfig(candidate, applied)
    for (const p of candidate.problems) host.log('warning', `config ${describeProblem(p)}`)
    status.problems = candidate.problems
    if (choice.held.length > 0) {
      status.configHeld = { hash: candidate.hash }
      host.log('err', `${paths.config} not applied: it has new problems; the last good one stays`)
    } else delete status.configHeld
    const run = choice.run
    if (run) host.setLogLevel(run.config.globals.logLevel)
    if (run && run.hash !== applied?.hash) {
      applied = run
      try {
        host.writeFileAtomic(paths.appliedConfig, run.text, { mode: 0o600, durable: false })
      } catch (e) {
        host.log('warning', `keeping a copy of the config: ${errorText(e)}`)
      }
    }
    return run
  }

  /** The device list for the UI (RAM only). Returns the devices seen, with their addresses. */
  const refreshInventory = async (lanDevices: string[]) => {
    const obs = await observeInventory(host, paths, {
      leaseFile: host.getEnv('LANVPN_LEASE_FILE') || OPENWRT_LEASE_FILE,
      lanDevices,
    })
    const seen = observeDevices(obs, book, { monoMs: host.monotonicMs(), wallMs: host.wallMs() })
    book = seen.book
    writeDevicesFile(host, paths, seen.devices)
    return seen.devices
  }

  const reconcileOnce = async (why: string) => {
    host.log('debug', `reconcile: ${why}`)
    const loaded = loadConfig()
    if (!loaded) {
      // An unreadable file and nothing applied before: change nothing (the rules the firewall
      // loaded at boot stay in force) and say why.
      if (!stopping) {
        status.daemon.state = 'running'
        publish()
      }
      return
    }
    config = loaded.config
    tunnel.setConfig(config)
    await followGroups(config)
    mediastreamer.onConfig(config)
    // The WAN as netifd sees it (one ubus call): its device for the router's own traffic, its
    // address for the UI (RAM only, like everything in the status file).
    const wan = await observeWan(host, config.globals.wanInterface).catch(() => null)
    status.wan = { ip: wan?.address ?? '', up: wan?.up ?? false }
    const view: TunnelView = {
      ...tunnel.context(),
      wanDevice: wan?.device || config.globals.wanInterface,
    }
    // The tunnel as this reconcile routes it: the status must not say "connected" before the
    // routing does (a later change is picked up by the reconcile its onChange queued).
    const tunnelStatus = tunnelWithExit()
    const groupViews: GroupTunnels = {}
    const groupTunnels = config.groups.map((g) => {
      const driver = groupDrivers.get(groupKey(g))
      if (driver) groupViews[g.id] = driver.context()
      return driver?.status() ?? { state: 'disconnected' as const, profile: '', since: 0 }
    })
    // The LAN as netifd has it now, then the devices on it: their addresses are the kill switch's
    // routing layer.
    const { nets, ...lan } = await observeLan(host, paths, config.globals)
    if (nets.length) status.localNets = seenNets = nets
    for (const p of lan.problems) if (!status.lan?.problems.includes(p)) host.log('err', p)
    status.lan = lan
    const managed = lan.interfaces.filter((i) => i.policy === 'managed' && i.up)
    // While the LAN's own device cannot be read (netifd names one that is missing, or none), what
    // was seen last stays: its interfaces keep being marked (a device may still send on them,
    // with an address no source rule knows yet: a new IPv6 privacy address), and the devices'
    // source rules keep vpn devices in the VPN table whatever the marking misses.
    const lanUp = !!mainLan(lan.interfaces)?.up
    if (lanUp) {
      seenManaged = managed
      seenDevices = await refreshInventory(managed.map((i) => i.device)).catch((e: unknown) => {
        host.log('warning', `reading the device list: ${errorText(e)}`)
        return seenDevices
      })
    }
    // No network is lanvpn's (the user made the whole LAN direct or blocked): then no device is
    // either, and none keeps a source rule into the VPN table (the leases still name them).
    const devices = lanUp && managed.length === 0 ? [] : seenDevices
    const lanRules = lanUp ? lan.interfaces : [...lan.interfaces, ...seenManaged]
    // lanvpn's own dnsmasq instances (issue 22): their ports go into the views' DNS chains.
    const dnsIfs = lanUp ? managed : seenManaged
    const dnsLan = dnsIfs.map((i) => i.device)
    const closed = dnsIfs.some((i) => i.closed)
    status.rulesDns = await localDns.update(config, view, groupViews, dnsLan, closed)
    const desired = desiredState(
      config,
      view,
      paths.tunnelIface,
      devices,
      lanRules,
      groupViews,
      seenNets
    )
    const model = desired.model
    // A change of device modes only is one transaction of set changes (a plan step); the moved
    // devices' connections are dropped below so they follow the new mode at once.
    const observed = await observeRouter(host, paths, !!desired.rules || seenRulesHash !== '')
    seenRulesHash = observed.rulesHash ?? ''
    for (const table of tampered) {
      host.log(
        'warning',
        `${NFT_FAMILY} ${table} was changed in part by another hand: applied anew`
      )
      if (table === NFT_TABLE && observed.nftHash) observed.nftHash = TAMPERED
      if (table === NFT_RULES_TABLE && observed.rulesHash) observed.rulesHash = TAMPERED
    }
    tampered.clear()
    const steps = diffState(desired, observed, appliedTable)
    const appliedModel = appliedTable?.model
    const moved = appliedModel ? movedMacs(membershipOf(appliedModel), membershipOf(model)) : []
    // Protection back on (a Connect after a disconnect under "unless I disconnect"): the vpn
    // devices' connections made on the WAN end now, or they would go on there (an offloaded flow
    // never meets the rules again) or into the tunnel with the WAN's address.
    if (appliedModel?.vpnBypassed && !model.vpnBypassed)
      moved.push(...vpnDevices(config, devices).map((d) => d.mac))
    // The same for a group whose own kill switch closes again (its Connect after a disconnect).
    for (const x of model.groups ?? []) {
      const before = appliedModel?.groups?.find((y) => y.index === x.index)
      if (before?.bypassed && !x.bypassed) moved.push(...x.devices)
    }
    // A change of rules re-routes flows mid-way: theirs are dropped too (as for a mode change).
    const rulesBefore = appliedRules?.rules ?? []
    const byRules = appliedModel ? movedByRules(rulesBefore, config.rules, config.devices) : null
    if (byRules) moved.push(...(byRules.macs ?? devices.map((d) => d.mac)))
    // The rules' table anew keeps the addresses its unchanged domain rules' sets hold: over the
    // table this daemon applied, when that is what is loaded, or else read first (after a restart
    // or an upgrade too: the live sets' comments say which domains they were filled for).
    const live =
      appliedRules && appliedRules.hash === observed.rulesHash ? appliedRules.objects : null
    const keep = observed.rulesHash
      ? keptDnsSets(appliedRules ? rulesBefore : null, config.rules)
      : {}
    const result = await applyPlan(host, paths, steps, keep, live)
    const errors = result.errors
    for (const note of result.notes) host.log('warning', note)
    if (result.ok && desired.nft !== null) {
      appliedTable = { model, hash: desired.nftHash }
      const r = desired.rules
      const objects = appliedRules && appliedRules.hash === r?.hash ? appliedRules.objects : null
      appliedRules = r && {
        hash: r.hash,
        objects: objects ?? tableObjects(r.nft),
        rules: config.rules,
      }
      seenRulesHash = r?.hash ?? ''
    }
    const dests = byRules?.dests ?? []
    if (moved.length + dests.length) {
      const ips = devices
        .filter((d) => moved.includes(d.mac))
        .flatMap((d) => [...d.ipv4, ...d.ipv6])
      const ct = await dropConntrack(host, [...ips, ...dests])
      for (const e of ct.errors) host.log('warning', `dropping connections: ${e}`)
    }
    for (const e of errors) host.log('err', `reconciling: ${e}`)
    status.tunnel = tunnelStatus
    if (config.groups.length)
      status.groups = config.groups.map((g, i): GroupStatus => ({
        id: g.id,
        label: g.label,
        tunnel: groupTunnels[i],
        devices: model.groups?.[i]?.devices.length ?? 0,
      }))
    else delete status.groups
    status.apply = { ok: errors.length === 0, errors }
    status.devices = countByMode(config, desired.devices, devices)
    status.configHash = loaded.hash
    history.tick()
    await privacy.onReconcile(config, devices)
    await serveRequests()
    // A stop that came in while this ran has already published the final status.
    if (stopping) return
    status.daemon.state = 'running'
    publish()
  }

  /** Long actions the rpc face asked for (system/requests.ts). */
  const serveRequests = async () => {
    for (const req of takeRequests(host, paths)) {
      if (req.kind === 'wan') mediastreamer.onWanEvent()
      else if (req.kind === 'register-now') mediastreamer.onRequest('register-now')
      else if (req.kind === 'reconnect' && config) tunnel.reconnect()
      else if (req.kind === 'latency-test' && config) void runLatency(config)
      else if (req.kind === 'exit-ip' && config) void findExitIp(config)
      // Between reconciles, so the counting is armed on the table this one applied.
      else if (req.kind === 'protection') await answerProtection(host, paths, req)
    }
  }

  /** The address the internet sees through the tunnel, found when the user asked (RAM only). */
  let exit: { profile: string; ip: string } | null = null

  /** The tunnel's status, with the exit address while the location it was found through is the
   * one connected. */
  const tunnelWithExit = () => {
    const t = tunnel.status()
    return exit && t.state === 'connected' && t.profile === exit.profile
      ? { ...t, exitIp: exit.ip }
      : t
  }

  /** Asks the IP-echo services (MediaStreamer's list), one after the other, through the tunnel. */
  const findExitIp = async (cfg: Config) => {
    const { state, profile } = tunnel.status()
    if (state !== 'connected') return host.log('warning', 'finding the exit IP: not connected')
    for (const url of cfg.mediastreamer.ipEchoUrls) {
      const res = await httpRequest(host, echoRequest(url, paths.tunnelIface, 10))
      const ip = res.ok && res.status === 200 ? res.body.trim() : ''
      if (isIpv4(ip) || isIpv6(ip)) {
        exit = { profile, ip }
        if (stopping || running) return
        status.tunnel = tunnelWithExit()
        return publish()
      }
    }
    host.log('warning', 'finding the exit IP: no IP-echo service answered through the tunnel')
  }

  const runLatency = async (cfg: Config) => {
    status.latency = { running: true, atWallMs: host.wallMs(), results: [] }
    publish()
    const results = await measureLatency(host, latencyTargets(cfg.profiles))
    status.latency = {
      running: false,
      atWallMs: host.wallMs(),
      results: rankLatency(results).ranked,
    }
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
      host.log('err', `reconciling: ${errorText(e)}`)
      status.apply = { ok: false, errors: [errorText(e)] }
      publish()
    } finally {
      running = false
      if (!stopping) schedule()
    }
  }

  /** The tunnel drivers of the groups besides the default one, by groupKey: a group that moves to
   * another index (one before it was removed) gets another interface, table and mark, so a new
   * driver. */
  const groupDrivers = new Map<string, TunnelDriver>()
  const groupKey = (g: { id: string; index: number }) => `${g.index}:${g.id}`

  /** Starts a driver for each group new in `cfg`, feeds every driver the config, and takes down
   * the tunnels of groups it has no more (and any group tunnel left from an earlier run). */
  const followGroups = async (cfg: Config) => {
    const wanted = new Map(cfg.groups.map((g) => [groupKey(g), g]))
    const gone = [...groupDrivers].filter(([key]) => !wanted.has(key))
    for (const [key] of gone) groupDrivers.delete(key)
    await Promise.all(gone.map(([, driver]) => driver.close()))
    for (const [key, g] of wanted) {
      let driver = groupDrivers.get(key)
      if (!driver) {
        driver = createGroupDriver(g.id, g.index)
        groupDrivers.set(key, driver)
      }
      driver.setConfig(cfg)
    }
    const used = new Set(cfg.groups.map((g) => g.index))
    await retireGroupTunnels(host, paths, used)
  }

  const createGroupDriver = (id: string, index: number): TunnelDriver =>
    createTunnelDriver(host, groupPaths(paths, index), {
      group: id,
      onChange: () => void reconcile(`group ${id}'s tunnel`),
      onProbe: () => {
        if (stopping || running || !config || !status.groups) return
        const driver = groupDrivers.get(`${index}:${id}`)
        const entry = status.groups.find((x) => x.id === id)
        if (!driver || !entry) return
        entry.tunnel = driver.status()
        publish()
      },
    })

  const history = createHistoryRecorder(host, paths, VERSION)
  const privacy = createPrivacyKeeper(host, paths)
  const localDns = createLocalDns(host, paths)
  const tunnel = createTunnelDriver(host, paths, {
    onChange: () => {
      const t = tunnel.status()
      if (config?.globals.exitIpCheck && t.state === 'connected' && exit?.profile !== t.profile)
        void findExitIp(config)
      // Sessions begin and end with tunnel phases (daemon/history.ts); flash is written only then.
      history.observe(tunnel.status().state, tunnel.context().profile)
      void reconcile('tunnel')
    },
    onProbe: () => {
      // Handshake age and counters for the UI, without a reconcile (RAM only).
      if (stopping || running) return
      status.tunnel = tunnelWithExit()
      publish()
    },
  })
  const mediastreamer = createMediastreamer(host, paths, {
    onStatusChange: () => {
      status.mediastreamer = mediastreamer.status()
      if (!stopping && !running) publish()
    },
  })

  // A firewall stop or reload, or a flushed ruleset, is repaired at once, not at the next timer.
  const drift = watchDrift(
    host,
    (tables) => {
      for (const t of tables) tampered.add(t)
      void reconcile('drift')
    },
    Array.from({ length: MAX_GROUPS + 1 }, (_, i) => groupPaths(paths, i)).flatMap((p) => [
      p.tunnelIface,
      p.sideIface,
    ])
  )

  return new Promise<number>((resolve) => {
    const stop = (sig: string) => {
      if (stopping) return
      stopping = true
      host.log('notice', `stopping on SIG${sig}`)
      if (timer) host.clearTimeout(timer)
      drift.stop()
      tunnel.stop()
      for (const driver of groupDrivers.values()) driver.stop()
      void history.stop()
      mediastreamer.stop()
      privacy.stop()
      localDns.stop()
      status.daemon.state = 'stopped'
      publish()
      host.removeFile(paths.pidFile)
      resolve(0)
    }
    host.onSignal('TERM', () => stop('TERM'))
    host.onSignal('INT', () => stop('INT'))
    // procd reload, an rpc or CLI change, a request (the hotplug hook's WAN event among them).
    host.onSignal('HUP', () => void reconcile('reload'))
    host.mkdirp(paths.runDir, 0o755)
    // Temp files of writers killed mid-write (kill -9, a power cut) are swept once per start.
    removeStaleTempFiles(host, paths)
    host.writeFileAtomic(paths.pidFile, `${host.pid()}\n`, { mode: 0o644, durable: false })
    host.log('notice', `started (${host.runtime})`)
    void reconcile('start')
  })
}
