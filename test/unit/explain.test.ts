import { describe, expect, it } from 'vitest'
import { explainDevice, type ExplainInput } from '../../applet/src/core/devices/explain'
import { explainText } from '../../applet/src/core/devices/explain-text'

/** The explanation with its English (`lanvpn explain`) beside the codes. */
const explain = (i: ExplainInput) => {
  const e = explainDevice(i)
  return { ...e, ...explainText(e) }
}

const input = (over: Partial<ExplainInput> = {}, device: Partial<ExplainInput['device']> = {}) =>
  ({
    device: {
      mac: '00:11:22:33:44:55',
      mode: 'vpn',
      modeIsDefault: false,
      privateMac: false,
      online: true,
      ...device,
    },
    globals: { enabled: true, defaultMode: 'vpn', killSwitch: 'always', ipv6: true, connect: true },
    tunnel: { state: 'connected', profileLabel: 'Amsterdam' },
    hasProfiles: true,
    hasSmartDns: true,
    ...over,
  }) as ExplainInput

describe('explaining how a device is routed', () => {
  it('says a vpn device goes through the tunnel, naming the location and that the user chose it', () => {
    const e = explain(input())
    expect(e.summaryCode).toBe('vpn_tunnel_up')
    expect(e.summary).toContain('Amsterdam')
    expect(e.reasonCodes).toEqual(['mode_chosen'])
    expect(e.reasons).toHaveLength(e.reasonCodes.length)
    expect(e.params).toMatchObject({ mode: 'vpn', profile: 'Amsterdam', tunnelState: 'connected' })
  })

  it('says the kill switch blocks a vpn device while the tunnel is down', () => {
    const e = explain(input({ tunnel: { state: 'reconnecting', profileLabel: 'Amsterdam' } }))
    expect(e.summaryCode).toBe('vpn_killswitch_blocks')
    expect(e.summary).toMatch(/kill switch blocks/)
  })

  it('says a vpn device uses the WAN after a manual disconnect under kill switch auto', () => {
    const globals = {
      enabled: true,
      defaultMode: 'vpn',
      killSwitch: 'auto',
      ipv6: true,
      connect: false,
    } as const
    const e = explain(input({ globals, tunnel: { state: 'disconnected', profileLabel: '' } }))
    expect(e.summaryCode).toBe('vpn_auto_wan')
  })

  it('uses the WAN before the first connect, and says the kill switch starts then', () => {
    const globals = {
      enabled: true,
      defaultMode: 'vpn',
      killSwitch: 'always',
      ipv6: true,
      connect: false,
      armed: false,
    } as const
    const e = explain(input({ globals, tunnel: { state: 'disconnected', profileLabel: '' } }))
    expect(e.summaryCode).toBe('vpn_not_armed')
    expect(e.summary).toMatch(/kill switch starts at the first connect/)
  })

  it('still blocks after a manual disconnect when the kill switch is always', () => {
    const globals = {
      enabled: true,
      defaultMode: 'vpn',
      killSwitch: 'always',
      ipv6: true,
      connect: false,
    } as const
    const e = explain(input({ globals, tunnel: { state: 'disconnected', profileLabel: '' } }))
    expect(e.summaryCode).toBe('vpn_killswitch_blocks')
  })

  it('says vpn devices use the WAN while no location is set up', () => {
    expect(explain(input({ hasProfiles: false })).summaryCode).toBe('vpn_no_profile')
  })

  it('says a device without a mode of its own follows the default, and why a private MAC matters', () => {
    const e = explain(input({}, { modeIsDefault: true, privateMac: true, online: false }))
    expect(e.reasonCodes).toEqual(['mode_default', 'private_mac', 'offline'])
    expect(e.reasons[0]).toContain('default mode')
  })

  it('explains direct, mediastreamer and blocked without regard to the tunnel', () => {
    const down = { tunnel: { state: 'failed', profileLabel: '' } }
    expect(explain(input(down, { mode: 'direct' })).summaryCode).toBe('direct_wan')
    expect(explain(input(down, { mode: 'mediastreamer' })).summaryCode).toBe('ms_smart_dns')
    expect(
      explain(input({ ...down, hasSmartDns: false }, { mode: 'mediastreamer' })).summaryCode
    ).toBe('ms_no_servers')
    const blocked = explain(input(down, { mode: 'blocked' }))
    expect(blocked.summaryCode).toBe('blocked')
    expect(blocked.reasonCodes).toContain('tunnel_irrelevant')
  })

  it('mentions dropped IPv6 for a vpn device when IPv6 through the tunnel is off', () => {
    const globals = {
      enabled: true,
      defaultMode: 'vpn',
      killSwitch: 'always',
      ipv6: false,
      connect: true,
    } as const
    expect(explain(input({ globals })).reasonCodes).toContain('vpn_ipv6_dropped')
  })

  it('says everything uses the WAN when lanvpn is switched off', () => {
    const globals = {
      enabled: false,
      defaultMode: 'vpn',
      killSwitch: 'always',
      ipv6: true,
      connect: true,
    } as const
    const e = explain(input({ globals }))
    expect(e.summaryCode).toBe('disabled')
    expect(e.reasons).toEqual([])
  })

  it('names the group and its tunnel when the household has groups', () => {
    const group = {
      id: 'tv_uk',
      label: 'TV (UK)',
      tunnelIface: 'lanvpn1',
      killSwitch: 'always' as const,
      connect: true,
    }
    const up = explain(input({ group, tunnel: { state: 'connected', profileLabel: 'London' } }))
    expect(up.summaryCode).toBe('vpn_tunnel_up')
    expect(up.summary).toBe(
      'Its traffic and DNS go through the tunnel of the group TV (UK) (London).'
    )
    expect(up.reasonCodes).toEqual(['mode_chosen', 'vpn_group'])
    expect(up.reasons[1]).toContain('TV (UK)')
    expect(up.reasons[1]).toContain('lanvpn1')
    expect(up.params).toMatchObject({ group: 'TV (UK)', tunnel: 'lanvpn1', profile: 'London' })
    const down = explain(
      input({ group, tunnel: { state: 'disconnected', profileLabel: 'London' } })
    )
    expect(down.summaryCode).toBe('vpn_killswitch_blocks')
    expect(down.summary).toMatch(/^The tunnel of the group TV \(UK\) is disconnected/)
  })

  it("follows the group's own kill switch, not the household's", () => {
    const group = {
      id: 'kids',
      label: '',
      tunnelIface: 'lanvpn3',
      killSwitch: 'auto' as const,
      connect: false,
    }
    const tunnel = { state: 'disconnected', profileLabel: 'Frankfurt' }
    expect(explain(input({ group, tunnel })).summaryCode).toBe('vpn_auto_wan')
    const closed = { ...group, killSwitch: 'always' as const }
    const globals = {
      enabled: true,
      defaultMode: 'vpn' as const,
      killSwitch: 'auto' as const,
      ipv6: true,
      connect: false,
    }
    expect(explain(input({ group: closed, globals, tunnel })).summaryCode).toBe(
      'vpn_killswitch_blocks'
    )
  })

  it('says a device of the default group is held to the default tunnel once there are groups', () => {
    const group = {
      id: '',
      label: '',
      tunnelIface: 'lanvpn0',
      killSwitch: 'always' as const,
      connect: true,
    }
    const e = explain(input({ group }))
    expect(e.reasonCodes).toEqual(['mode_chosen', 'vpn_group_default'])
    expect(e.summary).toBe('Its traffic and DNS go through the VPN tunnel (Amsterdam).')
  })
})
