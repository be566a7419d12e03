//! The device authorization endpoint (`POST /{tenant}/oauth2/v2.0/devicecode`): issues a device
//! code and user code; the token endpoint's device-code grant polls it.
//! <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code>

use super::tenant::{first_resource, resolve_tenant, user_flow_client};
use crate::errors::{aad_headers, Aad};
use crate::http::{Req, Resp};
use crate::state::Shared;
use crate::store::{approve, default_admin, DeviceCode, DeviceStatus};
use crate::util::{now, random_string};
use serde_json::json;

pub(super) fn devicecode(shared: &Shared, req: &Req, seg: &str) -> Resp {
    let form = req.form();
    let mut w = shared.world();
    if let Err(e) = resolve_tenant(&w, seg) {
        return e.render(req);
    }
    let Some(client_id) = form.get("client_id").filter(|s| !s.is_empty()) else {
        return Aad::MissingParameter {
            name: "client_id".into(),
        }
        .render(req);
    };
    let Some(scope) = form.get("scope").filter(|s| !s.trim().is_empty()) else {
        return Aad::MissingParameter { name: "scope".into() }.render(req);
    };
    let client = match user_flow_client(&w, client_id, seg) {
        Ok(c) => c,
        Err(e) => return e.render(req),
    };
    let scopes: Vec<String> = scope.split_whitespace().map(str::to_string).collect();
    let resource = match first_resource(&w, shared, &scopes) {
        Ok(r) => r,
        Err(e) => return e.render(req),
    };
    let user_code = random_string(8, b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789");
    let device_code = format!(
        "DAQABIQEAAAD{}",
        random_string(96, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    );
    let issued = now();
    let expires_in = w.config.device_expires_s;
    let interval = w.config.device_interval_s;
    w.devices.push(DeviceCode {
        device_code: device_code.clone(),
        user_code: user_code.clone(),
        client_id: client.0,
        tenant_segment: seg.to_string(),
        scopes,
        resource,
        issued_at: issued,
        expires_at: issued + time::Duration::seconds(expires_in as i64),
        interval_s: interval,
        last_poll: None,
        status: DeviceStatus::Pending,
        redeemed: false,
    });
    if w.config.auto_approve {
        if let Some(admin) = default_admin(&w) {
            approve(&mut w, &user_code, admin);
        }
    }
    let verification_uri = format!("{}/devicelogin", shared.origin);
    let body = json!({
        "user_code": user_code,
        "device_code": device_code,
        "verification_uri": verification_uri,
        "expires_in": expires_in,
        "interval": interval,
        "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."),
    });
    aad_headers(Resp::json(200, &body), req)
}
