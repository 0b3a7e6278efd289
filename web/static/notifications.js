// A connector's notifications (docs/web.md, "Notifications"; docs/api.md): on failure, on
// recovery, on success, by webhook and by email, saved with PUT /connectors/{id}/notifications,
// and the latest deliveries. The webhook URL and the SMTP password are secrets: the service
// never sends them back, so their inputs stay empty and an empty one keeps the saved value.
import {html, useEffect, useState} from '/vendor/htm-preact.js';
import {api, fieldErrors} from './api.js';
import {Banner, Badge, CheckField, SelectField, TextField, When, useForm} from './ui.js';

const kEmpty = {
  on_failure: true, on_recovery: true, on_success: false,
  webhook: false, 'webhook.url': '', 'webhook.format': 'json',
  email: false, 'email.smtp_url': '', 'email.username': '', 'email.password': '',
  'email.from': '', 'email.to': '',
};

function valuesOf(s) {
  return {
    ...kEmpty, on_failure: s.on_failure, on_recovery: s.on_recovery, on_success: s.on_success,
    webhook: !!s.webhook, 'webhook.format': s.webhook?.format || 'json',
    email: !!s.email, 'email.smtp_url': s.email?.smtp_url || '', 'email.username': s.email?.username || '',
    'email.from': s.email?.from || '', 'email.to': (s.email?.to || []).join(', '),
  };
}

function bodyOf(v) {
  const body = {on_failure: v.on_failure, on_recovery: v.on_recovery, on_success: v.on_success,
    webhook: null, email: null};
  if (v.webhook) body.webhook = {url: v['webhook.url'], format: v['webhook.format']};
  if (v.email) {
    body.email = {smtp_url: v['email.smtp_url'], username: v['email.username'],
      password: v['email.password'], from: v['email.from'],
      to: v['email.to'].split(',').map((t) => t.trim()).filter(Boolean)};
  }
  return body;
}

export function NotificationsCard({connector}) {
  const form = useForm('nt', kEmpty);
  const [saved, setSaved] = useState(null);
  const [deliveries, setDeliveries] = useState([]);
  const [message, setMessage] = useState(null);
  const base = `connectors/${connector.id}/notifications`;

  const load = async () => {
    try {
      const s = await api('GET', base);
      setSaved(s);
      form.replace(valuesOf(s));
      setDeliveries((await api('GET', `${base}/deliveries?limit=10`)).deliveries);
    } catch (err) {
      if (err.status !== 401) setMessage({kind: 'error', text: err.message});
    }
  };
  useEffect(() => { load(); }, [connector.id]);

  const save = async (e) => {
    e.preventDefault();
    setMessage(null);
    try {
      const s = await api('PUT', base, bodyOf(form.current()));
      form.setErrors({}, {submit: true});
      setSaved(s);
      form.replace(valuesOf(s));
      setMessage({kind: 'ok', text: 'Notifications saved.'});
    } catch (err) {
      const errors = fieldErrors(err);
      for (const key of Object.keys(errors)) {  // "email.to[1]" is shown under "email.to"
        const list = key.replace(/\[\d+\]$/, '');
        if (list !== key) errors[list] = errors[list] ? `${errors[list]}; ${errors[key]}` : errors[key];
      }
      form.setErrors(errors, {submit: true});
      if (!err.fields.length) setMessage({kind: 'error', text: err.message});
    }
  };

  const v = form.values;
  const hookSaved = saved?.webhook?.url_set;
  const passwordSaved = saved?.email?.password_set;
  return html`<div class="card notifications" data-testid="notifications">
    <h3>Notifications</h3>
    <p class="sub">Tell people when a run fails (once its retries are exhausted), when the connector
      recovers, and optionally on every success.${saved?.failing ? ' The connector is failing now.' : ''}</p>
    ${message ? html`<${Banner} kind=${message.kind} onClose=${() => setMessage(null)}>${message.text}<//>` : ''}
    <form onSubmit=${save} novalidate>
      <${CheckField} form=${form} k="on_failure" label="On failure" />
      <${CheckField} form=${form} k="on_recovery" label="On recovery" />
      <${CheckField} form=${form} k="on_success" label="On success" />
      <${CheckField} form=${form} k="webhook" label="Webhook" />
      ${v.webhook ? html`
        <${TextField} form=${form} k="webhook.url" label="Webhook URL" type="password" required=${!hookSaved} wide
          placeholder=${hookSaved ? `saved (${saved.webhook.host}); leave empty to keep` : 'https://hooks.slack.com/services/…'}
          help="A secret: stored encrypted, never shown again." />
        <${SelectField} form=${form} k="webhook.format" label="Body" options=${[['json', 'JSON'], ['slack', 'Slack']]} />` : ''}
      <${CheckField} form=${form} k="email" label="Email" />
      ${v.email ? html`
        <${TextField} form=${form} k="email.smtp_url" label="SMTP server" required placeholder="smtp://mail.example.com:587"
          help="smtp:// uses STARTTLS (required with a password); smtps:// is TLS from the start." />
        <${TextField} form=${form} k="email.username" label="Username" />
        <${TextField} form=${form} k="email.password" label="Password" type="password"
          placeholder=${passwordSaved ? 'saved; leave empty to keep' : ''} autocomplete="new-password" />
        <${TextField} form=${form} k="email.from" label="From" required placeholder="s3unload@example.com" />
        <${TextField} form=${form} k="email.to" label="To" required wide placeholder="ops@example.com, data@example.com" />` : ''}
      <button type="submit" class="primary">Save notifications</button>
    </form>
    ${deliveries.length ? html`<table class="list deliveries" aria-label="Notifications sent">
      <thead><tr><th scope="col">Sent</th><th scope="col">Event</th><th scope="col">By</th><th scope="col">Result</th></tr></thead>
      <tbody>${deliveries.map((d) => html`<tr>
        <td><${When} ms=${d.finished_ms} zone=${connector.schedule?.time_zone} /></td><td>${d.event}</td><td>${d.channel} to ${d.target}</td>
        <td>${d.delivered ? `delivered (attempt ${d.attempts})` : html`<${Badge} value="failed" /> ${d.error}`}</td>
      </tr>`)}</tbody></table>` : ''}
  </div>`;
}
