// The s3unload web page: sign-in, then the Connectors and Accounts tabs, the connector page and
// a connector's run history. Routes live in the fragment (#/connectors, #/connectors/new,
// #/connectors/<id>, #/connectors/<id>/history, #/accounts), so reload and back work.
// It talks to the service only through docs/api.md (api.js).
import {html, render, useState, useEffect} from '/vendor/htm-preact.js';
import {api, token, adoptTokenFromUrl, onUnauthenticated} from './api.js';
import {Banner} from './ui.js';
import {AccountsTab} from './accounts.js';
import {ConnectorsTab} from './connectors.js';
import {ConnectorEditor} from './editor.js';
import {RunHistory} from './history.js';

function useRoute() {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const on = () => setHash(window.location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  return parts.length ? parts : ['connectors'];
}

function navigate(to) {
  window.location.hash = to;
}

function SignIn({notice, onSignedIn}) {
  const [value, setValue] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    token.set(value.trim());
    try {
      await api('GET', 'accounts');
      onSignedIn();
    } catch (err) {
      setError(err.status === 401 ? 'The service refused this token. Use the token printed by s3unload serve on its first start.' : err.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="signin">
    <form class="card" onSubmit=${submit} aria-labelledby="signin-title">
      <h1 id="signin-title">s3unload</h1>
      <p class="lead">Sign in with the service's API token.</p>
      ${notice ? html`<${Banner} kind="info">${notice}<//>` : ''}
      <div class=${`field${error ? ' has-error' : ''}`}>
        <label for="signin-token">API token</label>
        <input id="signin-token" type="password" autocomplete="current-password" value=${value} required
          placeholder="s3u_…" aria-invalid=${error ? 'true' : undefined}
          aria-describedby=${error ? 'signin-token-error signin-token-help' : 'signin-token-help'}
          onInput=${(e) => setValue(e.currentTarget.value)} />
        ${error ? html`<p class="field-error" id="signin-token-error">${error}</p>` : ''}
        <p class="help" id="signin-token-help">s3unload serve prints it once, on its first start, with a link that signs in directly. <code>s3unload serve --new-token</code> replaces a lost one.</p>
      </div>
      <div class="actions"><button type="submit" class="primary" disabled=${busy || !value.trim()}>Sign in</button></div>
    </form>
  </main>`;
}

function App() {
  const [signedIn, setSignedIn] = useState(!!token.get());
  const [notice, setNotice] = useState('');
  const [flash, setFlash] = useState(null);
  const [version, setVersion] = useState('');
  const route = useRoute();
  const onList = route[0] === 'connectors' && !route[1];
  useEffect(() => { if (!onList) setFlash(null); }, [onList]);  // a message is for the next list only
  useEffect(() => onUnauthenticated(() => {
    setNotice('The service did not accept the saved token; sign in again.');
    setSignedIn(false);
  }), []);
  // The sign-in link pasted into a tab that is already open changes only the fragment: the
  // page is not reloaded, so the token is adopted here.
  useEffect(() => {
    const on = () => { if (adoptTokenFromUrl()) { setNotice(''); setSignedIn(true); } };
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  useEffect(() => {
    fetch('/api/v1/health').then((r) => r.json()).then((h) => setVersion(h.version || '')).catch(() => {});
  }, []);

  if (!signedIn) return html`<${SignIn} notice=${notice} onSignedIn=${() => { setNotice(''); setSignedIn(true); }} />`;

  const [tab, id, sub] = route;
  let view;
  if (tab === 'accounts') {
    view = html`<${AccountsTab} />`;
  } else if (id === 'new' || (id && !sub)) {
    view = html`<${ConnectorEditor} key=${id} id=${id === 'new' ? null : id} navigate=${navigate}
      onSaved=${(c, created) => { setFlash({kind: 'ok', text: `${created ? 'Created' : 'Saved'} connector "${c.name}".`}); navigate('#/connectors'); }} />`;
  } else if (id && sub === 'history') {
    view = html`<${RunHistory} key=${id} id=${id} navigate=${navigate} />`;
  } else {
    view = html`<${ConnectorsTab} navigate=${navigate} flash=${flash} clearFlash=${() => setFlash(null)} />`;
  }
  const signOut = () => { token.clear(); setNotice('Signed out.'); setSignedIn(false); };
  return html`<header class="top">
      <div class="brand">s3unload <span class="sub">Domo → S3</span></div>
      <nav aria-label="Main">
        <a href="#/connectors" aria-current=${tab !== 'accounts' ? 'page' : undefined}>Connectors</a>
        <a href="#/accounts" aria-current=${tab === 'accounts' ? 'page' : undefined}>Accounts</a>
      </nav>
      <button type="button" class="link" onClick=${signOut}>Sign out</button>
    </header>
    <main class="content">${view}</main>
    <footer class="foot">s3unload ${version}</footer>`;
}

adoptTokenFromUrl();
const root = document.getElementById('app');
root.textContent = '';  // the "Loading…" placeholder
render(html`<${App} />`, root);
