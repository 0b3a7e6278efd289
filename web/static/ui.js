// Form plumbing and small pieces shared by the tabs. A form's values are keyed by the API's own
// field names ("name", "details.path", "schedule.time", "bucket"), so the `fields` of a 400 map
// onto inputs one to one: each input's id is the form's prefix plus its key, and its problem is
// shown right under it (id "<input id>-error", referenced by aria-describedby).
import {html, useState, useRef} from '/vendor/htm-preact.js';
import * as fmt from './format.js';

// A number typed in a text or number input; anything else is sent as typed, so the service's
// message says what is accepted.
export function integerOrText(text) {
  return /^\s*-?\d+\s*$/.test(String(text)) ? Number(text) : text;
}

export function inputId(prefix, key) {
  return `${prefix}-${key.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

// values: {key: string|bool|array}; errors: {key: message} from the service. An error shows
// once its field was left (touched) or the form was submitted, and hides while it is edited.
// Live errors (the schedule preview's) show at once, whatever was touched.
export function useForm(prefix, initial) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState({});
  const [live, setLive] = useState({});
  const [touched, setTouched] = useState(() => new Set());
  const [submitted, setSubmitted] = useState(false);
  const edited = useRef(new Set());  // edited since the errors were last set
  // The values as of the last keystroke, for handlers that run before the next render (a blur
  // or a click right after typing).
  const latest = useRef(values);
  return {
    prefix, values, errors, submitted,
    current: () => latest.current,
    set(key, value) {
      edited.current.add(key);
      latest.current = {...latest.current, [key]: value};
      setValues(latest.current);
    },
    replace(next) {
      latest.current = next;
      setValues(next);
    },
    touch(key) { setTouched((t) => (t.has(key) ? t : new Set(t).add(key))); },
    setErrors(next, {submit = false} = {}) {
      edited.current = new Set();
      setErrors(next);
      if (submit) setSubmitted(true);
    },
    setLiveErrors(next) {
      setLive((old) => (JSON.stringify(old) === JSON.stringify(next) ? old : next));
    },
    error(key) {
      if (live[key]) return live[key];
      if (!errors[key] || edited.current.has(key)) return '';
      return submitted || touched.has(key) ? errors[key] : '';
    },
  };
}

function described(id, help, error) {
  const ids = [error && `${id}-error`, help && `${id}-help`].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

function FieldShell({id, label, help, error, required, children, wide}) {
  return html`<div class=${`field${error ? ' has-error' : ''}${wide ? ' wide' : ''}`}>
    <label for=${id}>${label}${required ? html`<span class="req" aria-hidden="true"> *</span>` : ''}</label>
    ${children}
    ${error ? html`<p class="field-error" id=${`${id}-error`}>${error}</p>` : ''}
    ${help ? html`<p class="help" id=${`${id}-help`}>${help}</p>` : ''}
  </div>`;
}

// A text, number, password, time or url input bound to form key k. onBlur runs after touch.
export function TextField({form, k, label, help, type = 'text', required, placeholder, list,
                           min, max, step, wide, onBlur, autocomplete, inputmode}) {
  const id = inputId(form.prefix, k);
  const error = form.error(k);
  return html`<${FieldShell} id=${id} label=${label} help=${help} error=${error} required=${required} wide=${wide}>
    <input id=${id} name=${k} type=${type} value=${form.values[k] ?? ''} placeholder=${placeholder}
      list=${list} min=${min} max=${max} step=${step} autocomplete=${autocomplete || 'off'}
      inputmode=${inputmode} spellcheck=${false}
      aria-invalid=${error ? 'true' : undefined} aria-required=${required ? 'true' : undefined}
      aria-describedby=${described(id, help, error)}
      onInput=${(e) => form.set(k, e.currentTarget.value)}
      onBlur=${() => { form.touch(k); onBlur?.(k); }} />
  <//>`;
}

export function TextArea({form, k, label, help, rows = 3, onBlur}) {
  const id = inputId(form.prefix, k);
  const error = form.error(k);
  return html`<${FieldShell} id=${id} label=${label} help=${help} error=${error} wide>
    <textarea id=${id} name=${k} rows=${rows} value=${form.values[k] ?? ''}
      aria-invalid=${error ? 'true' : undefined} aria-describedby=${described(id, help, error)}
      onInput=${(e) => form.set(k, e.currentTarget.value)}
      onBlur=${() => { form.touch(k); onBlur?.(k); }} />
  <//>`;
}

// options: [[value, text], …]
export function SelectField({form, k, label, help, options, required, onChange, onBlur, children}) {
  const id = inputId(form.prefix, k);
  const error = form.error(k);
  return html`<${FieldShell} id=${id} label=${label} help=${help} error=${error} required=${required}>
    <div class="with-action">
      <select id=${id} name=${k} value=${form.values[k] ?? ''}
        aria-invalid=${error ? 'true' : undefined} aria-required=${required ? 'true' : undefined}
        aria-describedby=${described(id, help, error)}
        onChange=${(e) => { form.set(k, e.currentTarget.value); form.touch(k); onChange?.(e.currentTarget.value); }}
        onBlur=${() => { form.touch(k); onBlur?.(k); }}>
        ${options.map(([value, text]) => html`<option value=${value}>${text}</option>`)}
      </select>
      ${children}
    </div>
  <//>`;
}

// A group of radio buttons: a fieldset whose legend is the label. options: [[value, text, help]].
export function RadioField({form, k, label, help, options, onChange}) {
  const id = inputId(form.prefix, k);
  const error = form.error(k);
  return html`<fieldset class=${`field radios${error ? ' has-error' : ''}`} id=${id}
      aria-describedby=${described(id, help, error)}>
    <legend>${label}</legend>
    ${options.map(([value, text, optionHelp]) => html`<div class="choice">
      <input type="radio" id=${`${id}-${value}`} name=${id} value=${value} checked=${form.values[k] === value}
        aria-describedby=${optionHelp ? `${id}-${value}-help` : undefined}
        onChange=${() => { form.set(k, value); form.touch(k); onChange?.(value); }} />
      <div><label for=${`${id}-${value}`}>${text}</label>
        ${optionHelp ? html`<span class="choice-help" id=${`${id}-${value}-help`}>${optionHelp}</span>` : ''}</div>
    </div>`)}
    ${error ? html`<p class="field-error" id=${`${id}-error`}>${error}</p>` : ''}
    ${help ? html`<p class="help" id=${`${id}-help`}>${help}</p>` : ''}
  </fieldset>`;
}

export function CheckField({form, k, label, help, onChange}) {
  const id = inputId(form.prefix, k);
  const error = form.error(k);
  return html`<div class=${`field check${error ? ' has-error' : ''}`}>
    <label class="choice" for=${id}>
      <input id=${id} type="checkbox" checked=${!!form.values[k]}
        aria-describedby=${described(id, help, error)}
        onChange=${(e) => { form.set(k, e.currentTarget.checked); form.touch(k); onChange?.(e.currentTarget.checked); }} />
      <span>${label}</span>
    </label>
    ${error ? html`<p class="field-error" id=${`${id}-error`}>${error}</p>` : ''}
    ${help ? html`<p class="help" id=${`${id}-help`}>${help}</p>` : ''}
  </div>`;
}

// A banner: kind is "error", "ok" or "info". Errors are announced to screen readers.
export function Banner({kind = 'info', children, onClose}) {
  return html`<div class=${`banner ${kind}`} role=${kind === 'error' ? 'alert' : 'status'}>
    <div class="banner-text">${children}</div>
    ${onClose ? html`<button type="button" class="link" aria-label="Dismiss" onClick=${onClose}>×</button>` : ''}
  </div>`;
}

// Status of a run or state of a connector, as a coloured word.
export function Badge({value}) {
  const v = String(value || '').toLowerCase();
  return html`<span class=${`badge badge-${v.replace(/[^a-z_]/g, '')}`}>${String(value || '—').replace('_', ' ')}</span>`;
}

// A destructive button that asks "Sure?" in place before acting (no modal dialog).
export function ConfirmButton({label, question, onConfirm, disabled}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return html`<button type="button" class="danger" disabled=${disabled} onClick=${() => setAsking(true)}>${label}</button>`;
  }
  return html`<span class="confirm" role="group" aria-label=${question}>
    <span>${question}</span>
    <button type="button" class="danger" onClick=${() => { setAsking(false); onConfirm(); }}>Yes, ${label.toLowerCase()}</button>
    <button type="button" onClick=${() => setAsking(false)}>No</button>
  </span>`;
}

// An instant as the wall-clock time of `zone` (the schedule's) with the zone's name, its UTC
// ISO-8601 form on hover. `relative`: the text is "in 5 min" / "3 h ago", the hover gives both.
export function When({ms, zone, relative = false}) {
  if (ms === null || ms === undefined) return '—';
  const iso = fmt.utc(ms), text = fmt.zoned(ms, zone);
  return relative
    ? html`<time datetime=${iso} title=${`${text} · ${iso}`}>${fmt.relative(ms)}</time>`
    : html`<time datetime=${iso} title=${iso}>${text}</time>`;
}
