// The tunnel driver: runs the health state machine (core/tunnel/health.ts) with Host timers, brings
// locations up and down (tunnel-wireguard.ts, and tunnel-openvpn.ts of the lanvpn-openvpn package,
// loaded when an OpenVPN location is first brought up), probes through the tunnel, and tells the
// daemon when routing must follow. Actions run one at a time, in order.
import { errorText } from '../core/errors'
import type { Config, Group, Profile } from '../core/config/types'
import { isIpv4, isIpv6 } from '../core/config/formats'
import { MARK_TUNNEL } from '../core/ids'
import { SENTENCES } from '../core/messages'
import type { Paths } from '../core/paths'
import {
  currentProfile,
  initialHealth,
  stepHealth,
  tuning,
  type HealthAction,
  type HealthEvent,
  type HealthState,
} from '../core/tunnel/health'
import type { TimerHandle } from '../host/host'
import type { Status } from '../core/api/status'
import { stopOpenvpn } from '../system/openvpn'
import { loadOpenvpn, type OpenvpnAddon } from '../system/openvpn-addon'
import type { LevelledHost } from '../system/log'
import { run } from '../system/run'
import {
  deleteWgInterface,
  observeWgPeers,
  probeThroughTunnel,
  wgInterfaceExists,
  type WgKind,
} from '../system/wireguard'
import { bringUpWireguard, handshakeAnswers, reresolveWireguard } from './tunnel-wireguard'
import type { WgPeerState } from '../core/observe/wg'
import { tunnelResolvers } from '../core/plan/plan'

/** What routing and the firewall need to know of the tunnel. */
export type TunnelContext = {
  /** The profile in use now (after failover), or null. */
  profile: Profile | null
  /** The interface exists and is configured. */
  up: boolean
  /** The DNS servers the VPN server pushed (OpenVPN), while up; they win over the profile's. */
  pushedDns: string[]
}

export type TunnelDriver = {
  /** Feeds the current config; starts, switches or stops the tunnel as it asks. */
  setConfig(config: Config): void
  context(): TunnelContext
  status(): Status['tunnel']
  /** Builds the current location again (a user's "reconnect"). */
  reconnect(): void
  /** Stops probing. The interface stays: traffic keeps flowing while the daemon restarts. */
  stop(): void
  /** Stops probing and takes the tunnel down (its openvpn, its interfaces): for a group that left
   * the config. Resolves once the action under way has ended and nothing is left. */
  close(): Promise<void>
}

export type TunnelHooks = {
  /** Routing or the status must follow (phase or interface changed). */
  onChange: () => void
  /** A probe finished: handshake age and counters may have moved. */
  onProbe?: () => void
  /** Loads the lanvpn-openvpn package's code (default: system/openvpn-addon.ts); tests stand in. */
  loadOpenvpn?: () => Promise<OpenvpnAddon | string>
  /** The device group whose tunnel this is, by id (core/config/groups.ts); absent: the default
   * group's (the globals). Its location, fallbacks and `connect` choose the candidates. */
  group?: string
}

/** Profile ids to try in order, or [] when the tunnel should be down: the default group's (the
 * globals'), or those of `group` (a `config group` section; [] when the config has it no more). */
export function wantedCandidates(config: Config, group?: string): string[] {
  const g = config.globals
  const own: Pick<Group, 'profile' | 'fallback' | 'connect'> | undefined =
    group === undefined
      ? { profile: g.activeProfile, fallback: g.fallback, connect: g.connect }
      : config.groups.find((x) => x.id === group)
  if (!g.enabled || !own || !own.connect || !own.profile) return []
  const known = new Set(config.profiles.map((p) => p.id))
  return [own.profile, ...own.fallback.filter((id) => id !== own.profile)].filter((id) =>
    known.has(id)
  )
}

/** What the probe pings: the configured target, else the tunnel's resolver (`dns`, from
 * tunnelResolvers), an address that is always there behind the tunnel. */
function probeTarget(config: Config, dns: string[]): string {
  return config.globals.healthTarget || dns.find((d) => isIpv4(d)) || dns[0] || ''
}

/** Creates the driver; `onChange` is called whenever routing or the status should follow. */
export function createTunnelDriver(
  host: LevelledHost,
  paths: Paths,
  hooks: TunnelHooks
): TunnelDriver {
  const onChange = hooks.onChange
  const iface = paths.tunnelIface
  let health: HealthState = initialHealth(host.monotonicMs())
  let config: Config | null = null
  let up = false
  let kind: WgKind | null = null
  /** The openvpn of the current location: `starting` until its device first comes up (the server
   * accepted us: only then is its set-up over), then `running`; `none` when none runs. */
  let ovpn: 'none' | 'starting' | 'running' = 'none'
  /** lanvpn-openvpn's code, once an OpenVPN location loaded it: set whenever `ovpn` is not none. */
  let addon: OpenvpnAddon | null = null
  const load = hooks.loadOpenvpn ?? (() => loadOpenvpn(host))
  let peers: WgPeerState[] = []
  let queue: Promise<void> = Promise.resolve()
  let probeTimer: TimerHandle | null = null
  let stopped = false

  const tune = () => tuning(config?.globals.healthInterval ?? 5)
  // Read while openvpn is up (a RAM file its up hook wrote), so a daemon restart finds it too.
  const pushedDns = () =>
    up && ovpn !== 'none' && addon ? addon.readPushedDns(host, paths.runDir) : []
  const profileById = (id: string | null) => config?.profiles.find((p) => p.id === id) ?? null

  const dispatch = (event: HealthEvent) => {
    const before = health.phase
    const r = stepHealth(health, event, host.monotonicMs(), tune())
    health = r.state
    if (health.phase !== before) {
      const which = hooks.group === undefined ? 'tunnel' : `group ${hooks.group}'s tunnel`
      host.log('notice', `${which} ${health.phase}${health.reason ? `: ${health.reason}` : ''}`)
      onChange()
    }
    for (const action of r.actions) enqueue(action)
    scheduleProbe()
  }

  const enqueue = (action: HealthAction) => {
    queue = queue
      .then(() => perform(action))
      .catch((e: unknown) => {
        host.log('err', `tunnel: ${errorText(e)}`)
      })
  }

  /** Takes the location down: its openvpn and its interface. */
  async function tearDown(): Promise<void> {
    up = false
    peers = []
    ovpn = 'none'
    await stopOpenvpn(host, paths.runDir)
    await deleteWgInterface(host, iface)
  }

  async function perform(action: HealthAction): Promise<void> {
    if (stopped) return
    if (action.kind === 'tear-down') {
      await tearDown()
      return onChange()
    }
    const profile = profileById(action.profile)
    if (!profile)
      return dispatch({ kind: 'up-result', ok: false, reason: SENTENCES.locationDeleted })
    if (action.kind === 'reresolve') return reresolveWireguard(host, iface, profile)
    if (action.kind === 'check-preferred') {
      // openvpn has no cheap side check: an openvpn first location is not gone back to.
      const ok =
        profile.type === 'wireguard' &&
        (await handshakeAnswers(host, paths, paths.sideIface, profile))
      return dispatch({ kind: 'preferred', ok })
    }
    const reason = await bringUp(profile)
    // openvpn's device appears only once the server accepted us; until then routing must not
    // point at it, and the set-up is not over: the probe follows it to its end (the device comes,
    // or openvpn exits: a failed set-up like WireGuard's).
    up = reason === '' && (profile.type === 'wireguard' || !!addon?.isOpenvpnUp(host, paths))
    if (profile.type === 'openvpn') ovpn = reason ? 'none' : up ? 'running' : 'starting'
    onChange()
    if (ovpn === 'starting') return scheduleProbe()
    dispatch(up ? { kind: 'up-result', ok: true } : { kind: 'up-result', ok: false, reason })
    // Probe at once rather than after a whole interval: "connected" shows as soon as the server
    // answers (the ping's own 2 s timeout covers the first handshake).
    if (up) probeNow()
  }

  /** Returns '' on success, else why not, in plain words. */
  async function bringUp(profile: Profile): Promise<string> {
    if (profile.type === 'openvpn') {
      // A WireGuard interface of the same name would stop openvpn from creating its device.
      if (kind) await deleteWgInterface(host, iface)
      kind = null
      peers = []
      // Without the package this is a failed set-up like any other: retried, the kill switch
      // holding meanwhile, and the status names the package and the command to install it.
      const loaded = addon ?? (await load())
      if (typeof loaded === 'string') return loaded
      addon = loaded
      return addon.bringUpOpenvpn(host, paths, profile)
    }
    ovpn = 'none'
    await stopOpenvpn(host, paths.runDir)
    const result = await bringUpWireguard(host, paths, iface, profile)
    if (result.kind) kind = result.kind
    else if (result.reason) kind = null
    return result.reason
  }

  /** Whether the router has no route at all to the VPN server for the tunnel's own packets (its
   * WAN is down): asked only after a failed probe, one process per known server address. An
   * error of `ip` itself never reads as offline. */
  async function isOffline(profile: Profile): Promise<boolean> {
    const addresses = [
      ...peers.map((p) => p.endpoint.replace(/:[0-9]+$/, '').replace(/^\[(.*)\]$/, '$1')),
      ...profile.peers.map((p) => p.endpointHost),
      ...(profile.remotes ?? []).map((r) => r.host),
    ].filter((a) => isIpv4(a) || isIpv6(a))
    if (addresses.length === 0) return false
    for (const a of new Set(addresses)) {
      const r = await run(host, ['ip', 'route', 'get', a, 'mark', `0x${MARK_TUNNEL.toString(16)}`])
      if (r.code === 0 || !/unreachable/i.test(r.stderr)) return false
    }
    return true
  }

  /** The interface went away under a running tunnel: routing follows, and it is built again. */
  function lost() {
    up = false
    onChange()
    dispatch({ kind: 'lost' })
  }

  async function probe(): Promise<void> {
    probeTimer = null
    const profile = profileById(currentProfile(health))
    if (stopped || !profile) return scheduleProbe()
    if (profile.type === 'openvpn') {
      const seen = addon ? addon.checkOpenvpn(host, paths) : 'gone'
      if (seen === 'gone' && ovpn === 'running') {
        // It ran and died: lost, built again at once.
        ovpn = 'none'
        return lost()
      }
      if (seen === 'gone' && ovpn === 'starting') {
        ovpn = 'none'
        const reason = await addon!.openvpnExited(host, paths)
        return dispatch({ kind: 'up-result', ok: false, reason })
      }
      if (seen === 'up' && ovpn === 'starting') {
        ovpn = 'running'
        dispatch({ kind: 'up-result', ok: true })
      }
      if ((seen === 'up') !== up) {
        up = seen === 'up'
        onChange()
      }
    }
    // A failed set-up is retried from here (the health machine decides when).
    if (profile.type === 'openvpn' ? ovpn === 'none' : !up)
      return dispatch({ kind: 'probe', ok: false, isDown: true })
    if (!up) return dispatch({ kind: 'probe', ok: false, isOffline: await isOffline(profile) })
    const isWg = profile.type === 'wireguard'
    if (isWg && !(await wgInterfaceExists(host, iface))) return lost()
    if (isWg) peers = await observeWgPeers(host, iface)
    const target = probeTarget(config!, tunnelResolvers(profile, pushedDns()))
    const nowS = host.wallMs() / 1000
    const ok = target
      ? await probeThroughTunnel(host, iface, target)
      : peers.some((p) => p.latestHandshake > 0 && nowS - p.latestHandshake < 180)
    dispatch({ kind: 'probe', ok, isOffline: !ok && (await isOffline(profile)) })
    hooks.onProbe?.()
  }

  const queueProbe = () => {
    queue = queue.then(probe).catch(() => undefined)
  }

  const cancelProbe = () => {
    if (probeTimer) host.clearTimeout(probeTimer)
    probeTimer = null
  }

  function probeNow() {
    cancelProbe()
    queueProbe()
  }

  function scheduleProbe() {
    if (stopped || probeTimer || health.phase === 'disconnected') return
    probeTimer = host.setTimeout(queueProbe, tune().intervalMs)
  }

  return {
    setConfig(next: Config) {
      config = next
      const candidates = wantedCandidates(next, hooks.group)
      const same =
        candidates.length === health.candidates.length &&
        candidates.every((c, i) => c === health.candidates[i])
      if (!same || (candidates.length > 0 && health.phase === 'disconnected'))
        dispatch({ kind: 'want', candidates })
    },
    context() {
      return { profile: profileById(currentProfile(health)), up, pushedDns: pushedDns() }
    },
    status() {
      const nowMono = host.monotonicMs()
      const since = health.phase === 'disconnected' ? 0 : host.wallMs() - (nowMono - health.sinceMs)
      const hs = Math.max(0, ...peers.map((p) => p.latestHandshake))
      const out: Status['tunnel'] = {
        state: health.phase,
        profile: currentProfile(health) ?? '',
        since: Math.round(since),
      }
      if (health.reason) out.reason = health.reason
      if (up && hs > 0) out.handshakeAgeS = Math.max(0, Math.round(host.wallMs() / 1000 - hs))
      if (up) {
        out.rxBytes = peers.reduce((n, p) => n + p.rxBytes, 0)
        out.txBytes = peers.reduce((n, p) => n + p.txBytes, 0)
        if (kind) out.implementation = kind
        const counters =
          ovpn !== 'none' && addon ? addon.readOpenvpnCounters(host, paths.runDir) : null
        if (counters) Object.assign(out, counters, { implementation: 'openvpn' })
      }
      return out
    },
    reconnect() {
      if (health.phase !== 'disconnected') dispatch({ kind: 'lost' })
    },
    stop() {
      stopped = true
      cancelProbe()
    },
    async close() {
      this.stop()
      await queue.catch(() => undefined)
      await tearDown()
      // The side interface lives only while failback asks (the action awaited above).
      if (host.stat(`/sys/class/net/${paths.sideIface}`))
        await deleteWgInterface(host, paths.sideIface)
    },
  }
}
