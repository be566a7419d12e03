//! A small OData `$filter` parser and evaluator, shared by Graph, Discovery and Dataverse: comparison
//! operators (`eq ne gt ge lt le`), `and`/`or`/`not`, parentheses, string literals with `''`
//! escapes, `null`, booleans, numbers, unquoted GUIDs, namespaced enum literals
//! (`Microsoft.Dynamics.CRM.X'Y'`), `startswith`/`endswith`/`contains`, and `prop/any(x:x eq …)`.
//! Anything else is a parse error the caller renders in its own service's error shape.
//! Also the OData response headers Dataverse puts on every answer.

use crate::http::{Req, Resp};
use serde_json::Value;

/// The OData envelope headers of every Dataverse Web API answer (`OData-Version: 4.0`, the
/// request id, and the minimal-metadata content type when there is a body).
pub fn odata_headers(r: Resp, req: &Req) -> Resp {
    let mut r = r
        .header("OData-Version", "4.0")
        .header("x-ms-service-request-id", req.request_id.clone())
        .header("REQ_ID", req.request_id.clone());
    if !r.body.is_empty() {
        r = r.header("Content-Type", "application/json; odata.metadata=minimal");
    }
    r
}

#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp {
        prop: String,
        op: String,
        lit: Lit,
    },
    Func {
        name: String,
        prop: String,
        arg: String,
    },
    Any {
        prop: String,
        var: String,
        inner: Box<Expr>,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Open,
    Close,
    Comma,
    Colon,
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let c: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < c.len() {
        let ch = c[i];
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '(' {
            out.push(Tok::Open);
            i += 1;
        } else if ch == ')' {
            out.push(Tok::Close);
            i += 1;
        } else if ch == ',' {
            out.push(Tok::Comma);
            i += 1;
        } else if ch == ':' {
            out.push(Tok::Colon);
            i += 1;
        } else if ch == '\'' {
            let mut v = String::new();
            i += 1;
            loop {
                if i >= c.len() {
                    return Err("unterminated string literal".into());
                }
                if c[i] == '\'' {
                    if i + 1 < c.len() && c[i + 1] == '\'' {
                        v.push('\'');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                v.push(c[i]);
                i += 1;
            }
            out.push(Tok::Str(v));
        } else {
            let start = i;
            while i < c.len() && !c[i].is_whitespace() && !"(),:'".contains(c[i]) {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            // Namespaced enum literal: Microsoft.Dynamics.CRM.OwnershipTypes'UserOwned'
            if i < c.len() && c[i] == '\'' && word.contains('.') {
                let mut v = String::new();
                i += 1;
                while i < c.len() && c[i] != '\'' {
                    v.push(c[i]);
                    i += 1;
                }
                i += 1;
                out.push(Tok::Str(v));
            } else {
                out.push(Tok::Ident(word));
            }
        }
    }
    Ok(out)
}

struct P {
    t: Vec<Tok>,
    i: usize,
}

impl P {
    fn peek(&self) -> Option<&Tok> {
        self.t.get(self.i)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.t.get(self.i).cloned();
        self.i += 1;
        t
    }
    fn kw(&self, k: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(w)) if w.eq_ignore_ascii_case(k))
    }
    fn expect(&mut self, t: Tok) -> Result<(), String> {
        match self.next() {
            Some(x) if x == t => Ok(()),
            other => Err(format!("expected {t:?}, found {other:?}")),
        }
    }
    fn or(&mut self) -> Result<Expr, String> {
        let mut l = self.and()?;
        while self.kw("or") {
            self.i += 1;
            let r = self.and()?;
            l = Expr::Or(Box::new(l), Box::new(r));
        }
        Ok(l)
    }
    fn and(&mut self) -> Result<Expr, String> {
        let mut l = self.unary()?;
        while self.kw("and") {
            self.i += 1;
            let r = self.unary()?;
            l = Expr::And(Box::new(l), Box::new(r));
        }
        Ok(l)
    }
    fn unary(&mut self) -> Result<Expr, String> {
        if self.kw("not") {
            self.i += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Tok::Open) {
            self.i += 1;
            let e = self.or()?;
            self.expect(Tok::Close)?;
            return Ok(e);
        }
        let word = match self.next() {
            Some(Tok::Ident(w)) => w,
            other => return Err(format!("expected a property or function, found {other:?}")),
        };
        let lower = word.to_ascii_lowercase();
        if matches!(lower.as_str(), "startswith" | "endswith" | "contains") && self.peek() == Some(&Tok::Open) {
            self.i += 1;
            let prop = match self.next() {
                Some(Tok::Ident(p)) => p,
                other => return Err(format!("expected a property, found {other:?}")),
            };
            self.expect(Tok::Comma)?;
            let arg = match self.next() {
                Some(Tok::Str(s)) => s,
                other => return Err(format!("expected a string, found {other:?}")),
            };
            self.expect(Tok::Close)?;
            return Ok(Expr::Func { name: lower, prop, arg });
        }
        if let Some(prop) = word.strip_suffix("/any").or_else(|| word.strip_suffix("/all")) {
            self.expect(Tok::Open)?;
            let var = match self.next() {
                Some(Tok::Ident(v)) => v,
                other => return Err(format!("expected a lambda variable, found {other:?}")),
            };
            self.expect(Tok::Colon)?;
            let inner = self.or()?;
            self.expect(Tok::Close)?;
            return Ok(Expr::Any {
                prop: prop.to_string(),
                var,
                inner: Box::new(inner),
            });
        }
        let op = match self.next() {
            Some(Tok::Ident(o)) if ["eq", "ne", "gt", "ge", "lt", "le"].contains(&o.to_ascii_lowercase().as_str()) => {
                o.to_ascii_lowercase()
            }
            other => return Err(format!("unsupported operator {other:?} after '{word}'")),
        };
        let lit = match self.next() {
            Some(Tok::Str(s)) => Lit::Str(s),
            Some(Tok::Ident(w)) => match w.as_str() {
                "null" => Lit::Null,
                "true" => Lit::Bool(true),
                "false" => Lit::Bool(false),
                _ => {
                    if let Ok(n) = w.parse::<f64>() {
                        Lit::Num(n)
                    } else if crate::util::parse_guid(&w).is_some() {
                        Lit::Str(w.to_ascii_lowercase())
                    } else {
                        return Err(format!("unsupported literal '{w}'"));
                    }
                }
            },
            other => return Err(format!("expected a literal, found {other:?}")),
        };
        Ok(Expr::Cmp { prop: word, op, lit })
    }
}

pub fn parse(s: &str) -> Result<Expr, String> {
    let mut p = P { t: tokenize(s)?, i: 0 };
    let e = p.or()?;
    if p.i != p.t.len() {
        return Err(format!("unexpected trailing input in '{s}'"));
    }
    Ok(e)
}

impl Expr {
    /// Property names referenced (lambda variables excluded).
    pub fn props(&self) -> Vec<String> {
        match self {
            Expr::And(a, b) | Expr::Or(a, b) => {
                let mut v = a.props();
                v.extend(b.props());
                v
            }
            Expr::Not(a) => a.props(),
            Expr::Cmp { prop, .. } | Expr::Func { prop, .. } => vec![prop.clone()],
            Expr::Any { prop, .. } => vec![prop.clone()],
        }
    }

    /// Evaluates against `get(prop) -> value`; strings compare case-insensitively unless `case_sensitive`.
    pub fn eval(&self, get: &dyn Fn(&str) -> Value, case_sensitive: bool) -> bool {
        match self {
            Expr::And(a, b) => a.eval(get, case_sensitive) && b.eval(get, case_sensitive),
            Expr::Or(a, b) => a.eval(get, case_sensitive) || b.eval(get, case_sensitive),
            Expr::Not(a) => !a.eval(get, case_sensitive),
            Expr::Func { name, prop, arg } => {
                let v = get(prop);
                let Some(s) = v.as_str() else { return false };
                let (s, a) = if case_sensitive {
                    (s.to_string(), arg.clone())
                } else {
                    (s.to_lowercase(), arg.to_lowercase())
                };
                match name.as_str() {
                    "startswith" => s.starts_with(&a),
                    "endswith" => s.ends_with(&a),
                    _ => s.contains(&a),
                }
            }
            Expr::Any { prop, var, inner } => {
                let v = get(prop);
                let Some(items) = v.as_array() else { return false };
                items.iter().any(|item| {
                    let item = item.clone();
                    let var = var.clone();
                    let getter = move |p: &str| if p == var { item.clone() } else { get(p) };
                    inner.eval(&getter, case_sensitive)
                })
            }
            Expr::Cmp { prop, op, lit } => {
                let v = get(prop);
                let ord = compare(&v, lit, case_sensitive);
                match op.as_str() {
                    "eq" => ord == Some(std::cmp::Ordering::Equal),
                    "ne" => ord != Some(std::cmp::Ordering::Equal),
                    "gt" => ord == Some(std::cmp::Ordering::Greater),
                    "ge" => matches!(ord, Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)),
                    "lt" => ord == Some(std::cmp::Ordering::Less),
                    "le" => matches!(ord, Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)),
                    _ => false,
                }
            }
        }
    }
}

fn compare(v: &Value, lit: &Lit, case_sensitive: bool) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering::*;
    match (v, lit) {
        (Value::Null, Lit::Null) => Some(Equal),
        (Value::Null, _) | (_, Lit::Null) => None,
        (Value::String(s), Lit::Str(l)) => Some(if case_sensitive {
            s.as_str().cmp(l.as_str())
        } else {
            s.to_lowercase().cmp(&l.to_lowercase())
        }),
        (Value::Number(n), Lit::Num(l)) => n.as_f64().and_then(|n| n.partial_cmp(l)),
        (Value::String(s), Lit::Num(l)) => s.parse::<f64>().ok().and_then(|n| n.partial_cmp(l)),
        (Value::Number(n), Lit::Str(l)) => l
            .parse::<f64>()
            .ok()
            .and_then(|l| n.as_f64().and_then(|n| n.partial_cmp(&l))),
        (Value::Bool(b), Lit::Bool(l)) => Some(b.cmp(l)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_and_evaluates_the_filters_clients_send() {
        let rec = json!({"name":"Basic User","_businessunitid_value":"5a2c0000-0000-4000-8000-000000000001","tags":["a","wpcrm-site:x"],"_parentbusinessunitid_value":null});
        let get = |p: &str| rec.get(p).cloned().unwrap_or(Value::Null);
        for (f, want) in [
            ("name eq 'basic user'", true),
            (
                "name eq 'Basic User' and _businessunitid_value eq 5a2c0000-0000-4000-8000-000000000001",
                true,
            ),
            ("_parentbusinessunitid_value eq null", true),
            ("startswith(name,'Basic')", true),
            ("tags/any(t:t eq 'wpcrm-site:x')", true),
            ("tags/any(t:t eq 'nope')", false),
            ("not (name eq 'x') or name eq 'y'", true),
            ("name ne 'Basic User'", false),
        ] {
            assert_eq!(parse(f).unwrap().eval(&get, false), want, "{f}");
        }
        assert!(parse("name eq").is_err());
    }
}
