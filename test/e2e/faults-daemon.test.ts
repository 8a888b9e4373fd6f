// The daemon through faults in the lab: `nft` failing, `wg` and `wireguard-go` missing, the
// provider answering garbage, a huge body or nothing, /var/run full, rpc config saves killed with
// -9 mid-flight, and the daemon itself killed with -9 in the middle of applying 500 devices. The
// laptop (vpn) pings the internet the whole time and a capture on the WAN must see none of it.
//
//   [lv…-laptop] vpn ─┐                                      ┌─ [lv…-vpn] 203.0.113.10 wg 10.64.0.1
//                     ├ br-lan [lv…-router] wan ── [lv…-inet]┤
//   [lv…-tv] blocked ─┘   lanvpn daemon (PATH: fake nft first, └─ provider https://192.0.2.2
//                         tools linked one by one), var/run on     (activate-mode: garbage,
//                         a 1 MB tmpfs; capture: tcpdump -i wan    huge, hang)
//
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../applet/src/core/config/validate'
import { fnv1a } from '../../applet/src/core/hash'
import {
  cleanupLabDaemon,
  LAB_BUNDLE,
  LAB_PLUGIN,
  labDaemonRejections,
  labDeviceSection,
  labPlugin,
  labPluginEnv,
  labSection,
  labStatus,
  leakCapture,
  startLabDaemon,
  writeLabConfig,
  writeLabProfile,
  type LeakCapture,
} from './daemon-lab'
import { Lab, labOrFail, signalPid, waitFor, type LabProcess } from './lab'

const TV_MAC = '02:00:00:00:50:02'
const WG_TOOLS = ['wg', 'wireguard-go']

/** A fake `nft` that fails every `-f` (a load) and passes everything else to the real one. */
const FAKE_NFT = `#!/bin/sh
for a in "$@"; do [ "$a" = -f ] && { echo "Error: Could not process rule: No buffer space available" >&2; exit 1; }; done
exec /usr/sbin/nft "$@"
`

/** 500 configured devices (02:00:00:01:xx:yy), half vpn and half direct. */
function manyDevices(): string {
  return Array.from({ length: 500 }, (_, i) => {
    const mac = `02:00:00:01:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`
    return labDeviceSection(mac, i % 2 ? 'direct' : 'vpn')
  }).join('\n')
}

describe.runIf(labOrFail())('the daemon through faults in the lab', () => {
  let lab: Lab
  let prefix: string
  let runMount: string
  let fakeBin: string
  let toolBin: string
  let daemon: LabProcess
  let wan: LeakCapture
  const background: LabProcess[] = []
  const configPath = () => join(prefix, 'etc/config/lanvpn')
  const statusFile = () => labStatus(prefix)
  const rpc = (method: string, args: object = {}) => labPlugin(prefix, method, args)
  const startDaemon = () =>
    startLabDaemon(lab, prefix, {
      iface: `${lab.name}tun`,
      labServices: true,
      env: [`PATH=${fakeBin}:${toolBin}`],
    })
  const hup = () => signalPid(statusFile().daemon.pid, 'SIGHUP')
  /** Resolves once the daemon published a status written after this call (a new generation). */
  const nextGeneration = async (timeoutMs = 20_000) => {
    const before = statusFile()?.generation ?? 0
    return waitFor(
      'a new status generation',
      () => (statusFile()?.generation ?? 0) > before,
      timeoutMs
    )
  }
  const tableThere = async () =>
    (await lab.exec('router', ['nft', 'list', 'table', 'inet', 'lanvpn'])).code === 0
  const laptopEcho = async () =>
    (await lab.exec('laptop', ['curl', '-sS', '-m', '4', 'http://192.0.2.1/'])).stdout
  const activations = () => {
    const file = `${lab.stateDir}/provider/requests.jsonl`
    if (!existsSync(file)) return 0
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"/activate"')).length
  }

  beforeAll(async () => {
    if (!existsSync(LAB_BUNDLE)) throw new Error('run `npm run build` first (dist/root is missing)')
    lab = await Lab.up({ devices: ['laptop', 'tv'] })
    prefix = mkdtempSync(join(tmpdir(), 'lanvpn-faults-'))
    // /var/run on its own tiny tmpfs, mounted before the daemon starts (its namespace copies the
    // mount table when it is created).
    runMount = join(prefix, 'var/run')
    mkdirSync(runMount, { recursive: true })
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0755', 'tmpfs', runMount])
    // PATH for the daemon: a dir for fakes first, then every tool linked one by one, so that one
    // of them can be taken away while the daemon runs.
    fakeBin = join(prefix, 'fakebin')
    toolBin = join(prefix, 'toolbin')
    mkdirSync(fakeBin)
    mkdirSync(toolBin)
    for (const dir of [
      '/usr/local/sbin',
      '/usr/local/bin',
      '/usr/sbin',
      '/usr/bin',
      '/sbin',
      '/bin',
    ]) {
      if (!existsSync(dir)) continue
      for (const name of readdirSync(dir)) {
        if (!existsSync(join(toolBin, name))) {
          try {
            symlinkSync(join(dir, name), join(toolBin, name))
          } catch {
            // A name already linked from an earlier dir (a dangling link, say): keep the first.
          }
        }
      }
    }
    const home = writeLabProfile(prefix, 'home', lab.clientConf('vpn'), { keepalive: 5 })
    writeFileSync(join(prefix, 'etc/lanvpn/secrets/ms_token'), 'faults-token', { mode: 0o600 })
    writeLabConfig(
      prefix,
      { connect: '1', active_profile: 'home', health_interval: '2' },
      home,
      labDeviceSection(TV_MAC, 'blocked'),
      labSection('mediastreamer', 'mediastreamer', {
        enabled: '1',
        url: 'https://192.0.2.2/activate?ip={ip}&token={token}',
        success_match: 'OK',
        dns_server: ['192.0.2.54'],
      })
    )
    wan = await leakCapture(lab)
    daemon = startDaemon()
    await waitFor('the tunnel', () => statusFile()?.tunnel?.state === 'connected', 60_000)
    await waitFor(
      'the laptop through the tunnel',
      async () => (await laptopEcho()) === '203.0.113.10',
      15_000
    )
    await waitFor(
      'a registration',
      () => statusFile()?.mediastreamer?.state === 'registered',
      30_000
    )
    // The vpn device keeps sending for the whole file: the capture must never see it.
    background.push(lab.spawn('laptop', ['ping', '-q', '-i', '0.05', '192.0.2.1']))
  })

  afterAll(async () => {
    for (const p of background) await p.kill()
    await daemon?.kill()
    if (lab && prefix) await cleanupLabDaemon(lab, prefix, { iface: `${lab.name}tun` })
    await lab?.down()
    if (runMount) execFileSync('umount', ['-l', runMount], { stdio: 'ignore' })
    if (prefix) rmSync(prefix, { recursive: true, force: true })
  })

  it('says apply failed in plain words while nft fails, keeps the earlier rules, and recovers', async () => {
    writeFileSync(join(fakeBin, 'nft'), FAKE_NFT, { mode: 0o755 })
    try {
      // A change that needs a new table: the tv leaves `blocked`.
      const cfg = readFileSync(configPath(), 'utf8')
      writeFileSync(configPath(), cfg.replace("option mode 'blocked'", "option mode 'vpn'"))
      hup()
      const failed = await waitFor(
        'apply to fail',
        () => statusFile()?.apply?.ok === false && statusFile(),
        20_000
      )
      expect(failed.apply.errors.join(' ')).toMatch(/nft exited 1/)
      expect(await tableThere()).toBe(true)
      expect(daemon.output()).toMatch(/err: reconciling: .*nft exited 1/)
      // The earlier rules: the tv is still blocked, the laptop still goes through the tunnel.
      const tvSet = await lab.exec('router', [
        'nft',
        'list',
        'set',
        'inet',
        'lanvpn',
        'blocked_devices',
      ])
      expect(tvSet.stdout).toContain(TV_MAC)
      expect(await laptopEcho()).toBe('203.0.113.10')
    } finally {
      unlinkSync(join(fakeBin, 'nft'))
    }
    hup()
    await waitFor('apply to recover', () => statusFile()?.apply?.ok === true, 20_000)
    const tvSet = await lab.exec('router', ['nft', 'list', 'set', 'inet', 'lanvpn', 'vpn_devices'])
    expect(tvSet.stdout).toContain(TV_MAC)
  })

  it('says the tunnel failed in plain words when wg and wireguard-go are missing, and holds the kill switch', async () => {
    for (const tool of WG_TOOLS) unlinkSync(join(toolBin, tool))
    try {
      // The tunnel must be rebuilt now, without the tools.
      await lab.exec('router', ['ip', 'link', 'del', 'dev', `${lab.name}tun`], { check: true })
      const down = await waitFor(
        'the tunnel to fail',
        // (first `reconnecting`: the interface disappeared; then the rebuild fails)
        () => statusFile()?.tunnel?.state === 'failed' && statusFile(),
        30_000
      )
      console.log(`[+] tunnel reason without wg: ${down.tunnel.reason}`)
      expect(down.tunnel.reason).toMatch(/not installed|wireguard|wg/i)
      expect(await tableThere()).toBe(true)
      expect(
        (await lab.exec('laptop', ['curl', '-sS', '-m', '3', 'http://192.0.2.1/'])).code
      ).not.toBe(0)
    } finally {
      for (const tool of WG_TOOLS) symlinkSync(`/usr/bin/${tool}`, join(toolBin, tool))
    }
    await waitFor('the tunnel back', () => statusFile()?.tunnel?.state === 'connected', 60_000)
    await waitFor(
      'the laptop through the tunnel',
      async () => (await laptopEcho()) === '203.0.113.10',
      15_000
    )
  })

  it.each([
    ['garbage', /./],
    ['huge', /./],
    ['hang', /./],
  ])(
    'says in plain words what went wrong when the provider answers %s, and backs off',
    async (mode) => {
      writeFileSync(`${lab.stateDir}/provider/activate-mode`, mode)
      try {
        const before = activations()
        const attemptBefore = statusFile()?.mediastreamer?.lastAttempt?.atWallMs ?? 0
        // New settings start afresh and register at once (the previous mode's backoff, or a
        // provider's "wait", would rightly hold back a "register now").
        rpc('setConfig', {
          mediastreamer: { url: `https://192.0.2.2/activate?ip={ip}&token={token}&try=${mode}` },
        })
        const ms = await waitFor(
          'a failed attempt',
          () => {
            const m = statusFile()?.mediastreamer
            return (
              m?.lastAttempt &&
              m.lastAttempt.atWallMs > attemptBefore &&
              m.lastAttempt.result !== 'ok' &&
              m
            )
          },
          40_000
        )
        console.log(`[+] provider ${mode}: ${JSON.stringify(ms.lastAttempt)} / ${ms.message}`)
        expect(ms.lastAttempt.message).toMatch(/[a-z]{3,} [a-z]{2,}/)
        expect(ms.lastAttempt.message.length).toBeLessThan(200)
        // Backs off: the next check is planned at least a minute later, and nothing is sent
        // meanwhile.
        expect(ms.nextCheckWallMs - ms.lastAttempt.atWallMs).toBeGreaterThanOrEqual(55_000)
        const sent = activations()
        await new Promise((r) => setTimeout(r, 3000))
        expect(activations()).toBe(sent)
        expect(sent - before).toBe(1)
        expect(statusFile().daemon.state).toBe('running')
      } finally {
        rmSync(`${lab.stateDir}/provider/activate-mode`, { force: true })
      }
    }
  )

  it('keeps running with the rules in force when /var/run is full, and says why in the log', async () => {
    const filler = join(runMount, 'filler')
    // Fill the tmpfs to the last byte (dd stops with "No space left on device").
    spawnSyncQuiet('dd', ['if=/dev/zero', `of=${filler}`, 'bs=1k'])
    try {
      const generation = statusFile().generation
      hup()
      await waitFor(
        'the write failure in the log',
        () => /writing status: /.test(daemon.output()),
        20_000
      )
      expect(statusFile()?.generation ?? generation).toBe(generation)
      expect(await tableThere()).toBe(true)
      expect(await laptopEcho()).toBe('203.0.113.10')
    } finally {
      rmSync(filler, { force: true })
    }
    await nextGeneration()
    expect(statusFile().daemon.state).toBe('running')
  })

  it('leaves the old or the new config, never a mix, when rpc saves are killed mid-flight', async () => {
    const macs = Array.from(
      { length: 40 },
      (_, i) => `02:00:00:02:00:${i.toString(16).padStart(2, '0')}`
    )
    let kills = 0
    for (const [i, mac] of macs.entries()) {
      const before = readFileSync(configPath(), 'utf8')
      const child = spawn(LAB_PLUGIN, ['call', 'setDeviceMode'], {
        env: labPluginEnv(prefix),
        stdio: 'pipe',
      })
      child.stdin.end(JSON.stringify({ mac, mode: 'direct' }))
      const exited = new Promise((r) => child.once('exit', r))
      // Kill every other call after 0–30 ms (the plugin execs the runtime: the pid is the writer).
      if (i % 2 === 0) {
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 31)))
        child.kill('SIGKILL')
        kills++
      }
      await exited
      const after = readFileSync(configPath(), 'utf8')
      const { problems, config } = parseConfig(after)
      expect(problems).toEqual([])
      const has = config.devices.some((d) => d.mac === mac)
      // Old: unchanged bytes. New: the old bytes plus this one device.
      if (!has) expect(after).toBe(before)
      else expect(parseConfig(before).config.devices.length + 1).toBe(config.devices.length)
    }
    expect(kills).toBe(20)
    // No lock left stale forever: a later call goes through.
    const reply = rpc('setDeviceMode', { mac: '02:00:00:02:01:00', mode: 'direct' })
    expect(reply).toMatchObject({ ok: true })
  })

  it('converges after a kill -9 in the middle of applying 500 devices, and lets nothing leak', async () => {
    const text = `${readFileSync(configPath(), 'utf8')}\n${manyDevices()}`
    writeFileSync(configPath(), text)
    const oldPid = statusFile().daemon.pid
    hup()
    await new Promise((r) => setTimeout(r, 50))
    await lab.exec('router', ['kill', '-9', String(daemon.pid)])
    await daemon.exited
    // Whether the kill came before the old daemon finished (it usually does: 500 devices take it
    // longer than 50 ms); either way the new one must converge.
    console.log(
      `[+] killed before the apply was published: ${statusFile()?.configHash !== fnv1a(text)}`
    )
    daemon = startDaemon()
    await waitFor(
      'the restarted daemon to apply',
      () => {
        const s = statusFile()
        // A new daemon (its generations start again), with the whole config applied.
        return s && s.daemon.pid !== oldPid && s.apply.ok && s.configHash === fnv1a(text)
      },
      60_000
    ).catch((e: unknown) => {
      console.log(JSON.stringify(statusFile()), daemon.output().slice(-3000))
      throw e
    })
    // (procd respawns it on a router; the pid in the status file is the new one.)
    await waitFor('the tunnel', () => statusFile()?.tunnel?.state === 'connected', 60_000)
    await waitFor(
      'the laptop through the tunnel',
      async () => (await laptopEcho()) === '203.0.113.10',
      15_000
    )
    const set = await lab.exec('router', ['nft', 'list', 'set', 'inet', 'lanvpn', 'direct_devices'])
    expect(set.stdout).toContain('02:00:00:01:01:f3')
  })

  it('lets not one packet of the vpn device reach the WAN through all of it', async () => {
    for (const p of background) await p.kill()
    // Allowed: WireGuard to the server, the router's ICMP errors about it, the provider (and the
    // link's own chatter, which leaks() never counts).
    const leaked = await wan.leaks([
      'udp port 51820 and host 203.0.113.10',
      'icmp and icmp[icmptype] == icmp-unreach and icmp[28:2] == 51820',
      'tcp port 443 and host 192.0.2.2',
    ])
    expect(leaked).toEqual([])
  })

  it("left no promise rejection unhandled (under OpenWrt's qjs that kills the daemon)", () => {
    expect(labDaemonRejections()).toEqual([])
  })
})

/** Runs a command to its end, ignoring its exit code and output (dd filling a disk fails). */
function spawnSyncQuiet(file: string, argv: string[]): void {
  try {
    execFileSync(file, argv, { stdio: 'ignore' })
  } catch {
    // Expected: the disk is full.
  }
}
