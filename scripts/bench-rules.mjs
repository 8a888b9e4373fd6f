#!/usr/bin/env node
// The rules-by-destination bench (issue 22): the daemon's path as it runs it (core/plan
// desiredState + diffState from the config read, then system/apply.ts applyPlan with the DNS sets
// keptDnsSets names, on the Node host (host/node.ts) whose commands run in a throwaway network
// namespace with the real nft and ip; root only; deleted on exit), against one raw `nft -f` from a
// file of a bare table (`inet lanvpn_raw`: the same sets, no chain) holding the same elements:
//   10,000 destination CIDRs (9,000 IPv4, 1,000 IPv6) and 1,000 domains over 10 rules; budget
//   ≤ 1.3 × raw for the rules' table's one transaction. The domains cost two timeout sets per rule
//   (dnsmasq fills them from answers: here one IPv4 and one IPv6 address per domain); their 1,000
//   nftset= lines are dnsmasq's configuration, not nft's.
// The rules live in a table of their own, `inet lanvpn_rules` (render/nft-rules.ts), with a boot
// include of their own (core/paths.ts fw4RulesInclude); the main table `inet lanvpn` holds the
// devices, the kill switch and the tunnels.
//   first apply:  a router with nothing of lanvpn on it: the rules' table (the 'nft-rules' step,
//                 one `nft -f`: the budget row), its boot include (checked with `nft -c`, but for
//                 the sets the live table holds as they are, and written); and, not the rules',
//                 the main table, its include and the routing rules (`ip -4/-6 -batch`).
//   again over a rules' table the daemon did not apply (its record names another: a firewall
//                 reload, a table someone else loaded): the live domain sets read first (`nft -j
//                 list sets`), their addresses in the same transaction.
//   a rule change: one destination of a rule another, the daemon's plan against the table it
//                 applied last: one transaction of the rules' table alone, the unchanged rules'
//                 domain sets kept as they are in it (render/nft-keep.ts; checked), no firewall
//                 reload (the include is checked and written, not loaded).
//   a device's mode change with the 10,000 CIDRs in force: the main table's device sets and its
//                 include; the rules' table untouched (checked: no command names it).
//   the rules' include check: `nft -c` of what the daemon checks, and of the same text naming a
//                 table that is not loaded (an alternative, not the product's).
// Each row says what its time is made of (every command timed, the rest is planning and parsing).
// Raw and lanvpn are timed in turn and each ratio taken pair by pair, so that a machine whose
// speed drifts (others' work on it) weighs on both alike. The daemon's observation before a plan
// (system/observe.ts) is timed on its own, not in the ratios. Run alone: `node
// scripts/bench-rules.mjs`; scripts/bench.mjs imports benchRules() and adds its rows. Never a
// pass/fail test: figures vary by machine.
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { benchInNamespace, loadSources, median, timed } from './bench-sharing.mjs'

const RULES = 10
const DESTS = 10000
const V6_DESTS = 1000
const DOMAINS = 1000
/** The configured devices, a household's; the first changes mode in the mode change's row. */
const DEVICES = 20

/** The product's plan and apply, and its Node host, bundled from the sources as the product is. */
const loadProduct = (dir) =>
  loadSources(
    dir,
    'rules',
    `export { parseConfig } from './applet/src/core/config/validate'
export { NFT_RULES_TABLE, NFT_TABLE } from './applet/src/core/ids'
export { keptElements } from './applet/src/core/observe/nft'
export { resolvePaths } from './applet/src/core/paths'
export { desiredState, diffState } from './applet/src/core/plan/plan'
export { withoutLoadedElements } from './applet/src/core/render/nft-check'
export { tableObjects } from './applet/src/core/render/nft-keep'
export { dnsSets, keptDnsSets, movedByRules } from './applet/src/core/render/nft-rules'
export { createNodeHost } from './applet/src/host/node'
export { applyPlan } from './applet/src/system/apply'
export { dropConntrack } from './applet/src/system/conntrack'
export { withLogLevel } from './applet/src/system/log'
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

const macOf = (i) => `02:00:00:00:01:${i.toString(16).padStart(2, '0')}`

/** /etc/config/lanvpn with a location, DEVICES devices and RULES rules sharing the destinations
 * and domains; `changed`: the first rule's first destination another (a rule change); `mode`: the
 * first device's mode (a mode change). */
function configText({ changed = false, mode = 'vpn' } = {}) {
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
  const modes = ['vpn', 'vpn', 'direct', 'mediastreamer']
  for (let i = 0; i < DEVICES; i++) {
    const mac = macOf(i)
    lines.push(`config device 'd_${mac.replaceAll(':', '')}'
	option mac '${mac}'
	option mode '${i === 0 ? mode : modes[i % modes.length]}'
`)
  }
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

/** What the DNS answers put into the rules' domain sets (`dnsSets` names them) of `table`: one
 * IPv4 and one IPv6 address per domain, for a day (dnsmasq's nftset=), as `add element` lines. */
function dnsAnswers(rules, dnsSets, table) {
  const lines = []
  let k = 0
  for (const r of rules) {
    const ks = r.domains.map(() => k++)
    if (!ks.length) continue
    const add = (set, addr) =>
      lines.push(`add element inet ${table} ${set} { ${ks.map(addr).join(', ')} }`)
    const sets = dnsSets(r.number)
    add(sets.v4, (i) => `198.18.${i >> 8}.${i & 255} timeout 1d`)
    add(sets.v6, (i) => `2001:db8:ffff::${i.toString(16)} timeout 1d`)
  }
  return lines.join('\n') + '\n'
}

/** A set block as the renderers write it (as render/nft-check.ts reads them). */
const SET_BLOCK = /^\tset [^\n]*\{\n(?:\t\t[^\n]*\n)*\t\}$/gm

/** The raw side's script: the set blocks of the rules' table `script` (the same sets, the same
 * elements) in a bare table of the same name (`table`), replacing it as the product's script
 * replaces its own. */
function bareTable(script, table) {
  const t = `inet ${table}`
  return [
    `table ${t}`,
    `delete table ${t}`,
    `table ${t} {`,
    ...script.match(SET_BLOCK),
    '}',
    '',
  ].join('\n')
}

const clock = () => Number(process.hrtime.bigint()) / 1e6

/** A command's first words, as the breakdown names it ('nft -f', 'nft -c -f', 'ip -4 -batch'). */
const commandOf = (argv) =>
  argv
    .slice(0, argv[0] === 'conntrack' ? 2 : 3)
    .join(' ')
    .replace(/ -$/, '')

/** The lanvpn table an nft command names first, in its arguments or its script ('' none). */
const TABLE_NAMED = /\binet (lanvpn\w*)/
const tableOf = (argv, input) =>
  (TABLE_NAMED.exec(argv.join(' ')) ?? TABLE_NAMED.exec(input))?.[1] ?? ''

/** The Host the product's apply runs on here: the Node host (host/node.ts) as the daemon runs on
 * it under Node, but for `exec`, which runs the command in the bench's namespace through b.run, as
 * the raw side's (so a process costs both alike). Each command and each file write goes into
 * `calls` with its ms and `key`: the command and the table it names ('nft -f lanvpn_rules'), a
 * write and the table of its file (`fileTable`: 'write lanvpn_rules'); a command with its input. */
function benchHost(base, b, calls, fileTable) {
  return {
    ...base,
    async exec(argv, opts = {}) {
      const input = opts.stdin ?? ''
      const t0 = clock()
      const r = b.run(argv, opts.stdin)
      const ms = clock() - t0
      calls.push({ key: `${commandOf(argv)} ${tableOf(argv, input)}`.trim(), argv, input, ms })
      if (r.error) throw r.error
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, timedOut: false }
    },
    writeFileAtomic(path, content, opts) {
      const t0 = clock()
      base.writeFileAtomic(path, content, opts)
      const bytes = Buffer.byteLength(content)
      calls.push({ key: `write ${fileTable(path)}`, path, bytes, ms: clock() - t0 })
    },
  }
}

/** Runs `fn` and `raw` (either may be async) in turn `runs` times, each after an untimed
 * `before`, fn also after an untimed `restore` and followed by an untimed `check`: each pair's
 * ms, [fn, raw]. */
async function paired(runs, fn, raw, { before = () => {}, restore = () => {}, check = () => {} }) {
  const pairs = []
  for (let i = 0; i < runs; i++) {
    await before()
    await restore()
    let t0 = clock()
    await fn()
    const fnMs = clock() - t0
    await check()
    await before()
    t0 = clock()
    await raw()
    pairs.push([fnMs, clock() - t0])
  }
  return pairs
}

/** The ms of the calls of `keys` in one run's `calls`. */
const sumOf = (calls, keys) =>
  calls.filter((c) => keys.includes(c.key)).reduce((t, c) => t + c.ms, 0)

/** The median ms of each call key over the runs (`logs`: each run's calls, `times`: its ms; 0
 * for a key no run has) and, as `js`, of the rest (planning, rendering, parsing, in this
 * process). */
function breakdown(logs, times) {
  const keys = [...new Set(logs.flat().map((c) => c.key))]
  const by = Object.fromEntries(
    keys.map((k) => [k, median(logs.map((calls) => sumOf(calls, [k])))])
  )
  by.js = median(logs.map((calls, i) => times[i] - calls.reduce((t, c) => t + c.ms, 0)))
  return new Proxy(by, { get: (o, k) => o[k] ?? 0 })
}

/** The medians of `pairs` (paired): fn's ms, raw's ms, their ratio; with `logs` (each run's
 * calls), `part(keys)`: the median of those calls' ms over raw's, pair by pair, and `by`: fn's
 * breakdown. */
function summary(pairs, logs) {
  const med = (f) => median(pairs.map(f))
  return {
    ms: med((p) => p[0]),
    rawMs: med((p) => p[1]),
    ratio: med((p) => p[0] / p[1]),
    part: (keys) => median(pairs.map((p, i) => sumOf(logs[i], keys) / p[1])),
    by: breakdown(
      logs,
      pairs.map((p) => p[0])
    ),
  }
}

/** The distinct keys of the commands (not the writes) in `calls`. */
const commandsOf = (calls) => [...new Set(calls.filter((c) => c.argv).map((c) => c.key))]

const ms = (x) => `${x.toFixed(1)} ms`
const kb = (bytes) => `${(bytes / 1024).toFixed(bytes < 10240 ? 1 : 0)} KB`
const times = (x) => `${x.toFixed(2)} ×`

export const benchRules = ({ runs = 15 } = {}) =>
  benchInNamespace('rules', async (b) => {
    const { tmp, inNs, row } = b
    const product = await loadProduct(tmp)
    const { parseConfig, desiredState, diffState, dnsSets, keptDnsSets, movedByRules } = product
    const { applyPlan, dropConntrack, keptElements, observeRouter, tableObjects } = product
    const { NFT_RULES_TABLE, NFT_TABLE, withoutLoadedElements } = product
    const paths = product.resolvePaths(join(tmp, 'root'))
    const fileTable = (path) =>
      ({ [paths.fw4RulesInclude]: NFT_RULES_TABLE, [paths.fw4Include]: NFT_TABLE })[path] ?? path
    const calls = []
    // The daemon's host: its log at the default level (system/log.ts), so no `[#] argv` line.
    const host = product.withLogLevel(benchHost(product.createNodeHost(), b, calls, fileTable))
    /** Reading the config: parseConfig, rules included. Not in the ratio, as bench-groups.mjs
     * keeps parseConfig out of its own: the daemon reads the file once per reload, whatever it
     * then applies. */
    const read = (text) => {
      const { config, problems } = parseConfig(text)
      if (problems.length) throw new Error(`bench config: ${JSON.stringify(problems[0])}`)
      return config
    }
    const texts = [configText(), configText({ changed: true }), configText({ mode: 'direct' })]
    const configs = texts.map(read)
    const plan = (config) =>
      desiredState(config, { profile: config.profiles[0], up: false }, 'lanvpn0', [], [], {}, NETS)
    /** The plan of `config` as read anew (other objects): its rules' table rendered afresh, as on
     * a change (core/plan/plan.ts keeps the last it made for the very same rules). */
    const desire = (config) => plan({ ...config, rules: [...config.rules] })
    const states = configs.map(desire)
    const [state] = states
    const { rules } = configs[0]
    if (!state.rules?.nft.includes('chain dest_rules'))
      throw new Error('bench: the plan has no rules')
    if (state.nft.includes('rule0_net4')) throw new Error("bench: the main table holds rules' sets")
    const dests = rules.reduce((n, r) => n + r.dests.length, 0)
    const domains = rules.reduce((n, r) => n + r.domains.length, 0)

    /** The daemon's record of what it applied last (daemon/daemon.ts appliedTable, appliedRules):
     * `d`'s tables for `config`, the rules' under `rulesHash` (d's unless given). */
    const recordOf = (d, config, rulesHash = d.rules.hash) => ({
      table: { model: d.model, hash: d.nftHash },
      rules: { hash: rulesHash, objects: tableObjects(d.rules.nft), rules: config.rules },
    })
    /** What the daemon reads back from a router where `d` was applied: its tables' hashes (the
     * rules' `rulesHash` unless d's), its includes and routing. */
    const observedOf = (d, rulesHash = d.rules.hash) => ({
      nftHash: d.nftHash,
      fw4Include: d.fw4Include,
      rulesHash,
      fw4RulesInclude: d.rules.include,
      ip4: d.ip4,
      ip6: d.ip6,
    })
    /** What the daemon's reconcile does once it has observed the router (daemon/daemon.ts): plan
     * against `record` (null: none, a daemon just started), apply keeping the domain sets of the
     * rules unchanged since, over the rules' table it applied when that is what is loaded, then
     * drop the flows the rules moved (no device is seen on this bench's LAN: only moved
     * destinations). Each run's calls go to `logs`; its steps are returned. */
    const logs = []
    const reconcile = async (config, observed, record) => {
      calls.length = 0
      b.processes = 0
      const steps = diffState(desire(config), observed, record?.table ?? null)
      const before = record?.rules?.rules ?? []
      const live = record && record.rules.hash === observed.rulesHash ? record.rules.objects : null
      const keep = observed.rulesHash ? keptDnsSets(record ? before : null, config.rules) : {}
      const result = await applyPlan(host, paths, steps, keep, live)
      if (!result.ok || result.notes.length)
        throw new Error(`bench apply: ${[...result.errors, ...result.notes].join('; ')}`)
      const moved = record ? movedByRules(before, config.rules, config.devices).dests : []
      if (moved.length) await dropConntrack(host, moved)
      logs.push([...calls])
      return steps
    }
    /** The raw side: `nft -f` of a file holding the bare table of `d`'s rules' sets under the
     * rules' table's name, replacing what is loaded there as the daemon's apply does; `filled`:
     * with the domain sets' addresses (the same as `answers`). */
    const answers = dnsAnswers(rules, dnsSets, NFT_RULES_TABLE)
    const rawFileOf = (d, name, filled) => {
      const file = join(tmp, `${name}.nft`)
      writeFileSync(file, bareTable(d.rules.nft, NFT_RULES_TABLE) + (filled ? answers : ''))
      return () => inNs(['nft', '-f', file])
    }
    /** Back to the rules' table the daemon applied for `d`, its domain sets filled (untimed:
     * the raw side replaced it with its bare one). */
    const restore = (d) => inNs(['nft', '-f', '-'], d.rules.nft + answers)
    const NO_IP = { rules: [], routes: [] }
    const nothing = {
      nftHash: '',
      fw4Include: null,
      rulesHash: '',
      fw4RulesInclude: null,
      ip4: NO_IP,
      ip6: NO_IP,
    }
    // Back to a router with nothing of lanvpn on it, untimed: the tables and includes go, and
    // the routing the first apply set (the daemon's own plan for a disabled lanvpn, its routing).
    const unroute = diffState(
      { ...state, nft: null, fw4Include: '', rules: null, ip4: NO_IP, ip6: NO_IP },
      observedOf(state)
    ).filter((s) => s.kind === 'ip-batch')
    let routed = false
    const clean = async () => {
      for (const t of [NFT_TABLE, NFT_RULES_TABLE])
        inNs(['nft', 'delete', 'table', 'inet', t], '', [0, 1])
      if (routed) {
        const result = await applyPlan(host, paths, unroute)
        if (!result.ok) throw new Error(`bench undo: ${result.errors.join('; ')}`)
      }
      routed = false
      for (const f of [paths.fw4Include, paths.fw4RulesInclude]) rmSync(f, { force: true })
    }
    /** The addresses the live rules' table's domain sets hold (of those the answers put in; nft
     * 1.0.6 lists every table's sets here, but no other holds these). */
    const heldAddresses = () => {
      const listing = b.run(['nft', '-j', 'list', 'sets', 'table', 'inet', NFT_RULES_TABLE]).stdout
      return (listing.match(/"198\.18\.|"2001:db8:ffff::/g) ?? []).length
    }
    const over = (x) => (x <= 1.3 ? 'ok' : 'over')
    const what = `apply ${dests} CIDRs + ${domains} domains (${RULES} rules)`
    const rulesKb = kb(state.rules.nft.length)

    // The first apply: from nothing, against raw nft -f of the bare table from nothing.
    let firstSteps = []
    logs.length = 0
    const first = summary(
      await paired(
        runs,
        async () => {
          firstSteps = await reconcile(configs[0], nothing, null)
          routed = true
        },
        rawFileOf(state, 'raw', false),
        { before: clean }
      ),
      logs
    )
    const fb = first.by
    const RULES_TX = ['nft -f lanvpn_rules']
    const RULES_INCLUDE = ['nft -c -f lanvpn_rules', 'write lanvpn_rules']
    const MAIN = ['nft -f lanvpn', 'nft -c -f lanvpn', 'write lanvpn']
    const ROUTING = ['ip -4 -batch', 'ip -6 -batch']
    const sum = (by, keys) => keys.reduce((t, k) => t + by[k], 0)
    const rulesTxRatio = first.part(RULES_TX)
    const rulesTxCount = logs.at(-1).filter((c) => RULES_TX.includes(c.key)).length
    if (rulesTxCount !== 1) throw new Error(`bench: the rules' table took ${rulesTxCount} nft -f`)
    row(
      `${what}, first`,
      `${ms(fb[RULES_TX[0]])} = ${times(rulesTxRatio)} raw nft -f of a bare table of the same sets (${ms(first.rawMs)}); counted: the rules' table alone, the 'nft-rules' step's one nft -f (${rulesKb}, 1 transaction). The whole reconcile ${ms(first.ms)} = ${times(first.ratio)} raw: ${firstSteps.map((s) => (s.file ? `${s.kind} ${s.file}` : s.kind)).join(', ')}`,
      '≤ 1.3 × raw nft -f',
      over(rulesTxRatio)
    )
    const firstRulesInclude = withoutLoadedElements(state.rules.include, state.rules.nft)
    row(
      "  the rules' boot include (nft -c, write)",
      `${ms(sum(fb, RULES_INCLUDE))} = ${times(first.part(RULES_INCLUDE))} raw: nft -c ${ms(fb['nft -c -f lanvpn_rules'])} (${kb(firstRulesInclude.length)} checked: the loaded sets' elements left out), write ${ms(fb['write lanvpn_rules'])} (${kb(state.rules.include.length)})`,
      '—'
    )
    row(
      "  (not the rules': the main table, routing)",
      `${ms(sum(fb, [...MAIN, ...ROUTING]))} = ${times(first.part([...MAIN, ...ROUTING]))} raw: the main table's nft -f ${ms(fb['nft -f lanvpn'])} (${kb(state.nft.length)}), its include's nft -c + write ${ms(fb['nft -c -f lanvpn'] + fb['write lanvpn'])} (${kb(state.fw4Include.length)}), ip -4/-6 -batch ${ms(sum(fb, ROUTING))}`,
      '—'
    )
    row('  planning and rendering', ms(fb.js), '—')
    plan(configs[0])
    const again = timed(runs, () => plan(configs[0]))
    row(
      '  planning again, the same config (an idle reconcile, an event)',
      `${ms(again)}: the rules' table not rendered again`,
      '—'
    )
    const parse = timed(runs, () => read(texts[0]))
    row(
      '  reading the config (not in the ratio)',
      `${ms(parse)} for ${texts[0].split('\n').length} lines (parseConfig with its rules)`,
      '—'
    )

    // Again over a rules' table the daemon did not apply: the tables, includes and routing of
    // the first apply in place, the domain sets filled; the daemon's record names another rules'
    // table than the one loaded (observed 'x', its record 'y'), so it reads the live sets first
    // and puts their addresses into the transaction. The raw side applies the same bare table
    // with the same addresses in its domain sets.
    await clean()
    await reconcile(configs[0], nothing, null)
    routed = true
    const keep = keptDnsSets(rules, rules)
    /** Throws unless the live rules' table's domain sets hold every address the answers put in. */
    const checkKept = () => {
      const n = heldAddresses()
      if (n !== 2 * DOMAINS)
        throw new Error(`bench: the domain sets were not kept (${n} addresses)`)
    }
    let unknownSteps = []
    logs.length = 0
    const unknown = summary(
      await paired(
        runs,
        async () => {
          unknownSteps = await reconcile(
            configs[0],
            observedOf(state, 'x'),
            recordOf(state, configs[0], 'y')
          )
        },
        rawFileOf(state, 'raw-filled', true),
        { restore: () => restore(state), check: checkKept }
      ),
      logs
    )
    for (const calls of logs) {
      const sent = calls.find((c) => c.key === RULES_TX[0])?.input ?? ''
      if (sent.includes('flush table') || !sent.includes('198.18.'))
        throw new Error('bench: the read addresses were not in the transaction')
    }
    const ub = unknown.by
    restore(state)
    const listing = b.run(['nft', '-j', 'list', 'sets', 'table', 'inet', NFT_RULES_TABLE]).stdout
    const planning = timed(runs, () => desire(configs[0]))
    const parsing = timed(runs, () => keptElements(listing, keep))
    row(
      `${what}, again over a rules' table the daemon did not apply (its record names another: a firewall reload, another's table)`,
      `${ms(unknown.ms)} = ${times(unknown.ratio)} raw nft -f of the same sets (${ms(unknown.rawMs)}); ${unknownSteps.map((s) => s.kind).join(', ')}: the ${Object.keys(keep).length} domain sets read first, their ${2 * DOMAINS} addresses in the same transaction`,
      '—'
    )
    row(
      '  of which: reading the sets (nft -j list)',
      `${ms(ub['nft -j list lanvpn_rules'])}: ${times(unknown.part(['nft -j list lanvpn_rules']))} raw`,
      '—'
    )
    row(
      '  the table and the kept addresses (nft -f)',
      `${ms(ub[RULES_TX[0]])} = ${times(unknown.part(RULES_TX))} raw`,
      '—'
    )
    row(
      '  planning, rendering, parsing the sets',
      `${ms(ub.js)}: desiredState ${ms(planning)}, keptElements of the ${kb(listing.length)} listing ${ms(parsing)}`,
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
    // against the tables and includes the daemon applied last (what it reads back) and its record
    // of them, the one before in place, its domain sets filled. The raw side applies the same new
    // bare table from a file, with the same addresses in its domain sets.
    const rawChanges = [0, 1].map((i) => rawFileOf(states[i], `raw-${i}`, true))
    let at = 0
    let changeSteps = []
    let processes = 0
    logs.length = 0
    const change = summary(
      await paired(
        runs,
        async () => {
          const from = at
          at = 1 - at
          changeSteps = await reconcile(
            configs[at],
            observedOf(states[from]),
            recordOf(states[from], configs[from])
          )
          processes = b.processes
        },
        () => rawChanges[at](),
        { restore: () => restore(states[at]), check: checkKept }
      ),
      logs
    )
    const cb = change.by
    const nftSteps = changeSteps.filter((s) => s.kind.startsWith('nft')).map((s) => s.kind)
    for (const calls of logs) {
      const nft = calls.filter((c) => c.key.startsWith('nft -f'))
      if (nft.length !== 1 || nft[0].key !== RULES_TX[0])
        throw new Error(`bench: a rule change ran ${nft.map((c) => c.key).join(', ')}`)
      if (!nft[0].input.includes(`flush table inet ${NFT_RULES_TABLE}`))
        throw new Error('bench: the rule change did not keep the domain sets in place')
      if (calls.some((c) => c.argv && c.argv[0] !== 'nft' && c.argv[0] !== 'conntrack'))
        throw new Error('bench: a rule change ran something else than nft and conntrack')
    }
    if (nftSteps.join() !== 'nft-rules') throw new Error(`bench: rule change ${nftSteps}`)
    const moved = movedByRules(configs[0].rules, configs[1].rules, [])
    const commands = commandsOf(logs.at(-1))
    const flows = moved.macs
      ? `${2 * moved.dests.length} for the ${moved.dests.length} destinations moved`
      : "2 per device address (every device's flows: the rule names over 8 destinations; none seen here)"
    const changeKeep = keptDnsSets(configs[0].rules, configs[1].rules)
    row(
      'a rule change (one destination of 10,000)',
      `${ms(change.ms)} = ${times(change.ratio)} raw nft -f of a bare table of the same sets (${ms(change.rawMs)}); ${nftSteps.length} nft transaction (${changeSteps.map((s) => (s.file ? `${s.kind} ${s.file}` : s.kind)).join(', ')}: the rules' table alone), no firewall reload; ${processes} processes (${commands.join(', ')}); its ${Object.keys(changeKeep).length} domain sets kept as they are (${2 * DOMAINS} addresses, checked), nothing read; then conntrack -D: ${flows}`,
      'one nft transaction, no firewall reload',
      nftSteps.length === 1 ? 'ok' : 'over'
    )
    row(
      "  of which: the rules' table (nft -f)",
      `${ms(cb[RULES_TX[0]])} = ${times(change.part(RULES_TX))} raw (${rulesKb})`,
      '—'
    )
    row(
      "  the rules' boot include (nft -c, write)",
      `${ms(sum(cb, RULES_INCLUDE))} = ${times(change.part(RULES_INCLUDE))} raw: nft -c ${ms(cb['nft -c -f lanvpn_rules'])}, write ${ms(cb['write lanvpn_rules'])}`,
      '—'
    )
    row('  planning and rendering', ms(cb.js), '—')
    restore(state)

    // A device's mode change with the rules in force: the first device vpn → direct and back,
    // each planned against the tables the daemon applied last, as above.
    let modeAt = 0
    const modeChanges = async () => {
      const modeTimes = []
      let steps = []
      let processes = 0
      logs.length = 0
      for (let i = 0; i < runs; i++) {
        const [from, to] = modeAt === 0 ? [0, 2] : [2, 0]
        const t0 = clock()
        steps = await reconcile(
          configs[to],
          observedOf(states[from]),
          recordOf(states[from], configs[from])
        )
        modeTimes.push(clock() - t0)
        processes = b.processes
        modeAt = to
      }
      for (const calls of logs)
        if (
          calls.some((c) => c.key.endsWith(NFT_RULES_TABLE) || c.input?.includes(NFT_RULES_TABLE))
        )
          throw new Error("bench: a mode change touched the rules' table")
      const last = logs.at(-1)
      return { ms: median(modeTimes), steps, processes, last, by: breakdown(logs, modeTimes) }
    }
    const mode = await modeChanges()
    // The rules' include check: the text applyPlan checks (the include, the elements of the sets
    // the live table holds as they are left out), the rules' table of `state` loaded; and, an
    // alternative, the same naming a table that is not loaded (nft -c would then have no live
    // table of that name to fetch into its cache for the script's `delete table`).
    const include = state.rules.include
    const check = (text) => () => inNs(['nft', '-c', '-f', '-'], text)
    const elsewhere = (text) => text.replace(/\binet lanvpn_rules\b/g, 'inet lanvpn_rules_check')
    const asApplied = withoutLoadedElements(include, state.rules.nft)
    const other = withoutLoadedElements(elsewhere(include), state.rules.nft)
    const checkNow = timed(runs, check(asApplied))
    const checkOther = timed(runs, check(other))
    const checkOtherWhole = timed(runs, check(elsewhere(include)))
    // For comparison, not what the daemon meets: the same with no rules' table loaded at all.
    inNs(['nft', 'delete', 'table', 'inet', NFT_RULES_TABLE])
    const modeBare = await modeChanges()
    const checkBare = timed(runs, check(asApplied))

    const mb = mode.by
    const nftModeSteps = mode.steps.filter((s) => s.kind.startsWith('nft')).map((s) => s.kind)
    const written = mode.last.filter((c) => c.key === 'write lanvpn')
    const checkedMain = withoutLoadedElements(states[2].fw4Include, states[2].nft)
    row(
      `a device's mode change, the ${dests} rule CIDRs in force`,
      `${ms(mode.ms)}; ${mode.steps.map((s) => (s.file ? `${s.kind} ${s.file}` : s.kind)).join(', ')}: ${nftModeSteps.length} nft transaction (${nftModeSteps.join(', ')}), the rules' table untouched (no command named ${NFT_RULES_TABLE}, its include not written); ${mode.processes} processes (${commandsOf(mode.last).join(', ')}); the main include written: ${written.map((c) => kb(c.bytes)).join(', ')}; no device seen here, so no conntrack -D`,
      "the rules' table untouched",
      'ok'
    )
    row('  of which: the device sets (nft -f)', ms(mb['nft -f lanvpn']), '—')
    row(
      '  the main include (nft -c, write)',
      `${ms(mb['nft -c -f lanvpn'] + mb['write lanvpn'])}: nft -c ${ms(mb['nft -c -f lanvpn'])} (${kb(checkedMain.length)} checked), write ${ms(mb['write lanvpn'])}`,
      '—'
    )
    row('  planning and rendering', ms(mb.js), '—')
    const bb = modeBare.by
    row(
      "  the same with no rules' table loaded (comparison only)",
      `${ms(modeBare.ms)}: the device sets ${ms(bb['nft -f lanvpn'])}, the main include's nft -c ${ms(bb['nft -c -f lanvpn'])}`,
      '—'
    )
    const changeCheck = cb['nft -c -f lanvpn_rules']
    row(
      "the rules' include check (nft -c -f)",
      `${ms(checkNow)} as the daemon checks it (${kb(asApplied.length)} of the include's ${kb(include.length)}: the loaded sets' elements left out; naming the live ${NFT_RULES_TABLE}); in a rule change ${ms(changeCheck)}: ${((100 * changeCheck) / change.ms).toFixed(0)}% of it`,
      '—'
    )
    row(
      '  naming a table not loaded (lanvpn_rules_check), the same elements left out',
      `${ms(checkOther)} = ${times(checkOther / checkNow)} the check now (${kb(other.length)})`,
      '— (alternative)'
    )
    row(
      '  naming a table not loaded, every element',
      `${ms(checkOtherWhole)} (${kb(include.length)})`,
      '—'
    )
    row(
      "  as the daemon checks it, no rules' table loaded (comparison only)",
      `${ms(checkBare)} = ${times(checkBare / checkNow)} the check now`,
      '—'
    )
  })

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchRules()
}
