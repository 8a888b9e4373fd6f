#!/usr/bin/env node
// The device groups bench (issue 21): 500 devices spread over 4 groups (the household's default
// group and three `config group` sections, each its own tunnel, table and mark), applied as the
// daemon applies them, against the raw tools, in a throwaway network namespace (root only; deleted
// on exit). Each device is seen with an IPv4 and an IPv6 address, so the ip batches carry a source
// rule per device and family (core/plan/ip.ts), as on a router whose devices are all online.
//   full apply:   lanvpn = desiredState + diffState (core/plan, from a router with nothing of
//                 lanvpn on it) + what system/apply.ts runs for the steps: `nft -f` (one
//                 transaction), `ip -4 -batch`, `ip -6 -batch`
//                 raw    = one `nft -f` of the same table + one `ip -batch` per family of the
//                 same rules and routes (a batch holds one family: `ip -6` is an option of the
//                 whole run, and a v6 fwmark rule names no address to tell it by)
//                 budget ≤ 1.3 × raw, ≤ 3 processes
//   a device moving between groups: diffState against the applied table and the routing it set
//                 (nft-sets: one transaction), then the source rules that follow the device
// Run alone: `node scripts/bench-groups.mjs`; scripts/bench.mjs imports benchGroups() and adds its
// rows. Never a pass/fail test: figures vary by machine.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { benchInNamespace, loadSources, macs, median, timed } from './bench-sharing.mjs'

const DEVICES = 500
/** The three groups besides the default one, each on a location of its own (groups.ts: a location
 * serves one group), WireGuard and OpenVPN mixed. */
const GROUPS = ['tv', 'work', 'games']

/** Config parsing and the plan, bundled from the sources as the product is. */
const loadPlan = (dir) =>
  loadSources(
    dir,
    'groups',
    `export { parseConfig } from './applet/src/core/config/validate'
export { desiredState, diffState } from './applet/src/core/plan/plan'`
  )

const MACS = macs(DEVICES, '02:16:3e')
const mac = (i) => MACS[i]

/** /etc/config/lanvpn with four locations, three groups and `n` vpn devices, the i-th in group
 * i mod 4 (0: the default group, no `option group`). */
function configText(n, moved = -1) {
  const wg = (id, k, addr) => `config profile '${id}'
	option type 'wireguard'
	list address '10.${64 + k}.0.2/32'
	list address 'fd${64 + k}::2/128'
	list dns '10.${64 + k}.0.1'
	option public_key 'o3+LdGXKA4fu5I1xAIJ/SJ/pQ9nPt/ukL0lND9Wigkk='
	option endpoint_host '${addr}'
`
  const lines = [
    `config globals 'globals'
	option enabled '1'
	option connect '1'
	option active_profile 'home'
	option default_mode 'direct'
`,
    wg('home', 0, '203.0.113.10'),
    wg('uk', 1, '203.0.113.20'),
    `config profile 'us'
	option type 'openvpn'
	list address '10.9.0.6/24'
	list dns '10.9.0.1'
	list remote 'us.vpn.example 443 tcp'
`,
    wg('de', 3, '203.0.113.40'),
    ...GROUPS.map(
      (g, i) => `config group '${g}'
	option profile '${['uk', 'us', 'de'][i]}'
`
    ),
  ]
  for (let i = 0; i < n; i++) {
    const g = (i === moved ? i + 1 : i) % 4
    const m = mac(i)
    lines.push(`config device 'd_${m.replaceAll(':', '')}'
	option mac '${m}'
	option mode 'vpn'
${g ? `\toption group '${GROUPS[g - 1]}'\n` : ''}`)
  }
  return lines.join('\n')
}

/** Every device on the LAN, one IPv4 and one IPv6 address each. */
const seenDevices = (n) =>
  Array.from({ length: n }, (_, i) => ({
    mac: mac(i),
    ipv4: [`192.168.${1 + (i >> 8)}.${i & 255}`],
    ipv6: [`fd00:1::${i.toString(16)}`],
  }))

export const benchGroups = ({ runs = 9 } = {}) =>
  benchInNamespace('groups', async (b) => {
    const { tmp, inNs, row } = b
    const { parseConfig, desiredState, diffState } = await loadPlan(tmp)
    // The four tunnel interfaces (veth: this kernel may lack the dummy module), up, so the
    // tables' `default dev lanvpn<i>` routes can be set.
    for (let i = 0; i < 4; i++) {
      inNs(['ip', 'link', 'add', `lanvpn${i}`, 'type', 'veth', 'peer', 'name', `lvpeer${i}`])
      inNs(['ip', 'link', 'set', `lanvpn${i}`, 'up'])
      inNs(['ip', 'link', 'set', `lvpeer${i}`, 'up'])
    }
    const { config, problems } = parseConfig(configText(DEVICES))
    if (problems.length) throw new Error(`bench config: ${JSON.stringify(problems[0])}`)
    const byId = (id) => config.profiles.find((p) => p.id === id) ?? null
    const up = (id) => ({ profile: byId(id), up: true })
    const tunnels = { tv: up('uk'), work: up('us'), games: up('de') }
    const seen = seenDevices(DEVICES)
    const plan = (cfg, observed, applied) =>
      diffState(desiredState(cfg, up('home'), 'lanvpn0', seen, [], tunnels), observed, applied)
    const EMPTY = {
      nftHash: '',
      fw4Include: null,
      ip4: { rules: [], routes: [] },
      ip6: { rules: [], routes: [] },
    }
    // What system/apply.ts runs for a step (the include is a file write: not a process, not timed).
    const apply = (steps) => {
      for (const s of steps) {
        if (s.kind === 'nft-apply' || s.kind === 'nft-sets') inNs(['nft', '-f', '-'], s.script)
        if (s.kind === 'ip-batch')
          inNs(['ip', `-${s.family}`, '-batch', '-'], s.lines.join('\n') + '\n')
      }
    }
    const first = plan(config, EMPTY, null)
    const desired = desiredState(config, up('home'), 'lanvpn0', seen, [], tunnels)
    const batches = first.filter((s) => s.kind === 'ip-batch')
    const ipLines = batches.reduce((k, s) => k + s.lines.length, 0)
    // Back to a router with nothing of lanvpn's routing on it, untimed, before each timed run.
    const undo = diffState(
      { ...desired, nft: null, ip4: { rules: [], routes: [] }, ip6: { rules: [], routes: [] } },
      { ...EMPTY, ip4: desired.ip4, ip6: desired.ip6 }
    ).filter((s) => s.kind === 'ip-batch')
    const time = (fn, reset = () => apply(undo)) => timed(runs, fn, reset)
    apply(first)
    const rawFile = join(tmp, 'raw.nft')
    writeFileSync(rawFile, desired.nft)
    const rawBatches = batches.map((s) => {
      const file = join(tmp, `raw-${s.family}.batch`)
      writeFileSync(file, s.lines.join('\n') + '\n')
      return [`-${s.family}`, file]
    })
    const raw = time(() => {
      inNs(['nft', '-f', rawFile])
      for (const [family, file] of rawBatches) inNs(['ip', family, '-batch', file])
    })
    const lanvpn = () => apply(plan(config, EMPTY, null))
    b.processes = 0
    apply(undo)
    const undoProcesses = b.processes
    lanvpn()
    const perApply = b.processes - undoProcesses
    const full = time(lanvpn)
    row(
      `apply ${DEVICES} devices over 4 groups`,
      `${full.toFixed(1)} ms = ${(full / raw).toFixed(2)} × raw (${raw.toFixed(1)} ms)`,
      '≤ 1.3 × raw nft -f + ip -batch',
      full <= 1.3 * raw ? 'ok' : 'over'
    )
    row(
      '  processes per full apply',
      `${perApply} (nft -f, ip -4/-6 -batch of ${ipLines} lines; 0 per device)`,
      '≤ 3',
      perApply <= 3 ? 'ok' : 'over'
    )

    // One device moves from the default group to group tv and back: the daemon's plan against
    // the table it applied last and the routing it set (what it reads back), both in place.
    const configs = [config, parseConfig(configText(DEVICES, 0)).config]
    const states = configs.map((c) => desiredState(c, up('home'), 'lanvpn0', seen, [], tunnels))
    const observedOf = (d) => ({ nftHash: d.nftHash, fw4Include: null, ip4: d.ip4, ip6: d.ip6 })
    let at = 0
    let moveSteps = []
    const moveTimes = []
    for (let i = 0; i < runs; i++) {
      const from = states[at]
      at = 1 - at
      const t0 = process.hrtime.bigint()
      const steps = diffState(
        desiredState(configs[at], up('home'), 'lanvpn0', seen, [], tunnels),
        observedOf(from),
        { model: from.model, hash: from.nftHash }
      )
      b.processes = 0
      apply(steps)
      moveTimes.push(Number(process.hrtime.bigint() - t0) / 1e6)
      moveSteps = steps
    }
    const move = median(moveTimes)
    const moveProcesses = b.processes
    const nftSteps = moveSteps.filter((s) => s.kind.startsWith('nft'))
    const rawAdd = time(
      () => inNs(['nft', 'add', 'element', 'inet', 'lanvpn', 'vpn_group1', `{ ${mac(0)} }`]),
      () => {}
    )
    const onlySets = nftSteps.length === 1 && nftSteps[0].kind === 'nft-sets'
    row(
      'a device moving between groups',
      `${move.toFixed(1)} ms = ${(move / rawAdd).toFixed(2)} × raw add element (${rawAdd.toFixed(1)} ms); ${nftSteps.length} nft transaction (${nftSteps.map((s) => s.kind).join(', ')}), ${moveProcesses} processes (its source rules: ${moveSteps.filter((s) => s.kind === 'ip-batch').length} ip -batch)`,
      'one nft transaction',
      onlySets ? 'ok' : 'over'
    )
  })

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchGroups()
}
