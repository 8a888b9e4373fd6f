import { describe, expect, it } from 'vitest'
import { parseConntrackDeleted } from '../../applet/src/core/observe/conntrack'
import { parseHostapdClients, parseHostapdObjects } from '../../applet/src/core/observe/hostapd'

describe('hostapd clients over ubus', () => {
  it('lists the hostapd objects of `ubus list`', () => {
    expect(parseHostapdObjects('hostapd.wlan0\nhostapd.wlan1-1\n\nbogus\n')).toEqual([
      'hostapd.wlan0',
      'hostapd.wlan1-1',
    ])
  })

  it('takes the associated clients of get_clients, keyed by MAC', () => {
    const reply = {
      freq: 2412,
      clients: {
        '02:00:00:00:50:01': { auth: true, assoc: true, authorized: true },
        'AA:BB:CC:DD:EE:FF': { auth: true, assoc: true },
        '02:00:00:00:50:09': { auth: true, assoc: false },
      },
    }
    expect(parseHostapdClients(JSON.stringify(reply))).toEqual([
      '02:00:00:00:50:01',
      'aa:bb:cc:dd:ee:ff',
    ])
  })

  it('gives nothing for an answer it does not understand', () => {
    expect(parseHostapdClients('')).toEqual([])
    expect(parseHostapdClients('{"clients":[]}')).toEqual([])
    expect(parseHostapdClients('null')).toEqual([])
  })
})

describe('conntrack -D answers', () => {
  it('reads how many entries were deleted, zero included', () => {
    const zero = 'conntrack v1.4.7 (conntrack-tools): 0 flow entries have been deleted.\n'
    expect(parseConntrackDeleted(zero)).toBe(0)
    expect(parseConntrackDeleted(zero.replace('0 flow', '3 flow'))).toBe(3)
  })

  it('gives null for a real failure', () => {
    expect(parseConntrackDeleted('conntrack v1.4.7 (conntrack-tools): Operation failed')).toBeNull()
  })
})
