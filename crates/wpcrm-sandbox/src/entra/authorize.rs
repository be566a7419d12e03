//! The authorize endpoint (`GET|POST /{tenant}/oauth2/v2.0/authorize`) of the authorization-code
//! flow (<https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow>): a sign-in
//! form like `/devicelogin`'s, usable in a real browser and by plain HTTP, then a redirect to
//! `redirect_uri` with `code` and `state` (or `error`, `error_description` and `state`).
//!
//! Page ids: `#email`, `#password`, button `#signin` ("Sign in") and `#cancel` ("Cancel": the
//! redirect carries `error=access_denied`, AADSTS65004, as when a user declines the consent prompt).
//!
//! Checks, in Entra's order: the tenant, the client (a public client or a registered app), the
//! `redirect_uri` (public clients: a loopback `http://localhost` or `http://127.0.0.1` on any port
//! and path, <https://learn.microsoft.com/entra/identity-platform/reply-url#localhost-exceptions>;
//! a bad one is shown on the page with AADSTS50011, never redirected to), then `response_type=code`
//! and the PKCE method (`S256` or `plain`, RFC 7636 §4.3; a challenge without a method is `plain`),
//! which are redirected as errors. `response_mode` `query` (default), `fragment` and `form_post`.
//! A user blocked by Conditional Access, or a planted policy for the `authorize` flow, is redirected
//! with the policy's error (the real service may show its error page instead; the sandbox redirects
//! so that the client's handling can be tested).
//! The `nonce` comes back in the ID token of the redeemed code (MSAL checks it).
//! Not emulated: consent screens, account pickers, SSO cookies, `prompt`, `login_hint`, OpenID
//! `id_token` response types.

use super::policy::redirect_refusal;
use super::tenant::{first_resource, resolve_tenant, user_flow_client};
use crate::devicelogin::{error_paragraph, esc, page};
use crate::errors::Aad;
use crate::http::{Req, Resp};
use crate::state::Shared;
use crate::store::AuthCode;
use crate::util::{now, random_string};
use std::collections::HashMap;

/// The request parameters the form carries from the GET to the POST.
const CARRIED: [&str; 9] = [
    "client_id",
    "redirect_uri",
    "response_type",
    "response_mode",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
];

/// Whether `uri` is a loopback redirect a public client may use (any port, any path).
fn loopback(uri: &str) -> bool {
    url::Url::parse(uri)
        .map(|u| u.scheme() == "http" && matches!(u.host_str(), Some("localhost") | Some("127.0.0.1") | Some("[::1]")))
        .unwrap_or(false)
}

fn error_page(e: &Aad) -> Resp {
    Resp::html(
        400,
        page(
            "Sign in",
            &format!(
                r#"<p class="error" id="error" role="alert">Sorry, but we're having trouble signing you in.</p><p>AADSTS{}: {}</p>"#,
                e.code(),
                esc(&e.message())
            ),
        ),
    )
}

/// Sends the browser back to the client with `params` (and the request's `state`).
fn back(p: &HashMap<String, String>, mut params: Vec<(&str, String)>) -> Resp {
    let redirect_uri = p.get("redirect_uri").cloned().unwrap_or_default();
    if let Some(state) = p.get("state") {
        params.push(("state", state.clone()));
    }
    let mode = p.get("response_mode").map(String::as_str).unwrap_or("query");
    if mode == "form_post" {
        let inputs: String = params
            .iter()
            .map(|(k, v)| format!(r#"<input type="hidden" name="{}" value="{}">"#, esc(k), esc(v)))
            .collect();
        return Resp::html(
            200,
            format!(
                r#"<!DOCTYPE html><html><body onload="document.forms[0].submit()"><form method="post" action="{}">{inputs}<noscript><button type="submit">Continue</button></noscript></form></body></html>"#,
                esc(&redirect_uri)
            ),
        );
    }
    let mut encoded = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in &params {
        encoded.append_pair(k, v);
    }
    let sep = if mode == "fragment" {
        "#"
    } else if redirect_uri.contains('?') {
        "&"
    } else {
        "?"
    };
    Resp::new(302)
        .header("Location", format!("{redirect_uri}{sep}{}", encoded.finish()))
        .header("Cache-Control", "no-store")
}

fn back_with_error(p: &HashMap<String, String>, error: &str, description: String) -> Resp {
    back(p, vec![("error", error.to_owned()), ("error_description", description)])
}

fn signin_form(p: &HashMap<String, String>, client: &str, path: &str, error: Option<&str>) -> Resp {
    let hidden: String = CARRIED
        .iter()
        .filter_map(|k| p.get(*k).map(|v| (k, v)))
        .map(|(k, v)| format!(r#"<input type="hidden" name="{k}" value="{}">"#, esc(v)))
        .collect();
    let err = error_paragraph(error);
    Resp::html(
        200,
        page(
            "Sign in",
            &format!(
                r#"<p>to continue to <strong id="client">{client}</strong></p>
{err}<form method="post" action="{path}">
{hidden}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password">
<button type="submit" id="signin" name="decision" value="signin">Sign in</button>
<button type="submit" id="cancel" name="decision" value="cancel">Cancel</button>
</form>"#,
                client = esc(client),
                path = esc(path)
            ),
        ),
    )
}

pub(super) fn authorize(shared: &Shared, req: &Req, seg: &str) -> Resp {
    let p: HashMap<String, String> = if req.method == "POST" {
        req.form()
    } else {
        req.query_pairs().into_iter().collect()
    };
    let mut w = shared.world();
    if let Err(e) = resolve_tenant(&w, seg) {
        return error_page(&e);
    }
    let client_id = p.get("client_id").cloned().unwrap_or_default();
    let (cid, client_name, public) = match user_flow_client(&w, &client_id, seg) {
        Ok(c) => c,
        Err(e) => return error_page(&e),
    };
    let redirect_uri = p.get("redirect_uri").cloned().unwrap_or_default();
    if !(public && loopback(&redirect_uri)) {
        return error_page(&Aad::RedirectMismatch);
    }
    if p.get("response_type").map(String::as_str) != Some("code") {
        return back_with_error(
            &p,
            "unsupported_response_type",
            "AADSTS700054: response_type 'code' is required.".into(),
        );
    }
    let challenge = p.get("code_challenge").filter(|c| !c.is_empty()).cloned();
    let method = p
        .get("code_challenge_method")
        .cloned()
        .unwrap_or_else(|| "plain".into());
    if challenge.is_some() && method != "S256" && method != "plain" {
        return back_with_error(
            &p,
            "invalid_request",
            "AADSTS501491: Invalid size of Code_Challenge parameter or unsupported code_challenge_method.".into(),
        );
    }
    let scopes: Vec<String> = p
        .get("scope")
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    let aud = match first_resource(&w, shared, &scopes) {
        Ok(a) => a,
        Err(e) => return back_with_error(&p, e.error(), format!("AADSTS{}: {}", e.code(), e.message())),
    };
    let path = format!("/{seg}/oauth2/v2.0/authorize");
    if req.method != "POST" {
        return signin_form(&p, &client_name, &path, None);
    }
    if p.get("decision").map(String::as_str) == Some("cancel") {
        let declined = Aad::Refused {
            number: 65004,
            error: "access_denied".into(),
            message: "User declined to consent to access the app.",
        };
        return back_with_error(&p, "access_denied", format!("AADSTS65004: {}", declined.message()));
    }
    let email = p.get("email").cloned().unwrap_or_default();
    let user = w.user_by_upn(&email).cloned();
    let Some(user) = user.filter(|u| Some(&u.password) == p.get("password")) else {
        return signin_form(&p, &client_name, &path, Some("Your account or password is incorrect. If you don't remember your password, reset it now. (AADSTS50126)"));
    };
    if user.ca_blocked {
        return back_with_error(
            &p,
            "access_denied",
            format!("AADSTS53003: {}", Aad::ConditionalAccess.message()),
        );
    }
    if let Some((error, description)) = redirect_refusal(&mut w, &aud) {
        return back_with_error(&p, &error, description);
    }
    let code = format!(
        "1.AQ{}",
        random_string(160, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    );
    let lifetime = w.config.auth_code_expires_s;
    w.auth_codes.push(AuthCode {
        code: code.clone(),
        client_id: cid,
        redirect_uri,
        scopes,
        user: user.id,
        challenge: challenge.map(|c| (c, method)),
        nonce: p.get("nonce").filter(|n| !n.is_empty()).cloned(),
        expires_at: now() + time::Duration::seconds(lifetime as i64),
        redeemed: false,
    });
    let session_state = crate::util::new_uuid().to_string();
    back(&p, vec![("code", code), ("session_state", session_state)])
}
