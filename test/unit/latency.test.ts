import { describe, expect, it } from 'vitest'
import type { Profile } from '../../applet/src/core/config/types'
import { parsePingAvg } from '../../applet/src/core/observe/ping'
import { latencyTargets, rankLatency } from '../../applet/src/core/tunnel/latency'
import { FakeHost } from '../../applet/src/host/fake'
import { measureLatency, pingArgv } from '../../applet/src/system/latency'

const BUSYBOX = `PING 198.51.100.1 (198.51.100.1): 56 data bytes

--- 198.51.100.1 ping statistics ---
3 packets transmitted, 3 packets received, 0% packet loss
round-trip min/avg/max = 20.101/24.532/30.777 ms
`
const IPUTILS = `PING vpn.example.net (203.0.113.5) 56(84) bytes of data.

--- vpn.example.net ping statistics ---
3 packets transmitted, 3 received, 0% packet loss, time 2003ms
rtt min/avg/max/mdev = 11.2/12.75/14.0/1.1 ms
`
const LOST = `--- 198.51.100.9 ping statistics ---
3 packets transmitted, 0 packets received, 100% packet loss
`

describe('parsePingAvg', () => {
  it('reads the average from BusyBox and iputils summaries', () => {
    expect(parsePingAvg(BUSYBOX)).toBe(24.532)
    expect(parsePingAvg(IPUTILS)).toBe(12.75)
  })

  it('gives null when nothing came back', () => {
    expect(parsePingAvg(LOST)).toBeNull()
    expect(parsePingAvg('')).toBeNull()
  })
})

describe('rankLatency', () => {
  it('puts the fastest first and unreachable ones last, keeping input order for ties', () => {
    const { ranked, fastest } = rankLatency([
      { id: 'a', ms: null, error: 'no reply' },
      { id: 'b', ms: 40 },
      { id: 'c', ms: 12 },
      { id: 'd', ms: 40 },
      { id: 'e', ms: null, error: 'no reply' },
    ])
    expect(ranked.map((r) => r.id)).toEqual(['c', 'b', 'd', 'a', 'e'])
    expect(fastest).toBe('c')
  })

  it('has no fastest when nothing answered', () => {
    expect(rankLatency([{ id: 'a', ms: null }]).fastest).toBeNull()
    expect(rankLatency([]).fastest).toBeNull()
  })
})

describe('latencyTargets', () => {
  it("takes each profile's first WireGuard peer or first OpenVPN remote", () => {
    const wg: Profile = {
      id: 'ams',
      label: 'Amsterdam',
      type: 'wireguard',
      addresses: [],
      dns: [],
      dnsSearch: [],
      mtu: 0,
      peers: [
        {
          publicKey: 'k',
          endpointHost: 'ams.example.net',
          endpointPort: 51820,
          allowedIps: [],
          persistentKeepalive: 0,
          hasPresharedKey: false,
        },
      ],
    }
    const ovpn: Profile = {
      ...wg,
      id: 'sto',
      type: 'openvpn',
      peers: [],
      remotes: [{ host: '198.51.100.7', port: 443, proto: 'tcp' }],
    }
    expect(latencyTargets([wg, ovpn, { ...ovpn, id: 'none', remotes: [] }])).toEqual([
      { id: 'ams', host: 'ams.example.net', port: 51820, proto: 'udp' },
      { id: 'sto', host: '198.51.100.7', port: 443, proto: 'tcp' },
    ])
  })
})

describe('measureLatency', () => {
  it('pings each endpoint over the default route and reports the average or the reason', async () => {
    const host = new FakeHost()
    host.onExec(['ping'], { code: 1, stdout: LOST })
    host.onExec(['ping', '-c', '3', '-W', '2', '-q', 'a.example.net'], { stdout: BUSYBOX })
    host.onExec(['ping', '-c', '3', '-W', '2', '-q', 'nx.example.net'], {
      code: 1,
      stderr: "ping: bad address 'nx.example.net'",
    })
    const results = await measureLatency(host, [
      { id: 'a', host: 'a.example.net', port: 51820, proto: 'udp' },
      { id: 'b', host: '198.51.100.9', port: 51820, proto: 'udp' },
      { id: 'c', host: 'nx.example.net', port: 1194, proto: 'udp' },
    ])
    expect(results).toEqual([
      { id: 'a', ms: 24.532 },
      { id: 'b', ms: null, error: 'no reply' },
      { id: 'c', ms: null, error: 'the host name does not resolve' },
    ])
    expect(host.transcript.every((c) => c.argv[0] === 'ping' && !c.argv.includes('-m'))).toBe(true)
  })

  it('never passes something that looks like an option as the host', async () => {
    const host = new FakeHost()
    const [r] = await measureLatency(host, [{ id: 'x', host: '-f', port: 1, proto: 'udp' }])
    expect(r.ms).toBeNull()
    expect(host.transcript).toEqual([])
  })

  it('runs at most four pings at a time', async () => {
    const host = new FakeHost()
    let running = 0
    let peak = 0
    const exec = host.exec.bind(host)
    host.exec = async (argv, opts) => {
      running++
      peak = Math.max(peak, running)
      await new Promise((r) => setImmediate(r))
      running--
      return exec(argv, opts)
    }
    const targets = Array.from({ length: 10 }, (_, i) => ({
      id: `p${i}`,
      host: `p${i}.example.net`,
      port: 51820,
      proto: 'udp' as const,
    }))
    const results = await measureLatency(host, targets)
    expect(results.map((r) => r.id)).toEqual(targets.map((t) => t.id))
    expect(peak).toBe(4)
  })

  it('binds to a device or marks the probes when the engine asks', () => {
    expect(pingArgv('a.example.net', { device: 'eth1', mark: 0x10000 })).toEqual([
      'ping',
      '-c',
      '3',
      '-W',
      '2',
      '-q',
      '-I',
      'eth1',
      '-m',
      '65536',
      'a.example.net',
    ])
  })
})
