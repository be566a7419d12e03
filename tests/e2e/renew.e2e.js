'use strict';
/**
 * Scenario `renew` (E2E_SCENARIO=renew, run through connection.e2e.js, which owns the browser, the
 * stage runner and the sign-in tab): "Renew secret" on Settings → Dataverse Connection, for a
 * connection typed by hand (the seeded application `wp-ok`: no setup record, as on a site that
 * never used setup or whose record was purged).
 *
 * 1. Renew with the sandbox's secret activation delay on (2 s): one sign-in on the sandbox's own
 *    page, the steps finish, the new secret is saved (the page's "ends with" changes), Verify passes,
 *    and the application holds exactly one secret of this site besides the one it was seeded with.
 * 2. A renewal cut short: with a 20 s activation delay the renewal stops in `secret_active` after its
 *    secret was created; the page is reloaded (its polling dies). The site still verifies (the old
 *    secret is untouched). "Renew secret" again continues the same renewal (no new sign-in) and
 *    finishes; the site verifies with the new secret, and this site's older secret is gone.
 */

module.exports = async function renewScenario(kit) {
  const { stage, check, shot, control, waitForState, panel, SEED, SANDBOX, WP, ENVIRONMENT } = kit;
  const app = SEED.applications.find((a) => a.name === 'wp-ok');
  const seededKey = app.secrets[0].key_id;
  const page = () => kit.page;

  /** The password credentials of the seeded application, as the sandbox has them. */
  async function credentials() {
    const state = await control('GET', 'state');
    const found = state.applications.find((a) => a.appId === app.app_id);
    return found.passwordCredentials;
  }
  const ours = (creds) => creds.filter((c) => (c.displayName || '').startsWith('wpcrm:'));
  const secretHint = async () => (await page().locator('#wpcrm-secret-state').innerText()).trim();

  /** Presses "Renew secret" and approves the sign-in if one is asked for. */
  async function pressRenew(label) {
    await page().locator('#wpcrm-renew-button').click();
    // The click itself shows `renewing`; the first answer decides: a sign-in, or (a renewal under
    // way whose sign-in is still held) straight on to the end.
    const state = await waitForState(['signing-in', 'renewed'], 120_000);
    if (state === 'signing-in') {
      kit.setUserCode((await page().locator('#wpcrm-user-code').innerText()).trim());
      await shot(page(), `${label}-device-code`);
    }
    return state;
  }

  let hintBefore;
  await stage('save a connection typed by hand (no setup record)', async () => {
    await page().goto(`${WP}/wp-admin/options-general.php?page=wpcrm-connect`);
    await page().locator('#wpcrm-instance-url').fill(`${SANDBOX}/${ENVIRONMENT}`);
    await page().locator('#wpcrm-application-id').fill(app.app_id);
    await page().locator('#wpcrm-client-secret').fill(app.secrets[0].value);
    await Promise.all([page().waitForURL(/settings-updated=true/), page().locator('#wpcrm-save-button').click()]);
    await panel().waitFor();
    check(await page().locator('#wpcrm-renew-button').isVisible(), 'no "Renew secret" button for a saved connection');
    hintBefore = await secretHint();
    await shot(page(), 'renew-before');
  });

  await stage('press "Renew secret": the device code appears', async () => {
    await control('POST', 'config', { secret_activation_delay_ms: 2000 });
    const state = await pressRenew('renew');
    check(state === 'signing-in', `state ${state}: a renewal must sign the admin in`);
  });
  await kit.stageApproveInSecondTab();
  await stage('the renewal waits for Entra ID, then saves the new secret', async () => {
    await waitForState('renewed', 120_000);
    const steps = await page().$$eval('#wpcrm-steps li', (lis) => lis.map((li) => [li.getAttribute('data-wpcrm-step'), li.getAttribute('data-wpcrm-status')]));
    check(JSON.stringify(steps.map((s) => s[0])) === JSON.stringify(['sign_in', 'application', 'client_secret', 'secret_active', 'verify']), `steps ${JSON.stringify(steps)}`);
    check(steps.every((s) => s[1] === 'done'), `steps not done: ${JSON.stringify(steps)}`);
    await shot(page(), 'renew-done');
    const creds = await credentials();
    check(ours(creds).length === 1 && creds.some((c) => c.keyId === seededKey), `credentials after renewing: ${JSON.stringify(creds)}`);
    await page().reload();
    const hint = await secretHint();
    check(hint !== hintBefore, `the saved secret did not change ("${hint}")`);
  });
  await kit.stageVerifyAllPass(['contact'], 'Verify with the renewed secret: every check passes');

  let cutShort;
  await stage('a second renewal is cut short after its secret was created (page reloaded)', async () => {
    await control('POST', 'config', { secret_activation_delay_ms: 20000 });
    cutShort = ours(await credentials());
    const state = await pressRenew('renew-again');
    // A finished renewal keeps no sign-in: a new one asks again.
    check(state === 'signing-in', `state ${state}: a new renewal must sign the admin in`);
  });
  await kit.stageApproveInSecondTab();
  await stage('… it stops in secret_active; the browser goes away', async () => {
    await page().waitForFunction(() => {
      const li = document.querySelector('#wpcrm-steps li[data-wpcrm-step="secret_active"]');
      return li && li.getAttribute('data-wpcrm-status') === 'running';
    }, null, { timeout: 60_000, polling: 100 });
    const creds = ours(await credentials());
    check(creds.length === 2, `the new secret exists beside the saved one: ${JSON.stringify(creds)}`);
    await shot(page(), 'renew-cut-short');
    await page().goto(`${WP}/wp-admin/options-general.php?page=wpcrm-connect`);
    await panel().waitFor();
  });
  await kit.stageVerifyAllPass(['contact'], 'the site still verifies on its current secret');
  await stage('"Renew secret" again continues the renewal and finishes it', async () => {
    const hint = await secretHint();
    // The secret keeps the delay it was created with: the renewal waits out the rest of its 20 s.
    const state = await pressRenew('renew-resume');
    check(state !== 'signing-in', 'the renewal under way asked for a new sign-in');
    await waitForState('renewed', 120_000);
    const expiresAt = await panel().getAttribute('data-wpcrm-secret-expires-at');
    const year = String(new Date(expiresAt).getFullYear());
    const expiryText = await kit.textOf(page().locator('#wpcrm-secret-expiry'));
    check(expiryText.startsWith('Expires on') && expiryText.includes(year), `expiry reads "${expiryText}" for ${expiresAt}`);
    await page().reload();
    check(await secretHint() !== hint, 'the saved secret did not change');
    const creds = await credentials();
    check(ours(creds).length === 1, `exactly one secret of this site after the save: ${JSON.stringify(creds)}`);
    check(creds.some((c) => c.keyId === seededKey), 'the secret this site did not create was left alone');
    check(!cutShort || !ours(creds).some((c) => c.keyId === cutShort[0].keyId), 'the older secret of this site is still there');
    await shot(page(), 'renew-resumed-done');
  });
  await kit.stageVerifyAllPass(['contact'], 'Verify with the new secret: every check passes');
  await stage('no secret value in the page or any REST response', async () => {
    kit.assertNoSecret(await page().content(), 'the settings page HTML');
    for (const r of kit.restBodies) {
      kit.assertNoSecret(r.body, `the REST response of ${r.url}`);
    }
  });
};
