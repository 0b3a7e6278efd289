// A running run's live progress (GET /api/v1/runs/{id}, its "progress"; docs/web.md): a bar
// filling toward the day's row count with the rate and the ETA, or, when the total is not known,
// an indeterminate bar with the rows and bytes so far. Shown only while the run runs, it asks
// for the run every 2 s (and not at all once the view drops it).
import {html, useState} from '/vendor/htm-preact.js';
import {api} from './api.js';
import {usePolling} from './poll.js';
import * as fmt from './format.js';

// `compact`: the bar and the percentage or rows only (the connector list); else every figure.
export function RunProgress({runId, compact = false}) {
  const [p, setProgress] = useState(null);
  usePolling(async () => setProgress((await api('GET', `runs/${encodeURIComponent(runId)}`)).progress), 2000);
  const known = p?.total_rows > 0;
  const bar = known
    ? html`<progress max=${p.total_rows} value=${Math.min(p.rows, p.total_rows)} aria-label="Run progress"></progress>`
    : html`<progress aria-label="Run progress"></progress>`;
  const done = !p ? 'starting' : known
    ? `${fmt.count(p.rows)} of ${fmt.count(p.total_rows)} rows (${Math.floor((100 * Math.min(p.rows, p.total_rows)) / p.total_rows)}%)`
    : `${fmt.count(p.rows)} rows so far`;
  const figures = p && !compact ? [fmt.bytes(p.bytes), `${fmt.count(p.objects)} object${p.objects === 1 ? '' : 's'}`,
    `${fmt.count(Math.round(p.rate_rows_per_s))} rows/s`, `${fmt.bytes(p.bytes_per_s)}/s`,
    p.eta_s === null ? 'ETA unknown' : `ETA ${fmt.duration(p.eta_s * 1000)}`] : [];
  return html`<div class=${`run-progress${compact ? ' compact' : ''}`} data-testid="run-progress">
    ${bar}<span class="progress-text" data-testid="progress-text">${[done, ...figures].join(' · ')}</span>
  </div>`;
}
