// The Scheduling pane's schedule: the form's flat values <-> the API's schedule object
// (docs/schedules.md), and the live preview of the next runs (POST /schedules/preview).
import {html, useState, useEffect} from '/vendor/htm-preact.js';
import {api, fieldErrors} from './api.js';
import {TextField, SelectField, inputId, integerOrText} from './ui.js';
import * as fmt from './format.js';

export const kWeekdays = [['mon', 'Mon'], ['tue', 'Tue'], ['wed', 'Wed'], ['thu', 'Thu'],
  ['fri', 'Fri'], ['sat', 'Sat'], ['sun', 'Sun']];

const kKinds = [
  ['manual', 'Manually (only Run now)'],
  ['every_minutes', 'Every 15 or 30 minutes'],
  ['every_hours', 'Every N hours'],
  ['daily', 'Daily'],
  ['weekly', 'Weekly'],
  ['monthly', 'Monthly'],
  ['cron', 'Advanced (cron)'],
];

export function browserTimeZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

// Form values ("schedule.kind", "schedule.time", …) of an API schedule (null: a new connector).
export function scheduleValues(schedule) {
  const s = schedule || {kind: 'daily', time: '02:30', time_zone: browserTimeZone()};
  return {
    'schedule.kind': s.kind || 'manual',
    'schedule.minutes': String(s.minutes ?? 15),
    'schedule.hours': String(s.hours ?? 6),
    'schedule.minute': String(s.minute ?? 0),
    'schedule.time': s.time ?? '02:30',
    'schedule.days': s.days ?? ['mon'],
    'schedule.day': String(s.day ?? 1),
    'schedule.cron': s.expression ?? '30 2 * * 1-5',
    'schedule.time_zone': s.time_zone ?? browserTimeZone(),
  };
}

// The form keys each kind shows; they are also the field names of the service's errors
// ("schedule.cron" names the cron's "expression").
const kKindFields = {
  manual: [],
  every_minutes: ['schedule.minutes'],
  every_hours: ['schedule.hours', 'schedule.minute'],
  daily: ['schedule.time'],
  weekly: ['schedule.days', 'schedule.time'],
  monthly: ['schedule.day', 'schedule.time'],
  cron: ['schedule.cron'],
};
export function scheduleFields(kind) {
  return ['schedule.kind', ...(kKindFields[kind] || []), ...(kind === 'manual' ? [] : ['schedule.time_zone'])];
}


// The API schedule of the form values: only the fields its kind takes (docs/schedules.md).
export function scheduleFromValues(v) {
  const kind = v['schedule.kind'];
  const s = {kind};
  for (const key of scheduleFields(kind).slice(1)) {
    const field = key.slice('schedule.'.length);
    const value = v[key];
    if (field === 'cron') s.expression = value.trim();
    else if (['minutes', 'hours', 'minute', 'day'].includes(field)) s[field] = integerOrText(value);
    else s[field] = typeof value === 'string' ? value.trim() : value;
  }
  return s;
}

// Weekday checkboxes for a weekly schedule.
function DaysField({form}) {
  const k = 'schedule.days';
  const id = inputId(form.prefix, k);
  const days = form.values[k] || [];
  const error = form.error(k);
  const toggle = (day, on) => {
    const now = form.current()[k] || [];
    form.set(k, kWeekdays.map(([d]) => d).filter((d) => (d === day ? on : now.includes(d))));
  };
  return html`<fieldset class=${`field days${error ? ' has-error' : ''}`} id=${id}
      aria-describedby=${error ? `${id}-error ${id}-help` : `${id}-help`}>
    <legend>On these days</legend>
    <div class="day-boxes">${kWeekdays.map(([day, text]) => html`<label class="choice">
      <input type="checkbox" checked=${days.includes(day)} onChange=${(e) => { toggle(day, e.currentTarget.checked); form.touch(k); }} />
      <span>${text}</span></label>`)}</div>
    ${error ? html`<p class="field-error" id=${`${id}-error`}>${error}</p>` : ''}
    <p class="help" id=${`${id}-help`}>One or more days of the week.</p>
  </fieldset>`;
}

// The schedule fields and, beside them, the service's reading of the schedule and its next runs.
export function SchedulePane({form, onBlur}) {
  const kind = form.values['schedule.kind'];
  const schedule = scheduleFromValues(form.values);
  const key = JSON.stringify(schedule);
  const [preview, setPreview] = useState(null);
  useEffect(() => {
    let live = true;
    const timer = setTimeout(async () => {
      try {
        const result = await api('POST', 'schedules/preview', schedule);
        if (!live) return;
        setPreview(result);
        form.setLiveErrors({});
      } catch (err) {
        if (!live) return;
        // Problems go beside their fields; the preview says there are none to show.
        const errors = fieldErrors(err);
        const shown = scheduleFields(schedule.kind).filter((k) => errors[k]);
        form.setLiveErrors(Object.fromEntries(shown.map((k) => [k, errors[k]])));
        const rest = Object.keys(errors).filter((k) => !shown.includes(k)).map((k) => errors[k]);
        setPreview({error: rest.length ? rest.join('; ') : err.fields.length ? 'No next runs: see the marked field.' : err.message});
      }
    }, 250);
    return () => { live = false; clearTimeout(timer); };
  }, [key]);
  const zone = form.values['schedule.time_zone'] || 'UTC';
  return html`<div class="schedule">
    <div class="schedule-fields">
      <${SelectField} form=${form} k="schedule.kind" label="Update mode" options=${kKinds} onBlur=${onBlur}
        help="How often the connector runs on its own. A connector can always be run now from the list." />
      ${kind === 'every_minutes' ? html`<${SelectField} form=${form} k="schedule.minutes" label="Every"
          options=${[['15', '15 minutes'], ['30', '30 minutes']]} onBlur=${onBlur} />` : ''}
      ${kind === 'every_hours' ? html`<${TextField} form=${form} k="schedule.hours" label="Every N hours"
          type="number" min="1" max="23" step="1" onBlur=${onBlur} help="1 to 23, counted from midnight: 6 runs at 00, 06, 12 and 18." />
        <${TextField} form=${form} k="schedule.minute" label="Minutes past the hour"
          type="number" min="0" max="59" step="1" onBlur=${onBlur} help="0 to 59." />` : ''}
      ${kind === 'weekly' ? html`<${DaysField} form=${form} />` : ''}
      ${kind === 'monthly' ? html`<${TextField} form=${form} k="schedule.day" label="Day of the month"
          type="number" min="1" max="31" step="1" onBlur=${onBlur}
          help="1 to 31; in a shorter month a day past its end runs on the last day." />` : ''}
      ${['daily', 'weekly', 'monthly'].includes(kind) ? html`<${TextField} form=${form} k="schedule.time"
          label="At" type="time" onBlur=${onBlur} help="Hour and minute, in the time zone of the schedule." />` : ''}
      ${kind === 'cron' ? html`<${TextField} form=${form} k="schedule.cron" label="Cron expression"
          onBlur=${onBlur} placeholder="30 2 * * 1-5"
          help="Five fields: minute hour day-of-month month day-of-week, e.g. 30 2 * * 1-5 (02:30 on weekdays)." />` : ''}
      ${kind !== 'manual' ? html`<${TextField} form=${form} k="schedule.time_zone" label="Time zone"
          list="time-zones" onBlur=${onBlur}
          help="An IANA name such as Europe/Paris or America/New_York; runs follow its daylight-saving changes." />` : ''}
    </div>
    <div class="preview" aria-live="polite" data-testid="schedule-preview">
      <h4>Next runs${kind !== 'manual' ? html` <span class="sub">(${zone})</span>` : ''}</h4>
      ${!preview ? html`<p class="sub">…</p>`
        : preview.error ? html`<p class="error-text">${preview.error}</p>`
        : html`<p><strong>${preview.text}</strong></p>
          ${preview.next_runs?.length ? html`<ol>${preview.next_runs.map((t) => html`<li><time datetime=${t} title=${t}>${fmt.inZone(t, zone)}</time></li>`)}</ol>`
            : html`<p class="sub">No scheduled runs: use Run now in the list.</p>`}`}
    </div>
  </div>`;
}
