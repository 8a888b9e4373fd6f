// Reads the LAN as the router has it: netifd's interfaces (`ubus call network.interface dump`, one
// process) on the LAN side of the firewall's zones (/etc/config/firewall), and whether each device
// exists now (sysfs of the daemon's own network namespace). Without ubus (a development machine,
// the lab without its netifd stand-in) the LAN is the one device `lan_device`.
import type { Globals } from '../core/config/types'
import {
  closedNetworks,
  lanInterfaces,
  lanSideNetworks,
  mainLan,
  parseDumpNets,
  parseInterfaceDump,
  type LanInterface,
} from '../core/observe/lan'
import { say } from '../core/messages'
import type { Paths } from '../core/paths'
import { parseUci } from '../core/uci/parse'
import type { Host } from '../host/host'
import { run } from './run'

/** `nets`: the networks the router is on (parseDumpNets), for the rules' local exceptions;
 * [] without netifd. */
export type LanObservation = { interfaces: LanInterface[]; problems: string[]; nets: string[] }

/** The LAN-side interfaces and what is wrong with them, in plain words. Never throws. */
export async function observeLan(host: Host, paths: Paths, g: Globals): Promise<LanObservation> {
  const r = await run(host, ['ubus', 'call', 'network.interface', 'dump'], { timeoutMs: 5000 })
  const dump = r.code === 0 ? parseInterfaceDump(r.stdout) : null
  let firewall = null
  try {
    firewall = parseUci(host.readFile(paths.firewallConfig) ?? '')
  } catch {
    // A firewall config fw4 cannot read either: `lan` alone is the LAN side.
  }
  const networks = lanSideNetworks(firewall, g.wanInterface)
  const interfaces = lanInterfaces(dump, networks, g, closedNetworks(firewall)).map((i) => ({
    ...i,
    up: i.up && !!i.device && host.readFile(`/sys/class/net/${i.device}/ifindex`) !== null,
  }))
  const problems: string[] = []
  const lan = mainLan(interfaces)
  if (lan && !lan.up)
    problems.push(
      dump
        ? say(lan.device ? 'lanMissing' : 'lanNoDevice', { name: lan.name, device: lan.device })
        : say('lanDeviceMissing', { device: lan.device })
    )
  for (const [option, names] of [
    ['lan_direct', g.lanDirect],
    ['lan_blocked', g.lanBlocked],
  ] as const)
    for (const name of names)
      if (dump && !networks.includes(name)) problems.push(say('notLanSide', { option, name }))
  return { interfaces, problems, nets: r.code === 0 ? parseDumpNets(r.stdout) : [] }
}
