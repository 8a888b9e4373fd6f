#!/usr/bin/env node
// npm run bench: measures what exists against the budgets in product.md, prints each figure beside
// its budget and writes bench/results.md. Never used as a pass/fail test (timings vary by machine).
import { spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  cpSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { reportPackageSizes } from './bench-ipk.mjs'
import { benchSharing } from './bench-sharing.mjs'
import { benchLab } from './bench-lab.mjs'
import { build } from 'esbuild'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const DIST = join(ROOT, 'dist')
const QJS_EMU = join(ROOT, 'test/quickjs/qjs-emu.mjs')
const rows = []

function row(what, figure, budget, verdict = '') {
  rows.push({ what, figure, budget, verdict })
  console.log(
    `${what.padEnd(44)} ${String(figure).padEnd(28)} budget: ${budget}${verdict ? `  [${verdict}]` : ''}`
  )
}

/** Median wall time in ms of `runs` executions of argv. */
function timeIt(argv, runs, opts = {}) {
  const times = []
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint()
    const r = spawnSync(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], ...opts })
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`)
    times.push(ms)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`

function benchBundle() {
  const bundle = readFileSync(join(DIST, 'lanvpn.js'))
  const gz = gzipSync(bundle, { level: 9 }).length
  row(
    'daemon bundle (dist/lanvpn.js)',
    `${kb(bundle.length)} raw, ${kb(gz)} gzip`,
    'part of the .ipk ≤ ~90 KB compressed',
    gz < 90 * 1024 ? 'ok' : 'over'
  )
}

function benchQuickjsStart() {
  if (!existsSync(QJS_EMU)) return row('QuickJS-engine start', 'n/a (no emulator)', '—')
  const tmp = mkdtempSync(join(tmpdir(), 'lanvpn-bench-'))
  try {
    const empty = join(tmp, 'empty.js')
    writeFileSync(empty, '')
    const base = timeIt([process.execPath, QJS_EMU, '--std', empty], 7)
    const withBundle = timeIt(
      [process.execPath, QJS_EMU, '--std', join(DIST, 'lanvpn.js'), 'version'],
      7
    )
    row('QuickJS-engine start: empty script', `${base.toFixed(0)} ms`, '—')
    row(
      'QuickJS-engine start: bundle `version`',
      `${withBundle.toFixed(0)} ms (+${(withBundle - base).toFixed(0)} ms)`,
      '— (load cost of the bundle)'
    )
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
  const qjs = spawnSync('sh', ['-c', 'command -v qjs'], { encoding: 'utf8' }).stdout.trim()
  row(
    'daemon idle RSS under native qjs',
    qjs
      ? 'see below'
      : 'not measured: no native qjs on this machine (engine heap: see the lab rows)',
    '≤ 2 × empty qjs with one timer'
  )
}

function benchRpcCall() {
  const plugin = join(DIST, 'root/usr/libexec/rpcd/lanvpn')
  if (!existsSync(plugin)) return row('rpc call', 'n/a (run npm run build)', '—')
  const prefix = mkdtempSync(join(tmpdir(), 'lanvpn-bench-'))
  try {
    mkdirSync(join(prefix, 'etc/config'), { recursive: true })
    cpSync(join(DIST, 'root/etc/config/lanvpn'), join(prefix, 'etc/config/lanvpn'))
    const env = {
      ...process.env,
      LANVPN_PREFIX: prefix,
      LANVPN_BUNDLE: join(DIST, 'lanvpn.js'),
      LANVPN_RUNTIME: 'node',
      LANVPN_LOG: 'off',
    }
    const shTrue = timeIt(['sh', '-c', 'true'], 21)
    const call = timeIt([plugin, 'call', 'status'], 11, {
      env,
      input: '{"ubus_rpc_session":"0123456789abcdef0123456789abcdef"}',
    })
    const list = timeIt([plugin, 'list'], 21, { env })
    row(
      'rpc `call status` (node runtime)',
      `${call.toFixed(1)} ms = ${(call / shTrue).toFixed(0)} × sh -c true`,
      '— (changes only; polls cost no process)'
    )
    row(
      'rpc `list` (static JSON)',
      `${list.toFixed(1)} ms = ${(list / shTrue).toFixed(1)} × sh -c true`,
      'instant: rpcd blocks on it at boot'
    )
    if (existsSync(QJS_EMU)) {
      const envQ = { ...env, LANVPN_RUNTIME: `${process.execPath} ${QJS_EMU}` }
      const callQ = timeIt([plugin, 'call', 'status'], 7, { env: envQ, input: '{}' })
      row(
        'rpc `call status` (QuickJS engine, emulated)',
        `${callQ.toFixed(1)} ms = ${(callQ / shTrue).toFixed(0)} × sh -c true`,
        '—'
      )
    }
    row(
      'status polling',
      '0 processes per poll (rpcd file.read)',
      '0 process spawns per poll',
      'ok'
    )
  } finally {
    rmSync(prefix, { recursive: true, force: true })
  }
}

function benchWebui() {
  const www = join(DIST, 'www')
  if (!existsSync(join(www, 'index.html')))
    return row('web UI first view', 'n/a', '≤ 70 KB raw, ≤ 4 requests')
  const html = readFileSync(join(www, 'index.html'), 'utf8')
  const refs = [...html.matchAll(/(?:src|href)="\.?\/?([^"]+\.(?:js|css))"/g)].map((m) => m[1])
  const bytes =
    statSync(join(www, 'index.html')).size +
    refs.reduce((n, r) => n + statSync(join(www, r)).size, 0)
  const requests = 1 + refs.length
  row(
    'web UI first view',
    `${kb(bytes)} raw, ${requests} requests`,
    '≤ 70 KB raw, ≤ 4 requests',
    bytes <= 70 * 1024 && requests <= 4 ? 'ok' : 'over'
  )
}

function benchIpk() {
  const { main, languages } = reportPackageSizes()
  row(
    `.ipk size (${main.name}, English UI)`,
    `${kb(main.bytes)}`,
    `≤ ${kb(main.budget)} (pbr + luci-app-pbr + ddns-scripts)`,
    main.ok ? 'ok' : 'over'
  )
  for (const l of languages) row(`.ipk size (${l.name})`, kb(l.bytes), '— (optional language)')
}

/** IP-echo queries per hour at steady state, from the real scheduler on a simulated clock: behind a
 * private WAN (the echo is the only way to learn the public address) and behind a public one. */
async function benchEchoRate() {
  const out = await build({
    stdin: {
      resolveDir: ROOT,
      contents: `export * from './applet/src/core/mediastreamer/scheduler.ts'`,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
    logLevel: 'error',
  })
  const m = await import(`data:text/javascript,${encodeURIComponent(out.outputFiles[0].text)}`)
  for (const [kind, wan] of [
    ['private', '192.168.1.2'],
    ['public', '81.2.69.160'],
  ]) {
    let state = m.initialState()
    let now = 0
    let timerAt = Infinity
    let echoes = 0
    const queue = [
      {
        kind: 'start',
        settings: { enabled: true, fingerprint: 'x', echoUrls: ['https://echo.example/'] },
      },
    ]
    const run = () => {
      while (queue.length) {
        const r = m.step(state, queue.shift(), now)
        state = r.state
        for (const a of r.actions) {
          if (a.kind === 'readWan') queue.push({ kind: 'wanChanged', address: wan })
          if (a.kind === 'echo') {
            echoes++
            queue.push({ kind: 'echoResult', seq: a.seq, address: '81.2.69.160', message: '' })
          }
          if (a.kind === 'register')
            queue.push({
              kind: 'registerResult',
              seq: a.seq,
              outcome: { next: 'ok', message: 'ok' },
            })
          if (a.kind === 'timer') timerAt = a.atMs
          if (a.kind === 'cancelTimer') timerAt = Infinity
        }
      }
    }
    run()
    const firstHourEnd = 2 * 3600_000
    let counted = 0
    while (timerAt <= firstHourEnd) {
      now = timerAt
      timerAt = Infinity
      const before = echoes
      queue.push({ kind: 'timer' })
      run()
      if (now > 3600_000) counted += echoes - before
    }
    row(
      `IP-echo queries per hour, ${kind} WAN`,
      `${counted}`,
      'at most 6 (one per 10 min)',
      counted <= 6 ? 'ok' : 'over'
    )
  }
}

benchBundle()
benchQuickjsStart()
benchRpcCall()
benchWebui()
benchIpk()
for (const r of await benchSharing()) rows.push(r)
await benchEchoRate()
for (const r of await benchLab()) rows.push({ verdict: '', ...r })

mkdirSync(join(ROOT, 'bench'), { recursive: true })
const md = [
  '# lanvpn bench results',
  '',
  `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)} (Node ${process.version}). Budgets from product.md.`,
  '',
  '| what | figure | budget | |',
  '|---|---|---|---|',
  ...rows.map((r) => `| ${r.what} | ${r.figure} | ${r.budget} | ${r.verdict} |`),
  '',
].join('\n')
writeFileSync(join(ROOT, 'bench/results.md'), md)
console.log('\nwritten to bench/results.md')
