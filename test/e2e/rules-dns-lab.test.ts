// Domains follow DNS answers, and `.lan` names work for vpn devices (issue 22), in the lab,
// observed from outside. The laptop is vpn; its lookups go to lanvpn's own dnsmasq for its group
// (dns_vpn redirects them), which asks the tunnel's resolver on a socket bound to the tunnel and
// the router's dnsmasq for `.lan` names, and fills rule 1's sets from its answers (nftset):
//
//   1 My bank   domain bank.example   via direct   for the laptop (vpn)
//
// What is seen: the answers (router.lan and nas.lan from the router, whoami.lab.test names the
// resolver that answered: `vpn`, the VPN server's), the echo service's log (the address a request
// came from: the tunnel's exit or the WAN's), and a capture on the router's WAN (no lookup of the
// laptop on it, not even with the tunnel down).
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  cleanupLabDaemon,
  labDaemonRejections,
  labDeviceSection,
  labNetifdEnv,
  labPlugin,
  labSection,
  labStatus,
  leakCapture,
  newLabPrefix,
  startConnectedLabDaemon,
  startLabDaemon,
  startLeakLoad,
  tearDownLabDaemon,
  writeLabConfig,
  writeLabProfile,
} from './daemon-lab'
import { LAB_ADDR, Lab, labOrFail, signalPid, waitFor, type LabProcess } from './lab'

const { echo, bank, wwwBank, nas, router } = LAB_ADDR
const EXIT = '203.0.113.10'
const WAN = '198.51.100.2'

describe.runIf(labOrFail())('domains follow DNS answers; .lan names for vpn devices', () => {
  let lab: Lab
  let prefix: string
  let iface: string
  let daemon: LabProcess
  const status = () => labStatus(prefix)
  /** What busybox nslookup answered `device` for `name` asked of `server` (the router, as DHCP
   * hands it out, unless told): the addresses, or TXT strings; [] when the lookup failed. */
  const lookup = async (device: string, name: string, type = 'A', server: string = router.v4) => {
    const r = await lab.exec(device, ['busybox', 'nslookup', `-type=${type}`, name, server])
    const after = r.stdout
      .split(/\nName:|\n\n/)
      .slice(1)
      .join('\n')
    return [...after.matchAll(/(?:Address: |text = ")([^"\s]+)/g)].map((m) => m[1])
  }
  const get = async (device: string, addr: string) =>
    (await lab.exec(device, ['curl', '-sS', '-m', '3', `http://${addr}/`])).stdout
  const explained = async <T>(wait: Promise<T>): Promise<T> =>
    wait.catch((e: unknown) => {
      console.log(JSON.stringify(status(), null, 1), daemon?.output().slice(-8000))
      throw e
    })
  /** lanvpn's dnsmasq processes running now (their conf under this spec's prefix). */
  const instances = () =>
    readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(
            `${prefix}/var/run/lanvpn/dns/`
          )
        } catch {
          return false
        }
      })

  beforeAll(async () => {
    prefix = newLabPrefix('rules-dns')
    lab = await Lab.up({ networks: ['lan2', 'modem'] })
    iface = `${lab.name}tun`
    writeLabConfig(
      prefix,
      { enabled: '1', connect: '1', active_profile: 'home', health_interval: '2' },
      writeLabProfile(prefix, 'home', lab.clientConf('vpn')),
      labDeviceSection(lab.deviceMac('laptop'), 'vpn'),
      labSection('rule', 'bank', {
        label: 'My bank',
        domain: ['bank.example'],
        via: 'direct',
        device: [lab.deviceMac('laptop')],
      })
    )
    for (const file of ['network', 'firewall'] as const)
      copyFileSync(lab.openwrtFile(file), join(prefix, 'etc/config', file))
    daemon = await startConnectedLabDaemon(lab, prefix, { iface })
    await explained(
      waitFor(
        'the laptop through the tunnel',
        async () => (await get('laptop', echo.v4)) === EXIT,
        30_000
      )
    )
  }, 150_000)

  afterAll(() => tearDownLabDaemon(lab, prefix, daemon, { iface }))

  it('says domain rules follow every answer (dnsmasq here has nftset)', () => {
    expect(status().problems).toEqual([])
    expect(status().apply.ok).toBe(true)
    expect(status().rulesDns).toBe('nftset')
    // One instance: the laptop's group's (the rule is for no device that is not vpn).
    expect(instances()).toHaveLength(1)
  })

  it('the vpn laptop resolves router.lan and nas.lan (the router answers), and a public name through the tunnel, none of it on the WAN', async () => {
    const wan = await leakCapture(lab)
    await explained(
      waitFor(
        'router.lan answered',
        async () => (await lookup('laptop', router.name)).includes(router.v4),
        20_000
      )
    )
    expect(await lookup('laptop', nas.name)).toEqual([nas.v4])
    expect(await lookup('laptop', nas.name, 'AAAA')).toEqual([nas.v6])
    // The VPN server's resolver answered, asked of the router or of any other server.
    expect(await lookup('laptop', 'whoami.lab.test', 'TXT')).toEqual(['vpn'])
    expect(await lookup('laptop', 'whoami.lab.test', 'TXT', '192.0.2.53')).toEqual(['vpn'])
    expect(await wan.packets('port 53')).toEqual([])
    await wan.close()
  })

  it("a domain rule: after the laptop resolves www.bank.example, its traffic there leaves by the WAN from the WAN's address; the rest still by the tunnel", async () => {
    expect(await lookup('laptop', wwwBank.name)).toEqual([wwwBank.v4])
    expect(await get('laptop', wwwBank.v4)).toBe(WAN)
    expect(await get('laptop', echo.v4)).toBe(EXIT)
  })

  it("a disconnect and a connect (each a whole new main table, the rules' table left as it is): www.bank.example's address still leaves by the WAN, without the laptop asking again", async () => {
    /** The rules' table as the kernel lists it, less the time its DNS answers have left. */
    const rulesTable = async () =>
      (
        await lab.exec('router', ['nft', 'list', 'table', 'inet', 'lanvpn_rules'], { check: true })
      ).stdout.replace(/ expires [0-9hms.]+/g, '')
    const before = await rulesTable()
    expect(before).toContain(wwwBank.v4)
    expect(labPlugin(prefix, 'disconnect')).toMatchObject({ ok: true })
    await explained(
      waitFor('disconnected', () => status()?.tunnel?.state === 'disconnected', 20_000)
    )
    expect(await rulesTable()).toBe(before)
    // No instance now: nothing could have filled the set again; the rules' table kept it.
    expect(instances()).toEqual([])
    expect(await get('laptop', wwwBank.v4)).toBe(WAN)
    expect(await get('laptop', echo.v4)).toBe('')
    expect(labPlugin(prefix, 'connect')).toMatchObject({ ok: true })
    await explained(
      waitFor(
        'the laptop through the tunnel again',
        async () => (await get('laptop', echo.v4)) === EXIT,
        60_000
      )
    )
    expect(await get('laptop', wwwBank.v4)).toBe(WAN)
    expect(await rulesTable()).toBe(before)
  })

  it("the daemon restarted with a rule added meanwhile (as after an upgrade: the rules' table is new to it): www.bank.example's address stays in the rule's set, by the WAN, without the laptop asking again", async () => {
    const set4 = async () =>
      (await lab.exec('router', ['nft', 'list', 'set', 'inet', 'lanvpn_rules', 'rule1_dns4']))
        .stdout
    const rulesHash = async () =>
      /chain applied \{\s+meta mark (0x[0-9a-f]+)/.exec(
        (await lab.exec('router', ['nft', 'list', 'chain', 'inet', 'lanvpn_rules', 'applied']))
          .stdout
      )?.[1] ?? ''
    expect(await set4()).toContain(wwwBank.v4)
    const before = await rulesHash()
    await daemon.kill()
    const file = join(prefix, 'etc/config/lanvpn')
    const text = readFileSync(file, 'utf8')
    writeFileSync(
      file,
      `${text}\n${labSection('rule', 'unused', { dest: ['198.18.0.0/15'], via: 'blocked' })}\n`
    )
    daemon = await startConnectedLabDaemon(lab, prefix, { iface })
    await explained(
      waitFor('the new rules table', async () => ![before, ''].includes(await rulesHash()), 30_000)
    )
    // Its sets were filled for the same domains (their comment says so): kept, read by the new
    // daemon and put back in the new table's transaction.
    expect(await set4()).toContain(wwwBank.v4)
    expect(await get('laptop', wwwBank.v4)).toBe(WAN)
    writeFileSync(file, text)
    signalPid(status().daemon.pid, 'SIGHUP')
    await explained(
      waitFor('the rules as before', async () => (await rulesHash()) === before, 30_000)
    )
    expect(await set4()).toContain(wwwBank.v4)
  })

  it("without dnsmasq's nftset: lanvpn looks the rule's names up itself, and the laptop's traffic to bank.example leaves by the WAN without it asking", async () => {
    await daemon.kill()
    // The daemon's dnsmasq says it has no nftset (OpenWrt's default build); the domain sets start empty.
    mkdirSync(join(prefix, 'bin'))
    const fake = join(prefix, 'bin/dnsmasq')
    writeFileSync(
      fake,
      '#!/bin/sh\n[ "$1" = --version ] && exec echo "Compile time options: IPv6 GNU-getopt no-DBus UBus"\nexec /usr/sbin/dnsmasq "$@"\n'
    )
    chmodSync(fake, 0o755)
    for (const set of ['rule1_dns4', 'rule1_dns6'])
      await lab.exec('router', ['nft', 'flush', 'set', 'inet', 'lanvpn_rules', set], {
        check: true,
      })
    daemon = startLabDaemon(lab, prefix, {
      iface,
      env: labNetifdEnv(lab, { firstOnPath: [join(prefix, 'bin')] }),
    })
    await explained(waitFor('poll', () => status()?.rulesDns === 'poll', 30_000))
    await explained(
      waitFor('bank.example by the WAN', async () => (await get('laptop', bank.v4)) === WAN, 30_000)
    )
    // The restarted daemon brings its tunnel up again; the direct rule may answer before it does.
    await explained(
      waitFor(
        'the rest through the tunnel',
        async () => (await get('laptop', echo.v4)) === EXIT,
        30_000
      )
    )
    expect(await lookup('laptop', router.name)).toEqual([router.v4])
  })

  it("tunnel down (server silent, then disconnected): the laptop's lookups fail rather than leave by the WAN, and none of its packets to anything but the rule's address is on the WAN", async () => {
    const wan = await leakCapture(lab)
    const load = startLeakLoad(lab, 'laptop')
    const down = async (when: string) => {
      expect(await lookup('laptop', 'whoami.lab.test', 'TXT'), when).toEqual([])
      expect(await lookup('laptop', 'whoami.lab.test', 'TXT', '192.0.2.53'), when).toEqual([])
      expect(await get('laptop', echo.v4), when).toBe('')
    }
    try {
      // 1. The VPN server stops answering (its WireGuard port dropped in its own namespace): the
      // instance stays, its socket bound to the tunnel gets no answer.
      for (const cmd of [
        'add table inet blackhole',
        'add chain inet blackhole input { type filter hook input priority -300; policy accept; }',
        'add rule inet blackhole input udp dport 51820 drop',
      ])
        await lab.exec('vpn', ['nft', cmd], { check: true })
      await explained(waitFor('an outage', () => status()?.tunnel?.state !== 'connected', 30_000))
      expect(instances()).toHaveLength(1)
      await down('server not answering')
      // 2. The user disconnects (the kill switch is `always`): the tunnel and the instance go.
      expect(labPlugin(prefix, 'disconnect')).toMatchObject({ ok: true })
      await explained(
        waitFor('disconnected', () => status()?.tunnel?.state === 'disconnected', 20_000)
      )
      expect(instances()).toEqual([])
      await down('disconnected')
    } finally {
      for (const p of load) await p.kill()
    }
    expect(await wan.packets('port 53')).toEqual([])
    expect(
      await wan.packets(`not host ${wwwBank.v4} and (host ${echo.v4} or host ${echo.v6})`)
    ).toEqual([])
    await wan.close()
  })

  it('leaves nothing of its own behind: lanvpn cleanup stops the instances and removes their files', async () => {
    expect(labPlugin(prefix, 'connect')).toMatchObject({ ok: true })
    await explained(waitFor('an instance again', () => instances().length === 1, 30_000))
    await daemon.kill()
    await cleanupLabDaemon(lab, prefix, { iface })
    expect(instances()).toEqual([])
    const dir = join(prefix, 'var/run/lanvpn/dns')
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([])
  })

  it('ran without an unhandled rejection', () => {
    expect(labDaemonRejections()).toEqual([])
  })
})
