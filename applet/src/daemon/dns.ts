// lanvpn's own dnsmasq instances and, without dnsmasq's nftset, the 5-minute look-ups of the
// domain rules' names (core/render/dnsmasq.ts says what each does). The daemon calls update()
// on every reconcile before it renders the table: an instance that died is started again, one
// whose conf changed (a tunnel made anew, a rule, the LAN) is restarted, one no longer wanted is
// stopped; the ports it answers go into the table (TunnelView.dnsPort). Nothing is logged that
// names a domain or an address.
import type { Config } from '../core/config/types'
import type { RulesDns } from '../core/api/status'
import { groupPaths, type Paths } from '../core/paths'
import { tunnelResolvers, type GroupTunnels, type TunnelView } from '../core/plan/plan'
import {
  DIRECT_DNS,
  domainRules,
  hasNftset,
  localDnsPlan,
  parseLookups,
  pollArgv,
  POLL_MS,
  type DnsGroup,
} from '../core/render/dnsmasq'
import { getOption, sectionsOfType } from '../core/uci/doc'
import { parseUci } from '../core/uci/parse'
import type { TimerHandle } from '../host/host'
import type { LevelledHost } from '../system/log'
import { applyNftScript } from '../system/nft'
import { readOrNull } from '../system/openvpn'
import { dnsmasqNames, liveDnsmasq, stopDnsmasq } from '../system/dnsmasq'
import { run } from '../system/run'

/** The router's local domain (dhcp's `option domain`), 'lan' when it names none. */
function localDomains(host: LevelledHost, paths: Paths): string[] {
  try {
    const doc = parseUci(host.readFile(paths.dhcpConfig) ?? '')
    const d = sectionsOfType(doc, 'dnsmasq').map((s) => getOption(s, 'domain'))
    return [...new Set(['lan', ...d.filter((x): x is string => typeof x === 'string' && !!x)])]
  } catch {
    return ['lan']
  }
}

export function createLocalDns(host: LevelledHost, paths: Paths) {
  const dir = `${paths.runDir}/dns`
  /** From `dnsmasq --version`, read once when first needed. No dnsmasq: no instance. */
  let caps: { dnsmasq: boolean; nftset: boolean } | null = null
  let argv: string[] | null = null
  let pollKey: string | undefined
  let timer: TimerHandle | null = null
  let stopped = false

  const poll = async () => {
    timer = host.setTimeout(() => void poll(), POLL_MS)
    if (!argv) return
    // host.exec, not run: run logs the argv (the domains) at debug level.
    const r = await host.exec(argv, { timeoutMs: 240_000 })
    const script = parseLookups(r.stdout)
    if (script)
      await applyNftScript(host, script).catch(() => host.log('warning', 'domain look-ups: nft'))
  }

  /** Brings the instances to what `config` needs, puts their ports into the views (`view` the
   * default group's) and answers how domain rules follow DNS. `closed`: a managed network's zone
   * rejects input, so its devices' lookups bypass the instances (render/nft.ts): the rules'
   * domains are looked up then even with nftset. */
  const update = async (
    config: Config,
    view: TunnelView,
    groupViews: GroupTunnels,
    lan: string[],
    closed = false
  ): Promise<RulesDns> => {
    const views: GroupTunnels = { ...groupViews, '': view }
    const g = config.globals
    const groups: DnsGroup[] = [
      { id: '', index: 0, profile: g.activeProfile, connect: g.connect },
      ...config.groups,
    ].map((x) => {
      const v: TunnelView | undefined = views[x.id]
      const profile = v?.profile ?? config.profiles.find((p) => p.id === x.profile) ?? null
      const iface = groupPaths(paths, x.index).tunnelIface
      return {
        index: x.index,
        id: x.id,
        iface,
        resolvers: tunnelResolvers(profile, v?.pushedDns),
        on: g.armed && x.connect && !!profile,
        ifindex: (readOrNull(host, `/sys/class/net/${iface}/ifindex`) ?? '').trim(),
      }
    })
    const rules = domainRules(config).length > 0
    // Asked only once an instance may be wanted: a start with nothing connected runs nothing.
    if (!caps && (rules || groups.some((x) => x.on))) {
      const r = await run(host, ['dnsmasq', '--version'])
      caps = { dnsmasq: r.code === 0, nftset: r.code === 0 && hasNftset(r.stdout) }
    }
    const domains = localDomains(host, paths)
    const ifaces = lan.length ? lan : [g.lanDevice]
    const want = caps?.dnsmasq
      ? localDnsPlan(config, groups, caps.nftset, dir, ifaces, domains)
      : []
    const names = new Set(want.map((w) => w.name))
    for (const name of dnsmasqNames(host, dir))
      if (!names.has(name)) await stopDnsmasq(host, dir, name)
    const ports = new Map<string, number>()
    for (const w of want) {
      if (stopped) break
      const file = `${dir}/${w.name}.conf`
      if (!liveDnsmasq(host, dir, w.name) || host.readFile(file) !== w.conf) {
        await stopDnsmasq(host, dir, w.name)
        host.mkdirp(dir, 0o755)
        host.writeFileAtomic(file, w.conf, { durable: false })
        const r = await run(host, ['dnsmasq', `--conf-file=${file}`], { timeoutMs: 10_000 })
        if (r.code !== 0) {
          host.log('err', `dnsmasq ${w.name}: exit ${r.code}`)
          continue
        }
      }
      ports.set(w.name, w.port)
    }
    const running = groups.flatMap((x) => {
      const port = ports.get(`g${x.index}`)
      return port ? [{ ...x, port }] : []
    })
    const next = rules && (closed || !caps?.nftset) ? pollArgv(config, running) : null
    // Asked again at once when what is asked, an instance or a tunnel's state changed (a table
    // rebuilt with a tunnel has its domain sets empty).
    const key = next && [...next, ...want.map((w) => w.conf), ...groups.map((x) => views[x.id]?.up)]
    if (key?.join('\0') !== pollKey) {
      pollKey = key?.join('\0')
      argv = next
      if (timer) host.clearTimeout(timer)
      timer = null
      if (argv) void poll()
    }
    for (const x of groups) if (views[x.id]) views[x.id].dnsPort = ports.get(`g${x.index}`)
    view.directDnsPort = ports.get(DIRECT_DNS)
    return rules ? (caps?.nftset ? 'nftset' : 'poll') : null
  }

  /** Stops every instance and the look-ups at once (the daemon's stop: it exits next). */
  const stop = () => {
    stopped = true
    if (timer) host.clearTimeout(timer)
    argv = null
    for (const name of dnsmasqNames(host, dir)) {
      const pid = liveDnsmasq(host, dir, name)
      if (pid) host.kill(pid, 'TERM')
      else continue
      host.removeFile(`${dir}/${name}.pid`)
      host.removeFile(`${dir}/${name}.conf`)
    }
  }

  return { update, stop }
}
