// How numbers, sizes, durations and times are written on the page.

export function count(n) {
  return n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US');
}

export function bytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(n), i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

export function duration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60), rs = Math.round(s % 60);
  if (m < 60) return `${m} min ${rs} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

// "2026-12-05T01:30:05Z": the instant in UTC, ISO-8601 to the second (every time's hover text).
export function utc(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// The IANA zone when the browser knows it, else UTC (the service names an unknown zone beside
// its field).
export function knownZone(timeZone) {
  try {
    new Intl.DateTimeFormat('en-US', {timeZone: timeZone || 'UTC'});
    return timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

// "2026-12-05 02:30:05": the wall-clock time of the IANA zone (the schedule's).
export function wall(ms, timeZone) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone: knownZone(timeZone), year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

// "2026-12-05 02:30:05 Europe/Paris": a time is never shown without its zone.
export function zoned(ms, timeZone) {
  if (ms === null || ms === undefined) return '—';
  return `${wall(ms, timeZone)} ${knownZone(timeZone)}`;
}

// "in 5 min", "3 h ago": beside absolute times in lists.
export function relative(ms, now = Date.now()) {
  if (ms === null || ms === undefined) return '';
  const d = ms - now, a = Math.abs(d);
  const text = a < 45e3 ? `${Math.round(a / 1000)} s` : a < 90 * 60e3 ? `${Math.round(a / 60e3)} min`
    : a < 36 * 3600e3 ? `${Math.round(a / 3600e3)} h` : `${Math.round(a / 86400e3)} d`;
  return d >= 0 ? `in ${text}` : `${text} ago`;
}

// An instant as the wall-clock time of a given IANA zone: "Mon 2024-11-25 02:30".
export function inZone(iso, timeZone) {
  try {
    const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
      timeZone, weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
    return `${parts.weekday} ${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
  } catch {
    return iso;  // an unknown zone: the service reports it beside the field
  }
}
