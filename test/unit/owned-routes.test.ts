// Reading lanvpn's routing tables back (issue 21): one `ip -j route show table all` gives every
// group's table, and the diff then sets nothing again and removes a removed group's routes.
import { describe, expect, it } from 'vitest'
import { isOwnedTable } from '../../applet/src/core/ids'
import { parseOwnedRoutes } from '../../applet/src/core/observe/ip'
import { desiredIp, diffIp } from '../../applet/src/core/plan/ip'

// As the kernel prints it (iproute2 6.x): main's routes carry no table, local's says "local".
const ALL = JSON.stringify([
  { dst: 'default', gateway: '198.51.100.1', dev: 'wan', protocol: 'dhcp', flags: [] },
  { type: 'unreachable', dst: 'default', table: '5201', metric: 4278198272, flags: [] },
  { dst: 'default', dev: 'lanvpn1', table: '5202', scope: 'link', flags: [] },
  { type: 'unreachable', dst: 'default', table: '5202', metric: 4278198272, flags: [] },
  { type: 'unreachable', dst: 'default', table: '5204', metric: 4278198272, flags: [] },
  { dst: '10.0.0.0/8', dev: 'eth9', table: '100', flags: [] },
  { type: 'local', dst: '127.0.0.1', dev: 'lo', table: 'local', flags: [] },
])

const input = {
  enabled: true,
  tunnelIface: 'lanvpn0',
  tunnelUp: false,
  tunnelCarriesV6: false,
  keepOnWan: '',
  vpnSources: [],
}

describe('reading every owned routing table back', () => {
  it("keeps the routes of lanvpn's tables, each with its table, and nothing of the router's", () => {
    expect(parseOwnedRoutes(ALL, isOwnedTable)).toEqual([
      { dst: 'default', type: 'unreachable', dev: '', metric: 4278198272, table: 5201 },
      { dst: 'default', type: 'unicast', dev: 'lanvpn1', metric: 0, table: 5202 },
      { dst: 'default', type: 'unreachable', dev: '', metric: 4278198272, table: 5202 },
      { dst: 'default', type: 'unreachable', dev: '', metric: 4278198272, table: 5204 },
    ])
  })

  it("sets a group's routes once, and removes those of a group the config has no more", () => {
    const group = (index: number) => ({
      index,
      tunnelIface: `lanvpn${index}`,
      tunnelUp: index === 1,
      tunnelCarriesV6: false,
      vpnSources: [],
    })
    const desired = desiredIp({ ...input, groups: [group(1)] }, 4)
    const observed = { rules: desired.rules, routes: parseOwnedRoutes(ALL, isOwnedTable) }
    expect(diffIp(desired, observed)).toEqual([
      'route del unreachable default table 5204 metric 4278198272',
    ])
  })
})
