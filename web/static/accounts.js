// The Accounts tab: saved Domo and AWS credentials, reusable by any number of connectors
// (docs/api.md, "Accounts"). Secrets are write-only: the service says only whether one is saved,
// the form shows it masked, and an empty secret field keeps the saved value.
import {html, useState, useEffect} from '/vendor/htm-preact.js';
import {api, fieldErrors} from './api.js';
import {useForm, TextField, RadioField, CheckField, Banner, ConfirmButton} from './ui.js';
import * as fmt from './format.js';

export const kKindNames = {domo: 'Domo', aws: 'AWS'};
const kMasked = '••••••••  (saved)';

// Every field of each kind, in form order; help follows the connector page's Credentials pane.
const kFields = {
  domo: [
    {k: 'name', label: 'Account name', required: true,
     help: 'How connectors refer to this account, e.g. "acme-prod".'},
    {k: 'domo_client_id', label: 'Domo Client ID', required: true,
     help: 'Enter your Domo client ID. Create a client in the Domo developer account (My Account → New Client) with the Data and User scopes.'},
    {k: 'domo_client_secret', label: 'Domo Client Secret', secret: true, required: true,
     help: 'Enter your Domo client secret. It appears in the Manage Client section of the Domo developer account.'},
    {k: 'domo_api_url', label: 'Domo API URL', type: 'url', placeholder: 'https://api.domo.com',
     help: 'Leave empty for https://api.domo.com. Another URL only for a proxy or the domo-emulator.'},
    {k: 'domo_instance_url', label: 'Domo instance URL (optional)', type: 'url',
     placeholder: 'https://acme.domo.com', help: 'https://<instance>.domo.com, used for the internal APIs; empty: the API URL.'},
  ],
  aws: [
    {k: 'name', label: 'Account name', required: true,
     help: 'How connectors refer to this account, e.g. "exports-prod".'},
    {k: 'aws_access_key_id', label: 'Access Key', required: true,
     help: 'Enter your AWS access key. You can find this in the Security Credentials section of the AWS Console. Alternatively, if you are using IAM, you can find it under Users.'},
    {k: 'aws_secret_access_key', label: 'Secret Key', secret: true, required: true,
     help: 'Enter your AWS secret key that was provided when you created your access key. You can generate a new secret key in the AWS Console.'},
    {k: 'aws_session_token', label: 'Session token (optional)', secret: true, optional: true,
     help: 'Only for temporary credentials (AWS STS).'},
    {k: 'bucket', label: 'Bucket', required: true,
     help: 'Enter the name of the bucket you want to push Domo data to. The keys need the WRITE (s3:PutObject) permission on it.'},
    {k: 'region', label: 'Region', required: true, list: 'aws-regions', placeholder: 'us-east-1',
     help: 'Select the Amazon S3 region where your bucket is located.'},
    {k: 'endpoint_url', label: 'Endpoint URL (optional)', type: 'url', placeholder: 'https://s3.example.com',
     help: 'Any S3-compatible store (MinIO, Ceph, R2, …), addressed path-style. Leave empty for AWS.'},
  ],
};

const kRegions = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'sa-east-1',
  'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1',
  'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1',
  'ap-southeast-2', 'ap-east-1', 'me-south-1', 'af-south-1'];

function initialValues(kind, account) {
  const v = {kind};
  for (const f of kFields[kind]) v[f.k] = f.secret ? '' : (account?.[f.k] ?? '');
  v.remove_session_token = false;
  return v;
}

// The request body: POST sends everything typed; PUT leaves out untyped secrets (kept as saved).
function accountBody(values, account) {
  const body = account ? {} : {kind: values.kind};
  for (const f of kFields[values.kind]) {
    const value = (values[f.k] || '').trim();
    if (f.secret) {
      if (value) body[f.k] = value;
    } else if (f.k === 'domo_api_url') {
      body[f.k] = value || 'https://api.domo.com';
    } else {
      body[f.k] = value;
    }
  }
  if (account && values.remove_session_token) body.aws_session_token = null;
  return body;
}

// What a credentials test found: the verdict, the summary and the checks (docs/api.md).
export function TestReport({result}) {
  if (!result) return '';
  if (result.error) return html`<${Banner} kind="error">Could not test: ${result.error}<//>`;
  const {ok, summary, note} = result;
  const report = result.report || {};  // null when the check could not start
  const facts = [];
  const walk = (obj, prefix) => {
    for (const [key, value] of Object.entries(obj || {})) {
      if (['status', 'checks', 'schema'].includes(key)) continue;
      if (value && typeof value === 'object' && !Array.isArray(value)) walk(value, `${prefix}${key}.`);
      else facts.push([`${prefix}${key}`, Array.isArray(value) ? (value.join(', ') || '—') : String(value)]);
    }
  };
  walk(report, '');
  return html`<div class=${`test-report ${ok ? 'ok' : 'failed'}`} role="status" data-testid="test-report">
    <p class="verdict"><strong>${ok ? '✓ Test passed' : '✗ Test failed'}</strong>: ${summary}</p>
    ${note ? html`<p class="help">${note}</p>` : ''}
    ${Array.isArray(report.checks) && report.checks.length ? html`<table class="checks">
      <thead><tr><th scope="col">Check</th><th scope="col">Result</th><th scope="col">Detail</th></tr></thead>
      <tbody>${report.checks.map((c) => html`<tr>
        <td>${c.name}</td><td><span class=${`badge badge-${c.result === 'ok' ? 'succeeded' : 'failed'}`}>${c.result}</span></td><td>${c.detail}</td>
      </tr>`)}</tbody></table>` : ''}
    ${facts.length ? html`<dl class="facts">${facts.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>` : ''}
  </div>`;
}

// Create (account null; kind chosen here unless fixedKind) or edit an account. `embedded`: inside
// another form (the connector page), so this one is a group, not a nested <form>.
export function AccountForm({account, fixedKind, embedded, onSaved, onCancel}) {
  const startKind = account?.kind || fixedKind || 'domo';
  const form = useForm(account ? `acc-${account.id}` : `acc-new-${fixedKind || 'any'}`, initialValues(startKind, account));
  const [busy, setBusy] = useState('');
  const [topError, setTopError] = useState('');
  const [test, setTest] = useState(null);
  const kind = form.values.kind;
  const fields = kFields[kind];

  const chooseKind = (next) => {
    form.replace({...initialValues(next), name: form.current().name});
    form.setErrors({});
    setTest(null);
  };

  const save = async (e) => {
    e?.preventDefault();
    setBusy('save');
    setTopError('');
    try {
      const saved = account
        ? await api('PUT', `accounts/${account.id}`, accountBody(form.current(), account))
        : await api('POST', 'accounts', accountBody(form.current(), null));
      onSaved(saved);
    } catch (err) {
      const errors = fieldErrors(err);
      if (err.status === 409 && err.subject === 'name') errors.name = err.message;
      form.setErrors(errors, {submit: true});
      const known = new Set(fields.map((f) => f.k));
      const unmapped = Object.keys(errors).filter((k) => !known.has(k));
      if (!Object.keys(errors).length || unmapped.length) {
        setTopError(unmapped.length ? unmapped.map((k) => `${k}: ${errors[k]}`).join('\n') : err.message);
      }
    } finally {
      setBusy('');
    }
  };

  // An unsaved form (or typed secrets) is tested as typed; a saved one by its id.
  const runTest = async () => {
    setBusy('test');
    setTest(null);
    try {
      const values = form.current();
      const typedSecret = fields.some((f) => f.secret && values[f.k]);
      let result;
      if (!account || typedSecret) {
        result = await api('POST', 'accounts/test', accountBody(form.current(), null));
      } else {
        result = await api('POST', `accounts/${account.id}/test`);
        const changed = fields.some((f) => !f.secret && (values[f.k] || '') !== (account[f.k] || ''));
        if (changed) result = {...result, note: 'Tested the saved account: save to test your changes, or type the secret again.'};
      }
      form.setErrors({});
      setTest(result);
    } catch (err) {
      if (err.fields.length) form.setErrors(fieldErrors(err), {submit: true});
      setTest({error: err.message});
    } finally {
      setBusy('');
    }
  };

  const title = account ? `Edit ${kKindNames[kind]} account "${account.name}"` : `New ${fixedKind ? `${kKindNames[kind]} ` : ''}account`;
  // Enter in a field of an embedded form saves this account, not the form around it.
  const onKeyDown = (e) => {
    if (embedded && e.key === 'Enter' && e.target.tagName === 'INPUT') { e.preventDefault(); save(); }
  };
  const Tag = embedded ? 'div' : 'form';
  return html`<${Tag} class="card account-form" onSubmit=${embedded ? undefined : save} onKeyDown=${onKeyDown}
      role=${embedded ? 'group' : undefined} aria-label=${title} noValidate=${embedded ? undefined : true}>
    <h3>${title}</h3>
    ${topError ? html`<${Banner} kind="error">${topError}<//>` : ''}
    ${!account && !fixedKind ? html`<${RadioField} form=${form} k="kind" label="Kind of account"
        options=${[['domo', 'Domo', 'a Domo API client: reads the input dataset, writes the metrics'],
                   ['aws', 'AWS', 'keys and a bucket: where the data goes']]}
        onChange=${chooseKind} />` : ''}
    <div class="grid">
      ${fields.map((f) => html`<${TextField} form=${form} k=${f.k} label=${f.label} help=${f.help}
          required=${f.required && !(f.secret && account?.secrets?.[f.k])}
          type=${f.secret ? 'password' : f.type || 'text'} list=${f.list}
          autocomplete=${f.secret ? 'new-password' : 'off'}
          placeholder=${f.secret && account?.secrets?.[f.k] ? kMasked : f.placeholder} />`)}
    </div>
    ${account && kind === 'aws' && account.secrets?.aws_session_token ? html`<${CheckField} form=${form}
        k="remove_session_token" label="Remove the saved session token" />` : ''}
    ${account ? html`<p class="help">Secrets are never shown again. Leave a secret empty to keep the saved one;
        a saved secret only goes to the address it was saved for, so changing ${kind === 'aws' ? 'the endpoint, region or bucket' : 'the API or instance URL'} needs the secrets typed again.</p>` : ''}
    <div class="actions">
      <button type=${embedded ? 'button' : 'submit'} class="primary" disabled=${!!busy} onClick=${embedded ? () => save() : undefined}>${busy === 'save' ? 'Saving…' : account ? 'Save changes' : 'Save account'}</button>
      <button type="button" disabled=${!!busy} onClick=${runTest}>${busy === 'test' ? 'Testing…' : 'Test credentials'}</button>
      <button type="button" class="link" onClick=${onCancel}>Cancel</button>
    </div>
    <${TestReport} result=${test} />
    <datalist id="aws-regions">${kRegions.map((r) => html`<option value=${r} />`)}</datalist>
  <//>`;
}

export function AccountsTab() {
  const [accounts, setAccounts] = useState(null);
  const [connectorNames, setConnectorNames] = useState({});
  const [editing, setEditing] = useState(null);  // 'new' or an account
  const [message, setMessage] = useState(null);  // {kind, text}
  const [tests, setTests] = useState({});  // account id -> result | 'running'

  const load = async () => {
    try {
      const [a, c] = await Promise.all([api('GET', 'accounts'), api('GET', 'connectors')]);
      setAccounts(a.accounts);
      setConnectorNames(Object.fromEntries(c.connectors.map((x) => [x.id, x.name])));
    } catch (err) {
      setMessage({kind: 'error', text: err.message});
    }
  };
  useEffect(() => { load(); }, []);

  const remove = async (account) => {
    try {
      await api('DELETE', `accounts/${account.id}`);
      setMessage({kind: 'ok', text: `Deleted account "${account.name}".`});
      load();
    } catch (err) {
      setMessage({kind: 'error', text: err.message});
    }
  };
  const test = async (account) => {
    setTests((t) => ({...t, [account.id]: 'running'}));
    let result;
    try { result = await api('POST', `accounts/${account.id}/test`); } catch (err) { result = {error: err.message}; }
    setTests((t) => ({...t, [account.id]: result}));
  };
  const saved = (account) => {
    setMessage({kind: 'ok', text: `Saved ${kKindNames[account.kind]} account "${account.name}".`});
    setEditing(null);
    load();
  };

  return html`<section aria-labelledby="accounts-title">
    <div class="section-head">
      <h2 id="accounts-title">Accounts</h2>
      <button type="button" class="primary" onClick=${() => setEditing('new')} disabled=${editing === 'new'}>New account</button>
    </div>
    <p class="lead">Saved credentials: a Domo account reads the input dataset and writes the metrics; an AWS account is where the data goes. Any number of connectors can use the same account.</p>
    ${message ? html`<${Banner} kind=${message.kind} onClose=${() => setMessage(null)}>${message.text}<//>` : ''}
    ${editing ? html`<${AccountForm} key=${editing === 'new' ? 'new' : editing.id}
        account=${editing === 'new' ? null : editing} onSaved=${saved} onCancel=${() => setEditing(null)} />` : ''}
    ${accounts === null ? html`<p>Loading…</p>` : accounts.length === 0 ? html`<p class="empty">No accounts yet. Create a Domo account and an AWS account, then a connector.</p>`
      : html`<table class="list" aria-label="Accounts">
      <thead><tr><th scope="col">Kind</th><th scope="col">Name</th><th scope="col">Key ID / Client ID</th>
        <th scope="col">Bucket</th><th scope="col">Region</th><th scope="col">Used by</th><th scope="col">Updated</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>${accounts.map((a) => html`
        <tr key=${a.id} data-account=${a.name}>
          <td>${kKindNames[a.kind] || a.kind}</td>
          <th scope="row">${a.name}</th>
          <td class="mono">${a.kind === 'domo' ? a.domo_client_id : a.aws_access_key_id}</td>
          <td>${a.bucket || ''}${a.endpoint_url ? html`<div class="sub">${a.endpoint_url}</div>` : ''}</td>
          <td>${a.region || ''}</td>
          <td>${a.used_by?.length ? a.used_by.map((id) => connectorNames[id] || id).join(', ') : html`<span class="sub">none</span>`}</td>
          <td title=${fmt.time(a.updated_ms)}>${fmt.relative(a.updated_ms)}</td>
          <td class="actions-cell"><div class="row-actions">
            <button type="button" onClick=${() => setEditing(a)}>Edit</button>
            <button type="button" onClick=${() => test(a)} disabled=${tests[a.id] === 'running'}>${tests[a.id] === 'running' ? 'Testing…' : 'Test'}</button>
            <${ConfirmButton} label="Delete" question=${`Delete "${a.name}"?`} onConfirm=${() => remove(a)} />
          </div></td>
        </tr>
        ${tests[a.id] && tests[a.id] !== 'running' ? html`<tr class="detail-row"><td colspan="8">
          <${TestReport} result=${tests[a.id]} />
          <button type="button" class="link" onClick=${() => setTests((t) => ({...t, [a.id]: undefined}))}>Hide</button>
        </td></tr>` : ''}`)}
      </tbody></table>`}
  </section>`;
}
