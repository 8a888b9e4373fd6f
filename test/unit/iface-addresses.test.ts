// The tunnel's addresses are set in place when the daemon restarts on a tunnel that exists: an
// address it keeps is never removed, not even for a moment.
import { describe, expect, it } from 'vitest'
import { addressLines, parseIfaceAddresses } from '../../applet/src/core/observe/ip'

const SHOW = JSON.stringify([
  {
    ifname: 'lanvpn0',
    addr_info: [
      { family: 'inet', local: '10.64.0.2', prefixlen: 32, scope: 'global' },
      { family: 'inet6', local: 'fd00:64::2', prefixlen: 128, scope: 'global' },
      { family: 'inet6', local: 'fe80::1', prefixlen: 64, scope: 'link' },
    ],
  },
])

describe('the tunnel interface addresses', () => {
  it('reads what the interface has, without the kernel’s link-local address', () => {
    expect(parseIfaceAddresses(SHOW)).toEqual(['10.64.0.2/32', 'fd00:64::2/128'])
    expect(parseIfaceAddresses('')).toEqual([])
    expect(parseIfaceAddresses('not json')).toEqual([])
  })

  it('keeps the addresses the location still has and removes only the others', () => {
    const present = parseIfaceAddresses(SHOW)
    expect(addressLines('lanvpn0', present, ['10.64.0.2/32', 'FD00:64::2/128'])).toEqual([
      'address replace 10.64.0.2/32 dev lanvpn0',
      'address replace FD00:64::2/128 dev lanvpn0',
    ])
    expect(addressLines('lanvpn0', present, ['10.64.0.9'])).toEqual([
      'address del 10.64.0.2/32 dev lanvpn0',
      'address del fd00:64::2/128 dev lanvpn0',
      'address replace 10.64.0.9 dev lanvpn0',
    ])
  })

  it('sets every address on a new interface', () => {
    expect(addressLines('lanvpn0', [], ['10.64.0.2/32'])).toEqual([
      'address replace 10.64.0.2/32 dev lanvpn0',
    ])
  })
})
