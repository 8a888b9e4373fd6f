#!/usr/bin/env node
// The sharing bench (issue 4): what a full apply of N device policies and one device's mode change
// cost against the raw tools, in a throwaway network namespace (root only; deleted on exit).
//   full apply of 500:  lanvpn = render + `nft -f` (applyNftScript: one transaction) + one `ip -batch`
//                       raw    = one `nft -f` of the same rules + one `ip -batch`
//                       budget ≤ 1.3 × raw, ≤ 3 processes, 0 per device
//   one change:         lanvpn = renderMembershipUpdate + one `nft -f` (flush set + add element)
//                       raw    = one `nft add element`
//   5,000 vs 500:       lanvpn full apply of 5,000 against 500
// Run alone: `node scripts/bench-sharing.mjs`; scripts/bench.mjs can import benchSharing() and add
// its rows. Never a pass/fail test: figures vary by machine.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')

// The VPN rule and the fail-closed route (core/ids.ts: PRIO_BASE, VPN_TABLE, MARK_VPN, MARK_MASK).
// They do not depend on the number of devices (devices are matched by nft sets), so the raw and the
// lanvpn side run the same batch. iproute2 6.1 has no `rule replace`: del + add (the rule is added
// once before timing so the del always finds it).
const RULE = 'fwmark 0x1000000/0xf000000 lookup 5201 priority 5200'
const IP_BATCH = [
  `rule del ${RULE}`,
  `rule add ${RULE}`,
  'route replace unreachable default table 5201',
  '',
].join('\n')

/** Exports of the applet's sources (`contents`: `export … from './applet/src/…'` lines) bundled
 * with esbuild as the product is, into `dir`, and loaded into this process. node:* stays an import
 * (as in scripts/bundle-options.mjs), so host/node.ts can be among them. */
export async function loadSources(dir, name, contents) {
  const outfile = join(dir, `${name}-entry.mjs`)
  await build({
    stdin: { contents, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2020',
    external: ['node:*'],
    outfile,
    logLevel: 'warning',
  })
  return import(pathToFileURL(outfile).href)
}

/** The renderers the sharing rows time. */
const loadRenderers = (dir) =>
  loadSources(
    dir,
    'sharing',
    `export { parseAppliedHash, renderNftTable } from './applet/src/core/render/nft'
export { renderMembershipUpdate } from './applet/src/core/render/nft-sets'`
  )

/** `n` MAC addresses under `prefix` (three bytes), counting up. */
export function macs(n, prefix = '00:16:3e') {
  const hex = (x) => x.toString(16).padStart(2, '0')
  return Array.from(
    { length: n },
    (_, i) => `${prefix}:${hex(i >> 16)}:${hex((i >> 8) & 255)}:${hex(i & 255)}`
  )
}

function model(devices) {
  return {
    devices,
    defaultMode: 'vpn',
    lan: { managed: ['br-lan'], direct: [], blocked: [] },
    tunnelIface: 'lanvpn0',
    vpnBypassed: false,
    tunnelCarriesV6: true,
    tunnelDns: { v4: ['10.64.0.1'], v6: ['fd64::1'] },
    smartDns: { v4: ['192.0.2.53'], v6: [] },
  }
}

/** Spreads n devices over the four modes, most of them vpn, as a household would. */
function spread(n) {
  const all = macs(n)
  const q = Math.floor(n / 10)
  return {
    vpn: all.slice(3 * q),
    direct: all.slice(0, q),
    mediastreamer: all.slice(q, 2 * q),
    blocked: all.slice(2 * q, 3 * q),
  }
}

/** A bench row: printed as it is measured, returned for bench/results.md. */
export function row(what, figure, budget, verdict = '') {
  console.log(
    `${what.padEnd(44)} ${String(figure).padEnd(34)} budget: ${budget}${verdict ? `  [${verdict}]` : ''}`
  )
  return { what, figure, budget, verdict }
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** The median ms of `runs` runs of `fn`, each after an untimed `before`. */
export function timed(runs, fn, before = () => {}) {
  const times = []
  for (let i = 0; i < runs; i++) {
    before()
    const t0 = process.hrtime.bigint()
    fn()
    times.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  return median(times)
}

/** Runs `fn(b)` in a throwaway network namespace and temp dir (root only), both deleted whatever
 * happens, and resolves with the rows it added. `b`: `tmp` (the dir), `run(argv, input?)` (runs
 * argv in the namespace and returns spawnSync's result, output as text; counts `b.processes`),
 * `inNs(argv, input?, codes?)` (the same, throwing on an exit code not in `codes`, [0] by
 * default), `row(...)` (as row). */
export async function benchInNamespace(name, fn) {
  if (process.getuid?.() !== 0) return [row(`${name} bench`, 'not run: needs root', '—')]
  const ns = `lv${name}${process.pid % 100000}`
  const rows = []
  const b = {
    tmp: mkdtempSync(join(tmpdir(), `lanvpn-bench-${name}-`)),
    processes: 0,
    run(argv, input) {
      b.processes += 1
      // Room for a listing of 10,000 CIDRs as JSON (about 0.5 MB; spawnSync's default is 1 MB).
      const maxBuffer = 64 << 20
      return spawnSync('ip', ['netns', 'exec', ns, ...argv], { input, encoding: 'utf8', maxBuffer })
    },
    inNs(argv, input, codes = [0]) {
      const r = b.run(argv, input)
      if (!codes.includes(r.status))
        throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`)
    },
    row: (...args) => rows.push(row(...args)),
  }
  spawnSync('ip', ['netns', 'add', ns])
  try {
    await fn(b)
  } finally {
    spawnSync('ip', ['netns', 'del', ns])
    rmSync(b.tmp, { recursive: true, force: true })
  }
  return rows
}

export const benchSharing = ({ runs = 9 } = {}) =>
  benchInNamespace('sharing', async (b) => {
    const { tmp, inNs, row } = b
    const time = (fn) => timed(runs, fn)
    const { parseAppliedHash, renderNftTable, renderMembershipUpdate } = await loadRenderers(tmp)
    inNs(['ip', 'rule', 'add', ...RULE.split(' ')])
    const lanvpnFull = (n) => () => {
      const script = renderNftTable(model(spread(n)))
      inNs(['nft', '-f', '-'], script)
      inNs(['ip', '-batch', '-'], IP_BATCH)
    }
    const rawScript = renderNftTable(model(spread(500)))
    const rawFile = join(tmp, 'raw-500.nft')
    writeFileSync(rawFile, rawScript)
    const raw = time(() => {
      inNs(['nft', '-f', rawFile])
      inNs(['ip', '-batch', '-'], IP_BATCH)
    })
    b.processes = 0
    lanvpnFull(500)()
    const perApply = b.processes
    const full500 = time(lanvpnFull(500))
    row(
      'apply 500 device policies',
      `${full500.toFixed(1)} ms = ${(full500 / raw).toFixed(2)} × raw (${raw.toFixed(1)} ms)`,
      '≤ 1.3 × raw nft -f + ip -batch',
      full500 <= 1.3 * raw ? 'ok' : 'over'
    )
    row(
      '  processes per full apply',
      `${perApply} (0 per device)`,
      '≤ 3',
      perApply <= 3 ? 'ok' : 'over'
    )

    // One device's change: the 500-device table is in place; one MAC moves vpn → direct and back.
    lanvpnFull(500)()
    const base = spread(500)
    const mac = base.vpn[0]
    const moved = { ...base, vpn: base.vpn.slice(1), direct: [...base.direct, mac] }
    let flip = false
    const change = time(() => {
      const [from, to] = flip ? [moved, base] : [base, moved]
      const hash = parseAppliedHash(renderNftTable(model(to)))
      const script = renderMembershipUpdate(model(from), model(to), hash)
      flip = !flip
      inNs(['nft', '-f', '-'], script)
    })
    const rawAdd = time(() =>
      inNs(['nft', 'add', 'element', 'inet', 'lanvpn', 'direct_devices', `{ ${mac} }`])
    )
    row(
      "one device's mode change",
      `${change.toFixed(1)} ms = ${(change / rawAdd).toFixed(2)} × raw add element (${rawAdd.toFixed(1)} ms)`,
      'one nft transaction, no firewall reload',
      'ok'
    )

    // For comparison: the same move as element deltas (add to the new set; add + delete in the old
    // one, which cannot fail when the element is missing) instead of flush + re-add.
    const t = 'inet lanvpn'
    let back = false
    const delta = time(() => {
      const [from, to] = back ? ['direct', 'vpn'] : ['vpn', 'direct']
      back = !back
      const script = [
        `add element ${t} ${to}_devices { ${mac} }`,
        `add element ${t} ${from}_devices { ${mac} }`,
        `delete element ${t} ${from}_devices { ${mac} }`,
        '',
      ].join('\n')
      inNs(['nft', '-f', '-'], script)
    })
    row(
      '  as element deltas instead of flush + add',
      `${delta.toFixed(1)} ms = ${(delta / rawAdd).toFixed(2)} × raw add element`,
      '— (alternative)'
    )

    const full5000 = time(lanvpnFull(5000))
    row(
      'apply 5,000 device policies',
      `${full5000.toFixed(1)} ms = ${(full5000 / full500).toFixed(2)} × 500`,
      '— (scaling)'
    )
  })

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchSharing()
}
