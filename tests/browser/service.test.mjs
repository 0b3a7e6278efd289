// The web page of `s3unload serve`, driven in Chromium by Playwright (issue 6, item 9), against
// the real service, radosgw and the Domo emulator started by tests/browser/run (which passes
// their addresses in S3U_* variables). One scenario, step by step, as a user would:
// sign in from the printed link (and with the form), save a Domo and an AWS account after
// testing them, save an AWS role account and copy its trust policy, create a connector through
// its four panes (bad fields are shown beside their inputs and nothing is saved), run it, see
// the run succeed in the list and in the history, find the object in S3 with the aws cli, open
// a failed run's log, and take the screenshots of docs/web.md.
// Every wait is on a condition (Playwright's auto-waiting locators or `eventually`), never a
// fixed sleep. Exits 1 at the first failed step, naming it.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {chromium} from '../../web/node_modules/playwright-core/index.mjs';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through tests/browser/run`);
  return value;
};
const pageUrl = env('S3U_PAGE_URL');
const base = new URL(pageUrl).origin;
const token = /#token=(.+)$/.exec(pageUrl)[1];
const endpoint = env('S3U_ENDPOINT');
const bucket = env('S3U_BUCKET');
const domoUrl = env('S3U_DOMO_URL');
const dataset = env('S3U_DATASET');
const bigDataset = env('S3U_BIG_DATASET');
const screenshots = env('S3U_SCREENSHOTS');
const work = env('S3U_WORK');

// The Domo emulator's fault list (docs/emulator.md): replacing it releases every held request.
async function setFaults(faults) {
  const response = await fetch(`${new URL(domoUrl).origin}/__admin/faults`, {method: 'POST', body: JSON.stringify(faults)});
  assert.equal(response.status, 200, 'POST /__admin/faults');
}
// Holds the big dataset's next query page once `after` more have passed.
const holdBigQuery = (after) => setFaults([{route: 'query', dataset: bigDataset, action: 'hold', after, times: 1}]);

// The connector list fits a 1280-pixel-wide window: no horizontal scrolling, no cell past the
// table's edge.
async function assertListFits1280() {
  await page.setViewportSize({width: 1280, height: 800});
  await page.locator('table.connectors').waitFor();
  const widths = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    table: document.querySelector('table.connectors').getBoundingClientRect().right,
    cells: Math.max(...[...document.querySelectorAll('table.connectors td, table.connectors th')].map((c) => c.getBoundingClientRect().right)),
  }));
  assert.ok(widths.page <= 1280, `the page is ${widths.page} px wide: ${JSON.stringify(widths)}`);
  assert.ok(widths.table <= 1280 && widths.cells <= widths.table + 1, JSON.stringify(widths));
}

// Retries an async assertion every 100 ms until it passes or `timeout` ms have passed.
async function eventually(check, timeout = 20000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// The API as the test's own independent view of what was saved.
async function apiGet(route) {
  const response = await fetch(`${base}/api/v1/${route}`, {headers: {Authorization: `Bearer ${token}`}});
  assert.equal(response.status, 200, `GET ${route}`);
  return response.json();
}

function s3Keys() {
  const out = execFileSync('/usr/bin/aws', ['--endpoint-url', endpoint, 's3', 'ls', '--recursive', `s3://${bucket}/`], {encoding: 'utf8'});
  return out.split('\n').filter(Boolean).map((line) => line.trim().split(/\s+/).slice(3).join(' '));
}

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 's3unload-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: {width: 1280, height: 800},
  timezoneId: 'UTC',
  locale: 'en-GB',
});
context.setDefaultTimeout(15000);
const page = context.pages()[0] || await context.newPage();
const pageErrors = [];
page.on('pageerror', (err) => pageErrors.push(err.message));
const badAssets = [];  // the page's own files that did not load (a 404 leaves it blank)
page.on('response', (r) => {
  if (r.status() >= 400 && !new URL(r.url()).pathname.startsWith('/api/')) badAssets.push(`${r.url()} → ${r.status()}`);
});

let current = '';
let passed = 0;
async function step(name, body) {
  current = name;
  const started = Date.now();
  await body();
  passed++;
  console.log(`ok ${passed} - ${name} (${Date.now() - started} ms)`);
}

const row = (selector) => page.locator(selector);
const connectorRow = () => row('tr[data-connector="orders-daily"]');
const yesterday = new Date(Date.now() - 86400e3).toISOString().slice(0, 10);

try {
  await step('the printed link signs in and the token leaves the address bar', async () => {
    await page.goto(pageUrl);
    await page.getByRole('heading', {name: 'Connectors'}).waitFor();
    assert.ok(!page.url().includes('token'), `the address still shows the token: ${page.url()}`);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('s3unload.token')), token);
    await page.getByText('No connectors yet').waitFor();
  });

  await step('the sign-in form refuses a wrong token and accepts the right one', async () => {
    const other = await context.newPage();  // a new tab has its own (empty) sessionStorage
    await other.goto(base + '/');
    await other.getByLabel('API token').fill('s3u_wrong');
    await other.getByRole('button', {name: 'Sign in'}).click();
    await other.locator('#signin-token-error').getByText('refused').waitFor();
    await other.getByLabel('API token').fill(token);
    await other.getByRole('button', {name: 'Sign in'}).click();
    await other.getByRole('heading', {name: 'Connectors'}).waitFor();
    await other.close();
  });

  await step('the sign-in link pasted into a tab showing the sign-in form signs in', async () => {
    const other = await context.newPage();
    await other.goto(base + '/');
    await other.getByLabel('API token').waitFor();
    await other.evaluate((t) => { window.location.hash = `#token=${t}`; }, token);
    await other.getByRole('heading', {name: 'Connectors'}).waitFor();
    assert.ok(!other.url().includes('token'), `the address still shows the token: ${other.url()}`);
    await other.close();
  });

  await step('a Domo account: a wrong secret fails its test, the right one passes, it is saved', async () => {
    await page.getByRole('link', {name: 'Accounts'}).click();
    await page.getByRole('button', {name: 'New account'}).click();
    await page.getByLabel('Domo', {exact: true}).check();
    await page.getByLabel('Account name').fill('domo-emulator');
    await page.getByLabel('Domo Client ID').fill(env('S3U_DOMO_CLIENT_ID'));
    await page.getByLabel('Domo Client Secret').fill('not-the-secret');
    await page.getByLabel('Domo API URL').fill(domoUrl);
    await page.getByRole('button', {name: 'Test credentials'}).click();
    await page.locator('.test-report.failed').waitFor();
    await page.getByLabel('Domo Client Secret').fill(env('S3U_DOMO_CLIENT_SECRET'));
    await page.getByRole('button', {name: 'Test credentials'}).click();
    await page.locator('.test-report.ok').getByText('Test passed').waitFor();
    await page.getByRole('button', {name: 'Save account'}).click();
    await row('tr[data-account="domo-emulator"]').waitFor();
    const saved = (await apiGet('accounts')).accounts.find((a) => a.name === 'domo-emulator');
    assert.equal(saved.domo_api_url, domoUrl);
    assert.equal(JSON.stringify(saved).includes(env('S3U_DOMO_CLIENT_SECRET')), false, 'the API returned the secret');
  });

  await step('an AWS account: tested against radosgw (uploads work), saved', async () => {
    await page.getByRole('button', {name: 'New account'}).click();
    await page.getByLabel('AWS', {exact: true}).check();
    await page.getByLabel('Account name').fill('local-s3');
    await page.getByLabel('Access Key').fill(env('AWS_ACCESS_KEY_ID'));
    await page.getByLabel('Secret Key').fill(env('AWS_SECRET_ACCESS_KEY'));
    await page.getByLabel('Bucket').fill(bucket);
    await page.getByLabel('Region').fill('us-east-1');
    await page.getByLabel('Endpoint URL').fill(endpoint);
    await page.getByRole('button', {name: 'Test credentials'}).click();
    await page.locator('.test-report.ok').getByText('Test passed').waitFor();
    await page.getByRole('button', {name: 'Save account'}).click();
    await row('tr[data-account="local-s3"]').waitFor();
    await page.getByText('Saved AWS account "local-s3"').waitFor();
  });

  await step('a saved secret is shown masked and an empty field keeps it', async () => {
    await row('tr[data-account="local-s3"]').getByRole('button', {name: 'Edit'}).click();
    const secret = page.getByLabel('Secret Key');
    assert.equal(await secret.inputValue(), '');
    assert.match(await secret.getAttribute('placeholder'), /saved/);
    await page.getByRole('button', {name: 'Save changes'}).click();
    await page.getByText('Saved AWS account "local-s3"').waitFor();
    await row('tr[data-account="local-s3"]').getByRole('button', {name: 'Test'}).click();
    await page.locator('tr.detail-row .test-report.ok').waitFor();
  });

  await step('an AWS role account: bad fields beside their inputs, then saved with its trust policy to copy', async () => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], {origin: base});
    await page.getByRole('button', {name: 'New account'}).click();
    await page.getByLabel('AWS role', {exact: true}).check();
    await page.getByLabel('Account name').fill('local-role');
    await page.getByLabel('Role ARN').fill('arn:aws:iam::12:role/s3unload-writer');
    await page.getByLabel('Assume the role with').selectOption({label: `local-s3 — key ${env('AWS_ACCESS_KEY_ID')} at ${endpoint}`});
    await page.getByLabel('Bucket').fill(bucket);
    await page.getByLabel('Region').fill('us-east-1');
    await page.getByRole('button', {name: 'Save account'}).click();
    // A bad ARN is named; then the base's keys may not go to AWS, since they were saved for radosgw.
    const arnError = page.locator('#acc-new-domo-aws-role-role_arn-error');
    await arnError.getByText('12 digits').waitFor();
    assert.equal(await page.getByLabel('Role ARN').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('Role ARN').fill('arn:aws:iam:::role/s3unload-writer');
    await page.getByRole('button', {name: 'Save account'}).click();
    await page.locator('#acc-new-domo-aws-role-endpoint_url-error').getByText('its keys are only sent there').waitFor();
    await page.getByLabel('Endpoint URL').fill(endpoint);
    await page.getByRole('button', {name: 'Save account'}).click();

    // Saved: the form stays open on it, with the trust policy to paste into the role.
    await page.getByText('Saved AWS role account "local-role". Paste its trust policy into the role').waitFor();
    const saved = (await apiGet('accounts')).accounts.find((a) => a.name === 'local-role');
    assert.equal(saved.kind, 'role');
    assert.match(saved.external_id, /^[0-9a-f]{32}$/);
    const box = page.getByLabel('Trust policy (JSON)');
    const trust = JSON.parse(await box.inputValue());
    assert.deepEqual(trust, {Version: '2012-10-17', Statement: [{Effect: 'Allow',
      Principal: {AWS: 'arn:aws:iam::<YOUR-ACCOUNT-ID>:root'}, Action: 'sts:AssumeRole',
      Condition: {StringEquals: {'sts:ExternalId': saved.external_id}}}]});
    assert.equal(await box.isEditable(), false, 'the trust policy box is editable');
    await page.getByTestId('trust-policy').getByText('Placeholder').waitFor();
    await page.getByTestId('trust-policy').getByRole('button', {name: 'Copy'}).first().click();
    await page.getByTestId('trust-policy').getByText('Copied.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), await box.inputValue());
    await page.evaluate(() => document.activeElement?.blur());  // no focus ring in the picture
    await page.locator('form.account-form').screenshot({path: path.join(screenshots, 'role-account.png')});
    await page.getByRole('button', {name: 'Cancel'}).click();
    await row('tr[data-account="local-role"]').getByText('arn:aws:iam:::role/s3unload-writer').waitFor();
  });

  await step('the connector page: bad fields are shown beside their inputs and nothing is saved', async () => {
    await page.getByRole('link', {name: 'Connectors'}).click();
    await page.getByRole('button', {name: 'New connector'}).click();
    // allTextContents does not wait: the form renders after the click returns.
    await page.waitForFunction(() => document.querySelectorAll('section.pane h3').length === 4);
    const panes = await page.locator('section.pane h3').allTextContents();
    assert.deepEqual(panes.map((t) => t.replace(/^\d/, '')), ['Credentials', 'Details', 'Scheduling', 'Name & Describe']);
    await page.getByLabel('Domo account').selectOption({label: `domo-emulator — client ${env('S3U_DOMO_CLIENT_ID')}`});
    await page.getByLabel('AWS account').selectOption({label: `local-s3 — s3://${bucket} (us-east-1)`});
    await page.getByLabel('Input DataSet ID').fill(`https://browser.domo.com/datasources/${dataset}/details/overview`);
    await page.getByText(`DataSet ID read from the URL: ${dataset}`).waitFor();
    await page.getByLabel('Path').fill('orders/{nope}/');
    await page.getByLabel('Primary Key').fill('order_id');
    assert.equal(await page.getByLabel('Specific Day').inputValue(), '1');  // the default: yesterday
    await page.getByLabel('Specific Day').fill('-1');
    await page.getByLabel('Update mode').selectOption('daily');
    await page.getByLabel('At', {exact: true}).fill('02:30');
    await page.getByLabel('Time zone', {exact: true}).fill('Europe/Paris');
    await page.getByLabel('Retry a failed run up to (times)').fill('2');
    await page.getByLabel('Every (minutes)').fill('10');
    await page.getByLabel('Connector name').fill('orders-daily');
    await page.getByLabel('Writeback DataSet name').fill('orders-daily metrics');
    await page.getByLabel('Description').fill('One metrics row per unload of yesterday\'s orders.');
    await page.getByRole('button', {name: 'Save connector'}).click();

    await page.getByText('Not saved.').waitFor();
    for (const [input, words] of [['#con-details-path', 'nope'], ['#con-details-specific_day', '-1']]) {
      const error = page.locator(`${input}-error`);
      await error.waitFor();
      assert.ok((await error.textContent()).includes(words), `${input}: ${await error.textContent()}`);
      assert.equal(await page.locator(input).getAttribute('aria-invalid'), 'true');
      assert.ok((await page.locator(input).getAttribute('aria-describedby')).includes(`${input.slice(1)}-error`));
    }
    assert.equal(await page.locator('.field-error').count(), 2, 'only the two bad fields are marked');
    assert.deepEqual((await apiGet('connectors')).connectors, [], 'a connector was saved despite the errors');
  });

  await step('fixed fields: the schedule preview, then the connector is saved', async () => {
    await page.getByLabel('Path').fill('orders/{yyyy}/{mm}/{dd}/');
    await page.getByLabel('Specific Day').fill('1');
    await page.getByLabel('Specific Day').press('Tab');  // leaving a field checks the connector
    await eventually(async () => assert.equal(await page.locator('.field-error').count(), 0));
    await page.getByText('Not saved.').waitFor({state: 'detached'});
    const preview = page.getByTestId('schedule-preview');
    await preview.getByText('Europe/Paris').first().waitFor();
    await eventually(async () => assert.equal(await preview.locator('li').count(), 5));
    await page.getByRole('button', {name: 'Check against Domo'}).click();
    await page.getByTestId('check-report').getByText('Ready to run').waitFor();
    await page.getByTestId('check-report').getByText(`orders/${yesterday.replaceAll('-', '/')}/`).waitFor();
    await page.evaluate(() => document.activeElement?.blur());  // no focus ring in the picture
    await page.screenshot({path: path.join(screenshots, 'connector-page.png'), fullPage: true});
    await page.getByRole('button', {name: 'Save connector'}).click();
    await page.getByText('Created connector "orders-daily"').waitFor();
    const [saved] = (await apiGet('connectors')).connectors;
    assert.equal(saved.name, 'orders-daily');
    assert.equal(saved.settings.details.path, 'orders/{yyyy}/{mm}/{dd}/');
    assert.equal(saved.settings.details.specific_day, 1);  // typed in the field, so stored
    assert.deepEqual(saved.settings.details.primary_key, ['order_id']);
    assert.deepEqual(saved.schedule, {kind: 'daily', time: '02:30', time_zone: 'Europe/Paris'});
    assert.deepEqual(saved.retry, {every_minutes: 10, max_retries: 2});
    assert.equal(saved.settings.writeback.name, 'orders-daily metrics');
    await connectorRow().getByText('scheduled').waitFor();
    assert.ok(saved.next_run_ms > Date.now());
  });

  await step('an account in use cannot be deleted: the 409 says which connector or role uses it', async () => {
    await page.getByRole('link', {name: 'Accounts'}).click();
    await row('tr[data-account="domo-emulator"]').getByRole('button', {name: 'Delete'}).click();
    await row('tr[data-account="domo-emulator"]').getByRole('button', {name: 'Yes, delete'}).click();
    await page.locator('.banner.error').getByText('orders-daily').waitFor();
    await row('tr[data-account="local-s3"]').getByRole('button', {name: 'Delete'}).click();
    await row('tr[data-account="local-s3"]').getByRole('button', {name: 'Yes, delete'}).click();
    await page.locator('.banner.error').getByText('the base of AWS role accounts: local-role').waitFor();
    assert.equal((await apiGet('accounts')).accounts.length, 3);
  });

  await step('Run now: the run succeeds in the list with rows', async () => {
    await page.getByRole('link', {name: 'Connectors'}).click();
    await connectorRow().getByRole('button', {name: 'Run now'}).click();
    await connectorRow().getByTestId('last-run').getByText('succeeded').waitFor({timeout: 30000});
    const rows = Number((await connectorRow().getByTestId('last-rows').textContent()).replace(/,/g, ''));
    assert.ok(rows > 0, `rows: ${rows}`);
  });

  await step('an edited connector (a column the dataset lacks) fails its run: shown with its error', async () => {
    await connectorRow().getByRole('button', {name: 'Edit'}).click();
    await page.getByRole('heading', {name: 'Connector "orders-daily"'}).waitFor();
    const key = page.getByLabel('Primary Key');
    assert.equal(await key.inputValue(), 'order_id');
    assert.equal(await page.getByLabel('Path').inputValue(), 'orders/{yyyy}/{mm}/{dd}/');
    await key.fill('no_such_column');
    await page.getByRole('button', {name: 'Check against Domo'}).click();
    await page.getByTestId('check-report').getByText('A run would fail').waitFor();
    await page.locator('#con-details-primary_key-error').getByText('no_such_column').waitFor();
    await page.getByRole('button', {name: 'Save changes'}).click();
    await page.getByText('Saved connector "orders-daily"').waitFor();
    await connectorRow().getByRole('button', {name: 'Run now'}).click();
    await connectorRow().getByTestId('last-run').getByText('failed').waitFor({timeout: 30000});
    await connectorRow().getByTestId('last-run').getByText('no_such_column').waitFor();
    await assertListFits1280();  // with a long error in the row
    await connectorRow().getByRole('button', {name: 'Edit'}).click();
    await page.getByLabel('Primary Key').fill('order_id');
    await page.getByRole('button', {name: 'Save changes'}).click();
    await page.getByText('Saved connector "orders-daily"').waitFor();
  });

  await step('the history: a third run from its page; table and chart of all three', async () => {
    await connectorRow().getByRole('button', {name: 'History'}).click();
    await page.getByRole('heading', {name: 'Run history of orders-daily'}).waitFor();
    await page.getByRole('button', {name: 'Run now'}).click();
    const runs = page.locator('table.runs tbody tr');
    await eventually(async () => {
      const statuses = await page.locator('table.runs tbody .badge').allTextContents();
      assert.deepEqual(statuses, ['SUCCEEDED', 'FAILED', 'SUCCEEDED']);  // newest first
    }, 30000);
    const rows = await page.getByTestId('rows').allTextContents();
    assert.ok(Number(rows[0].replace(/,/g, '')) > 0 && Number(rows[2].replace(/,/g, '')) > 0, rows.join(' '));
    assert.equal(await runs.first().locator('td').nth(3).textContent(), yesterday);
    assert.match(await runs.nth(1).locator('td.error-cell').textContent(), /no_such_column/);
    assert.equal(await page.getByTestId('run-chart').locator('.bar').count(), 3 * 3);
    await page.screenshot({path: path.join(screenshots, 'run-history.png'), fullPage: true});
  });

  await step('the object is in S3 (listed with the aws cli) where the history says', async () => {
    const uris = await page.locator('table.runs td.uris .mono').allTextContents();
    assert.ok(uris.length >= 1);
    const [y, m, d] = yesterday.split('-');
    const keys = s3Keys();
    for (const uri of uris) {
      assert.ok(uri.startsWith(`s3://${bucket}/orders/${y}/${m}/${d}/${dataset}_${yesterday}`), uri);
      assert.ok(keys.includes(uri.slice(`s3://${bucket}/`.length)), `${uri} not in: ${keys.join(', ')}`);
    }
  });

  await step('a backfill of 3 days: a bad range named on its field, then one run per day to the end', async () => {
    const daysAgo = (n) => new Date(Date.now() - n * 86400e3).toISOString().slice(0, 10);
    const card = page.getByTestId('backfill');
    await card.getByLabel('From').fill(yesterday);
    await card.getByLabel('To').fill(daysAgo(3));
    await card.getByRole('button', {name: 'Start backfill'}).click();
    await page.locator('#bf-to-error').getByText(`must be on or after from (${yesterday})`).waitFor();
    await card.getByLabel('From').fill(daysAgo(3));
    await card.getByLabel('To').fill(yesterday);
    await card.getByRole('button', {name: 'Start backfill'}).click();
    const progress = page.getByTestId('backfill-progress');
    await progress.getByText(`${daysAgo(3)} to ${yesterday}`).waitFor();
    await progress.getByText('3 done, 0 failed, 0 left').waitFor({timeout: 60000});
    await progress.getByText('succeeded').waitFor();
    await eventually(async () => {
      const days = await page.locator('table.runs tbody tr td:nth-child(4)').allTextContents();
      assert.deepEqual(days.slice(0, 3), [yesterday, daysAgo(2), daysAgo(3)]);  // newest first
    });
    await page.screenshot({path: path.join(screenshots, 'backfill.png'), fullPage: true});
  });

  await step('notifications: a bad webhook URL named on its field, then saved and never shown back', async () => {
    const card = page.getByTestId('notifications');
    await card.getByLabel('Webhook', {exact: true}).check();
    await card.getByLabel('Webhook URL').fill('ftp://hooks.example.com/x');
    await card.getByRole('button', {name: 'Save notifications'}).click();
    await page.locator('#nt-webhook-url-error').getByText('expected a URL starting with https://').waitFor();
    await card.getByLabel('Webhook URL').fill('http://127.0.0.1:9/services/T0/B0/browser-secret');
    await card.getByLabel('Body').selectOption('slack');
    await card.getByRole('button', {name: 'Save notifications'}).click();
    await card.getByText('Notifications saved.').waitFor();
    assert.equal(await card.getByLabel('Webhook URL').inputValue(), '');
    assert.match(await card.getByLabel('Webhook URL').getAttribute('placeholder'), /saved \(127\.0\.0\.1:9\)/);
    assert.ok(!(await page.content()).includes('browser-secret'), 'the webhook URL is shown back');
  });

  const isoUtc = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
  await step('times are shown in the schedule\'s zone with their UTC ISO-8601 time on hover', async () => {
    const [saved] = (await apiGet('connectors')).connectors;
    const next = page.locator('.lead time');
    assert.match(await next.textContent(), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d Europe\/Paris$/);
    const shown = await next.textContent();
    assert.match(shown, / 02:30:00 Europe\/Paris$/);
    assert.equal(await next.getAttribute('title'), saved.next_run);
    const started = page.getByTestId('started').locator('time');
    assert.ok(await started.count() >= 5);
    for (const t of await started.all()) {
      assert.match(await t.textContent(), / Europe\/Paris$/);
      assert.match(await t.getAttribute('title'), isoUtc);
    }
    await page.getByRole('link', {name: 'Back to connectors'}).click();
    const nextRun = connectorRow().locator('td').nth(2).locator('time');
    assert.equal(await nextRun.textContent(), shown);
    assert.equal(await nextRun.getAttribute('title'), saved.next_run);
    const lastRun = connectorRow().getByTestId('last-run').locator('time');
    assert.match(await lastRun.textContent(), / ago$/);
    assert.match(await lastRun.getAttribute('title'), / Europe\/Paris · \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  await step('a running run shows its live progress: rows, rate and ETA, updated without reloading', async () => {
    // A second connector, on the big dataset, made through the API from the first one's settings.
    const [first] = (await apiGet('connectors')).connectors;
    const created = await fetch(`${base}/api/v1/connectors`, {
      method: 'POST', headers: {Authorization: `Bearer ${token}`, 'Content-Type': 'application/json'},
      body: JSON.stringify({
        name: 'events-daily', domo_account_id: first.domo_account_id, aws_account_id: first.aws_account_id,
        settings: {...first.settings,
          details: {...first.settings.details, input_dataset: bigDataset, path: 'events/{yyyy}/{mm}/{dd}/', primary_key: ['event_id']},
          writeback: {name: 'events-daily metrics'}},
        schedule: first.schedule, retry: {every_minutes: 10, max_retries: 0}}),
    });
    const answer = await created.text();
    assert.equal(created.status, 201, answer);
    const events = JSON.parse(answer);
    // The run's first data page passes (after the day's count), the second is held.
    await holdBigQuery(2);
    const eventsRow = row('tr[data-connector="events-daily"]');
    await eventsRow.getByRole('button', {name: 'Run now'}).click();
    await eventsRow.getByTestId('run-progress').getByText(/^20,000 of [\d,]+ rows \(\d+%\)$/).waitFor({timeout: 30000});
    await assertListFits1280();  // with a progress bar in a row
    await eventsRow.getByRole('button', {name: 'History'}).click();
    await page.getByRole('heading', {name: 'Run history of events-daily'}).waitFor();
    const bar = page.locator('.card').filter({hasText: 'Run in progress'});
    const text = bar.getByTestId('progress-text');
    await text.getByText(/^20,000 of [\d,]+ rows/).waitFor();
    const {running_run_id: runId} = await apiGet(`connectors/${events.id}`);
    const {progress} = await apiGet(`runs/${runId}`);
    assert.equal(progress.rows, 20000);
    assert.ok(progress.total_rows > 40000 && progress.total_rows <= 66000, `total_rows ${progress.total_rows}`);
    assert.equal(progress.objects, 1);
    // bytes may still be 0: the compressor's thread holds one block back (docs/api.md, "Runs").
    assert.ok(progress.bytes >= 0 && progress.rate_rows_per_s > 0, JSON.stringify(progress));
    assert.ok(Number.isInteger(progress.eta_s) && progress.eta_s > 0, JSON.stringify(progress));
    assert.match(progress.updated, isoUtc);
    const total = progress.total_rows.toLocaleString('en-US');
    assert.match(await text.textContent(), new RegExp(`^20,000 of ${total} rows \\(\\d+%\\) · .+ · 1 object · [\\d,]+ rows/s · .+/s · ETA .+$`));
    assert.equal(await bar.locator('progress').getAttribute('max'), String(progress.total_rows));
    // The next page: the bar moves on by itself (the page polls; it is not reloaded).
    const navigations = [];
    const onNavigation = (f) => navigations.push(f.url());
    page.on('framenavigated', onNavigation);
    await holdBigQuery(0);  // releases the held page and holds the one after it
    await text.getByText(`40,000 of ${total} rows`, {exact: false}).waitFor();
    assert.equal(await bar.locator('progress').getAttribute('value'), '40000');
    const {progress: later} = await apiGet(`runs/${runId}`);
    assert.equal(later.rows, 40000);
    assert.ok(later.bytes > progress.bytes && later.bytes_per_s > 0, JSON.stringify(later));
    page.off('framenavigated', onNavigation);
    assert.deepEqual(navigations, []);
    await page.screenshot({path: path.join(screenshots, 'run-progress.png'), fullPage: true});
    await setFaults([]);
    await bar.waitFor({state: 'detached', timeout: 30000});
    const [last] = (await apiGet(`connectors/${events.id}/runs`)).runs;
    assert.equal(last.status, 'SUCCEEDED');
    assert.equal(last.rows, progress.total_rows);
    assert.equal((await apiGet(`runs/${runId}`)).progress, null);
  });

  await step('a run\'s log: opened from its row, ISO-8601 times, markup in a line shown as text', async () => {
    // From the last step's page (another connector's history) to orders-daily's history.
    await page.getByRole('link', {name: 'Back to connectors'}).click();
    await connectorRow().getByRole('button', {name: 'History'}).click();
    await page.getByRole('heading', {name: 'Run history of orders-daily'}).waitFor();
    // A key column named like markup fails the run; its error ends the run's log.
    const hostile = '<script>alert(1)</script>';
    await page.getByRole('button', {name: 'Edit'}).click();
    await page.getByLabel('Primary Key').fill(hostile);
    await page.getByRole('button', {name: 'Save changes'}).click();
    await page.getByText('Saved connector "orders-daily"').waitFor();
    await connectorRow().getByRole('button', {name: 'History'}).click();
    await page.getByRole('heading', {name: 'Run history of orders-daily'}).waitFor();
    await page.getByRole('button', {name: 'Run now'}).click();
    const newest = page.locator('table.runs tbody tr').first();
    await newest.locator('.badge').getByText('FAILED').waitFor({timeout: 30000});
    const runId = await newest.getAttribute('data-run');
    await newest.getByRole('button', {name: 'Log'}).click();
    const log = page.getByTestId('run-log');
    await log.getByText('ended:').waitFor();
    const texts = await log.locator('.log-text').allTextContents();
    assert.match(texts[0], new RegExp(`^started: dataset ${dataset}, day \\d{4}-\\d\\d-\\d\\d`), texts.join('\n'));
    assert.ok(texts.at(-1).startsWith('ended: ') && texts.at(-1).includes(hostile), texts.at(-1));
    assert.equal((await log.locator('.log-level').allTextContents()).at(-1), 'WARN');
    assert.equal(await log.locator('script').count(), 0, 'markup in a log line became an element');
    for (const time of await log.locator('time').allTextContents()) {
      assert.match(time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    const shown = await log.textContent();
    for (const secret of [env('S3U_DOMO_CLIENT_SECRET'), env('AWS_SECRET_ACCESS_KEY')]) {
      assert.equal(shown.includes(secret), false, 'a secret is shown in the log');
    }
    const body = await apiGet(`runs/${runId}/log`);
    assert.deepEqual(body.lines.map((l) => l.text), texts);
    assert.equal(body.truncated, false);
    await page.evaluate(() => document.activeElement?.blur());
    await log.screenshot({path: path.join(screenshots, 'run-log.png')});
    // Closed again by its button.
    await newest.getByRole('button', {name: 'Log'}).click();
    await log.waitFor({state: 'detached'});
  });

  assert.deepEqual(pageErrors, [], 'JavaScript errors on the page');
  assert.deepEqual(badAssets, [], 'files of the page that did not load');
  console.log(`browser tests: all ${passed} steps passed`);
} catch (err) {
  const shot = path.join(work, 'failure.png');
  await page.screenshot({path: shot, fullPage: true}).catch(() => {});
  console.error(`not ok ${passed + 1} - ${current}\n${err.stack || err}`);
  if (pageErrors.length) console.error(`JavaScript errors on the page:\n${pageErrors.join('\n')}`);
  if (badAssets.length) console.error(`files of the page that did not load:\n${badAssets.join('\n')}`);
  console.error(`page: ${page.url()}; screenshot: ${shot} (S3UNLOAD_BROWSER_KEEP=1 keeps it)`);
  process.exitCode = 1;
} finally {
  await context.close();
  fs.rmSync(userDataDir, {recursive: true, force: true});
}
