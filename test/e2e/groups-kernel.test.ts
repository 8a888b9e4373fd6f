// Device groups (issue 21), the kernel's word on the rules: each group golden (test/golden/groups-*)
// is loaded for real in a throwaway network namespace, the nft table with `nft -f` and the routing
// with `ip -batch`, and the kernel's own listing shows each group's fwmark rule, source rules and
// table with its `unreachable default`. Nothing leaves the namespace; it goes with the process.
//
//   [unshare -n: lanvpn0 … lanvpn4 (veth, peers h4p0 … h4p4), table inet lanvpn, ip rules 52xx]
//
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { labOrFail } from './lab'

const GOLDEN = join(__dirname, '../golden')

/** Loads a case in a fresh namespace and prints what the kernel then holds. */
function loadInNamespace(name: string): string {
  const dir = join(GOLDEN, name)
  const rules = readFileSync(join(dir, 'expected.rules'), 'utf8')
  const family = (f: 4 | 6) =>
    rules
      .split('\n')
      .filter((l) => l.startsWith(`ip -${f} `))
      .map((l) => l.slice(6))
      .join('\n')
  const script = [
    'set -e',
    'for i in 0 1 2 3 4; do ip link add lanvpn$i type veth peer name h4p$i; ip link set lanvpn$i up; ip link set h4p$i up; done',
    `nft -f '${join(dir, 'expected.nft')}'`,
    `printf '%s\\n' "$RULES4" | ip -4 -batch -`,
    `printf '%s\\n' "$RULES6" | ip -6 -batch -`,
    'ip -4 rule show; ip -6 rule show',
    'for t in 5201 5202 5203 5204 5205; do echo "table $t"; ip -4 route show table $t 2>/dev/null || true; ip -6 route show table $t 2>/dev/null || true; done',
    'nft list chain inet lanvpn killswitch',
  ].join('\n')
  return execFileSync('unshare', ['-n', 'sh', '-c', script], {
    encoding: 'utf8',
    env: { ...process.env, RULES4: family(4), RULES6: family(6) },
  })
}

describe.runIf(labOrFail())('the group goldens in a real kernel', () => {
  it('loads five groups: a fwmark rule, a table and a kill switch for each', () => {
    const out = loadInNamespace('groups-5')
    for (let i = 0; i <= 4; i++) {
      const mark = `0x${(i === 0 ? 1 : 4 + i).toString(16)}000000/0xf000000`
      expect(out).toContain(`${5210 + i}:\tfrom all fwmark ${mark} lookup ${5201 + i}`)
      expect(out).toMatch(
        new RegExp(`table ${5201 + i}\\n(.*\\n)*?unreachable default dev lo .*metric 4278198272`)
      )
      expect(out).toContain(`oifname != "lanvpn${i}" drop`)
    }
    expect(out).toContain('5221:\tfrom 192.168.1.104 lookup 5202')
    expect(out).toContain('5224:\tfrom 192.168.1.107 lookup 5205')
    expect(out).toMatch(/table 5202\ndefault dev lanvpn1 scope link/)
  })

  it.each(['groups-1', 'groups-2'])('loads %s as nft and ip print it back', (name) => {
    const out = loadInNamespace(name)
    expect(out).toContain('5210:\tfrom all fwmark 0x1000000/0xf000000 lookup 5201')
    expect(out).toContain('oifname != "lanvpn0" drop')
  })
})
