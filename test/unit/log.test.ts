import { describe, expect, it } from 'vitest'
import { FakeHost } from '../../applet/src/host/fake'
import { withLogLevel } from '../../applet/src/system/log'

describe('the log', () => {
  it('drops messages below the level', () => {
    const fake = new FakeHost()
    const host = withLogLevel(fake, 'notice')
    host.log('info', 'quiet')
    host.log('notice', 'loud')
    expect(fake.logs).toEqual([{ level: 'notice', message: 'loud' }])
  })

  it('writes no address, MAC, key or domain below debug, whatever the message quotes', () => {
    const fake = new FakeHost()
    const host = withLogLevel(fake, 'debug')
    host.log(
      'err',
      'reconciling: nft exited 1: ether saddr 02:00:00:00:50:01 ip daddr 198.51.100.2 fd64::2 via vpn.example.com key o3+LdGXKA4fu5I1xAIJ/SJ/pQ9nPt/ukL0lND9Wigkk='
    )
    const line = fake.logs[0].message
    for (const s of ['02:00:00:00:50:01', '198.51.100.2', 'fd64::2', 'vpn.example.com', 'o3+LdGX'])
      expect(line).not.toContain(s)
    expect(line).toContain('reconciling: nft exited 1')
  })

  it('keeps debug lines whole (the user asked for them)', () => {
    const fake = new FakeHost()
    withLogLevel(fake, 'debug').log('debug', '[#] ping -c 1 10.64.0.1')
    expect(fake.logs[0].message).toBe('[#] ping -c 1 10.64.0.1')
  })

  it('redacts the names lanvpn knows below debug, which no pattern recognises', () => {
    const fake = new FakeHost()
    const host = withLogLevel(fake, 'notice')
    host.setLogNames(['Johns-iPhone', 'Living room', ''])
    host.log('warning', 'device "Johns-iPhone" (Living room) left; JOHNS-IPHONE is back')
    expect(fake.logs[0].message).toBe(
      'device "[redacted-name]" ([redacted-name]) left; [redacted-name] is back'
    )
  })
})
