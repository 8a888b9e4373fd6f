#!/usr/bin/env node
// The rules-by-destination bench (issue 22): 10,000 destination CIDRs (9,000 IPv4, 1,000 IPv6)
// and 1,000 domains over 10 rules, applied in one `nft -f` transaction as the daemon will (the
// plan's table, core/render/nft-rules.ts renderRules spliced in, `nft -f -`; the config read
// beforehand, as bench-groups.mjs does), against one raw `nft -f` of the same script from a file,
// in a throwaway network namespace (root only; deleted on exit). The domains cost two empty
// timeout sets per rule in the table (dnsmasq fills them from answers); their 1,000 nftset= lines
// are dnsmasq's configuration, not nft's.
//   budget ≤ 1.3 × raw
// Run alone: `node scripts/bench-rules.mjs`. Not in `npm run bench` yet (the rules are not wired
// into the daemon). Never a pass/fail test: figures vary by machine.
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
export { desiredState } from './applet/src/core/plan/plan'
export { localDestinations, renderRules, spliceRules } from './applet/src/core/render/nft-rules'`
  )

/** The i-th destination: a /24 of 10/8 … for IPv4, a /48 of 2001:db8::/32 for IPv6. */
const dest = (i) =>
  i < DESTS - V6_DESTS
    ? `10.${i >> 8}.${i & 255}.0/24`
    : `2001:db8:${(i - (DESTS - V6_DESTS)).toString(16)}::/48`

/** /etc/config/lanvpn with a location and RULES rules sharing the destinations and domains. */
function configText() {
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
    for (let i = r; i < DESTS; i += RULES) rule.push(`\tlist dest '${dest(i)}'`)
    for (let i = r; i < DOMAINS; i += RULES) rule.push(`\tlist domain 'site${i}.example'`)
    lines.push(rule.join('\n') + '\n')
  }
  return lines.join('\n')
}

export const benchRules = ({ runs = 9 } = {}) =>
  benchInNamespace('rules', async ({ tmp, inNs, row }) => {
    const { parseConfig, desiredState, localDestinations, renderRules, spliceRules } =
      await loadPlan(tmp)
    const text = configText()
    /** Reading the config: parseConfig, rules included. Not in the ratio, as bench-groups.mjs
     * keeps parseConfig out of its own: the daemon reads the file once per reload, whatever it
     * then applies. */
    const read = () => {
      const { config, problems } = parseConfig(text)
      if (problems.length) throw new Error(`bench config: ${JSON.stringify(problems[0])}`)
      return { config, rules: config.rules, local: config.globals }
    }
    const { config, rules, local } = read()
    /** What the daemon will do with the config read: the table with its rules. */
    const plan = () => {
      const desired = desiredState(config, { profile: config.profiles[0], up: false }, 'lanvpn0')
      const lines = renderRules({
        rules,
        groups: [],
        devices: config.devices,
        local: localDestinations(local, ['192.168.1.1', '192.168.0.0/24']),
        lan: desired.model.lan.managed,
      })
      return spliceRules(desired.nft, lines)
    }
    const script = plan()
    const dests = rules.reduce((n, r) => n + r.dests.length, 0)
    const domains = rules.reduce((n, r) => n + r.domains.length, 0)
    const rawFile = join(tmp, 'raw.nft')
    writeFileSync(rawFile, script)
    const time = (fn) => timed(runs, fn)
    // The script replaces the table whole each time (delete, declare): every run is the same.
    // Raw and lanvpn in turn, the ratio taken pair by pair, so that a machine whose speed drifts
    // (others' work on it) weighs on both alike.
    inNs(['nft', '-f', rawFile])
    const pairs = Array.from({ length: runs }, () => [
      timed(1, () => inNs(['nft', '-f', rawFile])),
      timed(1, () => inNs(['nft', '-f', '-'], plan())),
    ])
    const [raw, full, ratio] = [0, 1, 2].map((i) =>
      median(pairs.map((p) => (i < 2 ? p[i] : p[1] / p[0])))
    )
    const parse = time(read)
    const render = time(plan)
    row(
      `apply ${dests} CIDRs + ${domains} domains (${RULES} rules)`,
      `${full.toFixed(1)} ms = ${ratio.toFixed(2)} × raw (${raw.toFixed(1)} ms)`,
      '≤ 1.3 × raw nft -f',
      ratio <= 1.3 ? 'ok' : 'over'
    )
    row(
      '  of which planning and rendering',
      `${render.toFixed(1)} ms; table ${(script.length / 1024).toFixed(0)} KB, 1 transaction`,
      '—'
    )
    row(
      '  reading the config (not in the ratio)',
      `${parse.toFixed(1)} ms for ${text.split('\n').length} lines (parseConfig with its rules)`,
      '—'
    )
  })

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchRules()
}
