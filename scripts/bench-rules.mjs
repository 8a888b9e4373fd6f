#!/usr/bin/env node
// The rules-by-destination bench (issue 22): the daemon's path as it runs it (core/plan
// desiredState + diffState from the config read, then system/apply.ts applyPlan with the DNS sets
// keptDnsSets names, on a Host whose commands run in a throwaway network namespace with the real
// nft and ip; root only; deleted on exit), against one raw `nft -f` of the same sets from a file:
//   10,000 destination CIDRs (9,000 IPv4, 1,000 IPv6) and 1,000 domains over 10 rules; budget
//   ≤ 1.3 × raw. The domains cost two timeout sets per rule in the table (dnsmasq fills them from
//   answers: here one IPv4 and one IPv6 address per domain); their 1,000 nftset= lines are
//   dnsmasq's configuration, not nft's.
//   first apply:  a router with nothing of lanvpn on it: the table (one `nft -f`), the routing
//                 rules (`ip -4/-6 -batch`) and the boot-time include (checked with `nft -c`,
//                 but for the sets the live table holds as they are, and written); no domain set
//                 to keep.
//   again:        the table applied whole again with the same rules (the tunnel coming up): over
//                 the table the daemon applied, its domain sets kept as they are in the same
//                 transaction (render/nft-keep.ts); and, a row of its own, over a table it did
//                 not apply (a restart, a firewall reload): the live domain sets read first (`nft
//                 -j list sets`, every set of the table), their addresses in the transaction.
//   a rule change: one destination of a rule another, the daemon's plan against the table it
//                 applied last: one nft transaction with the domain sets kept, and no firewall
//                 reload (the include is checked and written, not loaded); then the moved flows
//                 dropped by conntrack, as the daemon does.
// Each row says what its time is made of (every command timed, the rest is planning and parsing).
// Raw and lanvpn are timed in turn and each ratio taken pair by pair, so that a machine whose
// speed drifts (others' work on it) weighs on both alike. The daemon's observation before a plan
// (system/observe.ts) is timed on its own, not in the ratios. Run alone: `node
// scripts/bench-rules.mjs`; scripts/bench.mjs imports benchRules() and adds its rows. Never a
// pass/fail test: figures vary by machine.
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { benchInNamespace, loadSources, median, timed } from './bench-sharing.mjs'

const RULES = 10
const DESTS = 10000
const V6_DESTS = 1000
const DOMAINS = 1000

/** The product's plan and apply, bundled from the sources as the product is. */
const loadProduct = (dir) =>
  loadSources(
    dir,
    'rules',
    `export { parseConfig } from './applet/src/core/config/validate'
export { keptElements } from './applet/src/core/observe/nft'
export { resolvePaths } from './applet/src/core/paths'
export { desiredState, diffState } from './applet/src/core/plan/plan'
export { dnsSets, keptDnsSets, movedByRules } from './applet/src/core/render/nft-rules'
export { tableObjects } from './applet/src/core/render/nft-keep'
export { applyPlan } from './applet/src/system/apply'
export { dropConntrack } from './applet/src/system/conntrack'
export { observeRouter } from './applet/src/system/observe'`
  )

/** The i-th destination: a /24 of 10/8 … for IPv4, a /48 of 2001:db8::/32 for IPv6. */
const dest = (i) =>
  i < DESTS - V6_DESTS
    ? `10.${i >> 8}.${i & 255}.0/24`
    : `2001:db8:${(i - (DESTS - V6_DESTS)).toString(16)}::/48`

/** The networks the router is on, as the daemon observes them (system/lan.ts): the rules' local
 * exceptions. */
const NETS = ['192.168.1.1/24', 'fd00:1::1/64', '198.51.100.2/24', '192.168.100.2/24']

/** /etc/config/lanvpn with a location and RULES rules sharing the destinations and domains;
 * `changed`: the first rule's first destination another (a rule change). */
function configText(changed = false) {
  const lines = [
    `config globals 'globals'
	option enabled '1'
	option connect '1'
	option active_profile 'home'
`,
    `config profile 'home'
	option type 'wireguard'
	list address '10.64.0.2/32'
	list dns '10.64.0.1'
	option public_key 'o3+LdGXKA4fu5I1xAIJ/SJ/pQ9nPt/ukL0lND9Wigkk='
	option endpoint_host '203.0.113.10'
`,
  ]
  const vias = ['direct', 'vpn', 'blocked']
  for (let r = 0; r < RULES; r++) {
    const rule = [`config rule 'r${r}'`, `\toption via '${vias[r % vias.length]}'`]
    for (let i = r; i < DESTS; i += RULES)
      rule.push(`\tlist dest '${changed && i === 0 ? '192.0.2.0/24' : dest(i)}'`)
    for (let i = r; i < DOMAINS; i += RULES) rule.push(`\tlist domain 'site${i}.example'`)
    lines.push(rule.join('\n') + '\n')
  }
  return lines.join('\n')
}

/** What the DNS answers put into the rules' domain sets (`dnsSets` names them): one IPv4 and one
 * IPv6 address per domain, for a day (dnsmasq's nftset=), as `add element` lines. */
function dnsAnswers(rules, dnsSets) {
  const lines = []
  let k = 0
  for (const r of rules) {
    const ks = r.domains.map(() => k++)
    if (!ks.length) continue
    const add = (set, addr) =>
      lines.push(`add element inet lanvpn ${set} { ${ks.map(addr).join(', ')} }`)
    const sets = dnsSets(r.number)
    add(sets.v4, (i) => `198.18.${i >> 8}.${i & 255} timeout 1d`)
    add(sets.v6, (i) => `2001:db8:ffff::${i.toString(16)} timeout 1d`)
  }
  return lines.join('\n') + '\n'
}

const clock = () => Number(process.hrtime.bigint()) / 1e6

/** A command's first words, as the breakdown names it ('nft -f', 'nft -c -f', 'ip -4 -batch'). */
const commandOf = (argv) =>
  argv
    .slice(0, argv[0] === 'conntrack' ? 2 : 3)
    .join(' ')
    .replace(/ -$/, '')

/** The Host the product's apply runs on here: its commands in the bench's namespace through
 * b.run, as the raw side's (so a process costs both alike), its files for real (the include under
 * the temp dir, written as host/node.ts does: temp file, fsync, rename). Each command and file
 * write goes into `calls` with its ms (a command with its input). */
function benchHost(b, calls) {
  return {
    runtime: 'node',
    log() {},
    async exec(argv, opts = {}) {
      const t0 = clock()
      const r = b.run(argv, opts.stdin)
      calls.push({ what: commandOf(argv), ms: clock() - t0, input: opts.stdin ?? '' })
      if (r.error) throw r.error
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, timedOut: false }
    },
    readFile: (path) => (existsSync(path) ? readFileSync(path, 'utf8') : null),
    writeFileAtomic(path, content, opts = {}) {
      const t0 = clock()
      const tmp = `${path}.tmp`
      const fd = openSync(tmp, 'w', opts.mode ?? 0o644)
      writeSync(fd, content)
      if (opts.durable !== false) fsyncSync(fd)
      closeSync(fd)
      renameSync(tmp, path)
      calls.push({ what: 'write', ms: clock() - t0 })
    },
    mkdirp: (path, mode) => mkdirSync(path, { recursive: true, mode }),
    removeFile: (path) => rmSync(path, { force: true }),
  }
}

/** Runs `fn` and `raw` (either may be async) in turn `runs` times, each after an untimed
 * `before`: the medians of fn's ms, raw's ms and their ratio, and fn's ms run by run. */
async function paired(runs, fn, raw, before = () => {}) {
  const pairs = []
  for (let i = 0; i < runs; i++) {
    const pair = []
    for (const side of [fn, raw]) {
      await before()
      const t0 = clock()
      await side()
      pair.push(clock() - t0)
    }
    pairs.push(pair)
  }
  const [ms, rawMs, ratio] = [0, 1, 2].map((i) =>
    median(pairs.map((p) => (i < 2 ? p[i] : p[0] / p[1])))
  )
  return { ms, rawMs, ratio, times: pairs.map((p) => p[0]) }
}

/** The median ms of each command over the runs (`logs`: each run's calls, `times`: its ms), and
 * of the rest (`js`: planning, rendering, parsing, in this process). */
function breakdown(logs, times) {
  const names = [...new Set(logs.flat().map((c) => c.what))]
  const sumOf = (calls, what) => calls.filter((c) => c.what === what).reduce((t, c) => t + c.ms, 0)
  const byCommand = Object.fromEntries(
    names.map((what) => [what, median(logs.map((calls) => sumOf(calls, what)))])
  )
  const js = median(logs.map((calls, i) => times[i] - calls.reduce((t, c) => t + c.ms, 0)))
  return { ...byCommand, js }
}

const ms = (x) => `${x.toFixed(1)} ms`

export const benchRules = ({ runs = 15 } = {}) =>
  benchInNamespace('rules', async (b) => {
    const { tmp, inNs, row } = b
    const product = await loadProduct(tmp)
    const { parseConfig, desiredState, diffState, dnsSets, keptDnsSets, movedByRules } = product
    const { applyPlan, dropConntrack, keptElements, observeRouter, tableObjects } = product
    const paths = product.resolvePaths(join(tmp, 'root'))
    const calls = []
    const host = benchHost(b, calls)
    /** Reading the config: parseConfig, rules included. Not in the ratio, as bench-groups.mjs
     * keeps parseConfig out of its own: the daemon reads the file once per reload, whatever it
     * then applies. */
    const read = (text) => {
      const { config, problems } = parseConfig(text)
      if (problems.length) throw new Error(`bench config: ${JSON.stringify(problems[0])}`)
      return config
    }
    const texts = [configText(), configText(true)]
    const configs = texts.map(read)
    const desire = (config) =>
      desiredState(config, { profile: config.profiles[0], up: false }, 'lanvpn0', [], [], {}, NETS)
    /** What the daemon's reconcile does once it has observed the router (daemon/daemon.ts): plan,
     * apply with the domain sets of the rules unchanged since `appliedRules` kept, then drop the
     * flows the rules moved (no device on this bench's LAN: only moved destinations). Each run's
     * commands and ms go to `logs`; its steps are returned. */
    const logs = []
    const reconcile = async (config, observed, applied, appliedRules) => {
      calls.length = 0
      b.processes = 0
      const steps = diffState(desire(config), observed, applied)
      // Over the table it applied when that is what is loaded, as the daemon does.
      const live = applied?.hash === observed.nftHash ? applied.objects : null
      const keep = keptDnsSets(appliedRules, config.rules)
      const result = await applyPlan(host, paths, steps, keep, live)
      if (!result.ok || result.notes.length)
        throw new Error(`bench apply: ${[...result.errors, ...result.notes].join('; ')}`)
      const dests = applied ? movedByRules(appliedRules, config.rules, []).dests : []
      if (dests.length) await dropConntrack(host, dests)
      logs.push([...calls])
      return steps
    }
    const { rules } = configs[0]
    const states = configs.map(desire)
    const script = states[0].nft
    if (!script.includes('chain dest_rules')) throw new Error('bench: the plan has no rules')
    const dests = rules.reduce((n, r) => n + r.dests.length, 0)
    const domains = rules.reduce((n, r) => n + r.domains.length, 0)
    const answers = dnsAnswers(rules, dnsSets)
    /** Raw: `nft -f` of a file; `filled`: with the domain sets' addresses (the same sets). */
    const rawFileOf = (d, name, filled) => {
      const file = join(tmp, `${name}.nft`)
      writeFileSync(file, filled ? d.nft + answers : d.nft)
      return () => inNs(['nft', '-f', file])
    }
    const NO_IP = { rules: [], routes: [] }
    const nothing = { nftHash: '', fw4Include: null, ip4: NO_IP, ip6: NO_IP }
    /** What the daemon reads back from a router where `d` was applied: its table's hash
     * (`nftHash`: another one for a live table that is not `d`'s), its include and routing. */
    const observedOf = (d, nftHash = d.nftHash) => ({
      nftHash,
      fw4Include: d.fw4Include,
      ip4: d.ip4,
      ip6: d.ip6,
    })
    // Back to a router with nothing of lanvpn on it, untimed: the table, the include and the
    // routing the first apply set (the daemon's own plan for a disabled lanvpn).
    const undo = diffState(
      { ...states[0], nft: null, fw4Include: '', ip4: NO_IP, ip6: NO_IP },
      observedOf(states[0])
    )
    let routed = false
    const clean = async () => {
      inNs(['nft', 'delete', 'table', 'inet', 'lanvpn'], '', [0, 1])
      if (routed) {
        const result = await applyPlan(
          host,
          paths,
          undo.filter((s) => s.kind !== 'nft-delete')
        )
        if (!result.ok) throw new Error(`bench undo: ${result.errors.join('; ')}`)
      }
      routed = false
      rmSync(paths.fw4Include, { force: true })
    }

    // The first apply: from nothing, against raw nft -f of the table alone.
    const rawFirst = rawFileOf(states[0], 'raw', false)
    let firstSteps = []
    logs.length = 0
    const first = await paired(
      runs,
      async () => {
        firstSteps = await reconcile(configs[0], nothing, null, [])
        routed = true
      },
      rawFirst,
      clean
    )
    const firstBy = breakdown(logs, first.times)
    const over = (x) => (x <= 1.3 ? 'ok' : 'over')
    const what = `apply ${dests} CIDRs + ${domains} domains (${RULES} rules)`
    row(
      `${what}, first`,
      `${ms(first.ms)} = ${first.ratio.toFixed(2)} × raw nft -f (${ms(first.rawMs)}); ${firstSteps.map((s) => s.kind).join(', ')}`,
      '≤ 1.3 × raw nft -f',
      over(first.ratio)
    )
    const include = (by) => (by['nft -c -f'] ?? 0) + (by.write ?? 0)
    row(
      '  of which: the table (nft -f)',
      `${ms(firstBy['nft -f'])} = ${(firstBy['nft -f'] / first.rawMs).toFixed(2)} × raw; table ${(script.length / 1024).toFixed(0)} KB, 1 transaction`,
      '—'
    )
    row(
      '  the boot include (nft -c, write)',
      `${ms(include(firstBy))}: ${(include(firstBy) / first.rawMs).toFixed(2)} × raw; include ${(states[0].fw4Include.length / 1024).toFixed(0)} KB`,
      '—'
    )
    row(
      '  the routing rules (ip -4/-6 -batch)',
      ms((firstBy['ip -4 -batch'] ?? 0) + (firstBy['ip -6 -batch'] ?? 0)),
      '—'
    )
    row('  planning and rendering', ms(firstBy.js), '—')
    const parse = timed(runs, () => read(texts[0]))
    row(
      '  reading the config (not in the ratio)',
      `${ms(parse)} for ${texts[0].split('\n').length} lines (parseConfig with its rules)`,
      '—'
    )

    // Again, the whole table with the same rules: the rules' table, include and routing in
    // place, its domain sets filled, and the plan one nft-apply, which keeps the domain sets.
    // `applied`: the table the daemon applied last (hash `hash`), with its chains and sets. When
    // that is what is loaded (the tunnel coming up, a group's switch: the daemon's own table), the
    // table goes in over it and the sets stay as they are; when it is not (a daemon restarted, a
    // firewall reload), the sets are read first and their addresses go into the transaction. The
    // raw side applies the same table with the same addresses in its domain sets.
    await clean()
    await reconcile(configs[0], nothing, null, [])
    inNs(['nft', '-f', '-'], answers)
    const applied = (d, hash = d.nftHash) => ({
      model: d.model,
      hash,
      objects: tableObjects(d.nft),
    })
    const rawAgain = rawFileOf(states[0], 'raw-again', true)
    const keep = keptDnsSets(rules, rules)
    const stillKept = () =>
      b.run(['nft', 'list', 'set', 'inet', 'lanvpn', keep[0]]).stdout.includes('198.18.')
    const againRow = async (known) => {
      let steps = []
      logs.length = 0
      const r = await paired(
        runs,
        async () => {
          steps = await reconcile(
            configs[0],
            observedOf(states[0], 'x'),
            applied(states[0], known ? 'x' : 'y'),
            rules
          )
        },
        rawAgain
      )
      const sent = logs.at(-1).find((c) => c.what === 'nft -f').input
      const inPlace = sent.includes('flush table inet lanvpn')
      if (inPlace !== known || (!known && !sent.includes('198.18.')) || !stillKept())
        throw new Error('bench: the domain sets were not kept')
      return { ...r, steps, by: breakdown(logs, r.times) }
    }
    const again = await againRow(true)
    row(
      `${what}, again`,
      `${ms(again.ms)} = ${again.ratio.toFixed(2)} × raw nft -f of the same sets (${ms(again.rawMs)}); ${again.steps.map((s) => s.kind).join(', ')} over the table the daemon applied, ${keep.length} domain sets kept as they are (${2 * DOMAINS} addresses), nothing read`,
      '≤ 1.3 × raw nft -f',
      over(again.ratio)
    )
    row(
      '  of which: the table (nft -f)',
      `${ms(again.by['nft -f'])} = ${(again.by['nft -f'] / again.rawMs).toFixed(2)} × raw`,
      '—'
    )
    const unknown = await againRow(false)
    const againBy = unknown.by
    const listing = b.run(['nft', '-j', 'list', 'sets', 'table', 'inet', 'lanvpn']).stdout
    const planning = timed(runs, () => desire(configs[0]))
    const parsing = timed(runs, () => keptElements(listing, keep))
    row(
      `${what}, again over a table the daemon did not apply (after its restart, a firewall reload)`,
      `${ms(unknown.ms)} = ${unknown.ratio.toFixed(2)} × raw nft -f of the same sets (${ms(unknown.rawMs)}); the sets read first, their addresses in the same transaction`,
      '—'
    )
    row(
      '  of which: reading the sets (nft -j list)',
      `${ms(againBy['nft -j list'])}: ${(againBy['nft -j list'] / unknown.rawMs).toFixed(2)} × raw`,
      '—'
    )
    row(
      '  the table and the kept addresses (nft -f)',
      `${ms(againBy['nft -f'])} = ${(againBy['nft -f'] / unknown.rawMs).toFixed(2)} × raw`,
      '—'
    )
    row(
      '  planning, rendering, parsing the sets',
      `${ms(againBy.js)}: desiredState ${ms(planning)}, keptElements of the ${(listing.length / 1024).toFixed(0)} KB listing ${ms(parsing)}`,
      '—'
    )
    const observeTimes = []
    for (let i = 0; i < runs; i++) {
      b.processes = 0
      const t0 = clock()
      await observeRouter(host, paths)
      observeTimes.push(clock() - t0)
    }
    row(
      '  observing the router (not in the ratios)',
      `${ms(median(observeTimes))}, ${b.processes} processes`,
      '—'
    )
    row(
      '  a process here (ip netns exec true)',
      `${ms(timed(runs, () => inNs(['true'])))}: in every command's figure, raw's too`,
      '—'
    )

    // A rule change: the first rule's first destination changes, and back, each time planned
    // against the table and include the daemon applied last (what it reads back), the one before
    // it in place, its domain sets filled. The raw side applies the same new table from a file,
    // with the same addresses in its domain sets.
    const rawChanges = states.map((d, i) => rawFileOf(d, `raw-${i}`, true))
    rawChanges[0]()
    let at = 0
    let changeSteps = []
    let processes = 0
    logs.length = 0
    const change = await paired(
      runs,
      async () => {
        const from = at
        at = 1 - at
        changeSteps = await reconcile(
          configs[at],
          observedOf(states[from]),
          applied(states[from]),
          configs[from].rules
        )
        processes = b.processes
      },
      () => rawChanges[at]()
    )
    const changeBy = breakdown(logs, change.times)
    const moved = movedByRules(configs[0].rules, configs[1].rules, [])
    const kinds = changeSteps.map((s) => s.kind)
    const nftSteps = kinds.filter((k) => k.startsWith('nft'))
    const commands = [...new Set(logs.at(-1).map((c) => c.what))].filter((c) => c !== 'write')
    const flows = moved.macs
      ? `${2 * moved.dests.length} for the ${moved.dests.length} destinations moved`
      : "2 per device address (every device's flows: the rule names over 8 destinations)"
    row(
      'a rule change (one destination of 10,000)',
      `${ms(change.ms)} = ${change.ratio.toFixed(2)} × raw nft -f (${ms(change.rawMs)}); ${nftSteps.length} nft transaction (${nftSteps.join(', ')}), no firewall reload; ${processes} processes (${commands.join(', ')}), then conntrack -D: ${flows}`,
      'one nft transaction, no firewall reload',
      nftSteps.length === 1 ? 'ok' : 'over'
    )
    row(
      '  of which: reading the sets, the table',
      `${ms(changeBy['nft -j list'] ?? 0)}, ${ms(changeBy['nft -f'])}`,
      '—'
    )
    row(
      '  the boot include (nft -c, write)',
      `${ms(include(changeBy))}: ${(include(changeBy) / change.rawMs).toFixed(2)} × raw`,
      '—'
    )
    row('  planning, rendering, parsing the sets', ms(changeBy.js), '—')
  })

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchRules()
}
