// The connector page: the four panes of Domo's connector, in its order: Credentials, Details,
// Scheduling (with Retry and the update method) and Name & Describe. Field help is written from
// the connector page's own text. The form's keys are the API's field names, so a 400's
// `fields` land beside their inputs; problems with no input here are listed at the top.
import {html, useState, useEffect, useRef} from '/vendor/htm-preact.js';
import {api, fieldErrors} from './api.js';
import {useForm, TextField, TextArea, SelectField, RadioField, CheckField, Banner, integerOrText} from './ui.js';
import {AccountForm, kKindNames, kS3Kinds, accountSummary} from './accounts.js';
import {SchedulePane, scheduleValues, scheduleFromValues, scheduleFields, browserTimeZone} from './schedule.js';

// Settings fields on the page ("section.field") with their documented defaults (docs/job-spec.md).
// A field left at its default and absent from the saved connector is not sent, so the
// service's defaults keep applying.
const kSettingDefaults = {
  'details.input_dataset': '',
  'details.path': '',
  'details.primary_key': '',
  'details.specific_day': '1',  // yesterday: a finished day
  'details.metrics_dates': 'as_received',
  'details.date_column': '',
  'details.time_zone': 'UTC',
  'details.engine': 'direct',
  'details.duplicate_keys': 'keep',
  'output.format': 'csv',
  'output.compression': 'gzip',
  'output.max_object_size': '',
  'output.if_exists': 'overwrite',
  'output.manifest': false,
  'writeback.name': '',
  'writeback.description': '',
  'writeback.update_method': 'APPEND',
};
const kAdvanced = ['details.date_column', 'details.time_zone', 'details.engine',
  'details.duplicate_keys', 'output.format', 'output.compression', 'output.max_object_size',
  'output.if_exists', 'output.manifest'];
const kTopFields = ['name', 'enabled', 'domo_account_id', 'aws_account_id', 'retry.every_minutes',
  'retry.max_retries'];

function formValues(connector) {
  const v = {
    name: connector?.name ?? '',
    enabled: connector?.enabled ?? true,
    domo_account_id: connector?.domo_account_id ?? '',
    aws_account_id: connector?.aws_account_id ?? '',
    'retry.every_minutes': String(connector?.retry?.every_minutes ?? 15),
    'retry.max_retries': String(connector?.retry?.max_retries ?? 0),
    ...scheduleValues(connector?.schedule),
  };
  for (const [key, fallback] of Object.entries(kSettingDefaults)) {
    const [section, field] = key.split('.');
    const saved = connector?.settings?.[section]?.[field];
    v[key] = saved === undefined ? fallback : Array.isArray(saved) ? saved.join(', ') : typeof saved === 'number' ? String(saved) : saved;
  }
  return v;
}

function settingValue(key, text) {
  if (key === 'details.primary_key') return text.split(',').map((s) => s.trim()).filter(Boolean);
  if (key === 'details.specific_day') return integerOrText(text);
  return typeof text === 'string' ? text.trim() : text;
}

// The API's connector for the form's values; settings the page does not show are kept as saved.
function connectorBody(values, original) {
  const settings = structuredClone(original?.settings || {});
  for (const [key, fallback] of Object.entries(kSettingDefaults)) {
    const [section, field] = key.split('.');
    const value = settingValue(key, values[key]);
    const saved = original?.settings?.[section]?.[field] !== undefined;
    const empty = value === '' || (Array.isArray(value) && value.length === 0);
    if (empty || (value === fallback && !saved)) {
      if (settings[section]) delete settings[section][field];
    } else {
      (settings[section] ||= {})[field] = value;
    }
  }
  for (const section of Object.keys(settings)) {
    if (!Object.keys(settings[section]).length) delete settings[section];
  }
  return {
    name: values.name.trim(),
    enabled: values.enabled,
    domo_account_id: values.domo_account_id,
    aws_account_id: values.aws_account_id,
    settings,
    schedule: scheduleFromValues(values),
    retry: {every_minutes: integerOrText(values['retry.every_minutes']), max_retries: integerOrText(values['retry.max_retries'])},
  };
}

// The GUID in a dataset URL, to confirm what was understood from a pasted URL.
function datasetGuid(text) {
  return /datasources\/([0-9a-fA-F-]{36})/.exec(text || '')?.[1] || '';
}

function Pane({n, title, children, lead}) {
  return html`<section class="pane card" aria-labelledby=${`pane-${n}`}>
    <h3 id=${`pane-${n}`}><span class="pane-n">${n}</span>${title}</h3>
    ${lead ? html`<p class="lead">${lead}</p>` : ''}
    ${children}
  </section>`;
}

// An account picker with "New … account" opening the account form in place.
function AccountPicker({form, k, kind, accounts, onCreated, onBlur}) {
  const [creating, setCreating] = useState(false);
  // The S3 side is an AWS account (keys) or an AWS role account (a role to assume).
  const kinds = kind === 'aws' ? kS3Kinds : [kind];
  const mine = accounts.filter((a) => kinds.includes(a.kind));
  const options = [['', mine.length ? `Choose a ${kKindNames[kind]} account…` : `No ${kKindNames[kind]} account yet`],
    ...mine.map((a) => [a.id, accountSummary(a)])];
  const help = kind === 'domo'
    ? 'The Domo Client ID and Client Secret that read the input DataSet and write the metrics. The owner of the writeback DataSet must also own or co-own the input DataSet.'
    : 'The Access Key, Secret Key, Bucket and Region to push data to, or a role to assume (an AWS role account). They need the WRITE (s3:PutObject) permission.';
  return html`<div>
    <${SelectField} form=${form} k=${k} label=${`${kKindNames[kind]} account`} required options=${options} help=${help} onBlur=${onBlur}>
      <button type="button" class="link" aria-expanded=${creating} onClick=${() => setCreating(!creating)}>New ${kKindNames[kind]} account…</button>
    <//>
    ${creating ? html`<${AccountForm} kinds=${kinds} embedded onCancel=${() => setCreating(false)}
        onSaved=${(account) => { setCreating(false); onCreated(account); }} />` : ''}
  </div>`;
}

export function ConnectorEditor({id, navigate, onSaved}) {
  const [original, setOriginal] = useState(id ? null : undefined);  // undefined: new
  const [accounts, setAccounts] = useState([]);
  const [loadError, setLoadError] = useState('');
  const form = useForm('con', formValues(null));
  const [top, setTop] = useState(null);
  const [saving, setSaving] = useState(false);
  const [check, setCheck] = useState(null);  // {busy} | the answer of connectors/check | {failed}
  const advanced = useRef(null);
  const validation = useRef(0);

  const loadAccounts = async () => setAccounts((await api('GET', 'accounts')).accounts);
  useEffect(() => {
    (async () => {
      try {
        await loadAccounts();
        if (id) {
          const connector = await api('GET', `connectors/${id}`);
          setOriginal(connector);
          form.replace(formValues(connector));
        }
      } catch (err) {
        setLoadError(err.message);
      }
    })();
  }, [id]);

  const shown = new Set([...Object.keys(kSettingDefaults), ...kTopFields,
    ...scheduleFields(form.values['schedule.kind'])]);

  // The service's findings, shown beside each field; the rest at the top.
  const applyErrors = (err, submit) => {
    const errors = fieldErrors(err);
    if (err.status === 409 && !err.fields.length) errors[shown.has(err.subject) ? err.subject : ''] = err.message;
    form.setErrors(errors, {submit});
    if (Object.keys(errors).some((k) => kAdvanced.includes(k)) && advanced.current) advanced.current.open = true;
    return errors;
  };

  // On leaving a field: check the whole connector, show what concerns visited fields. An answer
  // about values edited since (or overtaken by a later check or a save) is dropped.
  const validate = async () => {
    const n = ++validation.current;
    const sent = form.current();
    const fresh = () => n === validation.current && form.current() === sent;
    try {
      await api('POST', 'connectors/validate', connectorBody(sent, original));
      if (fresh()) {
        form.setErrors({});
        setTop(null);  // the problems of the last save are fixed
      }
    } catch (err) {
      if (fresh() && err.status === 400) applyErrors(err, false);
    }
  };

  // "Check against Domo": what a dry run does, for the form as typed (docs/api.md). A finding
  // about a field is shown beside it, as the service's field errors are.
  const runCheck = async () => {
    validation.current++;
    setCheck({busy: true});
    try {
      const answer = await api('POST', 'connectors/check', connectorBody(form.current(), original));
      const errors = {};
      for (const f of answer.fields || []) errors[f.field] = f.message;
      form.setErrors(errors, {submit: true});
      setCheck(answer);
    } catch (err) {
      if (err.status === 400) applyErrors(err, true);
      setCheck({failed: err.message});  // the check itself could not be made
    }
  };

  const save = async (e) => {
    e.preventDefault();
    validation.current++;  // a check still under way would be older than this save
    setSaving(true);
    setTop(null);
    try {
      const body = connectorBody(form.current(), original);
      const saved = original ? await api('PUT', `connectors/${id}`, body) : await api('POST', 'connectors', body);
      onSaved(saved, !original);
    } catch (err) {
      const errors = applyErrors(err, true);
      const keys = Object.keys(errors);
      const unmapped = keys.filter((k) => !shown.has(k));
      setTop({count: keys.length, unmapped: unmapped.map((k) => (k ? `${k}: ${errors[k]}` : errors[k])),
              message: keys.length ? '' : err.message});
      // The first marked field in page order, once the marks are drawn.
      setTimeout(() => document.querySelector('.editor [aria-invalid="true"]')?.focus(), 0);
    } finally {
      setSaving(false);
    }
  };

  if (loadError) return html`<${Banner} kind="error">${loadError}<//>`;
  if (original === null) return html`<p>Loading…</p>`;
  const v = form.values;
  const guid = datasetGuid(v['details.input_dataset']);
  const title = original ? `Connector "${original.name}"` : 'New connector';

  return html`<form class="editor" onSubmit=${save} aria-labelledby="editor-title" noValidate>
    <div class="section-head">
      <h2 id="editor-title">${title}</h2>
      <span class="sub">Amazon S3 Unload Writeback: one day of a Domo DataSet per run, written to your S3 bucket, with a metrics row in a writeback DataSet.</span>
    </div>
    ${top ? html`<${Banner} kind="error" onClose=${() => setTop(null)}>
      <p><strong>Not saved.</strong> ${top.message || `${top.count} ${top.count === 1 ? 'problem' : 'problems'}${top.count > top.unmapped.length ? ', shown beside the fields' : ''}.`}</p>
      ${top.unmapped.length ? html`<ul class="unmapped">${top.unmapped.map((t) => html`<li>${t}</li>`)}</ul>` : ''}
    <//>` : ''}

    <${Pane} n="1" title="Credentials"
        lead="The connection to your Domo developer account and to your S3 bucket. Accounts are saved once and reused by any number of connectors (Accounts tab).">
      <div class="grid">
        <${AccountPicker} form=${form} k="domo_account_id" kind="domo" accounts=${accounts} onBlur=${validate}
          onCreated=${async (a) => { await loadAccounts(); form.set('domo_account_id', a.id); }} />
        <${AccountPicker} form=${form} k="aws_account_id" kind="aws" accounts=${accounts} onBlur=${validate}
          onCreated=${async (a) => { await loadAccounts(); form.set('aws_account_id', a.id); }} />
      </div>
    <//>

    <${Pane} n="2" title="Details" lead="Which data to unload and where it goes.">
      <div class="grid">
        <${TextField} form=${form} k="details.input_dataset" label="Input DataSet ID" required wide onBlur=${validate}
          placeholder="aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee or https://customer.domo.com/datasources/…/details/overview"
          help=${html`Enter your Domo DataSet ID (GUID) located in the DataSet URL, or paste the URL itself: open the details view of the DataSet in the Data Center and look at the part following <code>datasources/</code>. Example: https://customer.domo.com/datasources/<b>aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee</b>/details/settings${guid ? html`<br />DataSet ID read from the URL: <code>${guid}</code>` : ''}`} />
        <${TextField} form=${form} k="details.path" label="Path" wide onBlur=${validate} placeholder="orders/{yyyy}/{mm}/{dd}/"
          help=${html`Enter the path where you would like the file to be saved in your Amazon S3 bucket. Placeholders: <code>{dataset_id}</code> <code>{dataset_name}</code> <code>{date}</code> <code>{yyyy}</code> <code>{mm}</code> <code>{dd}</code> <code>{run_id}</code>. A path ending in <code>/</code> (or empty) gets the file name <code>{dataset_id}_{date}</code> and the extension (<code>.csv.gz</code>).`} />
        <${TextField} form=${form} k="details.primary_key" label="Primary Key" required onBlur=${validate} placeholder="order_id"
          help="Enter the primary key of the DataSet: one column, or several separated by commas (region, order_id). The file is ordered by it." />
        <${TextField} form=${form} k="details.specific_day" label="Specific Day" type="number" min="0" step="1" inputmode="numeric" onBlur=${validate}
          help="Enter an integer that specifies the day you want to get the data for. 0 pulls today's data, 1 pulls yesterday's data, and 7 pulls the data from 7 days ago each time the connector runs. Only a single day of data is returned for each connector run." />
      </div>
      <${RadioField} form=${form} k="details.metrics_dates" label="Select the Data Type for Date Column(s) to be parsed"
        options=${[['as_received', 'Parse as is (Do not convert)', "Metrics columns such as 'started' and 'finished' are shown as received in the response."],
                   ['date_time', 'Parse and convert into Date Time', "Metrics columns such as 'started' and 'finished' are parsed into Date Time."]]}
        help="This is just for the DataSet metrics to be displayed; there is no impact on the data to be unloaded." />
      <details class="advanced" ref=${advanced}>
        <summary>Advanced</summary>
        <div class="grid">
          <${TextField} form=${form} k="details.date_column" label="Date column" onBlur=${validate}
            help="The DATE or DATETIME column that says which day a row belongs to. Empty: the DataSet's only such column." />
          <${TextField} form=${form} k="details.time_zone" label="Time zone of the day" list="time-zones" onBlur=${validate}
            help="An IANA name: which midnight to midnight is the Specific Day. Default UTC." />
          <${SelectField} form=${form} k="details.engine" label="Engine" onBlur=${validate}
            options=${[['direct', 'direct: query Domo, stream to S3'], ['domo-export', 'domo-export: Domo writes to S3 itself']]}
            help="direct streams the rows through s3unload with the format options below; domo-export asks Domo's Export-to-S3 API to write a CSV." />
          <${SelectField} form=${form} k="details.duplicate_keys" label="Duplicate keys" onBlur=${validate}
            options=${[['keep', 'keep: write every row, count repeats'], ['first', 'first: keep the first row of a key'], ['fail', 'fail: stop the run at a repeat']]}
            help="What a repeated primary key does. A null in a key column always fails the run." />
          <${SelectField} form=${form} k="output.format" label="Output format" onBlur=${validate}
            options=${[['csv', 'CSV'], ['jsonl', 'JSON Lines'], ['parquet', 'Parquet']]} help="Direct engine only. Parquet keeps the column types (docs/output.md)." />
          <${SelectField} form=${form} k="output.compression" label="Compression" onBlur=${validate}
            options=${[['gzip', 'gzip (.gz)'], ['zstd', 'zstd (.zst)'], ['snappy', 'snappy (Parquet only)'], ['none', 'none']]} help="The extension is added to the file name; Parquet compresses its pages inside a .parquet file." />
          <${TextField} form=${form} k="output.max_object_size" label="Max object size" placeholder="1GiB" onBlur=${validate}
            help="Larger output is split into numbered objects (-0001, -0002, …). Empty: one object." />
          <${SelectField} form=${form} k="output.if_exists" label="If the object exists" onBlur=${validate}
            options=${[['overwrite', 'overwrite it'], ['fail', 'fail the run (create-only)'], ['unique', 'write under a unique name']]}
            help="overwrite replaces it; fail stops before moving data; unique writes <name>-<run id> instead." />
          <${CheckField} form=${form} k="output.manifest" label="Write a manifest"
            help="A Redshift MANIFEST VERBOSE file listing the objects, written last." />
        </div>
      </details>
    <//>

    <${Pane} n="3" title="Scheduling" lead="When the connector runs, what happens when a run fails, and how the metrics DataSet is updated.">
      <${SchedulePane} form=${form} onBlur=${validate} />
      <${CheckField} form=${form} k="enabled" label="Enabled"
        help="A disabled connector never runs on its schedule; Run now still works." />
      <h4>Retry</h4>
      <div class="grid retry">
        <${TextField} form=${form} k="retry.max_retries" label="Retry a failed run up to (times)" type="number" min="0" max="20" step="1" onBlur=${validate}
          help="0 to 20; 0 never retries. Each attempt is its own run in the history." />
        <${TextField} form=${form} k="retry.every_minutes" label="Every (minutes)" type="number" min="1" max="1440" step="1" onBlur=${validate}
          help="Minutes between a failed run and its retry, 1 to 1440." />
      </div>
      <${RadioField} form=${form} k="writeback.update_method" label="Update method"
        options=${[['APPEND', 'Append', 'each run adds its metrics row: the writeback DataSet keeps every run'],
                   ['REPLACE', 'Replace', 'each run replaces the rows: the writeback DataSet holds the last run only']]} />
    <//>

    <${Pane} n="4" title="Name & Describe" lead="Names for the connector and for its writeback DataSet of run metrics.">
      <div class="grid">
        <${TextField} form=${form} k="name" label="Connector name" required onBlur=${validate} placeholder="orders-daily"
          help="Names the connector, its runs and its history. Unique." />
        <${TextField} form=${form} k="writeback.name" label="Writeback DataSet name" onBlur=${validate}
          placeholder=${`s3unload metrics: ${v.name || '<connector name>'}`}
          help="The Domo DataSet that receives one metrics row per run. Empty: s3unload metrics: <connector name>." />
        <${TextArea} form=${form} k="writeback.description" label="Description" onBlur=${validate}
          help="Shown in Domo with the writeback DataSet." />
      </div>
    <//>

    <div class="actions">
      <button type="submit" class="primary" disabled=${saving}>${saving ? 'Saving…' : original ? 'Save changes' : 'Save connector'}</button>
      <button type="button" disabled=${saving || check?.busy} onClick=${runCheck}>${check?.busy ? 'Checking…' : 'Check against Domo'}</button>
      <button type="button" class="link" onClick=${() => navigate('#/connectors')}>Cancel</button>
    </div>
    <${CheckReport} check=${check} />
    <datalist id="time-zones">${timeZones().map((z) => html`<option value=${z} />`)}</datalist>
  </form>`;
}

// What the check found: the plan of the day (rows, window, first object key, ownership), or
// why a run would fail.
function CheckReport({check}) {
  if (!check || check.busy) return '';
  if (check.failed) return html`<${Banner} kind="error">Could not check: ${check.failed}<//>`;
  if (!check.ok) {
    return html`<div class="test-report failed" role="status" data-testid="check-report">
      <p class="verdict"><strong>✗ A run would fail</strong>: ${check.error?.message || ''}</p></div>`;
  }
  const p = check.plan;
  return html`<div class="test-report ok" role="status" data-testid="check-report">
    <p class="verdict"><strong>✓ Ready to run</strong>: ${p.rows.toLocaleString()} rows of “${p.input_name}” on ${p.day} (${p.time_zone})</p>
    <dl class="facts">
      <dt>window (UTC)</dt><dd>${p.window_start_utc} – ${p.window_end_utc}</dd>
      <dt>date column</dt><dd>${p.date_column}</dd>
      <dt>first object</dt><dd>${p.object_keys[0]}</dd>
      <dt>ownership</dt><dd>${p.ownership}</dd>
    </dl></div>`;
}

let zones = null;
function timeZones() {
  zones ||= (Intl.supportedValuesOf?.('timeZone') || [browserTimeZone()]).concat('UTC');
  return zones;
}
