/*
 * MediaStreamer registration in the lab: the driver (test/e2e/mediastreamer-entry.ts) runs in the
 * router namespace and registers with the provider fixture in inet.
 *
 *   <lab>-router  wan 198.51.100.2 (later .3, later 100.64.0.2 behind inet's CGNAT)
 *        |        <lab>tst: WireGuard to vpn, carrying the router's own default (0/1, 128/1)
 *        |
 *   <lab>-inet    to-router 198.51.100.1 (+ 100.64.0.1: CGNAT, SNAT to 198.51.100.77)
 *        |        provider fixture https://192.0.2.2 (/activate, /nic/update, /ip echo), lab CA
 *        |        smart DNS 192.0.2.54 (stream.lab.test), echo http://192.0.2.1
 *   [ br-inet ]
 *        |
 *   <lab>-vpn     203.0.113.10, <lab>srv 10.64.0.1 (NAT out)
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Lab, labOrFail, waitFor, type LabProcess } from './lab'

type ProviderRequest = { t: number; path: string; src: string; ip?: string; token?: string }
const TOKEN = 'lab-token&s3cret'

describe.runIf(labOrFail())('MediaStreamer registration in the lab', () => {
  let lab: Lab
  let work: string
  let driver: LabProcess

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
  const status = () => {
    const file = `${work}/ms-status.json`
    return existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)
      : {}
  }
  const router = (argv: string[]) => lab.exec('router', argv, { check: true })
  const inet = (argv: string[]) => lab.exec('inet', argv, { check: true })

  beforeAll(async () => {
    lab = await Lab.up()
    work = mkdtempSync(join(tmpdir(), 'lanvpn-ms-lab-'))
    await build({
      entryPoints: [new URL('./mediastreamer-entry.ts', import.meta.url).pathname],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: `${work}/entry.mjs`,
      logLevel: 'silent',
    })
    mkdirSync(`${work}/etc/config`, { recursive: true })
    mkdirSync(`${work}/etc/lanvpn/secrets`, { recursive: true, mode: 0o700 })
    writeFileSync(`${work}/etc/lanvpn/secrets/ms_token`, TOKEN, { mode: 0o600 })
    writeFileSync(
      `${work}/etc/config/lanvpn`,
      `
config globals 'globals'
\toption wan_interface 'wan'

config mediastreamer 'mediastreamer'
\toption enabled '1'
\toption method 'http'
\toption url 'https://192.0.2.2/activate?ip={ip}&token={token}'
\toption success_match 'OK'
\tlist dns_server '192.0.2.54'
\tlist ip_echo_url 'https://192.0.2.2/ip'
`
    )
  })

  afterAll(async () => {
    await lab?.down()
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('registers the WAN address, not the VPN exit, while the router itself uses the tunnel', async () => {
    const tunnel = await openRouterTunnel(lab)
    try {
      // The router's own traffic now leaves through the tunnel…
      const exit = await router(['curl', '-sS', '-m', '5', 'http://192.0.2.1/'])
      expect(exit.stdout).toBe('203.0.113.10')
      driver = lab.spawn('router', [
        'env',
        `CURL_CA_BUNDLE=${lab.stateDir}/provider/ca.pem`,
        `LANVPN_PREFIX=${work}`,
        process.execPath,
        `${work}/entry.mjs`,
      ])
      // …but the registration leaves through the WAN, with the WAN address.
      await waitFor('a registration', () => activations().length > 0, 30_000)
      const [first] = activations()
      expect(first).toMatchObject({ src: '198.51.100.2', ip: '198.51.100.2', token: TOKEN })
      await waitFor('status registered', () => status().state === 'registered', 10_000)
      expect(status()).toMatchObject({ enabled: true, wanKind: 'public', state: 'registered' })
      expect(JSON.stringify(status())).not.toMatch(/198\.51|s3cret/)
      expect(requests().filter((r) => r.path === '/ip')).toEqual([]) // public WAN: no echo
    } finally {
      await tunnel.close()
    }
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
    process.kill(driver.pid, 'SIGUSR1') // what the interface hotplug hook does
    // Budget 30 s (product.md); the bench measures the real time.
    await waitFor('the new registration', () => activations().length > before, 30_000)
    // A few more hotplug events about the same address send nothing.
    process.kill(driver.pid, 'SIGUSR1')
    process.kill(driver.pid, 'SIGUSR1')
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
    process.kill(driver.pid, 'SIGUSR1')
    await waitFor('status cgnat', () => status().state === 'cgnat', 30_000)
    expect(status()).toMatchObject({ wanKind: 'cgnat' })
    expect(String(status().message)).toMatch(/ISP/)
    const echoes = requests()
      .filter((r) => r.path === '/ip')
      .slice(echoesBefore)
    expect(echoes).toHaveLength(1)
    expect(echoes[0].src).toBe('198.51.100.77')
    expect(activations()).toHaveLength(before)
  })
})

/** wireguard-go `<lab>tst` to the vpn server, carrying the router's own default route (0/1 and
 * 128/1, as wg-quick does), with the server's endpoint pinned to the WAN. */
async function openRouterTunnel(lab: Lab) {
  const iface = `${lab.name}tst`
  const conf = lab.clientConf('vpn')
  const address = /^Address\s*=\s*([^,\s]+)/m.exec(conf)?.[1] ?? ''
  const wgConf = `${lab.stateDir}/ms-tst.conf`
  writeFileSync(wgConf, conf.replace(/^(Address|DNS)\s*=.*\n/gm, ''), { mode: 0o600 })
  const daemon = lab.spawn('router', ['wireguard-go', '-f', iface])
  const close = async () => {
    await daemon.kill()
    await waitFor(`${iface} socket removal`, () => !existsSync(`/var/run/wireguard/${iface}.sock`))
  }
  try {
    await waitFor(`${iface} socket`, () => existsSync(`/var/run/wireguard/${iface}.sock`))
    const run = (argv: string[]) => lab.exec('router', argv, { check: true })
    await run(['wg', 'setconf', iface, wgConf])
    await run(['ip', 'addr', 'add', address, 'dev', iface])
    await run(['ip', 'link', 'set', iface, 'up'])
    await run(['ip', 'route', 'add', '203.0.113.10/32', 'via', '198.51.100.1', 'dev', 'wan'])
    await run(['ip', 'route', 'add', '0.0.0.0/1', 'dev', iface])
    await run(['ip', 'route', 'add', '128.0.0.0/1', 'dev', iface])
  } catch (e) {
    await close()
    throw new Error(`opening the router's tunnel: ${(e as Error).message}`, { cause: e })
  }
  return { close }
}
