import { describe, expect, it } from 'vitest'
import {
  isLinkChange,
  newNftTransaction,
  readNftLine,
  tamperedTables as tamperedOf,
} from '../../applet/src/core/observe/monitor'

/** The tables a transaction of these lines changed by another hand. */
const tamperedTables = (lines: string[]) => {
  const tx = newNftTransaction()
  for (const line of lines) readNftLine(tx, line)
  return tamperedOf(tx)
}

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

// Transactions as `nft monitor` (nftables 1.0.6) prints them, each ended by its generation line.
describe("nft monitor: which transactions changed one of lanvpn's tables in part", () => {
  it('one kill-switch rule deleted by its handle, or an accept inserted: that table', () => {
    expect(tamperedTables(['delete rule inet lanvpn killswitch handle 12'])).toEqual(['lanvpn'])
    expect(tamperedTables(['insert rule inet lanvpn_rules dest_rules accept'])).toEqual([
      'lanvpn_rules',
    ])
    // Drift, too: a reconcile at once.
    expect(readNftLine(newNftTransaction(), 'insert rule inet lanvpn killswitch accept')).toBe(true)
    expect(readNftLine(newNftTransaction(), 'flush table inet lanvpn')).toBe(true)
    expect(
      readNftLine(newNftTransaction(), 'add element inet lanvpn vpn_devices { 02:00:00:00:50:01 }')
    ).toBe(false)
    expect(readNftLine(newNftTransaction(), 'add rule inet fw4 forward accept')).toBe(false)
    // `nft flush table`: every rule, the hash's too.
    expect(
      tamperedTables([
        'delete rule inet lanvpn killswitch handle 7',
        'delete rule inet lanvpn applied handle 6',
      ])
    ).toEqual(['lanvpn'])
  })

  it("not the daemon's own: a table replaced whole (its deletes come first), a membership update", () => {
    const replaced = [
      'delete rule inet lanvpn killswitch handle 4',
      'delete chain inet lanvpn killswitch',
      'delete table inet lanvpn',
      'add table inet lanvpn',
      'add chain inet lanvpn killswitch { type filter hook forward priority filter - 10; policy accept; }',
      'add rule inet lanvpn killswitch meta mark & 0x000000ff == 0x00000003 counter drop',
    ]
    expect(tamperedTables(replaced)).toEqual([])
    // A table deleted (a firewall stop) is not changed in part: its hash is gone with it.
    expect(tamperedTables(replaced.slice(0, 3))).toEqual([])
    expect(
      tamperedTables([
        'delete rule inet lanvpn applied handle 31',
        'add rule inet lanvpn applied meta mark 0x1a2b3c4d',
      ])
    ).toEqual([])
    expect(tamperedTables(['add rule inet fw4 forward accept'])).toEqual([])
  })

  it("a device taken out of its set (or put in) without the table's new hash: the main table", () => {
    expect(
      tamperedTables(['delete element inet lanvpn vpn_devices { 02:00:00:00:50:01 }'])
    ).toEqual(['lanvpn'])
    expect(tamperedTables(['add element inet lanvpn vpn_group2 { 02:00:00:00:50:01 }'])).toEqual([
      'lanvpn',
    ])
    // The daemon's membership update: the sets and the hash in one transaction.
    expect(
      tamperedTables([
        'delete element inet lanvpn vpn_devices { 02:00:00:00:50:01 }',
        'add element inet lanvpn direct_devices { 02:00:00:00:50:01 }',
        'delete rule inet lanvpn applied handle 31',
        'add rule inet lanvpn applied meta mark 0x1a2b3c4d',
      ])
    ).toEqual([])
    // Not the device sets: a proof's set (its own timeouts), a rule's DNS set (dnsmasq's answers).
    expect(
      tamperedTables([
        'add element inet lanvpn proof_tunnel { 02:00:00:00:50:01 timeout 120s }',
        'add element inet lanvpn_rules rule1_dns4 { 192.0.2.12 timeout 1d }',
      ])
    ).toEqual([])
  })
})
