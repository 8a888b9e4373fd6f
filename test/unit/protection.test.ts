import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseProofCounters } from '../../applet/src/core/observe/proof'
import { renderNftTable, type NftModel } from '../../applet/src/core/render/nft'
import { renderProofArm } from '../../applet/src/core/render/proof'
import { judgeProtection, type ProtectionAnswer } from '../../applet/src/core/devices/protection'
import { describeProtection } from '../../applet/src/core/devices/protection-text'

// `nft -j list sets table inet lanvpn` captured in namespaces (nft 1.0.6, kernel 6.x): the
// with-profile golden table, 02:00:00:00:50:01 direct and 02:00:00:00:50:05 vpn (default mode,
// no tunnel), both armed; the direct one pinged out by the WAN three times, the vpn one pinged
// twice and sent one DNS lookup, all stopped by the kill switch.
const CAPTURED = readFileSync(new URL('../fixtures/nft-proof-sets.json', import.meta.url), 'utf8')

const model: NftModel = {
  devices: { vpn: [], direct: ['02:00:00:00:50:01'], mediastreamer: [], blocked: [] },
  defaultMode: 'vpn',
  lan: { managed: ['br-lan'], direct: [], blocked: ['br-guest'] },
  tunnelIface: 'lanvpn0',
  vpnBypassed: false,
  tunnelCarriesV6: false,
  tunnelDns: { v4: ['10.64.0.1'], v6: [] },
  smartDns: { v4: [], v6: [] },
  routerViaWan: '',
}

describe('reading one device’s proof counters', () => {
  it('reads what left by the WAN for the direct device, and nothing through the tunnel', () => {
    expect(parseProofCounters(CAPTURED, '02:00:00:00:50:01')).toEqual({
      counters: { tunnel: 0, wan: 3, stopped: 0, dns: 0, ipv6: 3 },
      elapsedSeconds: 5,
    })
  })

  it('reads the kill switch’s drops and the DNS lookup of the vpn device, none by the WAN', () => {
    expect(parseProofCounters(CAPTURED, '02:00:00:00:50:05')).toEqual({
      counters: { tunnel: 0, wan: 0, stopped: 6, dns: 1, ipv6: 0 },
      elapsedSeconds: 4,
    })
  })

  it('says a device nobody asked about is not being counted', () => {
    expect(parseProofCounters(CAPTURED, '02:00:00:00:50:09')).toBeNull()
  })

  it('says a device missing from one set (its time ran out there first) is not being counted', () => {
    const doc = JSON.parse(CAPTURED)
    for (const item of doc.nftables)
      if (item.set?.name === 'proof_dns') item.set.elem = item.set.elem.slice(0, 1)
    expect(parseProofCounters(JSON.stringify(doc), '02:00:00:00:50:05')).toBeNull()
  })

  it('reads output that is not nft’s JSON as not counted', () => {
    expect(parseProofCounters('Error: No such file or directory', '02:00:00:00:50:01')).toBeNull()
    expect(parseProofCounters('{"nftables": 3}', '02:00:00:00:50:01')).toBeNull()
  })
})

describe('the proof rules in the table', () => {
  const table = renderNftTable(model)
  const chain = (name: string) => {
    const start = table.indexOf(`\tchain ${name} {`)
    const lines = table.slice(start, table.indexOf('\t}', start)).split('\n').slice(1)
    return lines.filter((l) => l.trim() !== '' && !l.trim().startsWith('type '))
  }

  it('declares the proof sets empty, with per-element counters and timeouts', () => {
    expect(table).toContain('\tset proof {\n\t\ttype ether_addr\n\t\tflags timeout\n\t}')
    for (const name of ['tunnel', 'wan', 'stopped', 'dns', 'ipv6'])
      expect(table).toContain(
        `\tset proof_${name} {\n\t\ttype ether_addr\n\t\tflags timeout\n\t\tcounter\n\t}`
      )
  })

  it('leaves the kill switch’s drops as they were, each after a counting rule with its match', () => {
    const all = chain('killswitch').map((l) => l.trim())
    // The last drop is the tunnel's own traffic (no device's: nothing to count).
    expect(all[all.length - 1]).toMatch(/^iifname "lanvpn0" oifname != .* drop$/)
    const rules = all.slice(0, -1)
    expect(rules.filter((r) => !r.includes('@proof'))).toEqual([
      'meta mark & 0x0f000000 == 0x03000000 drop',
      'meta mark & 0x0f000000 == 0x01000000 oifname != "lanvpn0" drop',
      'meta mark & 0x0f000000 == 0x01000000 meta nfproto ipv6 drop',
    ])
    for (let i = 0; i < rules.length; i += 2) {
      expect(rules[i]).toBe(rules[i + 1].replace(/ drop$/, ' ether saddr @proof_stopped'))
    }
  })

  it('counts only for asked-about devices what leaves, by the tunnel or anything else', () => {
    expect(chain('proof_count').map((l) => l.trim())).toEqual([
      'ether saddr != @proof return',
      'oifname { "br-lan", "br-guest" } return',
      'oifname "lanvpn0" ether saddr @proof_tunnel',
      'oifname != "lanvpn0" ether saddr @proof_wan',
      'meta nfproto ipv6 ether saddr @proof_ipv6',
    ])
  })

  it('counts vpn DNS lookups sent to the tunnel’s resolver, and stopped for a family without one', () => {
    expect(chain('dns_vpn').map((l) => l.trim())).toEqual([
      'meta nfproto ipv4 ether saddr @proof_dns',
      'meta nfproto ipv4 dnat ip to 10.64.0.1',
      'meta nfproto ipv6 ether saddr @proof_stopped',
      'meta nfproto ipv6 drop',
    ])
  })

  it('arms one device in every proof set from zero, whether it was there or not', () => {
    const script = renderProofArm('02:00:00:00:50:01', 600)
    expect(script.split('\n').slice(0, 3)).toEqual([
      'add element inet lanvpn proof { 02:00:00:00:50:01 }',
      'delete element inet lanvpn proof { 02:00:00:00:50:01 }',
      'add element inet lanvpn proof { 02:00:00:00:50:01 timeout 600s }',
    ])
    expect(script.match(/timeout 600s/g)).toHaveLength(6)
  })
})

describe('the verdict', () => {
  const zero = { tunnel: 0, wan: 0, stopped: 0, dns: 0, ipv6: 0 }
  const answer = (over: Partial<ProtectionAnswer>): ProtectionAnswer => ({
    mac: '02:00:00:00:50:01',
    name: 'laptop',
    mode: 'vpn',
    verdict: 'quiet',
    counters: zero,
    sinceWallMs: 0,
    untilWallMs: 600_000,
    started: false,
    ...over,
  })

  it('calls a device protected when it used the tunnel and nothing left by the WAN', () => {
    const counters = { ...zero, tunnel: 1234, dns: 7 }
    expect(judgeProtection(counters)).toBe('protected')
    const text = describeProtection(
      answer({ counters, verdict: 'protected' }),
      (ms) => `t+${ms / 1000}s`
    )
    expect(text).toContain(
      'laptop (02:00:00:00:50:01), mode vpn: protected: 1,234 packets through the tunnel, 0 left by the WAN'
    )
    expect(text).toContain('counted since t+0s, until t+600s')
  })

  it('says NOT protected for any packet by the WAN, whatever went through the tunnel', () => {
    expect(judgeProtection({ ...zero, tunnel: 500, wan: 1 })).toBe('wan')
  })

  it('says the kill switch held when everything was stopped', () => {
    expect(judgeProtection({ ...zero, stopped: 3 })).toBe('stopped')
  })

  it('says nothing was sent yet when the question just started the counting', () => {
    const text = describeProtection(answer({ started: true }), () => '12:00')
    expect(text).toContain('nothing sent yet: use the device, then ask again')
    expect(text).toContain('counting started now, until 12:00')
  })
})
