#!/usr/bin/env node
// The rules-by-destination bench (issue 22), the daemon's path as bench-groups.mjs takes it
// (core/plan desiredState + diffState from the config read, then what system/apply.ts runs for
// the steps), in a throwaway network namespace (root only; deleted on exit):
//   full apply:   10,000 destination CIDRs (9,000 IPv4, 1,000 IPv6) and 1,000 domains over 10
//                 rules, in one `nft -f` transaction, against one raw `nft -f` of the same table
//                 from a file; budget ≤ 1.3 × raw. The domains cost two empty timeout sets per
//                 rule in the table (dnsmasq fills them from answers); their 1,000 nftset= lines
//                 are dnsmasq's configuration, not nft's.
//   a rule change: one destination of a rule another, the daemon's plan against the table it
//                 applied last: one nft transaction, and no firewall reload (the boot-time include,
//                 which carries the rules, is checked with `nft -c` and written, not loaded); then
//                 the moved flows dropped by conntrack, as the daemon does.
// Raw and lanvpn are timed in turn and each ratio taken pair by pair, so that a machine whose
// speed drifts (others' work on it) weighs on both alike. Run alone: `node
// scripts/bench-rules.mjs`; scripts/bench.mjs imports benchRules() and adds its rows. Never a
// pass/fail test: figures vary by machine.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { benchInNamespace, loadSources, median, timed } from './bench-sharing.mjs'

const RULES = 10
const DESTS = 10000
const V6_DESTS = 1000
const DOMAINS = 1000

const loadPlan = (dir) =>
  loadSources(
    dir,
    'rules',
    `export { parseConfig } from './applet/src/core/config/validate'
export { desiredState, diffState } from './applet/src/core/plan/plan'
export { movedByRules } from './applet/src/core/render/nft-rules'`
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

/** Runs `fn` and `raw` in turn `runs` times: the medians of fn's ms, raw's ms and their ratio. */
function paired(runs, fn, raw) {
  const pairs = Array.from({ length: runs }, () => [timed(1, fn), timed(1, raw)])
  return [0, 1, 2].map((i) => median(pairs.map((p) => (i < 2 ? p[i] : p[0] / p[1]))))
}

export const benchRules = ({ runs = 15 } = {}) =>
  benchInNamespace('rules', async (b) => {
    const { tmp, inNs, row } = b
    const { parseConfig, desiredState, diffState, movedByRules } = await loadPlan(tmp)
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
    /** What system/apply.ts runs for a step (the include written to the temp dir). */
    const apply = (steps) => {
      for (const s of steps) {
        if (s.kind === 'nft-apply' || s.kind === 'nft-sets') inNs(['nft', '-f', '-'], s.script)
        if (s.kind === 'ip-batch')
          inNs(['ip', `-${s.family}`, '-batch', '-'], s.lines.join('\n') + '\n')
        if (s.kind === 'persist-include') {
          inNs(['nft', '-c', '-f', '-'], s.text)
          writeFileSync(join(tmp, 'include.nft'), s.text)
        }
      }
    }
    const { rules } = configs[0]
    const script = desire(configs[0]).nft
    if (!script.includes('chain dest_rules')) throw new Error('bench: the plan has no rules')
    const dests = rules.reduce((n, r) => n + r.dests.length, 0)
    const domains = rules.reduce((n, r) => n + r.domains.length, 0)
    const rawFile = join(tmp, 'raw.nft')
    writeFileSync(rawFile, script)
    const rawApply = () => inNs(['nft', '-f', rawFile])
    // The script replaces the table whole each time (delete, declare): every run is the same.
    rawApply()
    const [full, raw, ratio] = paired(
      runs,
      () => inNs(['nft', '-f', '-'], desire(configs[0]).nft),
      rawApply
    )
    row(
      `apply ${dests} CIDRs + ${domains} domains (${RULES} rules)`,
      `${full.toFixed(1)} ms = ${ratio.toFixed(2)} × raw (${raw.toFixed(1)} ms)`,
      '≤ 1.3 × raw nft -f',
      ratio <= 1.3 ? 'ok' : 'over'
    )
    const render = timed(runs, () => desire(configs[0]))
    row(
      '  of which planning and rendering',
      `${render.toFixed(1)} ms; table ${(script.length / 1024).toFixed(0)} KB, 1 transaction`,
      '—'
    )
    const parse = timed(runs, () => read(texts[0]))
    row(
      '  reading the config (not in the ratio)',
      `${parse.toFixed(1)} ms for ${texts[0].split('\n').length} lines (parseConfig with its rules)`,
      '—'
    )

    // A rule change: the first rule's first destination changes, and back, each time planned
    // against the table and include the daemon applied last (what it reads back), the one before
    // it in place. The raw side applies the same new table from a file.
    const states = configs.map(desire)
    const observedOf = (d) => ({
      nftHash: d.nftHash,
      fw4Include: d.fw4Include,
      ip4: d.ip4,
      ip6: d.ip6,
    })
    const rawFiles = states.map((d, i) => {
      writeFileSync(join(tmp, `raw-${i}.nft`), d.nft)
      return join(tmp, `raw-${i}.nft`)
    })
    inNs(['nft', '-f', rawFiles[0]])
    let at = 0
    let kinds = []
    let processes = 0
    let moved = null
    const [change, rawChange, changeRatio] = paired(
      runs,
      () => {
        const from = at
        at = 1 - at
        const steps = diffState(desire(configs[at]), observedOf(states[from]), {
          model: states[from].model,
          hash: states[from].nftHash,
        })
        b.processes = 0
        apply(steps)
        processes = b.processes
        // The flows to what the change moved are dropped (system/conntrack.ts), or every
        // device's (none on this bench's LAN) when that is too many. Exit 1: there were none.
        moved = movedByRules(configs[from].rules, configs[at].rules, [])
        for (const ip of moved.dests)
          for (const dir of ['-s', '-d'])
            inNs(
              ['conntrack', '-D', ...(ip.includes(':') ? ['-f', 'ipv6'] : []), dir, ip],
              '',
              [0, 1]
            )
        kinds = steps.map((s) => s.kind)
      },
      () => inNs(['nft', '-f', rawFiles[at]])
    )
    const nftSteps = kinds.filter((k) => k.startsWith('nft'))
    const include = kinds.includes('persist-include') ? ', nft -c of the boot include' : ''
    const flows = moved.macs
      ? `${2 * moved.dests.length} for the ${moved.dests.length} destinations moved`
      : "2 per device address (every device's flows: the rule names over 8 destinations)"
    row(
      'a rule change (one destination of 10,000)',
      `${change.toFixed(1)} ms = ${changeRatio.toFixed(2)} × raw nft -f (${rawChange.toFixed(1)} ms); ${nftSteps.length} nft transaction (${nftSteps.join(', ')}), no firewall reload; ${processes} processes (nft -f${include}), then conntrack -D: ${flows}`,
      'one nft transaction, no firewall reload',
      nftSteps.length === 1 ? 'ok' : 'over'
    )
  })

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchRules()
}
