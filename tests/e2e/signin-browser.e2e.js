'use strict';
/**
 * Browser end-to-end test of the paste-back sign-in (issue 10), for tenants whose Conditional Access
 * blocks the device code flow: on Settings → Dataverse Connection the administrator presses "Set up
 * automatically", then "Sign in in the browser instead"; opens the sign-in link (a second tab, the
 * sandbox's /{tenant}/oauth2/v2.0/authorize page), signs in as admin@contoso.onmicrosoft.com; the
 * browser is sent to http://localhost/?code=…&state=…, where nothing listens (the test refuses the
 * connection, as an unreachable localhost does, and reads the address from the navigation); the
 * administrator first pastes an address of another sign-in (refused with its fix), then the right
 * one, and setup finishes with the connection saved; "Undo setup" signs in the same way and removes
 * what setup created. No device code is ever redeemed, the sandbox saw the PKCE code redemption,
 * and neither the code nor a secret reaches a REST response.
 *
 * Run by tests/e2e/run.sh (scenario browser-sign-in) with WPT_URL, WPCRM_SANDBOX_URL,
 * NODE_EXTRA_CA_CERTS, E2E_ARTIFACTS; prints one line per stage and "e2e browser-sign-in: N passed,
 * N failed"; exit status 1 on any failure.
 */

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const tls = require('node:tls');
const { chromium } = require('playwright-core');

const WP = need('WPT_URL').replace(/\/$/, '');
const SANDBOX = need('WPCRM_SANDBOX_URL').replace(/\/$/, '');
const ARTIFACTS = process.env.E2E_ARTIFACTS || path.join(__dirname, 'artifacts', 'browser-sign-in');
const SEED = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'seed', 'default.json'), 'utf8'));
const MS_ADMIN = SEED.users.find((u) => u.upn.startsWith('admin@'));
const ENVIRONMENT = SEED.environments[0].name;
const SECRET_SHAPE = /[A-Za-z0-9]{3}[0-9]Q~[A-Za-z0-9_.~-]{30,}/;
const TIMEOUT = 60_000;

function need(name) {
  if (!process.env[name]) {
    console.error(`e2e: ${name} is not set (run tests/e2e/run.sh)`);
    process.exit(2);
  }
  return process.env[name];
}

const results = [];
let shots = 0;
let browser;
let page; // WordPress
let signIn; // the Microsoft sign-in tab
const consoleLog = [];
const pluginErrors = [];
const restBodies = [];

async function stage(name, fn) {
  if (results.some((r) => r.status === 'failed')) {
    results.push({ name, status: 'skipped' });
    console.log(`SKIP  ${name}`);
    return;
  }
  const started = Date.now();
  try {
    await fn();
    results.push({ name, status: 'passed' });
    console.log(`PASS  ${name} (${Date.now() - started} ms)`);
  } catch (err) {
    results.push({ name, status: 'failed' });
    console.log(`FAIL  ${name}\n      ${String((err && err.stack) || err).split('\n').join('\n      ')}`);
    for (const [p, label] of [[page, 'wordpress'], [signIn, 'signin']]) {
      if (p && !p.isClosed()) {
        await p.screenshot({ path: path.join(ARTIFACTS, `FAILED-${results.length}-${label}.png`), fullPage: true }).catch(() => {});
      }
    }
  }
}

function check(ok, message) {
  if (!ok) {
    throw new Error(message);
  }
}

async function shot(p, name) {
  shots += 1;
  await p.screenshot({ path: path.join(ARTIFACTS, `${String(shots).padStart(2, '0')}-${name}.png`), fullPage: true });
}

async function control(method, route, body) {
  const res = await fetch(`${SANDBOX}/_sandbox/${route}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  check(res.ok, `sandbox ${method} /_sandbox/${route} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** The sandbox certificate's key pin, read over TLS verified against its CA (as connection.e2e.js). */
function sandboxKeyPin() {
  const { hostname, port } = new URL(SANDBOX);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: hostname, port: Number(port) }, () => {
      const cert = new crypto.X509Certificate(socket.getPeerCertificate().raw);
      socket.end();
      resolve(crypto.createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('base64'));
    });
    socket.on('error', reject);
  });
}

function watch(p, label) {
  p.on('console', (msg) => {
    const line = `[${label}] console.${msg.type()}: ${msg.text()}`;
    consoleLog.push(line);
    if (msg.type() === 'error' && /wpcrm/.test(`${msg.text()} ${(msg.location() || {}).url || ''}`)) {
      pluginErrors.push(line);
    }
  });
  p.on('pageerror', (err) => {
    consoleLog.push(`[${label}] pageerror: ${err.message}`);
    if (label === 'wordpress' && !/\/wp-includes\/|\/wp-admin\/js\//.test(err.stack || '')) {
      pluginErrors.push(err.message);
    }
  });
  p.on('response', async (res) => {
    if (res.url().includes('/wp-json/wpcrm/v1/') || res.url().includes('rest_route=%2Fwpcrm%2Fv1')) {
      restBodies.push({ url: res.url(), body: await res.text().catch(() => '') });
    }
  });
}

const panel = () => page.locator('#wpcrm-connect-panel');

async function waitForState(states) {
  await page.waitForFunction((w) => {
    const s = document.getElementById('wpcrm-connect-panel').getAttribute('data-wpcrm-state');
    return w.includes(s) || s === 'failed';
  }, states, { timeout: TIMEOUT, polling: 100 });
  const state = await panel().getAttribute('data-wpcrm-state');
  check(states.includes(state), `panel is "${state}": ${(await page.locator('#wpcrm-error').innerText().catch(() => '')).trim()}`);
}

/** Opens the sign-in link in a new tab, signs in there, and returns the address the browser was sent to. */
async function signInInTheBrowser(name) {
  const link = page.locator('#wpcrm-authorize-link');
  await link.waitFor({ state: 'visible' });
  const href = await link.getAttribute('href');
  check(href.startsWith(`${SANDBOX}/organizations/oauth2/v2.0/authorize?`), `the sign-in link is ${href}`);
  check(/code_challenge_method=S256/.test(href) && /redirect_uri=http%3A%2F%2Flocalhost/.test(href), `no PKCE or loopback redirect in ${href}`);
  [signIn] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
  watch(signIn, 'signin');
  await signIn.locator('#email').waitFor();
  await signIn.locator('#email').fill(MS_ADMIN.upn);
  await signIn.locator('#password').fill(MS_ADMIN.password);
  await shot(signIn, `${name}-microsoft-sign-in`);
  // The redirect goes to http://localhost, where nothing listens: read the address from the request.
  const [request] = await Promise.all([
    signIn.waitForRequest((r) => r.url().startsWith('http://localhost/'), { timeout: TIMEOUT }),
    signIn.locator('#signin').click(),
  ]);
  await signIn.waitForLoadState().catch(() => {});
  await shot(signIn, `${name}-unreachable-localhost`);
  await signIn.close();
  return request.url();
}

async function paste(address) {
  await page.locator('#wpcrm-signin-response').fill(address);
  await page.locator('#wpcrm-signin-response-submit').click();
}

async function main() {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await control('POST', 'reset');
  await control('DELETE', 'requests');
  browser = await chromium.launch({
    executablePath: process.env.E2E_CHROMIUM || '/usr/bin/chromium',
    headless: process.env.E2E_HEADED !== '1',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-quic',
      `--ignore-certificate-errors-spki-list=${await sandboxKeyPin()}`],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  context.setDefaultTimeout(TIMEOUT);
  await context.route((url) => !['127.0.0.1', 'localhost'].includes(url.hostname), (route) => route.abort('blockedbyclient'));
  // http://localhost (port 80) is the loopback redirect: unreachable, as on an admin's machine.
  await context.route((url) => url.protocol === 'http:' && url.hostname === 'localhost' && !url.port,
    (route) => route.abort('connectionrefused'));
  page = await context.newPage();
  watch(page, 'wordpress');

  await stage('log in and open Settings → Dataverse Connection', async () => {
    await page.goto(`${WP}/wp-login.php`);
    await page.locator('#user_login').fill(process.env.WPT_ADMIN_USER || 'admin');
    await page.locator('#user_pass').fill(process.env.WPT_ADMIN_PASSWORD || 'wpcrm-admin');
    await Promise.all([page.waitForURL(/\/wp-admin\/?/), page.locator('#wp-submit').click()]);
    await page.goto(`${WP}/wp-admin/options-general.php?page=wpcrm-connect`);
    await panel().waitFor();
    await page.locator('#wpcrm-instance-url').fill(`${SANDBOX}/${ENVIRONMENT}`);
    await page.locator('#wpcrm-tables').fill('contact: read');
  });

  await stage('"Set up automatically" asks for a device code, "Sign in in the browser instead" for a link', async () => {
    await page.locator('#wpcrm-setup-button').click();
    await waitForState(['signing-in']);
    check(await page.locator('#wpcrm-signin').getAttribute('data-wpcrm-sign-in-method') === 'device_code', 'not a device code first');
    await page.locator('#wpcrm-signin-browser').click();
    await page.waitForFunction(() => document.getElementById('wpcrm-signin').getAttribute('data-wpcrm-sign-in-method') === 'browser');
    check(await page.locator('#wpcrm-signin-paste').isVisible(), 'no paste field');
    check(!(await page.locator('#wpcrm-signin-device').isVisible()), 'the device code is still shown');
    await shot(page, 'browser-sign-in-offered');
  });

  let address;
  await stage('an address of another sign-in is refused with its fix', async () => {
    address = await signInInTheBrowser('first');
    const url = new URL(address);
    check(url.searchParams.get('code') && url.searchParams.get('state'), `no code or state in ${address}`);
    url.searchParams.set('state', 'from-another-sign-in');
    await paste(url.toString());
    await waitForState(['failed']).catch(() => {});
    check(await page.locator('#wpcrm-error').getAttribute('data-wpcrm-error-code') === 'sign_in_state_mismatch', 'not refused as another sign-in');
    check(/How to fix/.test(await page.locator('#wpcrm-error').innerText()), 'no fix shown');
    await shot(page, 'wrong-state-refused');
  });

  await stage('"Set up automatically" again shows the same link; the right address finishes setup', async () => {
    await page.locator('#wpcrm-setup-button').click();
    await waitForState(['signing-in']);
    check(await page.locator('#wpcrm-signin').getAttribute('data-wpcrm-sign-in-method') === 'browser', 'the browser sign-in was not kept');
    await paste(address);
    await page.waitForURL(/[?&]provisioned=1/, { timeout: TIMEOUT });
    await panel().waitFor();
    check(await page.locator('#wpcrm-instance-url').inputValue() === `${SANDBOX}/${ENVIRONMENT}`, 'instance URL not saved');
    check(/^[0-9a-f-]{36}$/i.test((await page.locator('#wpcrm-application-id').inputValue()).trim()), 'no application id saved');
    check(await page.locator('#wpcrm-secret-state').getAttribute('data-wpcrm-secret') === 'set', 'no secret saved');
    await shot(page, 'setup-finished');
  });

  await stage('"Undo setup" signs in in the browser too and removes what setup created', async () => {
    const appId = (await page.locator('#wpcrm-application-id').inputValue()).trim();
    page.once('dialog', (dialog) => dialog.accept());
    await page.locator('#wpcrm-rollback-button').click();
    await waitForState(['signing-in']);
    await page.locator('#wpcrm-signin-browser').click();
    await page.waitForFunction(() => document.getElementById('wpcrm-signin').getAttribute('data-wpcrm-sign-in-method') === 'browser');
    await paste(await signInInTheBrowser('undo'));
    await waitForState(['rolled-back']);
    const state = await control('GET', 'state');
    check(!state.applications.some((a) => a.appId === appId), `application ${appId} is still in the tenant`);
    await shot(page, 'undone');
  });

  await stage('the sandbox saw a PKCE redemption and no device code; nothing secret reached the page', async () => {
    const log = await control('GET', 'requests');
    const tokenPosts = log.filter((r) => r.method === 'POST' && r.path.endsWith('/oauth2/v2.0/token'));
    check(log.some((r) => r.method === 'POST' && r.path.endsWith('/oauth2/v2.0/authorize') && r.status === 302), 'the sign-in page did not redirect');
    check(tokenPosts.length > 0, 'no token request');
    // One device code per offer (setup, then undo), never approved, none after the switch.
    check(log.filter((r) => r.path.endsWith('/devicecode')).length === 2, 'a device code was requested after switching');
    const code = new URL(address).searchParams.get('code');
    for (const r of restBodies) {
      check(!r.body.includes(code), `the one-time code is in ${r.url}`);
      check(!SECRET_SHAPE.test(r.body), `a secret value is in ${r.url}`);
    }
    check(!SECRET_SHAPE.test(await page.content()), 'a secret value is in the page');
    check(pluginErrors.length === 0, `plugin errors: ${pluginErrors.join('; ')}`);
  });
}

(async () => {
  let crashed = null;
  try {
    await main();
  } catch (err) {
    crashed = err;
    console.log(`ERROR ${(err && err.stack) || err}`);
  } finally {
    fs.writeFileSync(path.join(ARTIFACTS, 'console.log'), consoleLog.join('\n') + '\n');
    if (browser) {
      await browser.close().catch(() => {});
    }
  }
  const passed = results.filter((r) => r.status === 'passed').length;
  const failed = results.filter((r) => r.status === 'failed').length + (crashed ? 1 : 0);
  console.log(`\ne2e browser-sign-in: ${passed} passed, ${failed} failed (screenshots in ${ARTIFACTS})`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
})();
