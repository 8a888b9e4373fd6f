import { describe, expect, it } from 'vitest'
import { parseDhcpHosts } from '../../applet/src/core/observe/dhcp-hosts'
import { UciSyntaxError } from '../../applet/src/core/uci/parse'

const DHCP = `
config dnsmasq
	option domainneeded '1'

config host
	option name 'laptop'
	option mac '00:11:22:33:44:55'
	option ip '192.168.1.50'
	option tag 'lanvpn'

config host 'tv'
	option name 'tv'
	option mac '00:11:22:33:44:66 AA-BB-CC-DD-EE-01'
	option ip 'ignore'

config host
	list mac '00:11:22:33:44:77'
	list mac '00:11:22:33:44:77'

config host
	option name 'broken'
	option mac 'not-a-mac'
`

describe('static leases from /etc/config/dhcp', () => {
  it('reads name, every MAC of a section and the IPv4 address', () => {
    expect(parseDhcpHosts(DHCP)).toEqual([
      { name: 'laptop', macs: ['00:11:22:33:44:55'], ip: '192.168.1.50' },
      { name: 'tv', macs: ['00:11:22:33:44:66', 'aa:bb:cc:dd:ee:01'], ip: '' },
      { name: '', macs: ['00:11:22:33:44:77'], ip: '' },
    ])
  })

  it('skips a host section without a usable MAC', () => {
    expect(parseDhcpHosts(DHCP).some((h) => h.name === 'broken')).toBe(false)
  })

  it('throws a syntax error for text that is not UCI', () => {
    expect(() => parseDhcpHosts("config host\n\toption name 'x")).toThrow(UciSyntaxError)
  })
})
