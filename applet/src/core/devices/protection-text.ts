// "Is this device protected?" in household words, for `lanvpn protected` (lanvpn-cli): apart from
// core/devices/protection.ts, which the rpc method uses, so the main package carries none of it
// (the web UI has its own words, translated).
import type { ProtectionAnswer } from './protection'

/** 1234567 → "1,234,567" (the same under QuickJS, whose toLocaleString does not group). */
export function groupThousands(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** The answer in household words. `clock` formats a wall time as the reader's local time. */
export function describeProtection(a: ProtectionAnswer, clock: (ms: number) => string): string {
  const c = a.counters
  const n = groupThousands
  const verdict = {
    protected: `protected: ${n(c.tunnel)} packets through the tunnel, ${n(c.wan)} left by the WAN`,
    stopped: `protected: the kill switch stopped ${n(c.stopped)} packets, ${n(c.wan)} left by the WAN`,
    wan: `NOT protected: ${n(c.wan)} packets left by the WAN, not through the tunnel`,
    quiet: 'nothing sent yet: use the device, then ask again',
  }[a.verdict]
  const who = a.name ? `${a.name} (${a.mac})` : a.mac
  const since = a.started
    ? `counting started now, until ${clock(a.untilWallMs)}`
    : `counted since ${clock(a.sinceWallMs)}, until ${clock(a.untilWallMs)}`
  const rows: Array<[string, number]> = [
    ['packets through the tunnel', c.tunnel],
    ['packets left by the WAN', c.wan],
    ['packets stopped by the kill switch', c.stopped],
    ["DNS lookups to the tunnel's resolver", c.dns],
    ['IPv6 packets out of the router', c.ipv6],
  ]
  return [
    `${who}, mode ${a.mode}: ${verdict}`,
    ...rows.map(([label, v]) => `  ${`${label}:`.padEnd(38)}${n(v)}`),
    `  (${since}; the router's own counters, read now and kept nowhere)`,
    '',
  ].join('\n')
}
