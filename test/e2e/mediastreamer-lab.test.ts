/*
 * MediaStreamer registration in the lab: the real daemon runs in the router namespace, connected
 * to the VPN with the router's own traffic sent through the tunnel (router_via_vpn), and registers
 * with the provider fixture in inet.
 *
 *   <lab>-router  wan 198.51.100.2 (later .3, later 100.64.0.2 behind inet's CGNAT)
 *        |        lanvpn daemon, <lab>tun: WireGuard to vpn, the router's own traffic through it
 *        |
 *   <lab>-inet    to-router 198.51.100.1 (+ 100.64.0.1: CGNAT, SNAT to 198.51.100.77)
 *        |        provider fixture https://192.0.2.2 (/activate, /nic/update, /ip echo), lab CA
 *        |        smart DNS 192.0.2.54 (stream.lab.test), echo http://192.0.2.1
 *   [ br-inet ]
 *        |
 *   <lab>-vpn     203.0.113.10, <lab>srv 10.64.0.1 (NAT out)
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  cleanupLabDaemon,
  LAB_BUNDLE,
  labDaemonRejections,
  labRuntimeArgv,
  labSection,
  labStatus,
  startLabDaemon,
  writeLabConfig,
  writeLabProfile,
} from './daemon-lab'
import { Lab, labOrFail, waitFor, type LabProcess } from './lab'
import { mediastreamerMessage } from '../../applet/src/core/mediastreamer/wan-text'
import type { MediastreamerStatus } from '../../applet/src/core/api/status'

type ProviderRequest = { t: number; path: string; src: string; ip?: string; token?: string }
const TOKEN = 'lab-token&s3cret'

describe.runIf(labOrFail())('MediaStreamer registration in the lab', () => {
  let lab: Lab
  let work: string
  let daemon: LabProcess

  const requests = (): ProviderRequest[] => {
    const file = `${lab.stateDir}/provider/requests.jsonl`
    if (!existsSync(file)) return []
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ProviderRequest)
  }
  const activations = () => requests().filter((r) => r.path === '/activate')
  const daemonStatus = () => labStatus(work) ?? {}
  const status = (): Record<string, unknown> => daemonStatus().mediastreamer ?? {}
  /** What the interface hotplug hook (hotplug.d/iface/90-lanvpn) runs for the WAN. */
  const hotplug = () =>
    lab.exec(
      'router',
      ['env', `LANVPN_PREFIX=${work}`, ...labRuntimeArgv(), LAB_BUNDLE, 'wan-event', 'ifupdate'],
      { check: true }
    )
  const router = (argv: string[]) => lab.exec('router', argv, { check: true })
  const inet = (argv: string[]) => lab.exec('inet', argv, { check: true })

  beforeAll(async () => {
    lab = await Lab.up()
    work = mkdtempSync(join(tmpdir(), 'lanvpn-ms-lab-'))
    if (!existsSync(LAB_BUNDLE)) throw new Error('run `npm run build` first (dist/root is missing)')
    const home = writeLabProfile(work, 'home', lab.clientConf('vpn'))
    writeFileSync(`${work}/etc/lanvpn/secrets/ms_token`, TOKEN, { mode: 0o600 })
    writeLabConfig(
      work,
      {
        wan_interface: 'wan',
        connect: '1',
        active_profile: 'home',
        router_via_vpn: '1',
        health_interval: '2',
      },
      home,
      labSection('mediastreamer', 'mediastreamer', {
        enabled: '1',
        method: 'http',
        url: 'https://192.0.2.2/activate?ip={ip}&token={token}',
        success_match: 'OK',
        dns_server: ['192.0.2.54'],
        ip_echo_url: ['https://192.0.2.2/ip'],
      })
    )
  })

  afterAll(async () => {
    await daemon?.kill()
    if (lab && work) await cleanupLabDaemon(lab, work, { iface: `${lab.name}tun` })
    await lab?.down()
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('registers the WAN address, not the VPN exit, while the router itself uses the tunnel', async () => {
    daemon = startLabDaemon(lab, work, { iface: `${lab.name}tun`, labServices: true })
    await waitFor('the tunnel', () => daemonStatus().tunnel?.state === 'connected', 60_000)
    // The router's own traffic now leaves through the tunnel…
    await waitFor(
      'the router through the tunnel',
      async () =>
        (await router(['curl', '-sS', '-m', '5', 'http://192.0.2.1/'])).stdout === '203.0.113.10',
      20_000
    )
    // …but the registration leaves through the WAN, with the WAN address.
    await waitFor('a registration', () => activations().length > 0, 30_000)
    const [first] = activations()
    expect(first).toMatchObject({ src: '198.51.100.2', ip: '198.51.100.2', token: TOKEN })
    await waitFor('status registered', () => status().state === 'registered', 10_000)
    expect(status()).toMatchObject({ enabled: true, wanKind: 'public', state: 'registered' })
    expect(JSON.stringify(status())).not.toMatch(/198\.51|s3cret/)
    expect(JSON.stringify(daemonStatus())).not.toMatch(/s3cret/)
    expect(requests().filter((r) => r.path === '/ip')).toEqual([]) // public WAN: no echo
  })

  it('has a smart-DNS stand-in in inet that answers the known name', async () => {
    const dns = await router(['busybox', 'nslookup', '-type=a', 'stream.lab.test', '192.0.2.54'])
    expect(dns.stdout).toMatch(/Address: 192\.0\.2\.80/)
  })

  it('registers exactly once more after the WAN address changes', async () => {
    const before = activations().length
    await router(['ip', 'addr', 'del', '198.51.100.2/24', 'dev', 'wan'])
    await router(['ip', 'addr', 'add', '198.51.100.3/24', 'dev', 'wan'])
    await router(['ip', 'route', 'replace', 'default', 'via', '198.51.100.1', 'dev', 'wan'])
    await hotplug()
    // Budget 30 s (product.md); the bench measures the real time.
    await waitFor('the new registration', () => activations().length > before, 30_000)
    // A few more hotplug events about the same address send nothing.
    await hotplug()
    await hotplug()
    await new Promise((r) => setTimeout(r, 3000))
    const added = activations().slice(before)
    expect(added).toHaveLength(1)
    expect(added[0]).toMatchObject({ src: '198.51.100.3', ip: '198.51.100.3' })
  })

  it('detects a CGNAT WAN, asks the echo through the WAN and does not register', async () => {
    const before = activations().length
    const echoesBefore = requests().filter((r) => r.path === '/ip').length
    // inet plays the ISP's CGNAT: the router gets 100.64.0.2, the internet sees 198.51.100.77.
    await inet(['ip', 'addr', 'add', '100.64.0.1/24', 'dev', 'to-router'])
    await lab.exec('inet', ['nft', '-f', '-'], {
      check: true,
      input: `table ip lanlab_cgnat {
  chain to_services {
    type nat hook input priority 100; policy accept;
    ip saddr 100.64.0.0/10 snat to 198.51.100.77
  }
}
`,
    })
    await router(['ip', 'addr', 'del', '198.51.100.3/24', 'dev', 'wan'])
    await router(['ip', 'addr', 'add', '100.64.0.2/24', 'dev', 'wan'])
    await router(['ip', 'route', 'replace', 'default', 'via', '100.64.0.1', 'dev', 'wan'])
    await hotplug()
    await waitFor('status cgnat', () => status().state === 'cgnat', 30_000)
    expect(status()).toMatchObject({ wanKind: 'cgnat', explainsWan: true })
    expect(mediastreamerMessage(status() as MediastreamerStatus)).toMatch(/ISP/)
    const echoes = requests()
      .filter((r) => r.path === '/ip')
      .slice(echoesBefore)
    expect(echoes).toHaveLength(1)
    expect(echoes[0].src).toBe('198.51.100.77')
    expect(activations()).toHaveLength(before)
  })

  it("left no promise rejection unhandled (under OpenWrt's qjs that kills the daemon)", () => {
    expect(labDaemonRejections()).toEqual([])
  })
})
