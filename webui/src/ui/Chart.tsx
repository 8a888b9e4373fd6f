/** Props of the throughput chart. */
export type ChartProps = {
  /** Series of values ≥ 0, oldest first; drawn against the same scale. */
  series: Array<{ values: number[]; className: string }>
  /** What the chart shows, for screen readers (they get the numbers beside it as text). */
  label: string
  /** How many points the x axis holds, so the line grows from the right. */
  capacity: number
}

const W = 300
const H = 60

/** A small line chart as inline SVG: no library, no request, and it scales with its box. */
export function Chart({ series, label, capacity }: ChartProps) {
  const max = Math.max(1, ...series.flatMap((s) => s.values))
  const x = (i: number, n: number) => W - ((n - 1 - i) * W) / Math.max(1, capacity - 1)
  const y = (v: number) => H - 2 - (v / max) * (H - 4)
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img">
      <title>{label}</title>
      {series.map((s) =>
        s.values.length < 2 ? null : (
          <polyline
            key={s.className}
            class={s.className}
            fill="none"
            points={s.values.map((v, i) => `${x(i, s.values.length)},${y(v)}`).join(' ')}
          />
        )
      )}
    </svg>
  )
}
