/** Props of the throughput chart. */
export type ChartProps = {
  /** Series of [time ms, value ≥ 0] points, oldest first; drawn against the same scale. */
  series: Array<{ points: Array<[number, number]>; className: string }>
  /** What the chart shows, for screen readers (they get the numbers beside it as text). */
  label: string
  /** The time the x axis spans, ending at `endMs` (right edge). */
  spanMs: number
  endMs: number
  /** The top of the y axis and the words at the axes' ends. */
  max: number
  maxText: string
  zeroText: string
  startText: string
  endText: string
}

const W = 300
const H = 80

/** A line chart as inline SVG with its scale around it: no library, no request, and it scales with
 * its box. The zero line and the grid are always drawn, so no data is a flat line, not a blank. */
export function Chart(p: ChartProps) {
  const x = (at: number) => W - ((p.endMs - at) * W) / p.spanMs
  const y = (v: number) => H - 1 - (Math.min(v, p.max) / p.max) * (H - 2)
  return (
    <figure class="chart">
      <div class="chart-y" aria-hidden="true">
        <span>{p.maxText}</span>
        <span>{p.zeroText}</span>
      </div>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img">
        <title>{p.label}</title>
        <path class="grid" d={`M0 1H${W}M0 ${H / 2}H${W}`} />
        <path class="axis" d={`M0 ${y(0)}H${W}`} />
        {p.series.map((s) => (
          <polyline
            key={s.className}
            class={s.className}
            fill="none"
            points={s.points.map(([at, v]) => `${x(at)},${y(v)}`).join(' ')}
          />
        ))}
      </svg>
      <div class="chart-x" aria-hidden="true">
        <span>{p.startText}</span>
        <span>{p.endText}</span>
      </div>
    </figure>
  )
}
