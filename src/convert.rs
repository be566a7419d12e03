//! PHP values to `wpcrm_core` inputs, and serializable results back to PHP arrays.
//!
//! Strict about PHP types (a non-string where a string belongs is a `TypeError` naming the key,
//! never the value), loose about everything else: unknown keys are ignored and the values an admin
//! typed reach the engine as given, because a bad value must become a failed check with a fix.

use crate::exceptions::ExtError;
use crate::ini;
use ext_php_rs::boxed::ZBox;
use ext_php_rs::convert::{FromZval, StubLiteral};
use ext_php_rs::flags::DataType;
use ext_php_rs::types::{ArrayKey, ZendHashTable, Zval};
use serde::Serialize;
use serde_json::Value;
use std::time::Duration;
use wpcrm_core::verify::many::{FleetItem, FleetOptions, FleetReport, MAX_CONCURRENCY};
use wpcrm_core::{ClientSecret, ConnectionInput, ProvisionRequest, TableRequest, VerifyOptions};
use zeroize::Zeroize;

/// Length of `state_key` in bytes.
pub const STATE_KEY_LEN: usize = 32;

/// An `array` parameter whose default is `[]` (ext-php-rs renders `StubLiteral` into the
/// reflection data, so PHP sees `array $options = []`, not `?array $options = null`).
pub struct ArrayArg<'a>(Option<&'a ZendHashTable>);

impl<'a> ArrayArg<'a> {
    pub fn empty() -> Self {
        Self(None)
    }
}

impl<'a> FromZval<'a> for ArrayArg<'a> {
    const TYPE: DataType = DataType::Array;

    fn from_zval(zval: &'a Zval) -> Option<Self> {
        zval.array().map(|array| Self(Some(array)))
    }
}

impl StubLiteral for ArrayArg<'_> {
    fn stub_literal(&self) -> String {
        "[]".to_owned()
    }
}

/// Reads the keys of one PHP array argument and names them in errors as `$param['key']`.
struct Fields<'a> {
    function: &'static str,
    param: &'static str,
    array: Option<&'a ZendHashTable>,
}

impl<'a> Fields<'a> {
    fn new(function: &'static str, param: &'static str, array: Option<&'a ZendHashTable>) -> Self {
        Self { function, param, array }
    }

    /// The value under `key`; a missing key and `null` are the same.
    fn get(&self, key: &str) -> Option<&'a Zval> {
        let value = self.array?.get(key)?.dereference();
        (!value.is_null()).then_some(value)
    }

    fn type_error(&self, key: &str, expected: &str, given: &Zval) -> ExtError {
        ExtError::Type(format!(
            "{}(): {}['{key}'] must be of type {expected}, {} given",
            self.function,
            self.param,
            type_name(given)
        ))
    }

    fn invalid(&self, key: &str, why: &str) -> ExtError {
        ExtError::InvalidArgument(format!("{}(): {}['{key}'] {why}", self.function, self.param))
    }

    fn bytes(&self, key: &str) -> Result<Option<&'a [u8]>, ExtError> {
        match self.get(key) {
            None => Ok(None),
            Some(value) => match value.zend_str() {
                Some(s) => Ok(Some(s.as_bytes())),
                None => Err(self.type_error(key, "?string", value)),
            },
        }
    }

    /// Strings reach the engine as given; bytes that are not UTF-8 become U+FFFD and then fail the
    /// engine's validation like any other bad input.
    fn string(&self, key: &str) -> Result<Option<String>, ExtError> {
        Ok(self.bytes(key)?.map(|b| String::from_utf8_lossy(b).into_owned()))
    }

    fn int(&self, key: &str) -> Result<Option<i64>, ExtError> {
        match self.get(key) {
            None => Ok(None),
            Some(value) => value
                .long()
                .map(Some)
                .ok_or_else(|| self.type_error(key, "?int", value)),
        }
    }

    fn bool(&self, key: &str) -> Result<Option<bool>, ExtError> {
        match self.get(key) {
            None => Ok(None),
            Some(value) => value
                .bool()
                .map(Some)
                .ok_or_else(|| self.type_error(key, "?bool", value)),
        }
    }

    /// Seconds as int or float.
    fn timeout(&self, key: &str) -> Result<Option<Duration>, ExtError> {
        let Some(value) = self.get(key) else { return Ok(None) };
        let seconds = match (value.long(), value.double()) {
            (Some(n), _) => n as f64,
            (None, Some(x)) => x,
            _ => return Err(self.type_error(key, "int|float|null", value)),
        };
        ini::seconds(seconds).map(Some).ok_or_else(|| {
            self.invalid(
                key,
                &format!(
                    "must be a number of seconds above 0 and at most {}",
                    ini::MAX_TIMEOUT_SECS
                ),
            )
        })
    }

    fn string_list(&self, key: &str) -> Result<Option<Vec<String>>, ExtError> {
        let Some(value) = self.get(key) else { return Ok(None) };
        let array = value.array().ok_or_else(|| self.type_error(key, "?array", value))?;
        array
            .values()
            .map(|item| {
                let item = item.dereference();
                item.zend_str()
                    .map(|s| String::from_utf8_lossy(s.as_bytes()).into_owned())
                    .ok_or_else(|| self.type_error(key, "list<string>", item))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// `tables`: a list of logical names (read access), a map of logical name → list of access
    /// kinds, or both mixed. Order is kept: it is the order of the `table:<name>` checks.
    fn tables(&self, key: &str) -> Result<Vec<TableRequest>, ExtError> {
        let Some(value) = self.get(key) else {
            return Ok(Vec::new());
        };
        let array = value.array().ok_or_else(|| self.type_error(key, "?array", value))?;
        let mut tables = Vec::with_capacity(array.len());
        for (entry_key, entry) in array.iter() {
            let entry = entry.dereference();
            let name = match entry_key {
                ArrayKey::Long(_) => None,
                other => Some(other.to_string()),
            };
            let table = match name {
                None => match entry.zend_str() {
                    Some(s) => TableRequest::read(String::from_utf8_lossy(s.as_bytes())),
                    None => return Err(self.type_error(key, "list<string>|array<string, list<string>>", entry)),
                },
                Some(name) => {
                    let kinds = entry
                        .array()
                        .ok_or_else(|| self.type_error(&format!("{key}']['{name}"), "list<string>", entry))?;
                    let access = kinds
                        .values()
                        .map(|kind| {
                            let kind = kind.dereference();
                            kind.zend_str()
                                .map(|s| String::from_utf8_lossy(s.as_bytes()).into_owned())
                                .ok_or_else(|| self.type_error(&format!("{key}']['{name}"), "list<string>", kind))
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    TableRequest {
                        logical_name: name,
                        access,
                    }
                }
            };
            tables.push(table);
        }
        Ok(tables)
    }
}

pub fn connection_input(function: &'static str, connection: &ZendHashTable) -> Result<ConnectionInput, ExtError> {
    let f = Fields::new(function, "$connection", Some(connection));
    Ok(ConnectionInput {
        instance_url: f.string("instance_url")?,
        application_id: f.string("application_id")?,
        client_secret: f.string("client_secret")?.map(ClientSecret::new),
        tenant_id: f.string("tenant_id")?,
    })
}

pub fn verify_options(function: &'static str, options: &ArrayArg<'_>) -> Result<VerifyOptions, ExtError> {
    let f = Fields::new(function, "$options", options.0);
    Ok(VerifyOptions {
        tables: f.tables("tables")?,
        timeout: f.timeout("timeout")?,
        secret_expires_at: f.string("secret_expires_at")?,
        site_role_id: f.string("site_role_id")?,
    })
}

pub fn provision_request(function: &'static str, request: &ZendHashTable) -> Result<ProvisionRequest, ExtError> {
    let f = Fields::new(function, "$request", Some(request));
    let state_key = match f.bytes("state_key")? {
        Some(key) if key.len() == STATE_KEY_LEN => key.to_vec(),
        Some(key) => {
            return Err(f.invalid(
                "state_key",
                &format!("must be exactly {STATE_KEY_LEN} bytes, {} given", key.len()),
            ))
        }
        None => return Err(f.invalid("state_key", &format!("is required ({STATE_KEY_LEN} bytes)"))),
    };
    Ok(ProvisionRequest {
        state: f.string("state")?,
        state_key,
        instance_url: f.string("instance_url")?,
        app_name: f.string("app_name")?,
        secret_lifetime_days: f.int("secret_lifetime_days")?,
        tables: f.tables("tables")?,
        roles: f.string_list("roles")?,
        create_role: f.bool("create_role")?.unwrap_or(false),
        site_id: f.string("site_id")?,
        cloud: f.string("cloud")?,
        action: f.string("action")?,
        client_secret: f.string("client_secret")?.map(ClientSecret::new),
        timeout: f.timeout("timeout")?,
        application_id: f.string("application_id")?,
        application_object_id: f.string("application_object_id")?,
        tenant_id: f.string("tenant_id")?,
        sign_in_method: f.string("sign_in_method")?,
        sign_in_response_url: f.string("sign_in_response_url")?,
    })
}

/// A key of `wpcrm_verify_connections()`'s `$connections`, kept to key its results the same way.
pub enum Key {
    Int(i64),
    Str(String),
}

/// `$options` of `wpcrm_verify_connections()`: the defaults every connection starts from, the
/// fleet's own options, and the progress callable (checked to be callable).
pub struct FleetArgs<'a> {
    pub defaults: VerifyOptions,
    pub fleet: FleetOptions,
    pub progress: Option<&'a Zval>,
}

pub fn fleet_options<'a>(function: &'static str, options: &ArrayArg<'a>) -> Result<FleetArgs<'a>, ExtError> {
    let f = Fields::new(function, "$options", options.0);
    let concurrency = match f.int("concurrency")? {
        None => None,
        Some(n) if (1..=MAX_CONCURRENCY as i64).contains(&n) => Some(n as usize),
        Some(_) => return Err(f.invalid("concurrency", &format!("must be between 1 and {MAX_CONCURRENCY}"))),
    };
    let progress = match f.get("progress") {
        None => None,
        Some(p) if p.is_callable() => Some(p),
        Some(p) => return Err(f.type_error("progress", "?callable", p)),
    };
    Ok(FleetArgs {
        defaults: VerifyOptions {
            tables: f.tables("tables")?,
            timeout: f.timeout("connection_timeout")?,
            secret_expires_at: None,
            site_role_id: None,
        },
        fleet: FleetOptions {
            concurrency,
            timeout: f.timeout("timeout")?,
        },
        progress,
    })
}

/// `$connections`: each entry a connection array, which may also carry its own `tables`,
/// `timeout`, `secret_expires_at` and `site_role_id` (over the defaults of `$options`).
pub fn fleet_items(
    function: &'static str,
    connections: &ZendHashTable,
    defaults: &VerifyOptions,
) -> Result<(Vec<Key>, Vec<FleetItem>), ExtError> {
    let mut keys = Vec::with_capacity(connections.len());
    let mut items = Vec::with_capacity(connections.len());
    for (key, entry) in connections.iter() {
        let entry = entry.dereference();
        let key = match key {
            ArrayKey::Long(n) => Key::Int(n),
            other => Key::Str(other.to_string()),
        };
        let Some(array) = entry.array() else {
            let name = match &key {
                Key::Int(n) => n.to_string(),
                Key::Str(s) => format!("'{}'", s.chars().take(60).collect::<String>()),
            };
            return Err(ExtError::Type(format!(
                "{function}(): $connections[{name}] must be of type array, {} given",
                type_name(entry)
            )));
        };
        let f = Fields::new(function, "$connections[…]", Some(array));
        let mut options = defaults.clone();
        if f.get("tables").is_some() {
            options.tables = f.tables("tables")?;
        }
        if let Some(t) = f.timeout("timeout")? {
            options.timeout = Some(t);
        }
        options.secret_expires_at = f.string("secret_expires_at")?;
        options.site_role_id = f.string("site_role_id")?;
        items.push(FleetItem {
            connection: connection_input(function, array)?,
            options,
        });
        keys.push(key);
    }
    Ok((keys, items))
}

/// The fleet's answer with `results` keyed as `$connections` was.
pub fn fleet_to_php(keys: &[Key], report: &FleetReport) -> Result<ZBox<ZendHashTable>, ExtError> {
    let mut results = ZendHashTable::with_capacity(u32::try_from(keys.len()).unwrap_or(u32::MAX));
    for (key, one) in keys.iter().zip(&report.results) {
        let value = to_php(one)?;
        match key {
            Key::Int(n) => results.insert_at_index(*n, value),
            Key::Str(s) => results.insert(s.as_str(), value),
        }
        .map_err(conversion_error)?;
    }
    let mut out = to_php(&serde_json::json!({
        "summary": report.summary,
        "concurrency": report.concurrency,
        "elapsed_ms": report.elapsed_ms,
        "requests": report.requests,
    }))?;
    out.insert("results", results).map_err(conversion_error)?;
    Ok(out)
}

/// Any serializable engine result (a JSON object) as a PHP array: the one converter back.
pub fn to_php<T: Serialize>(value: &T) -> Result<ZBox<ZendHashTable>, ExtError> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => object_to_array(map),
        Ok(_) => Err(ExtError::Runtime(
            "the engine returned a result that is not an object".to_owned(),
        )),
        Err(e) => Err(ExtError::Runtime(format!("cannot convert the engine's result: {e}"))),
    }
}

fn object_to_array(map: serde_json::Map<String, Value>) -> Result<ZBox<ZendHashTable>, ExtError> {
    let mut array = ZendHashTable::with_capacity(u32::try_from(map.len()).unwrap_or(u32::MAX));
    for (key, value) in map {
        array.insert(key.as_str(), to_zval(value)?).map_err(conversion_error)?;
    }
    Ok(array)
}

fn to_zval(value: Value) -> Result<Zval, ExtError> {
    let mut zval = Zval::new();
    match value {
        Value::Null => zval.set_null(),
        Value::Bool(b) => zval.set_bool(b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => zval.set_long(i),
            None => zval.set_double(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(mut s) => {
            // The one string that matters is `connection.client_secret` of a finished provisioning
            // run; PHP has its own copy now, so wipe this one instead of leaving it to the allocator.
            let result = zval.set_string(&s, false);
            s.zeroize();
            result.map_err(conversion_error)?;
        }
        Value::Array(items) => {
            let mut array = ZendHashTable::with_capacity(u32::try_from(items.len()).unwrap_or(u32::MAX));
            for item in items {
                array.push(to_zval(item)?).map_err(conversion_error)?;
            }
            zval.set_hashtable(array);
        }
        Value::Object(map) => zval.set_hashtable(object_to_array(map)?),
    }
    Ok(zval)
}

fn conversion_error(e: ext_php_rs::error::Error) -> ExtError {
    ExtError::Runtime(format!("cannot build the PHP result: {e}"))
}

/// PHP's name for the type of `value`, as in PHP's own `TypeError` messages.
fn type_name(value: &Zval) -> &'static str {
    if value.is_null() {
        "null"
    } else if value.is_bool() {
        "bool"
    } else if value.is_long() {
        "int"
    } else if value.is_double() {
        "float"
    } else if value.is_string() {
        "string"
    } else if value.is_array() {
        "array"
    } else if value.is_object() {
        "object"
    } else {
        "resource"
    }
}
