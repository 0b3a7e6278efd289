// The page's only door to the service (docs/api.md): every call carries the API token, every
// failure becomes an ApiError with the API's code, subject and per-field problems. A 401 anywhere
// forgets the token and tells the app to show the sign-in form.

const kTokenKey = 's3unload.token';

// The token arrives once in the address's fragment (#token=s3u_…, printed by `s3unload serve`):
// keep it for this browser tab only and take it out of the address bar, so it is neither
// bookmarked nor left on screen. Returns whether the address carried a token.
export function adoptTokenFromUrl() {
  const match = /^#token=([^&]+)/.exec(window.location.hash);
  if (!match) return false;
  sessionStorage.setItem(kTokenKey, decodeURIComponent(match[1]));
  history.replaceState(null, '', window.location.pathname + window.location.search + '#/connectors');
  return true;
}

export const token = {
  get: () => sessionStorage.getItem(kTokenKey),
  set: (value) => sessionStorage.setItem(kTokenKey, value),
  clear: () => sessionStorage.removeItem(kTokenKey),
};

export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = error?.code || '';
    this.subject = error?.subject || '';
    this.fields = error?.fields || [];  // [{field, message}]
  }
}

// Listeners for "the token was refused" (the app goes back to the sign-in form).
const unauthenticatedListeners = new Set();
export function onUnauthenticated(listener) {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

// Calls /api/v1/<path>; resolves with the JSON body (null for 204), rejects with ApiError.
export async function api(method, path, body) {
  const headers = {Authorization: `Bearer ${token.get() || ''}`};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(`/api/v1/${path}`, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, {code: 'unavailable', message: `the service did not answer (${e.message}); is s3unload serve running?`});
  }
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* a non-JSON answer is reported below */ }
  if (response.ok) return json;
  if (response.status === 401) {
    token.clear();
    unauthenticatedListeners.forEach((l) => l());
  }
  throw new ApiError(response.status, json?.error || {message: `HTTP ${response.status}: ${text.slice(0, 200)}`});
}

// Problems keyed by field name ("details.path"), for showing each beside its input.
export function fieldErrors(error) {
  const out = {};
  for (const {field, message} of error?.fields || []) out[field] = out[field] ? `${out[field]}; ${message}` : message;
  return out;
}
