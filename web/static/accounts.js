// The Accounts tab: saved Domo, AWS and AWS role credentials, reusable by any number of
// connectors (docs/api.md, "Accounts"). Secrets are write-only: the service says only whether one
// is saved, the form shows it masked, and an empty secret field keeps the saved value. An AWS role
// account holds no secret: it assumes a role with the keys of a saved AWS account or with the
// service's own credentials, and shows the trust policy to paste into the role, as Domo's
// AssumeRole connector does.
import {html, useState, useEffect} from '/vendor/htm-preact.js';
import {api, fieldErrors} from './api.js';
import {useForm, TextField, SelectField, RadioField, CheckField, Banner, ConfirmButton, When} from './ui.js';

export const kKindNames = {domo: 'Domo', aws: 'AWS', role: 'AWS role'};
const kMasked = '••••••••  (saved)';
// The kinds of the S3 side of a connector (its aws_account_id).
export const kS3Kinds = ['aws', 'role'];
const kKindChoices = {
  domo: ['domo', 'Domo', 'a Domo API client: reads the input dataset, writes the metrics'],
  aws: ['aws', 'AWS', 'keys and a bucket: where the data goes'],
  role: ['role', 'AWS role', 'a role the service assumes (with an external ID) and a bucket: no long-lived keys for the bucket'],
};

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
  role: [
    {k: 'name', label: 'Account name', required: true,
     help: 'How connectors refer to this account, e.g. "exports-role".'},
    {k: 'role_arn', label: 'Role ARN', required: true, placeholder: 'arn:aws:iam::123456789012:role/s3unload-writer',
     help: 'Enter the ARN of the IAM role to assume. The role needs the WRITE (s3:PutObject) permission on the bucket, and the trust policy shown after saving.'},
    {k: 'external_id', label: 'External ID (optional)', placeholder: 'generated when the account is saved',
     help: 'The secret-less ID the trust policy requires (sts:ExternalId). Leave empty to have one generated: 32 random hex digits.'},
    {k: 'role_session_name', label: 'Session name (optional)', placeholder: 's3unload',
     help: 'Shows in the role\'s CloudTrail entries. 2 to 64 letters, digits or _+=,.@-.'},
    {k: 'base_account_id', label: 'Assume the role with', select: true,
     help: 'The credentials that assume the role: the service\'s own (its environment or instance role; AWS only), or the keys of a saved AWS account (only sent to the endpoint that account was saved for).'},
    {k: 'bucket', label: 'Bucket', required: true,
     help: 'Enter the name of the bucket you want to push Domo data to.'},
    {k: 'region', label: 'Region', required: true, list: 'aws-regions', placeholder: 'us-east-1',
     help: 'Select the Amazon S3 region where your bucket is located.'},
    {k: 'endpoint_url', label: 'Endpoint URL (optional)', type: 'url', placeholder: 'https://s3.example.com',
     help: 'An S3-compatible store with its own STS (Ceph radosgw, …): the base account must be saved for the same endpoint. Leave empty for AWS.'},
  ],
};

// "s3unload-writer" of "arn:aws:iam::123456789012:role/path/s3unload-writer".
export function roleName(arn) {
  return (arn || '').split('/').pop();
}

// What an account is in a list or a picker: "prod — s3://exports (us-east-1)".
export function accountSummary(a) {
  if (a.kind === 'domo') return `${a.name} — client ${a.domo_client_id}`;
  const where = `s3://${a.bucket} (${a.region})`;
  return a.kind === 'role' ? `${a.name} — role ${roleName(a.role_arn)}, ${where}` : `${a.name} — ${where}`;
}

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
// For a test of a saved account's edit, `account` is the saved one and no kind is sent.
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

// A policy in a read-only box with a Copy button, ready to paste into AWS.
function PolicyBox({id, label, policy}) {
  const [copied, setCopied] = useState('');
  const text = JSON.stringify(policy, null, 2);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('Copied.');
    } catch {
      document.getElementById(id)?.select();
      setCopied('Selected: press Ctrl+C (⌘C) to copy.');
    }
  };
  return html`<div class="field wide policy">
    <div class="policy-head"><label for=${id}>${label}</label>
      <button type="button" onClick=${copy}>Copy</button>
      <span class="sub" role="status">${copied}</span></div>
    <textarea id=${id} class="mono" readonly rows=${Math.min(text.split('\n').length, 24)} spellcheck=${false}
      value=${text} onFocus=${(e) => e.currentTarget.select()} />
  </div>`;
}

// What to paste into the role of a saved role account (GET accounts/{id}/trust-policy): its
// trust policy, with a marked placeholder until a test has seen who the base credentials are,
// and a minimal permissions policy with what optional features add.
export function TrustPolicy({account, refresh}) {
  const [policies, setPolicies] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => {
    api('GET', `accounts/${account.id}/trust-policy`).then(setPolicies, (err) => setError(err.message));
  }, [account.id, refresh]);
  if (error) return html`<${Banner} kind="error">Could not load the trust policy: ${error}<//>`;
  if (!policies) return html`<p>Loading the trust policy…</p>`;
  return html`<section class="trust-policy" aria-label="Trust policy" data-testid="trust-policy">
    <h4>Trust policy</h4>
    <p class="help">Paste this into the role (IAM → Roles → ${roleName(account.role_arn)} → Trust relationships).
      It lets ${policies.principal_known ? html`<code>${policies.principal}</code>` : 'your base credentials'} assume
      the role with the external ID <code>${account.external_id}</code>. ${policies.note}</p>
    ${policies.principal_known ? '' : html`<p class="banner info placeholder-note">Placeholder: <code>${policies.principal}</code> — put in your AWS account ID before you save the policy.</p>`}
    <${PolicyBox} id=${`trust-${account.id}`} label="Trust policy (JSON)" policy=${policies.trust_policy} />
    <${PolicyBox} id=${`perms-${account.id}`} label="Permissions policy (minimal)" policy=${policies.permissions_policy} />
    <details><summary>Permissions optional features add</summary>
      <ul>${policies.optional_statements.map((o) => html`<li><strong>${o.feature}</strong>: ${o.why}.
        <pre class="mono">${JSON.stringify(o.statements, null, 2)}</pre></li>`)}</ul>
    </details>
  </section>`;
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

// Create (account null; the kind chosen here among `kinds`) or edit an account. `embedded`:
// inside another form (the connector page), so this one is a group, not a nested <form>.
export function AccountForm({account, kinds = ['domo', 'aws', 'role'], embedded, onSaved, onCancel}) {
  const startKind = account?.kind || kinds[0];
  const form = useForm(account ? `acc-${account.id}` : `acc-new-${kinds.join('-')}`, initialValues(startKind, account));
  const [busy, setBusy] = useState('');
  const [topError, setTopError] = useState('');
  const [test, setTest] = useState(null);
  const [keyAccounts, setKeyAccounts] = useState([]);  // a role's possible bases
  const [tested, setTested] = useState(0);  // a test may teach the service the base identity
  const kind = form.values.kind;
  const fields = kFields[kind];
  useEffect(() => {
    if (kind !== 'role') return;
    api('GET', 'accounts').then((a) => setKeyAccounts(a.accounts.filter((x) => x.kind === 'aws')),
      (err) => setTopError(err.message));
  }, [kind]);
  const baseOptions = [['', 'The service\'s own credentials (its environment or instance role)'],
    ...keyAccounts.map((a) => [a.id, `${a.name} — key ${a.aws_access_key_id}${a.endpoint_url ? ` at ${a.endpoint_url}` : ''}`])];

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

  // An unsaved form (or typed secrets) is tested as typed; a saved one by its id. A saved role
  // holds no secret, so its edit is tested as typed against the saved account.
  const runTest = async () => {
    setBusy('test');
    setTest(null);
    try {
      const values = form.current();
      const typedSecret = fields.some((f) => f.secret && values[f.k]);
      let result;
      if (!account || typedSecret) {
        result = await api('POST', 'accounts/test', accountBody(form.current(), null));
      } else if (kind === 'role') {
        result = await api('POST', `accounts/${account.id}/test`, accountBody(values, account));
        setTested((n) => n + 1);
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

  const title = account ? `Edit ${kKindNames[kind]} account "${account.name}"` : `New ${kinds.length === 1 ? `${kKindNames[kind]} ` : ''}account`;
  // Enter in a field of an embedded form saves this account, not the form around it.
  const onKeyDown = (e) => {
    if (embedded && e.key === 'Enter' && e.target.tagName === 'INPUT') { e.preventDefault(); save(); }
  };
  const Tag = embedded ? 'div' : 'form';
  return html`<${Tag} class="card account-form" onSubmit=${embedded ? undefined : save} onKeyDown=${onKeyDown}
      role=${embedded ? 'group' : undefined} aria-label=${title} noValidate=${embedded ? undefined : true}>
    <h3>${title}</h3>
    ${topError ? html`<${Banner} kind="error">${topError}<//>` : ''}
    ${!account && kinds.length > 1 ? html`<${RadioField} form=${form} k="kind" label="Kind of account"
        options=${kinds.map((k) => kKindChoices[k])} onChange=${chooseKind} />` : ''}
    <div class="grid">
      ${fields.map((f) => f.select ? html`<${SelectField} form=${form} k=${f.k} label=${f.label} help=${f.help}
          options=${baseOptions} />` : html`<${TextField} form=${form} k=${f.k} label=${f.label} help=${f.help}
          required=${f.required && !(f.secret && account?.secrets?.[f.k])}
          type=${f.secret ? 'password' : f.type || 'text'} list=${f.list}
          autocomplete=${f.secret ? 'new-password' : 'off'}
          placeholder=${f.secret && account?.secrets?.[f.k] ? kMasked : f.placeholder} />`)}
    </div>
    ${account && kind === 'aws' && account.secrets?.aws_session_token ? html`<${CheckField} form=${form}
        k="remove_session_token" label="Remove the saved session token" />` : ''}
    ${account && kind !== 'role' ? html`<p class="help">Secrets are never shown again. Leave a secret empty to keep the saved one;
        a saved secret only goes to the address it was saved for, so changing ${kind === 'aws' ? 'the endpoint, region or bucket' : 'the API or instance URL'} needs the secrets typed again.</p>` : ''}
    ${kind === 'role' ? html`<p class="help">A role account holds no secret. The keys of its base account only go to the endpoint that
        account was saved for, and the service's own credentials only to AWS.</p>` : ''}
    <div class="actions">
      <button type=${embedded ? 'button' : 'submit'} class="primary" disabled=${!!busy} onClick=${embedded ? () => save() : undefined}>${busy === 'save' ? 'Saving…' : account ? 'Save changes' : 'Save account'}</button>
      <button type="button" disabled=${!!busy} onClick=${runTest}>${busy === 'test' ? 'Testing…' : 'Test credentials'}</button>
      <button type="button" class="link" onClick=${onCancel}>Cancel</button>
    </div>
    <${TestReport} result=${test} />
    ${account && kind === 'role' ? html`<${TrustPolicy} account=${account} refresh=${tested} />` : ''}
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
  // A new role account stays open: its trust policy (with the generated external ID) is what
  // to paste into the role next.
  const saved = (account) => {
    const created = editing === 'new';
    setMessage({kind: 'ok', text: `Saved ${kKindNames[account.kind]} account "${account.name}".${
      created && account.kind === 'role' ? ' Paste its trust policy into the role, then test it.' : ''}`});
    setEditing(created && account.kind === 'role' ? account : null);
    load();
  };

  return html`<section aria-labelledby="accounts-title">
    <div class="section-head">
      <h2 id="accounts-title">Accounts</h2>
      <button type="button" class="primary" onClick=${() => setEditing('new')} disabled=${editing === 'new'}>New account</button>
    </div>
    <p class="lead">Saved credentials: a Domo account reads the input dataset and writes the metrics; an AWS account (keys) or an AWS role account (a role to assume) is where the data goes. Any number of connectors can use the same account.</p>
    ${message ? html`<${Banner} kind=${message.kind} onClose=${() => setMessage(null)}>${message.text}<//>` : ''}
    ${editing ? html`<${AccountForm} key=${editing === 'new' ? 'new' : editing.id}
        account=${editing === 'new' ? null : editing} onSaved=${saved} onCancel=${() => setEditing(null)} />` : ''}
    ${accounts === null ? html`<p>Loading…</p>` : accounts.length === 0 ? html`<p class="empty">No accounts yet. Create a Domo account and an AWS account, then a connector.</p>`
      : html`<table class="list" aria-label="Accounts">
      <thead><tr><th scope="col">Kind</th><th scope="col">Name</th><th scope="col">Key ID / Client ID / Role</th>
        <th scope="col">Bucket</th><th scope="col">Region</th><th scope="col">Used by</th><th scope="col">Updated</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>${accounts.map((a) => html`
        <tr key=${a.id} data-account=${a.name}>
          <td>${kKindNames[a.kind] || a.kind}</td>
          <th scope="row">${a.name}</th>
          <td class="mono">${{domo: a.domo_client_id, aws: a.aws_access_key_id, role: a.role_arn}[a.kind]}</td>
          <td>${a.bucket || ''}${a.endpoint_url ? html`<div class="sub">${a.endpoint_url}</div>` : ''}</td>
          <td>${a.region || ''}</td>
          <td>${a.used_by?.length ? a.used_by.map((id) => connectorNames[id] || id).join(', ') : html`<span class="sub">none</span>`}</td>
          <td><${When} ms=${a.updated_ms} relative /></td>
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
