// Rules by destination (issue 22), the kernel's word: the rules golden (test/golden/rules-1,
// expected-rules.nft and expected-rules.ip) is loaded for real in a throwaway network namespace,
// `nft -f` and `ip -batch`, and the kernel's listing shows the rules' chain and sets in their own
// table, `inet lanvpn_rules` (the script holds it, then the main table `inet lanvpn`), the main
// table's kill switch holding a managed device's packet to the rules' table having seen it, and
// the ip rule that routes MARK_DIRECT by main. Then dnsmasq (Debian's 2.90, nftset compiled in) answers a
// subdomain of a rule's domain with the golden's own nftset= line, and the address is in the
// rule's set, with the set's timeout. Last, real packets: a laptop, the modem's side, both
// tunnels' far ends and a second LAN subnet around the loaded router, each far end noting what
// reaches it, tunnels up and down (test/fixtures/rules-packets.sh, whose diagram is the
// topology). Nothing leaves the namespaces; they go with their processes.
//
//   [unshare -n: lo (127.0.0.1 dnsmasq with nftset=, 127.0.0.2 its upstream), lanvpn0/lanvpn1
//    (veth, peers h3p0/h3p1), table inet lanvpn_rules with dest_rules, table inet lanvpn,
//    ip rules 52xx]
//   [unshare -n router ── laptop, W (modem, internet), T0, T1 (tunnel far ends), L2 (br-lan2)]
//
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { labOrFail } from './lab'

const CASE = join(__dirname, '../golden/rules-1')
const PACKETS = join(__dirname, '../fixtures/rules-packets.sh')

/** Runs the packet fixture's commands in a fresh router namespace: one line per probe, words
 * separated by one space (`icmp 8.8.8.8 -> T0`). */
function packets(probes: string[]): string[] {
  const out = execFileSync('unshare', ['-n', 'bash', PACKETS], {
    encoding: 'utf8',
    env: { ...process.env, CASE, PROBES: probes.join('\n') },
    timeout: 150_000,
  })
  return out
    .split('\n')
    .filter((l) => l.includes('->'))
    .map((l) => l.split(/\s+/).join(' '))
}

/** Runs `script` (sh) in a fresh network namespace with the case loaded; its output. */
function inNamespace(script: string, env: Record<string, string> = {}): string {
  const ip = readFileSync(join(CASE, 'expected-rules.ip'), 'utf8').split('\n')
  const family = (f: 4 | 6) =>
    ip
      .filter((l) => l.startsWith(`ip -${f} `))
      .map((l) => l.slice(6))
      .join('\n')
  const setup = [
    'set -e',
    'ip link set lo up',
    'for i in 0 1; do ip link add lanvpn$i type veth peer name h3p$i; ip link set lanvpn$i up; ip link set h3p$i up; done',
    `nft -f '${join(CASE, 'expected-rules.nft')}'`,
    `printf '%s\\n' "$RULES4" | ip -4 -batch -`,
    `printf '%s\\n' "$RULES6" | ip -6 -batch -`,
  ]
  return execFileSync('unshare', ['-n', 'sh', '-c', [...setup, script].join('\n')], {
    encoding: 'utf8',
    env: { ...process.env, RULES4: family(4), RULES6: family(6), ...env },
  })
}

describe.runIf(labOrFail())('the rules golden in a real kernel', () => {
  it("loads the rules' table with its rules, the main table holding to it, and the ip rule for direct", () => {
    const out = inNamespace(
      [
        'ip -4 rule show; ip -6 rule show',
        'nft list tables',
        'nft list chain inet lanvpn_rules dest_rules',
        'nft list chain inet lanvpn_rules rule_vpn',
        'nft list set inet lanvpn_rules rules_local4',
        'nft list set inet lanvpn_rules rule2_net6',
        'nft list chain inet lanvpn killswitch',
        // Nothing of the rules is left in the main table.
        'echo "main: $(nft list table inet lanvpn | grep -c -e dest_rules -e rule_vpn -e "@rule")"',
      ].join('\n')
    )
    expect(out).toContain('5205:\tfrom all fwmark 0xe000000/0xf000000 lookup main')
    expect(out).toContain('5211:\tfrom all fwmark 0x5000000/0xf000000 lookup 5202')
    expect(out).toContain('table inet lanvpn_rules\ntable inet lanvpn\n')
    expect(out).toContain('main: 0\n')
    expect(out).toContain('type filter hook prerouting priority mangle + 1; policy accept;')
    // Every packet of a managed LAN device the rules' chain sees is marked as seen, before any
    // rule; the main table's kill switch drops one it did not see.
    expect(out).toMatch(/iifname != "br-lan" return\n\t\tmeta mark set meta mark \| 0x10000000\n/)
    expect(out).toContain('iifname "br-lan" meta mark & 0x10000000 == 0x00000000 drop')
    expect(out).toContain('meta l4proto { tcp, udp } th dport 53 return')
    expect(out).toContain('ip daddr @rule4_net4 goto rule_vpn')
    expect(out).toContain('ether saddr != @rule6_others ip daddr @rule6_net4')
    // auto-merge folded the modem's address into the WAN's subnet.
    expect(out).toMatch(
      /elements = \{ 10\.10\.0\.0\/16, 192\.168\.0\.0\/24,\s+192\.168\.1\.1, 192\.168\.2\.0\/24 \}/
    )
    expect(out).toContain('elements = { 2001:db8:ba::/48 }')
  })

  it("fills a domain rule's sets from dnsmasq's answers, subdomains too, with the set's timeout", () => {
    const tmp = mkdtempSync(join(tmpdir(), 'lanvpn-rules-kernel-'))
    try {
      const nftset = readFileSync(join(CASE, 'expected-rules.dnsmasq'), 'utf8')
        .split('\n')
        .find((l) => l.includes('/mybank.example/')) as string
      const dnsmasq = `dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces --port=53 --user=root`
      const out = inNamespace(
        [
          'ip addr add 127.0.0.2/8 dev lo',
          `${dnsmasq} --listen-address=127.0.0.2 --pid-file=${tmp}/up.pid --address=/mybank.example/203.0.113.50 --address=/mybank.example/2001:db8:50::1 & UP=$!`,
          `${dnsmasq} --listen-address=127.0.0.1 --pid-file=${tmp}/router.pid --server=127.0.0.2 "--$NFTSET" & ROUTER=$!`,
          'trap "kill $UP $ROUTER" EXIT',
          'for i in 1 2 3 4 5 6 7 8 9 10; do busybox nslookup www.mybank.example 127.0.0.1 >/dev/null 2>&1 && break; sleep 0.2; done',
          'busybox nslookup -type=AAAA www.mybank.example 127.0.0.1 >/dev/null',
          'busybox nslookup other.example 127.0.0.1 >/dev/null 2>&1 || true',
          'nft list set inet lanvpn_rules rule2_dns4; nft list set inet lanvpn_rules rule2_dns6',
          'nft list set inet lanvpn_rules rule4_dns4',
        ].join('\n'),
        { NFTSET: nftset }
      )
      expect(out).toMatch(/set rule2_dns4 \{[\s\S]*elements = \{ 203\.0\.113\.50 expires 23h/)
      expect(out).toMatch(/set rule2_dns6 \{[\s\S]*elements = \{ 2001:db8:50::1 expires 23h/)
      // Another rule's set took nothing.
      expect(out).toMatch(
        /set rule4_dns4 \{\n\t\ttype ipv4_addr\n\t\ttimeout 1d\n\t\tcomment "[0-9a-f]{8}"\n\t\}/
      )
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  })

  it('sends real packets where the rules say, and with the tunnels down only direct rules and local exceptions get out', () => {
    const CONSOLE = 'forget; become 02:00:00:00:50:03 192.168.1.103'
    const lines = packets([
      // The laptop: vpn, default group.
      'probe icmp 198.51.100.7',
      'probe icmp 8.8.8.8',
      'probe icmp 203.0.113.99',
      'probe icmp 192.0.2.66',
      'probe icmp 192.168.2.10',
      'probe tcp 192.168.0.1 80',
      'probe udp 8.8.4.4 3075',
      'probe tcp 8.8.4.4 3075',
      'probe udp 8.8.4.4 3077',
      'send udp 192.168.0.1 53; seen udp 10.64.0.1 53; seen udp 192.168.0.1 53',
      'send tcp 198.51.100.53 53; seen tcp 10.64.0.1 53; seen tcp 198.51.100.53 53',
      // The console: direct, default group.
      CONSOLE,
      'probe icmp 192.0.2.80',
      'probe icmp 8.8.8.8',
      // Both tunnels down.
      'forget; tunnels_down; become 02:00:00:00:50:01 192.168.1.101',
      'probe icmp 8.8.8.8',
      'probe icmp 192.0.2.80',
      'probe icmp 203.0.113.99',
      'probe tcp 8.8.4.4 3075',
      'probe icmp 198.51.100.7',
      'probe icmp 192.168.2.10',
      'probe tcp 192.168.0.1 80',
      'probe udp 8.8.4.4 3075',
      'send udp 192.168.0.1 53; seen udp 10.64.0.1 53; seen udp 192.168.0.1 53',
      CONSOLE,
      'probe icmp 192.0.2.80',
      'probe icmp 8.8.8.8',
    ])
    expect(lines).toEqual([
      'icmp 198.51.100.7 -> W',
      'icmp 8.8.8.8 -> T0',
      'icmp 203.0.113.99 -> T1',
      'icmp 192.0.2.66 -> nowhere',
      'icmp 192.168.2.10 -> L2',
      'tcp 192.168.0.1 80 -> W',
      'udp 8.8.4.4 3075 -> W',
      'tcp 8.8.4.4 3075 -> T0',
      'udp 8.8.4.4 3077 -> T0',
      'udp 10.64.0.1 53 -> T0',
      'udp 192.168.0.1 53 -> nowhere',
      'tcp 10.64.0.1 53 -> T0',
      'tcp 198.51.100.53 53 -> nowhere',
      'icmp 192.0.2.80 -> T0',
      'icmp 8.8.8.8 -> W',
      // Down.
      'icmp 8.8.8.8 -> nowhere',
      'icmp 192.0.2.80 -> nowhere',
      'icmp 203.0.113.99 -> nowhere',
      'tcp 8.8.4.4 3075 -> nowhere',
      'icmp 198.51.100.7 -> W',
      'icmp 192.168.2.10 -> L2',
      'tcp 192.168.0.1 80 -> W',
      'udp 8.8.4.4 3075 -> W',
      'udp 10.64.0.1 53 -> nowhere',
      'udp 192.168.0.1 53 -> nowhere',
      'icmp 192.0.2.80 -> nowhere',
      'icmp 8.8.8.8 -> W',
    ])
  })

  it("with the rules' table gone (the main one still there), nothing of a managed device is forwarded: not by the WAN, not into a tunnel, not to the other LAN subnet", () => {
    const gone = [
      'probe icmp 198.51.100.7',
      'probe icmp 8.8.8.8',
      'probe icmp 192.168.2.10',
      'probe tcp 192.168.0.1 80',
      'probe udp 8.8.4.4 3075',
      'send udp 192.168.0.1 53; seen udp 10.64.0.1 53; seen udp 192.168.0.1 53',
    ]
    const lines = packets([
      // The laptop (vpn) with both tables, as above.
      'probe icmp 198.51.100.7',
      'probe icmp 8.8.8.8',
      'probe icmp 192.168.2.10',
      'forget; nft delete table inet lanvpn_rules; nft list table inet lanvpn >/dev/null',
      ...gone,
      // The console: direct, its device's mode alone would send it by the WAN.
      'forget; become 02:00:00:00:50:03 192.168.1.103',
      'probe icmp 8.8.8.8',
      'probe icmp 192.0.2.80',
    ])
    expect(lines).toEqual([
      'icmp 198.51.100.7 -> W',
      'icmp 8.8.8.8 -> T0',
      'icmp 192.168.2.10 -> L2',
      // Gone.
      'icmp 198.51.100.7 -> nowhere',
      'icmp 8.8.8.8 -> nowhere',
      'icmp 192.168.2.10 -> nowhere',
      'tcp 192.168.0.1 80 -> nowhere',
      'udp 8.8.4.4 3075 -> nowhere',
      'udp 10.64.0.1 53 -> nowhere',
      'udp 192.168.0.1 53 -> nowhere',
      'icmp 8.8.8.8 -> nowhere',
      'icmp 192.0.2.80 -> nowhere',
    ])
  })
})
