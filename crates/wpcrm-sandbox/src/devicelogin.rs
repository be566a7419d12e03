//! `/devicelogin`: the page a person opens to finish a device-code sign-in, usable in a real
//! browser and driven by Playwright. Three plain HTML forms with stable ids:
//! 1. enter the code: `#user_code`, button "Next";
//! 2. sign in as a seeded user: `#email`, `#password`, button "Sign in";
//! 3. approve: button "Approve and continue" (`#approve`) or "Decline" (`#decline`).
//!
//! Mirrors the real flow's outcomes
//! (<https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code>): a wrong code is refused on the
//! page, a wrong password shows AADSTS50126, a user blocked by Conditional Access (or the
//! device-code policy) sees "You don't have access to this" with error 53003 and the poller gets
//! AADSTS53003, declining makes the poller get `authorization_declined`. A planted device-code
//! sign-in policy (`/_sandbox/policy/sign-in`) shows the same page with its number (`#error_code`)
//! and the poller gets its error.
//! Not emulated: MFA, account pickers, SSO cookies (step 3 trusts the e-mail carried by the form),
//! localisation, `verification_uri_complete`.

use crate::http::{Req, Resp};
use crate::resources::{DISCO, GRAPH};
use crate::state::Shared;
use crate::store::{approve, normalize_user_code, DeviceStatus, Flow, World};
use crate::util::now;

/// HTML-escapes text for the sign-in pages (also the authorize page's).
pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A sign-in page in the look of Microsoft's (also the authorize page's).
pub(crate) fn page(title: &str, inner: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t} - wpcrm sandbox</title>
<style>
body {{ font-family: "Segoe UI", system-ui, sans-serif; background: #f2f2f2; margin: 0; }}
main {{ max-width: 440px; margin: 48px auto; background: #fff; padding: 44px; box-shadow: 0 2px 6px rgba(0,0,0,.2); }}
label {{ display: block; margin-top: 16px; }}
input {{ width: 100%; box-sizing: border-box; padding: 6px; margin-top: 4px; font-size: 15px; }}
button {{ margin-top: 24px; margin-right: 8px; padding: 8px 20px; font-size: 15px; }}
.error {{ color: #e81123; }}
.note {{ color: #666; font-size: 13px; }}
</style>
</head>
<body>
<main>
<p class="note">wpcrm sandbox &middot; Microsoft identity platform emulator</p>
<h1>{t}</h1>
{inner}
</main>
</body>
</html>
"#,
        t = esc(title)
    )
}

/// The error paragraph a page shows above its form (nothing without an error).
pub(crate) fn error_paragraph(error: Option<&str>) -> String {
    error
        .map(|e| format!(r#"<p class="error" id="error" role="alert">{}</p>"#, esc(e)))
        .unwrap_or_default()
}

fn code_page(error: Option<&str>, prefill: &str) -> Resp {
    let err = error_paragraph(error);
    Resp::html(
        200,
        page(
            "Enter code",
            &format!(
                r#"<p>Enter the code displayed on your app or device.</p>
{err}<form method="post" action="/devicelogin">
<input type="hidden" name="step" value="code">
<label for="user_code">Code</label>
<input id="user_code" name="user_code" autocomplete="off" autofocus value="{}">
<button type="submit" id="next">Next</button>
</form>"#,
                esc(prefill)
            ),
        ),
    )
}

fn signin_page(code: &str, client: &str, error: Option<&str>) -> Resp {
    let err = error_paragraph(error);
    Resp::html(
        200,
        page(
            "Enter your account details",
            &format!(
                r#"<p>You are signing in to <strong>{client}</strong> on another device.</p>
{err}<form method="post" action="/devicelogin">
<input type="hidden" name="step" value="signin">
<input type="hidden" name="user_code" value="{code}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password">
<button type="submit" id="signin">Sign in</button>
</form>"#,
                client = esc(client),
                code = esc(code)
            ),
        ),
    )
}

fn client_name(w: &World, code: &str) -> String {
    w.devices
        .iter()
        .find(|d| d.user_code == code)
        .map(|d| {
            w.public_clients
                .iter()
                .find(|(c, _)| *c == d.client_id)
                .map(|(_, n)| n.clone())
                .or_else(|| w.app_by_app_id(d.client_id).map(|a| a.display_name.clone()))
                .unwrap_or_else(|| d.client_id.to_string())
        })
        .unwrap_or_default()
}

/// The AADSTS number of a planted device-code policy for this code's resource (`docs/sandbox.md`,
/// "Sign-in policies"), which the page shows as Entra's does; the poll answers it.
fn planted_policy(w: &World, code: &str) -> Option<u32> {
    let d = w.devices.iter().find(|d| d.user_code == code)?;
    w.sign_in_policies
        .iter()
        .find(|p| p.applies(Flow::DeviceCode, &d.resource, GRAPH, DISCO))
        .map(|p| p.variant.parts().0)
}

/// A code can be used on the page while it is pending and not expired.
fn usable(w: &World, code: &str) -> bool {
    w.devices
        .iter()
        .any(|d| d.user_code == code && d.status == DeviceStatus::Pending && d.expires_at > now())
}

pub fn handle(shared: &Shared, req: &Req) -> Resp {
    if req.method == "GET" {
        return code_page(None, &req.q("otc").unwrap_or_default());
    }
    if req.method != "POST" {
        return Resp::new(405);
    }
    let form = req.form();
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let code = normalize_user_code(&get("user_code"));
    let mut w = shared.world();
    if !usable(&w, &code) {
        return code_page(
            Some("That code didn't work. Check the code and try again."),
            &get("user_code"),
        );
    }
    let client = client_name(&w, &code);
    match get("step").as_str() {
        "code" => signin_page(&code, &client, None),
        "signin" => {
            let user = w.user_by_upn(&get("email")).cloned();
            let Some(user) = user.filter(|u| u.password == get("password")) else {
                return signin_page(&code, &client, Some("Your account or password is incorrect. If you don't remember your password, reset it now. (AADSTS50126)"));
            };
            if let Some(number) = planted_policy(&w, &code) {
                // A planted sign-in policy: the page says so; the poller gets the policy's error.
                approve(&mut w, &code, user.id);
                return Resp::html(
                    200,
                    page(
                        "You don't have access to this",
                        &format!(
                            r#"<p id="blocked">Your sign-in was successful but your admin requires more before you can access this resource.</p>
<p>Error code: <span id="error_code">{number}</span></p><p>Signed in as {}</p>"#,
                            esc(&user.upn)
                        ),
                    ),
                );
            }
            if user.ca_blocked || w.device_code_blocked {
                approve(&mut w, &code, user.id); // records the block for the poller
                return Resp::html(
                    200,
                    page(
                        "You don't have access to this",
                        &format!(
                            r#"<p id="blocked">Your sign-in was successful but does not meet the criteria to access this resource. For example, you might be signing in from a browser, app, or location that is restricted by your admin.</p>
<p>Error code: 53003</p><p>Signed in as {}</p>"#,
                            esc(&user.upn)
                        ),
                    ),
                );
            }
            Resp::html(
                200,
                page(
                    &format!("Are you trying to sign in to {client}?"),
                    &format!(
                        r#"<p>Signed in as <strong id="signed_in_as">{upn}</strong>.</p>
<p>Only continue if you downloaded the app from a store or website that you trust.</p>
<form method="post" action="/devicelogin">
<input type="hidden" name="step" value="consent">
<input type="hidden" name="user_code" value="{code}">
<input type="hidden" name="email" value="{upn}">
<button type="submit" id="approve" name="decision" value="approve">Approve and continue</button>
<button type="submit" id="decline" name="decision" value="decline">Decline</button>
</form>"#,
                        upn = esc(&user.upn),
                        code = esc(&code)
                    ),
                ),
            )
        }
        "consent" => {
            let Some(user) = w.user_by_upn(&get("email")).cloned() else {
                return code_page(Some("That code didn't work. Check the code and try again."), "");
            };
            if get("decision") == "decline" {
                if let Some(d) = w.devices.iter_mut().find(|d| d.user_code == code) {
                    d.status = DeviceStatus::Declined;
                }
                return Resp::html(
                    200,
                    page(
                        "Sign-in declined",
                        r#"<p id="done">You declined to sign in on the other device. You may now close this window.</p>"#,
                    ),
                );
            }
            approve(&mut w, &code, user.id);
            Resp::html(
                200,
                page(
                    "You're signed in",
                    &format!(
                        r#"<p id="done">You have signed in to the {} application on your device. You may now close this window.</p>"#,
                        esc(&client)
                    ),
                ),
            )
        }
        _ => code_page(None, ""),
    }
}
