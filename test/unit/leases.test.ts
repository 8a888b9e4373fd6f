import { describe, expect, it } from 'vitest'
import { macFromDuid, parseLeases } from '../../applet/src/core/observe/leases'

// As dnsmasq's lease.c writes it: v4 lines, then the server DUID, then DHCPv6 lines.
const FILE = `1763803600 02:00:00:00:50:01 192.168.50.183 laptop 01:02:00:00:00:50:01
1763803700 02:00:00:00:50:02 192.168.50.120 * *
0 AA:BB:CC:DD:EE:FF 192.168.50.7 printer *
1763803800 20-00:11:22:33:44:55:66:77 192.168.50.9 ib-host *
garbage line
duid 00:01:00:01:2c:4f:11:22:02:00:00:00:00:01
1763803900 12345 fd50::183 laptop 00:01:00:01:2c:4f:11:22:02:00:00:00:50:01
1763803901 T99 fd50::99 * 00:03:00:01:02:00:00:00:50:02
1763803902 7 fd50::7 phone 00:02:00:00:ab:11:01:02:03:04
`

describe('the dnsmasq lease file', () => {
  it('reads DHCPv4 leases with MAC, address, host name and expiry', () => {
    const v4 = parseLeases(FILE).filter((l) => l.family === 4)
    expect(v4).toEqual([
      {
        family: 4,
        mac: '02:00:00:00:50:01',
        ip: '192.168.50.183',
        hostname: 'laptop',
        expiresAt: 1763803600,
      },
      {
        family: 4,
        mac: '02:00:00:00:50:02',
        ip: '192.168.50.120',
        hostname: '',
        expiresAt: 1763803700,
      },
      {
        family: 4,
        mac: 'aa:bb:cc:dd:ee:ff',
        ip: '192.168.50.7',
        hostname: 'printer',
        expiresAt: 0,
      },
    ])
  })

  it('skips leases of non-Ethernet hardware and lines it cannot read', () => {
    expect(parseLeases(FILE).some((l) => l.ip === '192.168.50.9')).toBe(false)
    expect(parseLeases('not a lease\n\n1 2 3\n')).toEqual([])
  })

  it('reads DHCPv6 leases after the duid line and finds the MAC in DUID-LLT and DUID-LL', () => {
    const v6 = parseLeases(FILE).filter((l) => l.family === 6)
    expect(v6.map((l) => [l.ip, l.mac, l.hostname])).toEqual([
      ['fd50::183', '02:00:00:00:50:01', 'laptop'],
      ['fd50::99', '02:00:00:00:50:02', ''],
      ['fd50::7', null, 'phone'],
    ])
  })

  it('finds no MAC in a DUID of another type or hardware', () => {
    expect(macFromDuid('00:02:00:00:ab:11:01:02:03:04')).toBeNull()
    expect(macFromDuid('00:03:00:06:02:00:00:00:50:02')).toBeNull()
    expect(macFromDuid('zz')).toBeNull()
  })

  it('reads an empty file as no leases', () => {
    expect(parseLeases('')).toEqual([])
  })
})
