// conntrack-tools' answers to `conntrack -D`: it prints "conntrack v1.4.7 (conntrack-tools): N flow
// entries have been deleted." on stderr, and exits 1 when N is 0 (nothing matched is no error).

/** How many entries a `conntrack -D` run deleted, or null when its stderr does not say (a real
 * failure: bad option, no kernel support, not installed). */
export function parseConntrackDeleted(stderr: string): number | null {
  const m = /(\d+) flow entries have been deleted/.exec(stderr)
  return m ? Number(m[1]) : null
}
