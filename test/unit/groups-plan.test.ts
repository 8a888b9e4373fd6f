import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../applet/src/core/config/validate'
import { desiredState, diffState, type Observed } from '../../applet/src/core/plan/plan'
import { membershipOf, movedMacs } from '../../applet/src/core/render/nft-sets'

const KEY = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg='
const text = (tvGroup: string) => `
config globals 'globals'
\toption active_profile 'home'
\toption connect '1'

config profile 'home'
\tlist address '10.64.0.2/32'
\tlist dns '10.64.0.1'
\toption public_key '${KEY}'
\toption endpoint_host '203.0.113.10'

config profile 'uk'
\toption type 'openvpn'
\tlist dns '10.8.0.1'
\tlist remote 'uk.vpn.example 1194 udp'

config profile 'us'
\tlist address '10.65.0.2/32'
\tlist dns '10.65.0.1'
\toption public_key '${KEY}'
\toption endpoint_host '203.0.113.20'

config group 'tv_uk'
\toption profile 'uk'

config group 'work'
\toption profile 'us'

config device 'd_020000005004'
\toption mac '02:00:00:00:50:04'
\toption mode 'vpn'
${tvGroup ? `\toption group '${tvGroup}'\n` : ''}`

const seen = [{ mac: '02:00:00:00:50:04', ipv4: ['192.168.1.104'], ipv6: [] }]
const desired = (group: string) =>
  desiredState(parseConfig(text(group)).config, { profile: null, up: false }, 'lanvpn0', seen)

describe('moving a device between groups', () => {
  it('is one transaction of set changes, its connections dropped, its source rule moved', () => {
    const before = desired('tv_uk')
    const after = desired('work')
    const observed: Observed = {
      nftHash: before.nftHash,
      fw4Include: before.fw4Include,
      ip4: before.ip4,
      ip6: before.ip6,
    }
    const steps = diffState(after, observed, { model: before.model, hash: before.nftHash })
    expect(steps.map((s) => s.kind)).toEqual(['nft-sets', 'ip-batch', 'persist-include'])
    const sets = steps[0].kind === 'nft-sets' ? steps[0].script : ''
    expect(sets).toBe(
      [
        'flush set inet lanvpn vpn_group1',
        'flush set inet lanvpn vpn_group2',
        'add element inet lanvpn vpn_group2 { 02:00:00:00:50:04 }',
        'flush chain inet lanvpn applied',
        `add rule inet lanvpn applied meta mark ${after.nftHash}`,
        '',
      ].join('\n')
    )
    expect(steps[1]).toEqual({
      kind: 'ip-batch',
      family: 4,
      lines: [
        'rule add from 192.168.1.104/32 lookup 5203 priority 5222',
        'rule del priority 5221 from 192.168.1.104/32',
      ],
    })
    expect(movedMacs(membershipOf(before.model), membershipOf(after.model))).toEqual([
      '02:00:00:00:50:04',
    ])
  })

  it('counts a move to the default group and back as a move too', () => {
    const home = desired('')
    const tv = desired('tv_uk')
    expect(home.model.devices.vpn).toEqual(['02:00:00:00:50:04'])
    expect(movedMacs(membershipOf(home.model), membershipOf(tv.model))).toEqual([
      '02:00:00:00:50:04',
    ])
    expect(tv.devices.vpn).toBe(1)
  })

  it('leaves the model of a config without groups as it was before groups', () => {
    const { config } = parseConfig(text('').replace(/config group[\s\S]*?(?=config device)/, ''))
    const d = desiredState(config, { profile: null, up: false }, 'lanvpn0', seen)
    expect('groups' in d.model).toBe(false)
  })
})
