// The daemon under load in the lab: five web-UI sessions poll the status file through the dev
// router (rpcd's file.read) every 2 s each, while a hundred LAN devices join and a hundred leave
// every second (neighbour entries on br-lan and the DHCP lease file the daemon reads), for
// LOAD_SECONDS (default 600: the ten minutes issue 8 asks for). Every minute the daemon must
// answer a SIGHUP with a new status generation, every poll must read a whole status, and the
// daemon must neither die nor restart.
//
// The daemon runs under the router's runtime, the native qjs (LOAD_RUNTIME=node runs it under
// Node instead), with a 32 MiB memory limit: a runaway leak becomes an allocation failure the
// test sees within the run.
//
// Memory under qjs: VmRSS, sampled every 5 s. QuickJS frees an object the moment its last
// reference goes (reference counting) and collects cycles as allocations grow, and it compiled the
// bundle to bytecode once, at load: RSS follows what the daemon holds, not when a collector last
// ran. It is not flat from the first second: malloc's heap settles under the churn for about four
// minutes (ten minutes in this lab, since groups: 4.6 MB at 5 s, 4.8-4.9 MB in the first minute,
// 5.3 MB at 2 minutes, 5.5-5.7 MB from the fourth minute on, steps of ±0.15 MB as reconciles come
// and go), and a baseline from the first minute failed a healthy daemon by a few kB. So the
// baseline is the median of the fifth tenth of the run (240-300 s of ten minutes), once settled,
// and the median of the last 30 s must stay within RSS_SLACK_KB (640 kB) of it. The daemon
// publishes about 345 generations in ten minutes here (the log line counts them), about 190 of
// them after the baseline, so a leak of 3.5 KB a generation (a device list of this load, a few
// statuses) or of 2 KB a churn tick goes past it; smaller ones hide in malloc's steps.
//
// Memory under Node: every minute a heap snapshot (Node collects garbage first) gives what the
// daemon holds; its data — objects, strings, closures, arrays — must end within 10% of the first
// minute's. The code V8 compiles is reported apart (it grows for many minutes as V8 compiles the
// functions a 30 s reconcile makes hot), and VmRSS only printed: under Node it follows V8's lazy
// collection of old-space garbage and each snapshot's own buffers, not what the daemon keeps.
//
//   5 × poller ── 127.0.0.1 dev router (uhttpd + rpcd emulation) ── file.read status.json
//                                                                         │ (prefix)
//   [lv…-laptop] vpn ── br-lan [lv…-router] wan ── [lv…-inet] ── [lv…-vpn] 203.0.113.10
//                       + 200 neighbour MACs     lanvpn daemon, <lab>tun (wg)
//                         (100 in, 100 out /s)
//
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  cleanupLabDaemon,
  LAB_BUNDLE,
  labStatus,
  startLabDaemon,
  unhandledRejections,
  writeLabConfig,
  writeLabProfile,
  type LabRuntime,
} from '../e2e/daemon-lab'
import { Lab, labOrFail, signalPid, waitFor, type LabProcess } from '../e2e/lab'

const REPO = resolve(import.meta.dirname, '../..')
// At least 90 s: the memory baseline is taken after the first minute.
const LOAD_SECONDS = Math.max(90, Number(process.env.LOAD_SECONDS ?? 600))
const POLLERS = 5
const POLL_MS = 2000
const CHURN = 100
/** How far the daemon's RSS may end above its settled baseline under qjs (see the header). */
const RSS_SLACK_KB = 640
const RUNTIME: LabRuntime = process.env.LOAD_RUNTIME === 'node' ? 'node' : 'qjs'
/** A router's share for the daemon: the heap limit of either runtime. */
const MEMORY_LIMIT_MB = 32
/** Flags for RUNTIME: the memory limit, and under Node the heap snapshots heapKb reads. */
const runtimeFlags = (prefix: string): string[] =>
  RUNTIME === 'qjs'
    ? ['--memory-limit', String(MEMORY_LIMIT_MB * 1024 * 1024)]
    : [
        '--max-semi-space-size=1',
        `--max-old-space-size=${MEMORY_LIMIT_MB}`,
        // SIGUSR2 writes a heap snapshot (after a full GC) into the prefix: see heapKb.
        '--heapsnapshot-signal=SIGUSR2',
        `--diagnostic-dir=${prefix}`,
      ]
/** How long the daemon may take to publish after a SIGHUP under this load (a liveness bound,
 * not a timing budget: the bench measures speed). */
const HUP_BOUND_MS = 20_000

type DevRouter = { url: string; close: () => Promise<void> }

/** The Nth churn device: MAC 02:00:00:03:xx:yy and an address in 192.168.52.0/23 (off the DHCP
 * range, so dnsmasq never hands it out). */
function churnDevice(n: number): { mac: string; ip: string } {
  const hex = (v: number) => v.toString(16).padStart(2, '0')
  return {
    mac: `02:00:00:03:${hex(n >> 8)}:${hex(n & 255)}`,
    ip: `192.168.${52 + (n >> 8)}.${(n & 255) + 1}`,
  }
}

/** VmRSS of a process in kB, from /proc/<pid>/status. */
function rssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (!m) throw new Error(`no VmRSS for pid ${pid}`)
  return Number(m[1])
}

/** What the daemon's heap holds, in kB: SIGUSR2 makes Node collect garbage and write a heap
 * snapshot into `dir` (--heapsnapshot-signal, --diagnostic-dir); the self sizes of its nodes are
 * summed apart for compiled code and for everything else (the daemon's data). The snapshot file
 * is removed afterwards. */
async function heapKb(pid: number, dir: string): Promise<{ dataKb: number; codeKb: number }> {
  const snapshots = () => readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot'))
  const before = new Set(snapshots())
  signalPid(pid, 'SIGUSR2')
  type Snapshot = {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }
    nodes: number[]
  }
  let snapshot: Snapshot | undefined
  await waitFor(
    'the heap snapshot',
    () => {
      const file = snapshots().find((f) => !before.has(f))
      if (!file) return false
      try {
        snapshot = JSON.parse(readFileSync(join(dir, file), 'utf8'))
      } catch {
        return false // still being written
      }
      rmSync(join(dir, file))
      return true
    },
    60_000
  )
  const { node_fields: fields, node_types: types } = snapshot!.snapshot.meta
  const [typeAt, sizeAt, code] = [
    fields.indexOf('type'),
    fields.indexOf('self_size'),
    types[0].indexOf('code'),
  ]
  const bytes = { data: 0, code: 0 }
  for (let i = 0; i < snapshot!.nodes.length; i += fields.length)
    bytes[snapshot!.nodes[i + typeAt] === code ? 'code' : 'data'] += snapshot!.nodes[i + sizeAt]
  return { dataKb: Math.round(bytes.data / 1024), codeKb: Math.round(bytes.code / 1024) }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

describe.runIf(labOrFail())('the daemon under UI polling and device churn', () => {
  let lab: Lab
  let prefix: string
  let daemon: LabProcess
  let router: DevRouter | undefined
  const statusFile = () => labStatus(prefix)
  const iface = () => `${lab.name}tun`

  beforeAll(async () => {
    if (!existsSync(LAB_BUNDLE)) throw new Error('run `npm run build` first (dist/root is missing)')
    lab = await Lab.up({ devices: ['laptop'] })
    prefix = mkdtempSync(join(tmpdir(), 'lanvpn-load-'))
    writeLabConfig(
      prefix,
      { connect: '1', active_profile: 'home', health_interval: '2' },
      writeLabProfile(prefix, 'home', lab.clientConf('vpn'))
    )
    writeFileSync(join(prefix, 'load.leases'), '')
    daemon = startLabDaemon(lab, prefix, {
      iface: iface(),
      env: [`LANVPN_LEASE_FILE=${prefix}/load.leases`],
      runtime: RUNTIME,
      // A small heap, as on a router: a runaway leak becomes a failure the test sees (same pid,
      // state running, every SIGHUP answered) within the run.
      runtimeFlags: runtimeFlags(prefix),
    })
    await waitFor('the tunnel', () => statusFile()?.tunnel?.state === 'connected', 60_000)
    const mod = await import(pathToFileURL(join(REPO, 'scripts/devrouter/server.mjs')).href)
    router = (await mod.startDevRouter({
      root: join(REPO, 'dist/root'),
      prefix,
      logins: [{ username: 'root', password: 'load', read: ['*'], write: ['*'] }],
      log: () => {},
    })) as DevRouter
  })

  afterAll(async () => {
    await router?.close()
    await daemon?.kill()
    if (lab && prefix) await cleanupLabDaemon(lab, prefix, { iface: iface(), runtime: RUNTIME })
    await lab?.down()
    if (prefix) rmSync(prefix, { recursive: true, force: true })
  })

  it(
    'stays responsive under five UI pollers and a hundred devices joining and leaving a second',
    async () => {
      const ubus = async (params: unknown[]) => {
        const res = await fetch(`${router!.url}/ubus`, {
          method: 'POST',
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'call', params }),
        })
        return (await res.json()) as { result?: [number, Record<string, unknown>?] }
      }
      const pid = statusFile().daemon.pid as number
      const firstGeneration = statusFile().generation as number
      const started = Date.now()
      const deadline = started + LOAD_SECONDS * 1000
      let stop = false
      const pollErrors: string[] = []
      let polls = 0

      // Five UI sessions, each reading the status file every 2 s as the Overview page does.
      const pollers = Array.from({ length: POLLERS }, async (_, i) => {
        const login = await ubus([
          '00000000000000000000000000000000',
          'session',
          'login',
          { username: 'root', password: 'load' },
        ])
        const sid = String(login.result?.[1]?.ubus_rpc_session ?? '')
        if (!sid) throw new Error(`poller ${i}: login failed: ${JSON.stringify(login)}`)
        await new Promise((r) => setTimeout(r, (i * POLL_MS) / POLLERS))
        while (!stop) {
          const r = await ubus([sid, 'file', 'read', { path: '/var/run/lanvpn/status.json' }])
          const data = r.result?.[1]?.data
          if (r.result?.[0] !== 0 || typeof data !== 'string') pollErrors.push(JSON.stringify(r))
          else
            try {
              JSON.parse(data)
            } catch (e) {
              pollErrors.push(`${(e as Error).message}: ${data}`)
            }
          polls++
          await new Promise((res) => setTimeout(res, POLL_MS))
        }
      })

      // A hundred devices in, a hundred out, every second: one `ip -batch` and one lease file.
      let tick = 0
      const churn = (async () => {
        while (!stop) {
          const joining = Array.from({ length: CHURN }, (_, k) =>
            churnDevice((tick % 2) * CHURN + k)
          )
          const leaving = Array.from({ length: CHURN }, (_, k) =>
            churnDevice(((tick + 1) % 2) * CHURN + k)
          )
          const batch = [
            ...leaving.map((d) => `neigh del ${d.ip} dev br-lan`),
            ...joining.map((d) => `neigh replace ${d.ip} lladdr ${d.mac} dev br-lan nud reachable`),
          ].join('\n')
          await lab.exec('router', ['ip', '-force', '-batch', '-'], {
            input: `${batch}\n`,
            quiet: true,
          })
          const expiry = Math.floor(Date.now() / 1000) + 3600
          writeFileSync(
            join(prefix, 'load.leases'),
            joining.map((d, k) => `${expiry} ${d.mac} ${d.ip} churn${k} *\n`).join('')
          )
          tick++
          await new Promise((r) => setTimeout(r, 1000))
        }
      })()

      // Every minute: under Node the live heap is measured; then a SIGHUP must be answered with a
      // new generation. RSS sampled every 5 s.
      const samples: Array<{ atS: number; kb: number }> = []
      const heaps: Array<{ atS: number; dataKb: number; codeKb: number }> = []
      const measureHeap = async () => {
        if (RUNTIME === 'node')
          heaps.push({ atS: (Date.now() - started) / 1000, ...(await heapKb(pid, prefix)) })
      }
      const hupDelays: number[] = []
      let sawChurn = 0
      let nextHup = started + 60_000
      try {
        while (Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 5000))
          samples.push({ atS: (Date.now() - started) / 1000, kb: rssKb(pid) })
          // Positive control: the daemon does see the churning devices.
          const list = join(prefix, 'var/run/lanvpn/devices.json')
          if (existsSync(list) && readFileSync(list, 'utf8').includes('02:00:00:03:')) sawChurn++
          if (Date.now() >= nextHup) {
            nextHup += 60_000
            await measureHeap()
            const before = statusFile()?.generation ?? 0
            const sent = Date.now()
            signalPid(pid, 'SIGHUP')
            await waitFor(
              'the daemon to answer a SIGHUP',
              () => (statusFile()?.generation ?? 0) > before,
              HUP_BOUND_MS
            )
            hupDelays.push(Date.now() - sent)
          }
        }
        await measureHeap()
      } finally {
        stop = true
        await Promise.all([...pollers, churn])
      }
      console.log(
        `[+] ${LOAD_SECONDS} s: ${polls} polls, ${tick} churn ticks, ` +
          `${statusFile().generation - firstGeneration} generations, HUP answered in ${hupDelays.join(', ')} ms; ` +
          `RSS kB ${samples.map((s) => `${Math.round(s.atS)}s:${s.kb}`).join(' ')}`
      )
      expect(pollErrors).toEqual([])
      expect(sawChurn).toBeGreaterThan(0)
      expect(statusFile().daemon.state).toBe('running')
      expect(statusFile().daemon.pid).toBe(pid)
      expect(hupDelays.length).toBeGreaterThanOrEqual(Math.floor(LOAD_SECONDS / 60) - 1)
      expect(unhandledRejections(daemon.output())).toEqual([])
      // Memory (see the header).
      const rss = (from: number, to: number) =>
        median(samples.filter((s) => s.atS >= from && s.atS <= to).map((s) => s.kb))
      const pct = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(1)}%`
      const [rssFirst, rssLast] = [rss(0, 60), rss(LOAD_SECONDS - 30, LOAD_SECONDS + 30)]
      if (RUNTIME === 'qjs') {
        const settled = rss(LOAD_SECONDS * 0.4, LOAD_SECONDS * 0.5)
        console.log(
          `[+] RSS kB ${rssFirst} in the first minute, ${settled} settled ` +
            `(${Math.round(LOAD_SECONDS * 0.4)}-${Math.round(LOAD_SECONDS * 0.5)} s), ` +
            `${rssLast} at the end (${pct(settled, rssLast)})`
        )
        expect(rssLast).toBeLessThanOrEqual(settled + RSS_SLACK_KB)
        return
      }
      const [first, last] = [heaps[0], heaps.at(-1)!]
      console.log(
        `[+] heap data kB ${heaps.map((h) => `${Math.round(h.atS)}s:${h.dataKb}`).join(' ')} ` +
          `(${pct(first.dataKb, last.dataKb)}); compiled code kB ${first.codeKb} → ${last.codeKb}; ` +
          `RSS kB ${rssFirst} before the first snapshot, ${rssLast} at the end`
      )
      expect(last.dataKb).toBeLessThanOrEqual(first.dataKb * 1.1)
    },
    (LOAD_SECONDS + 180) * 1000
  )
})
