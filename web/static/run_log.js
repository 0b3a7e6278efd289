// A run's own log (GET /runs/{id}/log), opened from its row in the history: each line with its
// time (ISO-8601, UTC), level and text, and where a long log left lines out, how many. The
// text is rendered as text nodes (preact sets them like textContent, never as HTML), so a line
// holding "<script>" shows those characters. It refreshes every 2 s while the run is running.
import {html, useState} from '/vendor/htm-preact.js';
import {api} from './api.js';
import {usePolling} from './poll.js';

export function RunLog({run}) {
  const [log, setLog] = useState(null);
  const [error, setError] = useState('');
  const load = async () => {
    if (log && run.status !== 'RUNNING') return;  // a finished run's log is complete
    try {
      setLog(await api('GET', `runs/${encodeURIComponent(run.run_id)}/log`));
      setError('');
    } catch (err) {
      setError(err.message);
    }
  };
  usePolling(load, 2000);

  if (error) return html`<p class="error-text" role="alert">The log could not be read: ${error}</p>`;
  if (!log) return html`<p>Loading the log…</p>`;
  const items = [];
  let next = 0;
  for (const line of log.lines) {
    if (line.seq > next) {
      const n = line.seq - next;
      items.push(html`<li class="log-gap" key=${`gap-${line.seq}`}>… ${n} line${n === 1 ? '' : 's'} left out …</li>`);
    }
    next = line.seq + 1;
    items.push(html`<li class=${`log-line level-${line.level}`} key=${line.seq}>
      <time datetime=${line.time}>${line.time}</time> <span class="log-level">${line.level.toUpperCase()}</span> <span class="log-text">${line.text}</span>
    </li>`);
  }
  return html`<div class="run-log" data-testid="run-log">
    <h4>Log of run <span class="mono">${log.run_id}</span>${log.truncated ? html` <span class="sub">(${log.dropped_lines} lines left out: a run keeps its first and last lines)</span>` : ''}</h4>
    ${items.length ? html`<ol class="log-lines mono">${items}</ol>` : html`<p class="empty">No log lines${run.status === 'RUNNING' ? ' yet' : ''}.</p>`}
  </div>`;
}
