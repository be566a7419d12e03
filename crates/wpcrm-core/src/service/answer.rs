//! The one reader of answers: a successful body into the type asked for, an error body into
//! [`Error`], whatever the service.
//!
//! Error shapes, per service:
//! - Entra ID (OAuth 2.0, RFC 6749 §5.2): `{"error":"invalid_client","error_description":"AADSTS7000215: …\r\nTrace ID: …","error_codes":[7000215]}`
//!   (<https://learn.microsoft.com/entra/identity-platform/reference-error-codes>);
//! - Graph: `{"error":{"code":"Request_BadRequest","message":"…","details":[{"code":"NoBackingApplicationObject"}]}}`
//!   (<https://learn.microsoft.com/graph/errors>);
//! - Dataverse and Global Discovery (OData): `{"error":{"code":"0x80040220","message":"…"}}`
//!   (<https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors>).
//!
//! Anything else is either a bare status that speaks for itself (an empty body, or 401, 403, 404,
//! 429, 502, 503, 504 whatever the page says) or an answer that is not the service's at all (a
//! proxy's HTML page, a redirect), which is [`Error::Unexpected`].

use super::error::{Code, Error, Refusal, Service};
use crate::http::HttpResponse;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Longest service message kept: a hostile or broken service cannot fill reports and logs.
pub const MAX_MESSAGE_CHARS: usize = 500;

/// Statuses that mean the same whatever body comes with them.
const SELF_EXPLAINING: [u16; 7] = [401, 403, 404, 429, 502, 503, 504];

/// Reads an answer that is not a success (or a success that carries an OAuth `error`).
pub fn read_error(service: Service, response: &HttpResponse) -> Error {
    let status = response.status().as_u16();
    if (300..400).contains(&status) {
        let location = response
            .headers()
            .get(http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(|l| l.split('?').next().unwrap_or(l))
            .unwrap_or("nowhere");
        return Error::Unexpected {
            status,
            detail: format!("a redirect (HTTP {status}) to {location}, which is never followed"),
        };
    }
    let body = response.body();
    let json: Option<Value> = serde_json::from_slice(body).ok();
    if let Some(refusal) = json.as_ref().and_then(|v| refusal_from_json(service, status, v)) {
        return Error::Service(refusal);
    }
    if body.is_empty() || SELF_EXPLAINING.contains(&status) {
        return Error::Service(Refusal {
            service,
            status,
            code: Code::None,
            message: describe_non_json(response),
        });
    }
    let detail = match json {
        Some(_) => format!("a JSON answer (HTTP {status}) without {}'s error code", service.name()),
        None => describe_non_json(response),
    };
    Error::Unexpected { status, detail }
}

/// The service's error in a JSON body, if the body is one.
pub fn refusal_from_json(service: Service, status: u16, v: &Value) -> Option<Refusal> {
    let error = v.get("error")?;
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    let code = match service {
        Service::Entra => return Some(entra_refusal(status, v, error.as_str()?)),
        _ if !error.is_object() => return None,
        Service::Graph => Code::Graph {
            code: text(error, "code"),
            details: error
                .get("details")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|d| d.get("code")?.as_str())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        },
        Service::Dataverse | Service::Discovery => Code::Dataverse {
            code: error
                .get("code")
                .and_then(Value::as_str)
                .and_then(normalize_dataverse_code),
        },
    };
    Some(Refusal {
        service,
        status,
        code,
        message: clip(&text(error, "message")),
    })
}

/// Entra's OAuth error: the AADSTS numbers, and the description without its trace lines.
fn entra_refusal(status: u16, v: &Value, error: &str) -> Refusal {
    let description = v.get("error_description").and_then(Value::as_str).unwrap_or_default();
    let mut aadsts: Vec<u32> = v
        .get("error_codes")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_u64)
                .filter_map(|n| u32::try_from(n).ok())
                .collect()
        })
        .unwrap_or_default();
    if aadsts.is_empty() {
        aadsts.extend(aadsts_in(description));
    }
    Refusal {
        service: Service::Entra,
        status,
        code: Code::Entra {
            error: error.to_owned(),
            aadsts,
        },
        message: clip(description.lines().next().unwrap_or_default().trim()),
    }
}

/// A service message, at most [`MAX_MESSAGE_CHARS`] characters.
fn clip(message: &str) -> String {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message.to_owned(),
    }
}

/// The number of an `AADSTSnnnn:` that opens an Entra description (when `error_codes` is missing).
fn aadsts_in(description: &str) -> Option<u32> {
    let start = description.find("AADSTS")? + "AADSTS".len();
    let digits: String = description[start..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Normalizes a Dataverse code: `0x80040220`, `80040220` or the decimal `-2147220960` all become
/// `0x80040220`; a code that is not a number is kept as it is.
pub fn normalize_dataverse_code(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    if let Ok(n) = raw.parse::<i64>() {
        return Some(format!("0x{:08x}", n as i32 as u32));
    }
    let hex = raw.strip_prefix("0x").or_else(|| raw.strip_prefix("0X")).unwrap_or(raw);
    if hex.len() <= 8 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(format!("0x{}", hex.to_ascii_lowercase()));
    }
    Some(raw.to_owned())
}

/// Reads a successful answer's JSON into `T`.
pub fn read_json<T: DeserializeOwned>(response: &HttpResponse) -> Result<T, Error> {
    serde_json::from_slice(response.body()).map_err(|e| {
        let status = response.status().as_u16();
        let body = response.body();
        let looks_like_json = body
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| matches!(b, b'{' | b'['));
        let detail = if looks_like_json && !e.is_eof() {
            // serde's message can quote a value from the body (a token, a secret): keep only where
            // and what.
            format!(
                "JSON that is not the expected answer ({:?} error at line {}, column {})",
                e.classify(),
                e.line(),
                e.column()
            )
        } else {
            describe_non_json(response)
        };
        Error::Unexpected { status, detail }
    })
}

/// Says what a body that should have been JSON was instead: an HTML page (a proxy, a sign-in page,
/// an error page), nothing, or JSON cut short.
pub fn describe_non_json(response: &HttpResponse) -> String {
    let body = response.body();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let start = String::from_utf8_lossy(&body[..body.len().min(512)])
        .trim_start()
        .to_ascii_lowercase();
    if body.is_empty() {
        format!("an empty answer (HTTP {status}) where JSON was expected")
    } else if content_type.contains("html") || start.starts_with("<!doctype") || start.starts_with("<html") {
        format!("an HTML page (HTTP {status}) instead of JSON, as a proxy, firewall or sign-in page sends")
    } else if start.starts_with('{') || start.starts_with('[') {
        format!("JSON that is cut short or malformed (HTTP {status})")
    } else {
        format!("an answer that is not JSON (HTTP {status}, content type '{content_type}')")
    }
}

/// An answer with `status` and `body`, for the engine's unit tests of readers.
#[cfg(test)]
pub(crate) fn test_answer(status: u16, body: &str) -> HttpResponse {
    http::Response::builder()
        .status(status)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, body: &str) -> HttpResponse {
        test_answer(status, body)
    }

    #[test]
    fn reads_each_service_error_shape() {
        let e = read_error(
            Service::Entra,
            &resp(
                400,
                r#"{"error":"authorization_pending","error_description":"AADSTS70016: pending\r\nTrace ID: x","error_codes":[70016]}"#,
            ),
        );
        assert_eq!(e.code(), Some("authorization_pending"));
        assert!(e.has_aadsts(70016));
        assert_eq!(e.message(), "AADSTS70016: pending");
        let e = read_error(
            Service::Graph,
            &resp(
                400,
                r#"{"error":{"code":"Request_BadRequest","message":"m","details":[{"code":"NoBackingApplicationObject","target":"appId"}]}}"#,
            ),
        );
        assert!(e.has_detail("NoBackingApplicationObject"));
        assert_eq!(e.code(), Some("Request_BadRequest"));
        let e = read_error(
            Service::Dataverse,
            &resp(
                403,
                r#"{"error":{"code":"0x80072560","message":"The user is not a member of the organization."}}"#,
            ),
        );
        assert_eq!(e.code(), Some("0x80072560"));
        assert_eq!(e.status(), Some(403));
    }

    #[test]
    fn an_aadsts_number_is_taken_from_the_description_when_error_codes_is_missing() {
        let e = read_error(
            Service::Entra,
            &resp(
                400,
                r#"{"error":"invalid_request","error_description":"AADSTS90002: Tenant 'x' not found."}"#,
            ),
        );
        assert_eq!(e.aadsts(), Some(90002));
    }

    #[test]
    fn bare_statuses_and_foreign_pages_are_told_apart() {
        let e = read_error(Service::Dataverse, &resp(429, ""));
        assert!(e.is_throttled());
        assert!(matches!(e, Error::Service(Refusal { code: Code::None, .. })));
        let e = read_error(Service::Dataverse, &resp(502, "<html>bad gateway</html>"));
        assert!(matches!(e, Error::Service(Refusal { status: 502, .. })), "{e:?}");
        let e = read_error(Service::Dataverse, &resp(500, "<html>oops</html>"));
        assert!(matches!(e, Error::Unexpected { status: 500, .. }), "{e:?}");
        let redirect = http::Response::builder()
            .status(302)
            .header("location", "https://elsewhere.example/?token=x")
            .body(Vec::new())
            .unwrap();
        let e = read_error(Service::Graph, &redirect);
        assert!(
            matches!(&e, Error::Unexpected { status: 302, detail } if !detail.contains("token")),
            "{e:?}"
        );
    }

    #[test]
    fn service_messages_are_clipped() {
        let long = "x".repeat(10_000);
        let e = read_error(
            Service::Dataverse,
            &resp(
                400,
                &format!(r#"{{"error":{{"code":"0x80040220","message":"{long}"}}}}"#),
            ),
        );
        assert_eq!(e.refusal().unwrap().message.chars().count(), MAX_MESSAGE_CHARS + 1);
    }

    #[test]
    fn dataverse_codes_normalize() {
        assert_eq!(normalize_dataverse_code("0x80040220").as_deref(), Some("0x80040220"));
        assert_eq!(normalize_dataverse_code("0x80095FFC").as_deref(), Some("0x80095ffc"));
        assert_eq!(normalize_dataverse_code("-2147220960").as_deref(), Some("0x80040220"));
        assert_eq!(normalize_dataverse_code(""), None);
    }

    #[test]
    fn a_parse_error_never_quotes_the_body() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct T {
            n: u64,
        }
        let e = read_json::<T>(&resp(200, r#"{"n":"Sbx8Q~secret"}"#)).unwrap_err();
        assert!(!e.to_string().contains("Sbx8Q"), "{e}");
        let e = read_json::<T>(&resp(200, r#"{"value":[{"a":"#)).unwrap_err();
        assert!(matches!(e, Error::Unexpected { status: 200, .. }), "{e:?}");
        let e = read_json::<T>(&resp(200, "<html><body>Proxy login</body></html>")).unwrap_err();
        assert!(e.to_string().contains("HTML page"), "{e}");
    }
}
