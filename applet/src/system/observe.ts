// Observe: what lanvpn owns, as it is on the router now. Raw reads only; parsing is in core/observe.
import { isOwnedTable, NFT_RULES_TABLE } from '../core/ids'
import { parseIpRules, parseOwnedRoutes } from '../core/observe/ip'
import type { Paths } from '../core/paths'
import type { Observed } from '../core/plan/plan'
import type { IpState } from '../core/plan/ip'
import type { Host } from '../host/host'
import { observeNftHash } from './nft'
import { run } from './run'

async function observeIp(host: Host, family: 4 | 6): Promise<IpState> {
  const rules = await run(host, ['ip', `-${family}`, '-j', 'rule', 'show'])
  // Every table at once, lanvpn's kept: each group's, and those of groups the config has no more
  // (their routes go). A table never used is simply absent.
  const routes = await run(host, ['ip', `-${family}`, '-j', 'route', 'show', 'table', 'all'])
  return {
    rules: rules.code === 0 ? parseIpRules(rules.stdout) : [],
    routes: routes.code === 0 ? parseOwnedRoutes(routes.stdout, isOwnedTable) : [],
  }
}

/** Everything the diff needs: five short commands, none per device, and a sixth for the rules'
 * table when `rules` (the daemon wants one, or saw one last). */
export async function observeRouter(host: Host, paths: Paths, rules = true): Promise<Observed> {
  return {
    nftHash: await observeNftHash(host),
    fw4Include: host.readFile(paths.fw4Include),
    rulesHash: rules ? await observeNftHash(host, NFT_RULES_TABLE) : '',
    fw4RulesInclude: host.readFile(paths.fw4RulesInclude),
    ip4: await observeIp(host, 4),
    ip6: await observeIp(host, 6),
  }
}
