import { describe, expect, it } from 'vitest'
import { isLinkChange } from '../../applet/src/core/observe/monitor'

// Lines as `ip monitor link` (iproute2 6.x) prints them.
describe('ip monitor link: which lines make the daemon read the LAN again', () => {
  const own = ['lanvpn0', 'lanvpn0b']

  it('a device added, changed, renamed or deleted', () => {
    expect(
      isLinkChange('7: br-lan.1@br-lan: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500', own)
    ).toBe(true)
    expect(
      isLinkChange('3: br-lan: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN', own)
    ).toBe(true)
    expect(isLinkChange('Deleted 9: br-guest: <BROADCAST,MULTICAST> mtu 1500', own)).toBe(true)
  })

  it("not lanvpn's own tunnel or the failback check's side interface", () => {
    expect(isLinkChange('12: lanvpn0: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1420', own)).toBe(false)
    expect(isLinkChange('Deleted 13: lanvpn0b: <POINTOPOINT,NOARP> mtu 1420', own)).toBe(false)
  })

  it('not the lines that continue a device', () => {
    expect(isLinkChange('    link/ether 02:00:00:00:50:fe brd ff:ff:ff:ff:ff:ff', own)).toBe(false)
    expect(isLinkChange('', own)).toBe(false)
  })
})
