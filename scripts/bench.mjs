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
import { APPLET_FILES } from './applet-chunks.mjs'
import { reportPackageSizes } from './bench-ipk.mjs'
import { benchGroups } from './bench-groups.mjs'
import { benchRules } from './bench-rules.mjs'
import { benchSharing, median, row as benchRow } from './bench-sharing.mjs'
import { benchLab } from './bench-lab.mjs'
import { QJS, QJS_RELEASE } from './native-qjs.mjs'
import { build } from 'esbuild'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const DIST = join(ROOT, 'dist')
const rows = []

const row = (...args) => rows.push(benchRow(...args))

/** One batch: `cmd` ({ argv, env?, inputs? }) run `runs` times in a row by a shell loop, each run's
 * stdin the next of `inputs` in turn (files in `dir`); the wall ms per run. A shell starts each
 * run as cheaply as a benchmark tool does, where Node's own spawn would add about 4 ms to every
 * run (a fork of a large process) and squeeze the ratios; the one spawn of the loop is spread over
 * its runs. Throws on a non-zero exit. */
function runBatch(cmd, runs, dir) {
  const inputs = (cmd.inputs ?? ['']).map((text, i) => {
    const file = join(dir, `stdin-${i}`)
    writeFileSync(file, text)
    return file
  })
  // The open-file limit of a router (Linux's default, 1024): qjs's os.exec closes every descriptor
  // up to it in the child, so a machine's higher limit (thousands) slows each exec (the config
  // write's `flock`) by as many close() calls.
  const loop =
    'ulimit -n 1024 2>/dev/null; n=$1; shift; k=$1; shift; i=0; while [ $i -lt $n ]; do ' +
    'eval "in=\\${IN_$((i % k))}"; "$@" <"$in" >/dev/null 2>&1 || exit 1; i=$((i + 1)); done'
  const env = { ...(cmd.env ?? process.env) }
  inputs.forEach((f, i) => (env[`IN_${i}`] = f))
  const t0 = process.hrtime.bigint()
  const r = spawnSync('sh', ['-c', loop, 'sh', String(runs), String(inputs.length), ...cmd.argv], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env,
  })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.status !== 0) throw new Error(`${cmd.argv.join(' ')} exited ${r.status}: ${r.stderr}`)
  return ms / runs
}

/** A and B in turn (a batch of A, a batch of B, …, after a warm-up batch each), `pairs` times:
 * the median of the pairs' ratios A/B of wall time per run, and each one's median ms per run.
 * Taking the ratio pair by pair keeps it fair while the machine's speed drifts. */
function pairedRatio(a, b, { pairs = 21, runs = 10 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'lanvpn-bench-stdin-'))
  try {
    runBatch(a, runs, dir)
    runBatch(b, runs, dir)
    const ratios = []
    const msA = []
    const msB = []
    for (let i = 0; i < pairs; i++) {
      msA.push(runBatch(a, runs, dir))
      msB.push(runBatch(b, runs, dir))
      ratios.push(msA[i] / msB[i])
    }
    return { ratio: median(ratios), a: median(msA), b: median(msB) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`

function benchBundle() {
  const size = (files) => files.reduce((n, f) => n + statSync(join(DIST, f)).size, 0)
  const all = size(APPLET_FILES)
  const gz = APPLET_FILES.reduce(
    (n, f) => n + gzipSync(readFileSync(join(DIST, f)), { level: 9 }).length,
    0
  )
  row(
    `applet (dist/lanvpn.js and ${APPLET_FILES.length - 1} chunks)`,
    `${kb(all)} raw, ${kb(gz)} gzip (file by file)`,
    'part of the .ipk ≤ ~90 KB compressed',
    gz < 90 * 1024 ? 'ok' : 'over'
  )
  const rpc = size(['lanvpn.js', 'lanvpn-base.js', 'lanvpn-runtime.js'])
  row('  of it, what an rpc call parses', `${kb(rpc)} (lanvpn.js, -base, -runtime)`, '—')
}

/** Start-up costs under the native qjs (the router's runtime), as multiples of an empty start,
 * each pair of runs in turn. The router's qjs (musl, 2025-09-13, a CPU 10–20 × slower) differs in
 * absolute figures; the multiples are what the budget is about. */
function benchNativeQjs() {
  if (!existsSync(QJS))
    return row('native qjs start-up', 'not measured: no native qjs (`make setup`)', '—')
  const empty = { argv: [QJS, '-e', ''] }
  const bundle = [QJS, '--std', '-m', join(DIST, 'lanvpn.js')]
  const prefix = mkdtempSync(join(tmpdir(), 'lanvpn-bench-'))
  try {
    mkdirSync(join(prefix, 'etc/config'), { recursive: true })
    cpSync(join(DIST, 'root/etc/config/lanvpn'), join(prefix, 'etc/config/lanvpn'))
    const env = { ...process.env, LANVPN_PREFIX: prefix, LANVPN_LOG: 'off' }
    const help = pairedRatio({ argv: [...bundle, '--help'] }, empty)
    row(
      `native qjs (QuickJS ${QJS_RELEASE}): \`qjs -e ''\``,
      `${help.b.toFixed(1)} ms`,
      '— (the unit below)'
    )
    const times = (r) => `${r.ratio.toFixed(1)} × qjs -e '' (${r.a.toFixed(1)} ms)`
    row('  `lanvpn --help`', times(help), '—')
    const status = pairedRatio(
      { argv: [...bundle, 'rpc', 'call', 'status'], env, inputs: ['{}'] },
      empty
    )
    row('  rpc `call status`', times(status), '— (polls cost no process)')
    // Every run changes the mode (vpn, direct, vpn, …), so every run writes the config.
    const modes = ['vpn', 'direct'].map((mode) =>
      JSON.stringify({ mac: '02:00:00:00:50:01', mode })
    )
    const write = pairedRatio(
      { argv: [...bundle, 'rpc', 'call', 'setDeviceMode'], env, inputs: modes },
      empty
    )
    row(
      '  rpc write `call setDeviceMode`',
      times(write),
      "≤ 8 × qjs -e ''",
      write.ratio <= 8 ? 'ok' : 'over'
    )
    // What rpcd runs: the plugin (sh), which execs the same qjs command.
    const plugin = join(DIST, 'root/usr/libexec/rpcd/lanvpn')
    const viaPlugin = pairedRatio(
      {
        argv: [plugin, 'call', 'setDeviceMode'],
        env: { ...env, LANVPN_RUNTIME: QJS, LANVPN_BUNDLE: join(DIST, 'lanvpn.js') },
        inputs: modes,
      },
      empty
    )
    row('  the same write through the rpcd plugin (sh, then qjs)', times(viaPlugin), '—')
  } finally {
    rmSync(prefix, { recursive: true, force: true })
  }
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
    const shTrue = { argv: ['sh', '-c', 'true'] }
    const call = pairedRatio(
      {
        argv: [plugin, 'call', 'status'],
        env,
        inputs: ['{"ubus_rpc_session":"0123456789abcdef0123456789abcdef"}'],
      },
      shTrue,
      { pairs: 11, runs: 3 }
    )
    const list = pairedRatio({ argv: [plugin, 'list'], env }, shTrue)
    row(
      'rpc `call status` (node runtime)',
      `${call.a.toFixed(1)} ms = ${call.ratio.toFixed(0)} × sh -c true`,
      '— (changes only; polls cost no process)'
    )
    row(
      'rpc `list` (static JSON)',
      `${list.a.toFixed(1)} ms = ${list.ratio.toFixed(1)} × sh -c true`,
      'instant: rpcd blocks on it at boot'
    )
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
  // The first view also loads every chunk the entry imports statically (import() waits for a page).
  for (const ref of refs) {
    if (!ref.endsWith('.js')) continue
    const code = readFileSync(join(www, ref), 'utf8')
    for (const m of code.matchAll(
      /(?:^|[;}])\s*import\s*(?:[\w$*{][^"']*from\s*)?["']\.\/([^"']+)["']/g
    )) {
      const dep = join(dirname(ref), m[1])
      if (!refs.includes(dep)) refs.push(dep)
    }
  }
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
  for (const l of languages)
    row(
      `.ipk size (${l.name})`,
      kb(l.bytes),
      l.name.includes('-i18n-') ? '— (optional language)' : '— (optional)'
    )
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
benchNativeQjs()
benchRpcCall()
benchWebui()
benchIpk()
for (const r of await benchSharing()) rows.push(r)
for (const r of await benchGroups()) rows.push(r)
for (const r of await benchRules()) rows.push(r)
await benchEchoRate()
for (const r of await benchLab()) rows.push({ verdict: '', ...r })

/** What the figures are, printed under the table. */
const NOTES = [
  `Native qjs rows: QuickJS ${QJS_RELEASE} built from its sources for this machine (glibc,`,
  '`scripts/native-qjs.mjs`); each figure is the median of 21 pairs of batches taken in turn (ten',
  "runs of the command by a shell loop, then ten of `qjs -e ''`, both with a router's limit of 1024",
  'open files): ms per run, and the multiple of the empty start of the same pair. The write is a',
  "real one (each run changes the mode), durable: its temp file is opened O_SYNC. OpenWrt's qjs is",
  '2025-09-13 built against musl on a CPU 10–20 × slower: its absolute times and its RSS differ,',
  'the multiples are what the budgets are about. The daemon runs under the native qjs in the lab.',
]

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
  ...NOTES,
  '',
].join('\n')
writeFileSync(join(ROOT, 'bench/results.md'), md)
console.log('\nwritten to bench/results.md')
