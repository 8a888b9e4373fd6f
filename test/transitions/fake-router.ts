// A router as far as lanvpn's nft table and policy routing go, shared by the transition tests that
// run the daemon on a FakeHost (daemon.test.ts, flash-wear.test.ts).
import { parseAppliedHash } from '../../applet/src/core/render/nft'
import type { FakeHost } from '../../applet/src/host/fake'

/** A router as far as lanvpn's nft tables and policy routing go, changed by the commands it runs:
 * it answers `nft list chain`, `ip -j rule/route show` from the state that `nft -f -` and
 * `ip -batch -` left (IPv4 only), and fails every nft script with `nftFails` when set. */
export class FakeRouter {
  table = '' // the applied hash, '' when there is no table
  rulesTable = '' // the same for the rules' table (inet lanvpn_rules)
  rules = new Map<number, string>() // priority → "fwmark/mask table"
  routes: string[] = []
  nftFails = ''
  constructor(readonly host: FakeHost) {
    host.onExec(['nft', 'list', 'chain'], (argv) => {
      const hash = argv[4] === 'lanvpn_rules' ? this.rulesTable : this.table
      return hash
        ? { stdout: `table inet ${argv[4]} {\n\tchain applied {\n\t\tmeta mark ${hash}\n\t}\n}\n` }
        : { code: 1, stderr: 'Error: No such file or directory' }
    })
    host.onExec(['nft', '-c', '-f', '-'], () =>
      this.nftFails ? { code: 1, stderr: this.nftFails } : {}
    )
    host.onExec(['nft', '-f', '-'], (_argv, opts) => {
      if (this.nftFails) return { code: 1, stderr: this.nftFails }
      const script = opts.stdin ?? ''
      if (script.includes('table inet lanvpn_rules {')) this.rulesTable = parseAppliedHash(script)
      else if (script.startsWith('delete table inet lanvpn_rules')) this.rulesTable = ''
      else if (script.includes('table inet lanvpn {')) this.table = parseAppliedHash(script)
      else if (script.startsWith('delete table inet lanvpn')) this.table = ''
      else if (script.includes('flush chain inet lanvpn applied'))
        this.table = /add rule inet lanvpn applied meta mark (0x[0-9a-f]+)/.exec(script)?.[1] ?? ''
      return {}
    })
    host.onExec(['ip', /^-[46]$/, '-j', 'rule', 'show'], () => ({
      stdout: JSON.stringify(
        [...this.rules].map(([priority, r]) => {
          const [fw, mask, table] = r.split(/[/ ]/)
          return { priority, fwmark: fw, fwmask: mask, table }
        })
      ),
    }))
    host.onExec(['ip', /^-[46]$/, '-j', 'route', 'show'], () => ({
      stdout: JSON.stringify(
        this.routes.map((r) =>
          r.startsWith('unreachable')
            ? {
                type: 'unreachable',
                dst: 'default',
                table: '5201',
                metric: Number(r.split(' ').pop()),
              }
            : {
                dst: 'default',
                dev: r.split(' ')[2],
                table: '5201',
                metric: Number(r.split(' ').pop()),
              }
        )
      ),
    }))
    host.onExec(['ip', /^-[46]$/, '-batch', '-'], (argv, opts) => {
      if (argv[1] === '-6') return {} // one family is enough to follow here
      for (const line of (opts.stdin ?? '').trim().split('\n')) {
        const w = line.split(' ')
        if (w[0] === 'rule' && w[1] === 'add') this.rules.set(Number(w[7]), `${w[3]} ${w[5]}`)
        if (w[0] === 'rule' && w[1] === 'del') this.rules.delete(Number(w[3]))
        const spec = line.replace(/^route (replace|del) /, '').replace(' table 5201', '')
        if (w[0] === 'route' && w[1] === 'replace')
          this.routes = [...this.routes.filter((r) => r !== spec), spec]
        if (w[0] === 'route' && w[1] === 'del') this.routes = this.routes.filter((r) => r !== spec)
      }
      return {}
    })
    host.onExec(['ip', '-j', 'neigh', 'show'], { stdout: '[]' })
    // The LAN bridge exists (no ubus here: the LAN is lan_device, br-lan).
    host.files.set('/sys/class/net/br-lan/ifindex', { content: '3\n', mode: 0o444, mtimeMs: 0 })
  }
}
