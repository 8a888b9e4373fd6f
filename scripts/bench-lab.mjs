// The lab figures of `npm run bench` (root only), the daemon under the native qjs (the router's
// runtime): the tunnel (cold start to first handshake against raw ip + wg on the same namespaces,
// outage detection and recovery, processes per apply), MediaStreamer (WAN address change →
// registration accepted, requests per change) and the daemon's idle RSS. Brings up its own lab
// (LAB=lvbench) and always tears it down.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { QJS } from './native-qjs.mjs'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const LAB = 'lvbench'
const STATE = `/run/lanvpn-lab/${LAB}`
const BUNDLE = join(ROOT, 'dist/lanvpn.js')
/** The runtime before the bundle's path, as the lanvpn command runs it on a router with qjs. */
const RUNTIME = [QJS, '--std', '-m']
const IFACE = `${LAB}tun`

const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', ...opts })
const inNs = (ns, args, opts) => sh('ip', ['netns', 'exec', `${LAB}-${ns}`, ...args], opts)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const alive = (pid) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** A process's resident set (VmRSS) in kB. */
const rssKb = (pid) =>
  Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])

async function until(what, probe, timeoutMs) {
  const start = Date.now()
  for (;;) {
    if (await probe()) return Date.now() - start
    if (Date.now() - start > timeoutMs) throw new Error(`bench: waiting for ${what} timed out`)
    await sleep(50)
  }
}

function profile(conf) {
  const get = (k) => new RegExp(`^${k}\\s*=\\s*(.+)$`, 'm').exec(conf)?.[1].trim() ?? ''
  const [host, port] = get('Endpoint').split(':')
  return {
    key: get('PrivateKey'),
    pub: get('PublicKey'),
    addr: get('Address').split(/,\s*/),
    dns: get('DNS'),
    host,
    port,
  }
}

function configText(p, extra = '') {
  return [
    '',
    "config globals 'globals'",
    "\toption connect '1'",
    "\toption active_profile 'home'",
    "\toption health_interval '2'",
    profileSection('home', p),
    extra,
  ].join('\n')
}

function profileSection(id, p) {
  return [
    '',
    `config profile '${id}'`,
    `\toption label '${id}'`,
    "\toption type 'wireguard'",
    ...p.addr.map((a) => `\tlist address '${a}'`),
    `\tlist dns '${p.dns}'`,
    `\toption public_key '${p.pub}'`,
    `\toption endpoint_host '${p.host}'`,
    `\toption endpoint_port '${p.port}'`,
    "\tlist allowed_ips '0.0.0.0/0'",
    '',
  ].join('\n')
}

/** Makes the VPN server in namespace `ns` stop answering (its WireGuard port dropped), or answer
 * again. */
function silence(ns, on) {
  if (!on) return inNs(ns, ['nft', 'delete', 'table', 'inet', 'bench'])
  inNs(ns, ['nft', 'add', 'table', 'inet', 'bench'])
  inNs(ns, [
    'nft',
    'add',
    'chain',
    'inet',
    'bench',
    'input',
    '{ type filter hook input priority -300; policy accept; }',
  ])
  inNs(ns, ['nft', 'add', 'rule', 'inet', 'bench', 'input', 'udp', 'dport', '51820', 'drop'])
}

/** Raw `ip` + `wg` on the same namespaces: the floor for a cold start. */
async function rawColdStart(p) {
  const iface = `${LAB}raw`
  const keyFile = join(STATE, 'raw.key')
  writeFileSync(keyFile, p.key, { mode: 0o600 })
  const t0 = Date.now()
  inNs('router', ['wireguard-go', iface], {
    env: { ...process.env, WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1' },
  })
  inNs('router', [
    'wg',
    'set',
    iface,
    'private-key',
    keyFile,
    'peer',
    p.pub,
    'endpoint',
    `${p.host}:${p.port}`,
    'allowed-ips',
    '10.64.0.1/32',
  ])
  inNs('router', ['ip', 'addr', 'add', p.addr[0], 'dev', iface])
  inNs('router', ['ip', 'link', 'set', iface, 'up'])
  inNs('router', ['ping', '-c', '1', '-W', '1', '-I', iface, p.dns], { stdio: 'ignore' })
  await until(
    'the raw handshake',
    () => /\t[1-9]\d*$/m.test(inNs('router', ['wg', 'show', iface, 'latest-handshakes'])),
    15_000
  )
  const ms = Date.now() - t0
  inNs('router', ['ip', 'link', 'del', iface])
  rmSync(`/var/run/wireguard/${iface}.sock`, { force: true })
  return ms
}

export async function benchLab() {
  if (process.getuid?.() !== 0)
    return [{ what: 'lab bench', figure: 'not run: needs root', budget: '—' }]
  if (!existsSync(BUNDLE))
    return [{ what: 'lab bench', figure: 'not run: build first', budget: '—' }]
  if (!existsSync(QJS))
    return [{ what: 'lab bench', figure: 'not run: no native qjs (`make setup`)', budget: '—' }]
  const rows = []
  const prefix = mkdtempSync(join(tmpdir(), 'lanvpn-bench-lab-'))
  const env = { ...process.env, LAB, LAB_DEVICES: 'laptop' }
  let daemon
  const status = () => {
    try {
      return JSON.parse(readFileSync(join(prefix, 'var/run/lanvpn/status.json'), 'utf8'))
    } catch {
      return null
    }
  }
  /** The daemon in the router namespace under the native qjs. */
  const startDaemon = () => {
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        `${LAB}-router`,
        'env',
        `LANVPN_PREFIX=${prefix}`,
        `LANVPN_TUNNEL_IFACE=${IFACE}`,
        'LANVPN_LOG=stderr',
        `CURL_CA_BUNDLE=${STATE}/provider/ca.pem`,
        ...RUNTIME,
        BUNDLE,
        'daemon',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] }
    )
    let log = ''
    child.stderr.on('data', (d) => (log += d))
    return { child, log: () => log }
  }
  try {
    sh('bash', [join(ROOT, 'scripts/lab/lab.sh'), 'up'], { env, stdio: 'ignore' })
    const p = profile(readFileSync(join(STATE, 'client-vpn.conf'), 'utf8'))
    mkdirSync(join(prefix, 'etc/config'), { recursive: true })
    mkdirSync(join(prefix, 'etc/lanvpn/secrets'), { recursive: true, mode: 0o700 })
    writeFileSync(join(prefix, 'etc/lanvpn/secrets/profile_home'), p.key, { mode: 0o600 })
    const ms =
      "\nconfig mediastreamer 'mediastreamer'\n\toption enabled '1'\n\toption url 'https://192.0.2.2/activate?ip={ip}&token={token}'\n\tlist dns_server '192.0.2.54'\n"
    writeFileSync(join(prefix, 'etc/config/lanvpn'), configText(p, ms))

    const raw = await rawColdStart(p)
    const t0 = Date.now()
    daemon = startDaemon()
    const handshake = () => {
      try {
        return /\t[1-9]\d*$/m.test(
          inNs('router', ['wg', 'show', IFACE, 'latest-handshakes'], { stdio: 'pipe' })
        )
      } catch {
        return false
      }
    }
    const hs = await until('the first handshake', handshake, 30_000)
    await until('connected', () => status()?.tunnel?.state === 'connected', 30_000)
    const cold = Date.now() - t0
    rows.push({
      what: 'cold start to first handshake (daemon under native qjs)',
      figure: `${hs} ms vs ${raw} ms raw ip+wg`,
      budget: '— (runtime start included)',
    })
    rows.push({
      what: 'cold start to "connected" (probe answered)',
      figure: `${cold} ms`,
      budget: '—',
    })

    // Processes per apply: one idle reconcile, counted from the debug log.
    const cfg = join(prefix, 'etc/config/lanvpn')
    writeFileSync(
      cfg,
      readFileSync(cfg, 'utf8').replace(
        "option connect '1'",
        "option connect '1'\n\toption log_level 'debug'"
      )
    )
    inNs('router', ['kill', '-HUP', String(status().daemon.pid)]) // takes the debug level
    await sleep(1500)
    const before = daemon.log().length
    inNs('router', ['kill', '-HUP', String(status().daemon.pid)])
    await sleep(1500)
    const lines = daemon.log().slice(before).split('\n')
    const start = lines.findIndex((l) => l.includes('reconcile: reload'))
    const end = lines.findIndex((l, i) => i > start && l.includes('reconcile:'))
    const procs = lines
      .slice(start, end < 0 ? undefined : end)
      .filter((l) => l.includes('[#]') && !/ ping | wg show /.test(l)).length
    rows.push({
      what: 'processes per idle reconcile (observe only, every 30 s)',
      figure: `${procs}`,
      budget: '— (the apply itself: 2 processes, see above)',
      verdict: '',
    })

    // Outage detection and recovery (one location).
    silence('vpn', true)
    const outage = await until(
      'the outage',
      () => ['reconnecting', 'failed'].includes(status()?.tunnel?.state),
      60_000
    )
    rows.push({
      what: 'tunnel outage detected',
      figure: `${(outage / 1000).toFixed(1)} s`,
      budget: '≤ 15 s',
      verdict: outage <= 15_000 ? 'ok' : 'over',
    })
    silence('vpn', false)
    const recovery = await until(
      'the recovery',
      () => status()?.tunnel?.state === 'connected',
      60_000
    )
    rows.push({
      what: 'tunnel recovery after the server answers again',
      figure: `${(recovery / 1000).toFixed(1)} s`,
      budget: '— (no delay added to WireGuard retries)',
    })

    // Failover: a second location in the list, then the first stops answering.
    const backup = profile(readFileSync(join(STATE, 'client-vpn2.conf'), 'utf8'))
    writeFileSync(join(prefix, 'etc/lanvpn/secrets/profile_backup'), backup.key, { mode: 0o600 })
    writeFileSync(
      cfg,
      readFileSync(cfg, 'utf8').replace(
        "option active_profile 'home'",
        "option active_profile 'home'\n\tlist fallback 'backup'"
      ) + profileSection('backup', backup)
    )
    inNs('router', ['kill', '-HUP', String(status().daemon.pid)])
    await sleep(1500)
    silence('vpn', true)
    const failover = await until(
      'the failover',
      () => status()?.tunnel?.state === 'connected' && status().tunnel.profile === 'backup',
      90_000
    )
    rows.push({
      what: 'failover: traffic through the next location after the current one stops answering',
      figure: `${(failover / 1000).toFixed(1)} s`,
      budget: '≤ 20 s',
      verdict: failover <= 20_000 ? 'ok' : 'over',
    })
    silence('vpn', false)
    const failback = await until(
      'the failback',
      () => status()?.tunnel?.state === 'connected' && status().tunnel.profile === 'home',
      180_000
    )
    rows.push({
      what: 'failback: traffic through the chosen location again after it answers',
      figure: `${(failback / 1000).toFixed(1)} s`,
      budget: '— (3 handshakes in a row, one per 10 health intervals: no flapping)',
    })

    // MediaStreamer: a WAN address change → registration accepted, requests per change.
    const requests = () => {
      const f = join(STATE, 'provider/requests.jsonl')
      return existsSync(f)
        ? readFileSync(f, 'utf8')
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l))
            .filter((r) => r.path === '/activate')
        : []
    }
    await until('the first registration', () => requests().length >= 1, 30_000)
    const n0 = requests().length
    inNs('router', ['ip', 'addr', 'del', '198.51.100.2/24', 'dev', 'wan'])
    inNs('router', ['ip', 'addr', 'add', '198.51.100.3/24', 'dev', 'wan'])
    inNs('router', ['ip', 'route', 'replace', 'default', 'via', '198.51.100.1'])
    // What the interface hotplug hook runs.
    inNs('router', ['env', `LANVPN_PREFIX=${prefix}`, ...RUNTIME, BUNDLE, 'wan-event', 'ifupdate'])
    const reg = await until('the new registration', () => requests().length > n0, 60_000)
    await sleep(5000)
    const perChange = requests().length - n0
    rows.push({
      what: 'WAN IP change → registration accepted',
      figure: `${(reg / 1000).toFixed(1)} s`,
      budget: '≤ 30 s',
      verdict: reg <= 30_000 ? 'ok' : 'over',
    })
    rows.push({
      what: 'registration requests per WAN change',
      figure: `${perChange}`,
      budget: 'exactly 1',
      verdict: perChange === 1 ? 'ok' : 'off',
    })

    // Idle RSS: a fresh daemon, connected and left alone for a minute, against an empty qjs that
    // keeps one timer (what a qjs process costs at all).
    const pid = status().daemon.pid
    daemon.child.kill('SIGTERM')
    await until('the daemon to stop', () => !alive(pid), 10_000)
    daemon = startDaemon()
    await until(
      'a new daemon connected',
      () => status()?.tunnel?.state === 'connected' && status()?.daemon?.pid !== pid,
      60_000
    )
    await sleep(60_000)
    const daemonKb = rssKb(status().daemon.pid)
    const timer = spawn(QJS, ['--std', '-e', 'os.setTimeout(() => {}, 60000)'], {
      stdio: 'ignore',
    })
    let emptyKb
    try {
      await sleep(1000)
      emptyKb = rssKb(timer.pid)
    } finally {
      timer.kill('SIGTERM')
    }
    rows.push({
      what: 'daemon idle RSS under native qjs (connected, 1 min idle)',
      figure: `${(daemonKb / 1024).toFixed(1)} MB vs ${(emptyKb / 1024).toFixed(1)} MB for an empty qjs with one timer (${(daemonKb / emptyKb).toFixed(2)}×)`,
      budget: '≤ 2 × empty qjs with one timer',
      verdict: daemonKb <= 2 * emptyKb ? 'ok' : 'over',
    })
  } catch (e) {
    rows.push({
      what: 'lab bench',
      figure: `failed: ${e instanceof Error ? e.message : String(e)}`,
      budget: '—',
    })
  } finally {
    if (daemon) daemon.child.kill('SIGTERM')
    await sleep(300)
    try {
      inNs(
        'router',
        [
          'env',
          `LANVPN_PREFIX=${prefix}`,
          `LANVPN_TUNNEL_IFACE=${IFACE}`,
          ...RUNTIME,
          BUNDLE,
          'cleanup',
        ],
        { stdio: 'ignore' }
      )
    } catch {}
    try {
      sh('bash', [join(ROOT, 'scripts/lab/lab.sh'), 'down'], { env, stdio: 'ignore' })
    } catch {}
    rmSync(prefix, { recursive: true, force: true })
  }
  for (const r of rows)
    console.log(
      `${r.what.padEnd(44)} ${String(r.figure).padEnd(28)} budget: ${r.budget}${r.verdict ? `  [${r.verdict}]` : ''}`
    )
  return rows
}
