// A connector's run history (GET /connectors/{id}/runs): a chart of rows, bytes and duration
// per run and a table of every run's metrics, error and S3 URIs, newest first. It refreshes
// every 2 s while on screen, so a running run is seen to finish. Above them, a running run's
// live progress (progress.js), the backfill form (backfill.js) and the notifications
// (notifications.js). A run's "Log" button opens its own log below its row (run_log.js).
// Times are in the schedule's zone.
import {html, useState} from '/vendor/htm-preact.js';
import {api} from './api.js';
import {Banner, Badge, When} from './ui.js';
import {usePolling} from './poll.js';
import {RunChart} from './chart.js';
import {BackfillCard} from './backfill.js';
import {NotificationsCard} from './notifications.js';
import {RunLog} from './run_log.js';
import {RunProgress} from './progress.js';
import * as fmt from './format.js';

const kPage = 50;

export function RunHistory({id, navigate}) {
  const [connector, setConnector] = useState(null);
  const [runs, setRuns] = useState(null);
  const [nextBefore, setNextBefore] = useState(null);
  const [message, setMessage] = useState(null);
  const [logOf, setLogOf] = useState(null);  // the run whose log is open

  const load = async () => {
    try {
      const limit = Math.min(1000, Math.max(kPage, runs?.length || 0));
      const [c, page] = await Promise.all([api('GET', `connectors/${id}`), api('GET', `connectors/${id}/runs?limit=${limit}`)]);
      setConnector(c);
      setRuns(page.runs);
      setNextBefore(page.next_before);
    } catch (err) {
      if (err.status !== 401) setMessage({kind: 'error', text: err.message});
    }
  };
  usePolling(load, 2000);

  const older = async () => {
    try {
      const page = await api('GET', `connectors/${id}/runs?limit=${kPage}&before=${encodeURIComponent(nextBefore)}`);
      setRuns((r) => [...r, ...page.runs]);
      setNextBefore(page.next_before);
    } catch (err) {
      setMessage({kind: 'error', text: err.message});
    }
  };
  const runNow = async () => {
    try {
      await api('POST', `connectors/${id}/run`);
      load();
    } catch (err) {
      setMessage({kind: 'error', text: err.message});
    }
  };

  const name = connector?.name || id;
  const zone = connector?.schedule?.time_zone;  // every time on the page is in the schedule's zone
  return html`<section aria-labelledby="history-title">
    <div class="section-head">
      <h2 id="history-title">Run history of ${name}</h2>
      <div class="row-actions">
        <button type="button" class="primary" onClick=${runNow} disabled=${connector?.state === 'running'}>Run now</button>
        <button type="button" onClick=${() => navigate(`#/connectors/${id}`)}>Edit</button>
        <a href="#/connectors">Back to connectors</a>
      </div>
    </div>
    ${connector ? html`<p class="lead">${connector.schedule_text}. State: <${Badge} value=${connector.state} />${connector.next_run_ms ? html` Next run <${When} ms=${connector.next_run_ms} zone=${zone} /> (${fmt.relative(connector.next_run_ms)}).` : ''}</p>` : ''}
    ${message ? html`<${Banner} kind=${message.kind} onClose=${() => setMessage(null)}>${message.text}<//>` : ''}
    ${connector?.running_run_id ? html`<div class="card"><h3>Run in progress</h3><${RunProgress} key=${connector.running_run_id} runId=${connector.running_run_id} /></div>` : ''}
    ${connector ? html`<${BackfillCard} connector=${connector} onChange=${load} />` : ''}
    ${connector ? html`<${NotificationsCard} connector=${connector} />` : ''}
    ${runs === null ? html`<p>Loading…</p>` : runs.length === 0 ? html`<p class="empty">No runs yet: Run now starts one.</p>` : html`
      <div class="card"><h3>Rows, bytes and duration per run</h3><${RunChart} runs=${runs} zone=${zone} /></div>
      <div class="card table-wrap">
      <table class="list runs" aria-label="Runs">
        <thead><tr><th scope="col">Status</th><th scope="col">Started</th><th scope="col">Duration</th>
          <th scope="col">Day</th><th scope="col" class="num">Rows</th><th scope="col" class="num">Bytes</th>
          <th scope="col" class="num">Objects</th><th scope="col">Error</th><th scope="col">S3 URIs</th><th scope="col">Log</th></tr></thead>
        <tbody>${runs.map((r) => html`<tr key=${r.run_id} data-run=${r.run_id}>
          <td><${Badge} value=${r.status} />${r.attempt > 1 ? html`<div class="sub">retry ${r.attempt - 1}</div>` : ''}</td>
          <td data-testid="started"><${When} ms=${r.started_ms} zone=${zone} /></td>
          <td>${fmt.duration(r.duration_ms)}</td>
          <td>${r.day}${r.time_zone && r.time_zone !== 'UTC' ? html`<div class="sub">${r.time_zone}</div>` : ''}</td>
          <td class="num" data-testid="rows">${fmt.count(r.rows)}</td>
          <td class="num">${fmt.bytes(r.bytes)}</td>
          <td class="num">${fmt.count(r.objects)}</td>
          <td class="error-cell">${r.error ? html`<span class="error-text"><code>${r.error.code}</code> ${r.error.message}</span>` : ''}</td>
          <td class="uris">${(r.s3_uris || []).map((u) => html`<div class="mono">${u}</div>`)}</td>
          <td><button type="button" aria-expanded=${logOf === r.run_id} onClick=${() => setLogOf(logOf === r.run_id ? null : r.run_id)}>Log</button></td>
        </tr>${logOf === r.run_id ? html`<tr class="detail-row" key=${`${r.run_id}-log`}><td colspan="10"><${RunLog} run=${r} /></td></tr>` : ''}`)}</tbody>
      </table>
      ${nextBefore ? html`<button type="button" onClick=${older}>Load older runs</button>` : ''}
      </div>`}
  </section>`;
}
