// ping's summary line → the average round trip. Two dialects: BusyBox (OpenWrt's default ping)
// prints `round-trip min/avg/max = 9.1/10.2/11.3 ms`; iputils prints
// `rtt min/avg/max/mdev = 9.1/10.2/11.3/0.8 ms`.

/** The average round-trip time in ms from ping's output, or null when no reply came back (no
 * summary line, or 100% loss). */
export function parsePingAvg(output: string): number | null {
  const m = /(?:round-trip|rtt) min\/avg\/max(?:\/(?:mdev|stddev))? = [0-9.]+\/([0-9.]+)\//.exec(
    output
  )
  if (!m) return null
  const avg = Number(m[1])
  return Number.isFinite(avg) ? avg : null
}
