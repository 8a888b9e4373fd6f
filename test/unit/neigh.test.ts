import { describe, expect, it } from 'vitest'
import { parseNeighbours } from '../../applet/src/core/observe/neigh'

// `ip -j neigh show dev br-lan` (iproute2 6.1) leaves out "dev".
const JSON_OUT = JSON.stringify([
  { dst: '192.168.50.183', lladdr: '02:00:00:00:50:01', state: ['REACHABLE'] },
  { dst: '192.168.50.120', lladdr: '02:00:00:00:50:02', state: ['STALE'] },
  { dst: '192.168.50.121', lladdr: '02:00:00:00:50:03', state: ['FAILED'] },
  { dst: '192.168.50.122', state: ['INCOMPLETE'] },
  { dst: 'fd50::a', lladdr: '02:00:00:00:50:01', router: null, state: ['DELAY'] },
  { dst: 'FE80::1', lladdr: '02:00:00:00:50:01', state: ['PROBE'] },
  { dst: '192.168.50.2', lladdr: '02:00:00:00:50:09', state: ['PERMANENT'] },
])

describe('the neighbour tables', () => {
  it('reads v4 and v6 entries and tells present from absent by state', () => {
    expect(parseNeighbours(JSON_OUT)).toEqual([
      { family: 4, ip: '192.168.50.183', mac: '02:00:00:00:50:01', isPresent: true },
      { family: 4, ip: '192.168.50.120', mac: '02:00:00:00:50:02', isPresent: true },
      { family: 4, ip: '192.168.50.121', mac: '02:00:00:00:50:03', isPresent: false },
      { family: 6, ip: 'fd50::a', mac: '02:00:00:00:50:01', isPresent: true },
      { family: 6, ip: 'fe80::1', mac: '02:00:00:00:50:01', isPresent: true },
      { family: 4, ip: '192.168.50.2', mac: '02:00:00:00:50:09', isPresent: true },
    ])
  })

  it('skips entries without a link-layer address', () => {
    expect(parseNeighbours(JSON_OUT).some((n) => n.ip === '192.168.50.122')).toBe(false)
  })

  it('gives nothing for empty output or text that is not JSON', () => {
    expect(parseNeighbours('')).toEqual([])
    expect(parseNeighbours('Object "neigh" is unknown')).toEqual([])
    expect(parseNeighbours('{"dst":"x"}')).toEqual([])
  })
})
