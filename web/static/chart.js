// The run history chart: rows, bytes and duration per run, oldest left, newest right, as three
// stacked bar panels sharing one time axis. Plain SVG drawn here (no chart library); each bar
// has a tooltip, and the table under the chart carries the same numbers for screen readers.
import {html} from '/vendor/htm-preact.js';
import * as fmt from './format.js';

const kWidth = 1100, kLeft = 150, kRight = 16, kPanel = 92, kGap = 30, kAxis = 34, kMaxSlot = 64;

// The smallest 1, 2, 2.5 or 5 × 10^k at or above v (and 1 for 0); for bytes the same within
// the binary unit of v (KiB, MiB, …), so the axis reads 2 MiB rather than 2.1 MiB.
function niceMax(v, binary) {
  if (!(v > 0)) return 1;
  const unit = binary ? 1024 ** Math.floor(Math.log(v) / Math.log(1024)) : 1;
  const p = 10 ** Math.floor(Math.log10(v / unit));
  return unit * [1, 2, 2.5, 5, 10].map((m) => m * p).find((m) => m * unit >= v);
}

const kSeries = [
  {key: 'rows', title: 'Rows', color: '#2563eb', format: fmt.count},
  {key: 'bytes', title: 'Bytes', color: '#0d9488', format: fmt.bytes, binary: true},
  {key: 'duration_ms', title: 'Duration', color: '#7c3aed', format: fmt.duration},
];

function barColor(run, series) {
  if (run.status === 'FAILED') return '#dc2626';
  if (run.status === 'CANCELLED') return '#9ca3af';
  if (run.status === 'RUNNING') return '#f59e0b';
  return series.color;
}

// runs: newest first, as the API lists them.
// `zone`: the schedule's, the zone every time is shown in.
export function RunChart({runs, zone}) {
  const data = [...runs].reverse();
  const n = data.length;
  const plotW = kWidth - kLeft - kRight;
  const slot = Math.min(kMaxSlot, plotW / Math.max(n, 1));
  const barW = Math.max(2, slot * 0.7);
  const height = kSeries.length * (kPanel + kGap) + kAxis;
  // Right-aligned: the newest run is always at the right edge, however few runs there are.
  const x = (i) => kWidth - kRight - slot * (n - i) + (slot - barW) / 2;
  const labelEvery = Math.max(Math.ceil(n / 8), Math.ceil(84 / slot));  // labels ~70 px wide
  const summary = n ? `Rows, bytes and duration of the last ${n} runs, oldest left, newest right.` : 'No runs yet.';
  return html`<figure class="chart">
    <svg viewBox=${`0 0 ${kWidth} ${height}`} role="img" aria-label=${summary} data-testid="run-chart">
      ${kSeries.map((s, p) => {
        const top = p * (kPanel + kGap) + 8;
        const max = niceMax(Math.max(0, ...data.map((r) => r[s.key] || 0)), s.binary);
        const y = (v) => top + kPanel - (kPanel * (v || 0)) / max;
        return html`<g class="panel">
          <text x="0" y=${top + 12} class="panel-title">${s.title}</text>
          ${[0, 0.5, 1].map((f) => html`<line x1=${kLeft} x2=${kWidth - kRight} y1=${y(max * f)} y2=${y(max * f)} class=${f ? 'grid' : 'axis'} />
            <text x=${kLeft - 6} y=${y(max * f) + 4} class="tick" text-anchor="end">${f ? s.format(max * f) : '0'}</text>`)}
          ${data.map((r, i) => {
            const v = r[s.key] || 0;
            const h = Math.max(v ? 1 : 0, top + kPanel - y(v));
            return html`<g class="bar">
              <title>${`${fmt.zoned(r.started_ms, zone)} · ${r.status} · ${s.title.toLowerCase()}: ${s.format(r[s.key])}`}</title>
              <rect x=${x(i)} y=${top + kPanel - h} width=${barW} height=${h} fill=${barColor(r, s)} />
              ${!v && r.status !== 'SUCCEEDED' ? html`<rect x=${x(i)} y=${top + kPanel - 3} width=${barW} height="3" fill=${barColor(r, s)} />` : ''}
            </g>`;
          })}
        </g>`;
      })}
      ${data.map((r, i) => ((n - 1 - i) % labelEvery === 0 ? html`<text
          x=${x(i) + barW / 2} y=${height - kAxis + 14} class="tick" text-anchor="middle">${fmt.wall(r.started_ms, zone).slice(5, 16)}</text>` : ''))}
      <text x=${kLeft} y=${height - 4} class="tick">← older · start times in ${fmt.knownZone(zone)}</text>
      <text x=${kWidth - kRight} y=${height - 4} class="tick" text-anchor="end">newest →</text>
    </svg>
    <figcaption class="legend">
      <span><i style="background:#2563eb"></i><i style="background:#0d9488"></i><i style="background:#7c3aed"></i>succeeded</span>
      <span><i style="background:#dc2626"></i>failed</span>
      <span><i style="background:#9ca3af"></i>cancelled</span>
      <span><i style="background:#f59e0b"></i>running</span>
    </figcaption>
  </figure>`;
}
