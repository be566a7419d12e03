//! How Graph renders directory objects (users, applications, password credentials, service
//! principals), and the query options and bodies shared by the operations.

use crate::errors::Graph as E;
use crate::http::{Req, Resp};
use crate::odata;
use crate::store::{App, Secret, ServicePrincipal, User, World};
use crate::util::iso;
use serde_json::{json, Map, Value};

pub(super) fn user_json(o: &str, u: &User) -> Value {
    json!({
        "@odata.context": format!("{o}/v1.0/$metadata#users/$entity"),
        "businessPhones": [], "displayName": u.display_name, "givenName": null, "jobTitle": null,
        "mail": u.upn, "mobilePhone": null, "officeLocation": null, "preferredLanguage": null,
        "surname": null, "userPrincipalName": u.upn, "id": u.id.to_string(),
    })
}

/// A user as a member of a `directoryObjects` collection (owners): typed, without its own context.
pub(super) fn directory_user_json(o: &str, u: &User) -> Value {
    let mut v = user_json(o, u);
    if let Some(m) = v.as_object_mut() {
        m.remove("@odata.context");
        m.insert("@odata.type".into(), json!("#microsoft.graph.user"));
    }
    v
}

pub(super) fn password_json(s: &Secret, with_secret: bool) -> Value {
    json!({
        "customKeyIdentifier": null,
        "displayName": s.display_name,
        "endDateTime": iso(s.end),
        "hint": s.hint,
        "keyId": s.key_id.to_string(),
        "secretText": if with_secret { json!(s.value) } else { Value::Null },
        "startDateTime": iso(s.start),
    })
}

pub(super) fn app_json(w: &World, a: &App) -> Value {
    let mut v = json!({
        "id": a.object_id.to_string(),
        "deletedDateTime": null,
        "appId": a.app_id.to_string(),
        "applicationTemplateId": null,
        "createdDateTime": iso(a.created_at),
        "description": null,
        "displayName": a.display_name,
        "identifierUris": [],
        "isFallbackPublicClient": a.public_client,
        "publisherDomain": w.tenant_domain,
        "signInAudience": a.sign_in_audience,
        "tags": a.tags,
        "keyCredentials": [],
        "passwordCredentials": a.secrets.iter().map(|s| password_json(s, false)).collect::<Vec<_>>(),
        "requiredResourceAccess": [],
        "publicClient": {"redirectUris": []},
        "web": {"homePageUrl": null, "logoutUrl": null, "redirectUris": [], "implicitGrantSettings": {"enableAccessTokenIssuance": false, "enableIdTokenIssuance": false}},
        "spa": {"redirectUris": []},
    });
    for (k, val) in &a.extra {
        v[k] = val.clone();
    }
    v
}

pub(super) fn sp_json(w: &World, s: &ServicePrincipal) -> Value {
    json!({
        "id": s.id.to_string(),
        "deletedDateTime": null,
        "accountEnabled": true,
        "appId": s.app_id.to_string(),
        "appDisplayName": s.display_name,
        "appOwnerOrganizationId": w.tenant_id.to_string(),
        "displayName": s.display_name,
        "servicePrincipalNames": [s.app_id.to_string()],
        "servicePrincipalType": "Application",
        "signInAudience": "AzureADMyOrg",
        "tags": s.tags,
    })
}

pub(super) fn select(req: &Req, v: Value) -> Value {
    let Some(sel) = req.q("$select") else { return v };
    let keep: Vec<String> = sel.split(',').map(|s| s.trim().to_string()).collect();
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(k, _)| k == "id" || k.starts_with('@') || keep.contains(k))
                .collect(),
        ),
        other => other,
    }
}

pub(super) fn filtered(req: &Req, items: Vec<Value>, allowed: &[&str]) -> Result<Vec<Value>, E> {
    let Some(f) = req.q("$filter") else { return Ok(items) };
    let e = odata::parse(&f).map_err(|_| E::UnsupportedQuery(format!("Invalid filter clause: {f}")))?;
    fn advanced(e: &odata::Expr) -> bool {
        match e {
            odata::Expr::Not(_) => true,
            odata::Expr::Cmp { op, .. } => op == "ne",
            odata::Expr::Func { name, .. } => name != "startswith",
            odata::Expr::And(a, b) | odata::Expr::Or(a, b) => advanced(a) || advanced(b),
            odata::Expr::Any { inner, .. } => advanced(inner),
        }
    }
    let eventual = req
        .header("consistencylevel")
        .map(|v| v.eq_ignore_ascii_case("eventual"))
        .unwrap_or(false);
    if advanced(&e) && !eventual {
        return Err(E::UnsupportedQuery("Operator 'ne', 'not', 'endsWith' or 'contains' is not supported without ConsistencyLevel: eventual and $count=true.".into()));
    }
    for p in e.props() {
        if !allowed.contains(&p.as_str()) {
            return Err(E::UnsupportedQuery(format!(
                "Unsupported or invalid query filter clause specified for property '{p}' of resource 'Application'."
            )));
        }
    }
    Ok(items
        .into_iter()
        .filter(|v| e.eval(&|p: &str| v.get(p).cloned().unwrap_or(Value::Null), false))
        .collect())
}

pub(super) fn collection(req: &Req, ctx: String, items: Vec<Value>) -> Resp {
    let top: Option<usize> = req.q("$top").and_then(|t| t.parse().ok());
    let total = items.len();
    let items: Vec<Value> = items
        .into_iter()
        .take(top.unwrap_or(usize::MAX))
        .map(|v| select(req, v))
        .collect();
    let mut body = json!({"@odata.context": ctx});
    if req.q("$count").as_deref() == Some("true") {
        body["@odata.count"] = json!(total);
    }
    body["value"] = Value::Array(items);
    Resp::json(200, &body)
}

pub(super) fn body(req: &Req) -> Result<Map<String, Value>, E> {
    match req.json() {
        Some(Value::Object(m)) => Ok(m),
        _ => Err(E::BadRequest("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.".into())),
    }
}

pub(super) fn string_list(v: &Value, name: &str) -> Result<Vec<String>, E> {
    v.as_array()
        .and_then(|a| {
            a.iter()
                .map(|x| x.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
        })
        .ok_or_else(|| {
            E::BadRequest(format!(
                "Invalid value specified for property '{name}' of resource 'Application'."
            ))
        })
}
