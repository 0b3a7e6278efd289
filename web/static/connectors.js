// The Connectors tab: every connector with its state, last run and next run, and what can be
// done to it (docs/api.md, "Connectors"). The list refreshes every 2 s while it is on screen; a
// running connector's row shows its run's progress bar. Times are in the schedule's zone.
import {html, useState} from '/vendor/htm-preact.js';
import {api} from './api.js';
import {Banner, Badge, ConfirmButton, When} from './ui.js';
import {usePolling} from './poll.js';
import {RunProgress} from './progress.js';
import * as fmt from './format.js';

function LastRun({run, zone}) {
  if (!run) return html`<span class="sub">never run</span>`;
  const when = run.finished_ms ?? run.started_ms;
  return html`<div class="last-run">
    <${Badge} value=${run.status} />
    <${When} ms=${when} zone=${zone} relative />
    ${run.status === 'SUCCEEDED' ? html`<div class="sub"><span data-testid="last-rows">${fmt.count(run.rows)}</span> rows · ${fmt.bytes(run.bytes)} · ${fmt.duration(run.duration_ms)}</div>` : ''}
    ${run.error ? html`<div class="sub error-text" title=${run.error.message}>${run.error.message}</div>` : ''}
  </div>`;
}

function NextRun({connector: c}) {
  const zone = c.schedule?.time_zone;
  if (c.state === 'retry_pending' && c.retry_due_ms) {
    return html`<div>retry ${c.retry_attempt ? `#${c.retry_attempt} ` : ''}<${When} ms=${c.retry_due_ms} zone=${zone} relative /></div>`;
  }
  if (!c.next_run_ms) return html`<span class="sub">${c.enabled ? 'manual' : 'disabled'}</span>`;
  return html`<div><${When} ms=${c.next_run_ms} zone=${zone} /><div class="sub">${fmt.relative(c.next_run_ms)}</div></div>`;
}

export function ConnectorsTab({navigate, flash, clearFlash}) {
  const [connectors, setConnectors] = useState(null);
  const [message, setMessage] = useState(null);
  const [busy, setBusy] = useState({});

  const load = async () => {
    try {
      setConnectors((await api('GET', 'connectors')).connectors);
    } catch (err) {
      if (err.status !== 401) setMessage({kind: 'error', text: err.message});
    }
  };
  usePolling(load, 2000);

  const act = async (c, verb, method, path, done) => {
    setBusy((b) => ({...b, [c.id]: verb}));
    try {
      await api(method, path);
      if (done) setMessage({kind: 'ok', text: done});
    } catch (err) {
      setMessage({kind: 'error', text: err.message});
    } finally {
      setBusy((b) => ({...b, [c.id]: ''}));
      load();
    }
  };

  const shown = message || flash;
  return html`<section aria-labelledby="connectors-title">
    <div class="section-head">
      <h2 id="connectors-title">Connectors</h2>
      <button type="button" class="primary" onClick=${() => navigate('#/connectors/new')}>New connector</button>
    </div>
    ${shown ? html`<${Banner} kind=${shown.kind} onClose=${() => { setMessage(null); clearFlash(); }}>${shown.text}<//>` : ''}
    ${connectors === null ? html`<p>Loading…</p>` : connectors.length === 0
      ? html`<p class="empty">No connectors yet. Save a Domo account and an AWS account (Accounts tab), then create a connector.</p>`
      : html`<table class="list connectors" aria-label="Connectors">
      <thead><tr><th scope="col">Name</th><th scope="col">State</th><th scope="col">Last run</th>
        <th scope="col">Next run</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>${connectors.map((c) => {
        const running = c.state === 'running';
        return html`<tr key=${c.id} data-connector=${c.name}>
          <th scope="row"><a href=${`#/connectors/${c.id}`}>${c.name}</a><div class="sub">${c.schedule_text}</div></th>
          <td data-testid="state"><${Badge} value=${c.state} /></td>
          <td data-testid="last-run"><${LastRun} run=${c.last_run} zone=${c.schedule?.time_zone} />${running && c.running_run_id ? html`<${RunProgress} key=${c.running_run_id} runId=${c.running_run_id} compact />` : ''}</td>
          <td><${NextRun} connector=${c} /></td>
          <td class="actions-cell"><div class="row-actions">
            ${running
              ? html`<button type="button" onClick=${() => act(c, 'cancel', 'POST', `connectors/${c.id}/cancel`, `Cancelling the run of "${c.name}".`)} disabled=${!!busy[c.id]}>Cancel run</button>`
              : html`<button type="button" class="primary" onClick=${() => act(c, 'run', 'POST', `connectors/${c.id}/run`)} disabled=${!!busy[c.id]}>Run now</button>`}
            ${c.enabled
              ? html`<button type="button" onClick=${() => act(c, 'disable', 'POST', `connectors/${c.id}/disable`)} disabled=${!!busy[c.id]}>Disable</button>`
              : html`<button type="button" onClick=${() => act(c, 'enable', 'POST', `connectors/${c.id}/enable`)} disabled=${!!busy[c.id]}>Enable</button>`}
            <button type="button" onClick=${() => navigate(`#/connectors/${c.id}`)}>Edit</button>
            <button type="button" onClick=${() => navigate(`#/connectors/${c.id}/history`)}>History</button>
            <${ConfirmButton} label="Delete" question=${`Delete "${c.name}"? Its run history is kept.`} disabled=${running}
              onConfirm=${() => act(c, 'delete', 'DELETE', `connectors/${c.id}`, `Deleted "${c.name}"; its runs stay in the history.`)} />
          </div></td>
        </tr>`;
      })}</tbody></table>`}
  </section>`;
}
