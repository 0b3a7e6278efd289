// A connector's backfill (docs/web.md, "Backfill"): From and To dates in the connector's time
// zone, Start (POST /connectors/{id}/backfill), then a progress line (days done, failed, left)
// refreshed every 2 s while it goes on, and Cancel (POST /backfills/{id}/cancel). The latest
// backfill of the connector (its backfill_id) is shown again when the page is reopened.
import {html, useEffect, useState} from '/vendor/htm-preact.js';
import {api, fieldErrors} from './api.js';
import {Banner, Badge, TextField, useForm} from './ui.js';
import {usePolling} from './poll.js';

const going = (b) => b && (b.state === 'running' || b.state === 'cancelling');

export function BackfillCard({connector, onChange}) {
  const form = useForm('bf', {from: '', to: ''});
  const [backfill, setBackfill] = useState(null);
  const [message, setMessage] = useState(null);
  const id = backfill?.id || connector?.backfill_id;

  const load = async () => {
    if (!id || (backfill && backfill.id === id && !going(backfill))) return;
    try {
      const b = await api('GET', `backfills/${id}`);
      setBackfill(b);
      if (!going(b)) onChange?.();
    } catch (err) {
      if (err.status === 404) setBackfill(null);  // forgotten by a restart
      else if (err.status !== 401) setMessage({kind: 'error', text: err.message});
    }
  };
  usePolling(load, 2000);
  useEffect(() => { load(); }, [id]);

  const start = async (e) => {
    e.preventDefault();
    setMessage(null);
    try {
      const b = await api('POST', `connectors/${connector.id}/backfill`, form.current());
      form.setErrors({}, {submit: true});
      setBackfill(b);
      onChange?.();
    } catch (err) {
      form.setErrors(fieldErrors(err), {submit: true});
      if (!err.fields.length) setMessage({kind: 'error', text: err.message});
    }
  };
  const cancel = async () => {
    try {
      setBackfill(await api('POST', `backfills/${backfill.id}/cancel`));
    } catch (err) {
      setMessage({kind: 'error', text: err.message});
    }
  };

  const zone = connector?.settings?.details?.time_zone || 'UTC';
  return html`<div class="card backfill" data-testid="backfill">
    <h3>Backfill</h3>
    <p class="sub">One run per day from From to To (both included, dates in ${zone}), oldest first,
      within the service's limit on concurrent runs. A day already unloaded follows the connector's If Exists.</p>
    ${message ? html`<${Banner} kind=${message.kind} onClose=${() => setMessage(null)}>${message.text}<//>` : ''}
    <form class="backfill-form" onSubmit=${start} novalidate>
      <${TextField} form=${form} k="from" label="From" type="date" required />
      <${TextField} form=${form} k="to" label="To" type="date" required />
      <button type="submit" class="primary" disabled=${going(backfill)}>Start backfill</button>
    </form>
    ${backfill ? html`<p class="backfill-progress" data-testid="backfill-progress" role="status">
      <${Badge} value=${backfill.state} />
      ${` ${backfill.from} to ${backfill.to}: ${backfill.days_done} done, ${backfill.days_failed} failed, ${backfill.days_left} left`}
      ${backfill.days_cancelled ? `, ${backfill.days_cancelled} cancelled` : ''}
      ${going(backfill) ? html` <button type="button" class="danger" onClick=${cancel} disabled=${backfill.state === 'cancelling'}>Cancel backfill</button>` : ''}
    </p>` : ''}
  </div>`;
}
