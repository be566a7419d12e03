//! The request and response values every handler works with (bodies fully buffered).

use serde_json::Value;
use std::collections::HashMap;

pub struct Req {
    pub method: String,
    /// Raw path (percent-encoded as received).
    pub path: String,
    /// Raw query string, without `?`.
    pub query: String,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
    /// The canonical origin of this sandbox, `https://127.0.0.1:PORT`.
    pub origin: String,
    /// Request id, echoed in `x-ms-request-id`, Graph's innerError and AADSTS trace ids.
    pub request_id: String,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }
    pub fn q(&self, name: &str) -> Option<String> {
        self.query_pairs().into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
    pub fn form(&self) -> HashMap<String, String> {
        url::form_urlencoded::parse(&self.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }
    pub fn json(&self) -> Option<Value> {
        if self.body.is_empty() {
            return Some(Value::Object(Default::default()));
        }
        serde_json::from_slice(&self.body).ok()
    }
    pub fn bearer(&self) -> Option<&str> {
        let h = self.header("authorization")?;
        let (scheme, rest) = h.split_once(' ')?;
        if scheme.eq_ignore_ascii_case("bearer") {
            Some(rest.trim())
        } else {
            None
        }
    }
    /// Decoded path segments.
    pub fn segments(&self) -> Vec<String> {
        self.path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(crate::util::percent_decode)
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn new(status: u16) -> Resp {
        Resp {
            status,
            headers: vec![],
            body: vec![],
        }
    }
    pub fn json(status: u16, v: &Value) -> Resp {
        Resp::new(status)
            .header("Content-Type", "application/json; charset=utf-8")
            .body(v.to_string().into_bytes())
    }
    pub fn html(status: u16, html: String) -> Resp {
        Resp::new(status)
            .header("Content-Type", "text/html; charset=utf-8")
            .header("Cache-Control", "no-store")
            .body(html.into_bytes())
    }
    pub fn header(mut self, k: &str, v: impl Into<String>) -> Resp {
        let v = v.into();
        self.headers.retain(|(name, _)| !name.eq_ignore_ascii_case(k));
        self.headers.push((k.to_string(), v));
        self
    }
    pub fn body(mut self, b: Vec<u8>) -> Resp {
        self.body = b;
        self
    }
    pub fn get_header(&self, k: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str())
    }
}
