'use strict';
/**
 * Browser end-to-end test of "Repair" and the least-privilege audit (issue 12), on the stages of
 * connection.e2e.js: set the site up (Settings → Dataverse Connection, sign-in approved on the
 * sandbox's /devicelogin page in a second tab), verify (every check passes), break the site's role
 * through the sandbox's control API (remove it from the app user), verify (the incident table
 * fails, with a "Repair" button beside it), press "Repair", approve the one sign-in it asks for,
 * watch it finish and verify again (every check passes; no new app registration or secret); then
 * give the app user System Administrator and verify: the least-privilege check warns, naming it.
 *
 * Run by tests/e2e/run.sh (scenario `repair`), with the same environment as connection.e2e.js.
 */

const e2e = require('./connection.e2e.js');

const { stage, check, shot, control, panel, waitForState, checks, describe, verify } = e2e;
const TABLES = 'account: read\nincident: read';

let applicationId;
let before;

/** The sandbox's applications and their client secrets, counted. */
async function appsAndSecrets() {
  const state = await control('GET', 'state');
  const secrets = state.applications.reduce((n, a) => n + a.passwordCredentials.length, 0);
  return `${state.applications.length} applications, ${secrets} secrets`;
}

/** The site's application user in the sandbox. */
async function appUser() {
  const state = await control('GET', 'state');
  const users = state.environments[e2e.ENVIRONMENT].systemusers;
  const user = users.find((u) => u.applicationid === applicationId);
  check(user, `no application user for ${applicationId}`);
  return user;
}

async function repairScenario() {
  const page = e2e.page();
  await stage('open Settings → Dataverse Connection and set the tables', async () => {
    await page.goto(`${e2e.WP}/wp-admin/options-general.php?page=wpcrm-connect`);
    await panel().waitFor();
    await page.locator('#wpcrm-tables').fill(TABLES);
  });
  await e2e.stagePressSetup();
  await e2e.stageApproveInSecondTab();
  await e2e.stageChooseEnvironment();
  await e2e.stageWatchSteps();
  await stage('back on the settings page with the saved connection', async () => {
    await page.waitForURL(/[?&]provisioned=1/, { timeout: 15_000 });
    await panel().waitFor();
    applicationId = (await page.locator('#wpcrm-application-id').inputValue()).trim();
    check(/^[0-9a-f-]{36}$/i.test(applicationId), `application id field holds "${applicationId}"`);
    before = await appsAndSecrets();
  });
  await e2e.stageVerifyAllPass(['account', 'incident']);

  await stage('remove the site\'s role in the sandbox: verify fails, with "Repair" beside the check', async () => {
    const role = (await appUser()).roles.find((r) => r.startsWith('WordPress'));
    check(role, 'the app user holds no role named "WordPress …"');
    await control('POST', 'roles/remove', { environment: e2e.ENVIRONMENT, application_id: applicationId, role });
    const status = await verify();
    const list = await checks();
    check(status === 'fail', `report ${status}:\n  ${describe(list)}`);
    const incident = list.find((c) => c.id === 'table:incident');
    check(incident && incident.status === 'fail', `table:incident:\n  ${describe(list)}`);
    const button = page.locator('#wpcrm-report li[data-wpcrm-check="table:incident"] .wpcrm-repair-button');
    check(await button.count() === 1, 'no "Repair" button beside table:incident');
    check((await button.innerText()).trim() === 'Repair', `the button reads "${(await button.innerText()).trim()}"`);
    check(await page.locator('#wpcrm-report li[data-wpcrm-status="pass"] .wpcrm-repair-button').count() === 0, 'a "Repair" button beside a passed check');
    await shot(page, 'broken-with-repair-button');
  });

  await stage('press "Repair": the same sign-in panel as setup', async () => {
    await page.locator('#wpcrm-report li[data-wpcrm-check="table:incident"] .wpcrm-repair-button').click();
    await waitForState('signing-in');
    const code = (await page.locator('#wpcrm-user-code').innerText()).trim();
    check(/^[A-Z0-9]{8}$/.test(code), `user code "${code}"`);
    e2e.setUserCode(code);
    await shot(page, 'repair-sign-in');
  });
  await e2e.stageApproveInSecondTab();
  await stage('the repair finishes and verifies; nothing new was registered', async () => {
    await waitForState('repaired', 120_000);
    const message = (await page.locator('#wpcrm-message').innerText()).trim();
    check(/Repaired/.test(message), `message reads "${message}"`);
    const summary = (await page.locator('#wpcrm-report .wpcrm-report__summary').innerText()).trim();
    check(/every check passed/i.test(summary), `the repair's report reads "${summary}"`);
    check((await appUser()).roles.some((r) => r.startsWith('WordPress')), 'the site\'s role was not assigned again');
    const after = await appsAndSecrets();
    check(after === before, `before the repair ${before}, after it ${after}`);
    await shot(page, 'repaired');
  });
  await e2e.stageVerifyAllPass(['account', 'incident'], 'verify again: every check passes');

  await stage('give the app user System Administrator: the audit warns, naming it', async () => {
    await control('POST', 'roles/assign', { environment: e2e.ENVIRONMENT, application_id: applicationId, role: 'System Administrator' });
    const status = await verify();
    const list = await checks();
    check(status === 'warn', `report ${status}:\n  ${describe(list)}`);
    const audit = list.find((c) => c.id === 'privilege_audit');
    check(audit && audit.status === 'warn', `privilege_audit:\n  ${describe(list)}`);
    check(audit.text.includes('System Administrator'), `the warning does not name the role: ${audit.text}`);
    check(/Manage roles/.test(audit.fix), `the fix reads "${audit.fix}"`);
    check(audit.code.includes('system_administrator'), `code: ${audit.code}`);
    await shot(page, 'audit-system-administrator');
  });
}

async function main() {
  await control('POST', 'reset');
  await e2e.launchBrowser();
  await e2e.stageLogIn();
  await repairScenario();
  await e2e.stageNoPluginErrors();
}

e2e.run('repair', main);
