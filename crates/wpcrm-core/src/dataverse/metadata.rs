//! Table definitions (`EntityDefinitions`) and the privileges each table defines
//! (<https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api>).

use super::client::{encode, literal, Dataverse};
use crate::service::Error;
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

/// A table's definition, as far as verification needs it.
#[derive(Debug, Clone, Default)]
pub struct TableDefinition {
    pub schema_name: Option<String>,
    pub entity_set: Option<String>,
    pub display_name: Option<String>,
    pub primary_id: Option<String>,
    /// PrivilegeType (`Read`) → privilege name (`prvReadAccount`).
    pub privileges: HashMap<String, String>,
}

impl TableDefinition {
    /// The privilege of a `PrivilegeType` (`Read`): from the definition, else
    /// `prv<Verb><SchemaName>`.
    pub fn privilege_for(&self, privilege_type: &str, logical_name: &str) -> String {
        self.privileges.get(privilege_type).cloned().unwrap_or_else(|| {
            format!(
                "prv{}{}",
                privilege_type,
                self.schema_name.as_deref().unwrap_or(logical_name)
            )
        })
    }
}

/// A table privilege from `EntityDefinitions(...)?$select=Privileges`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrivilegeMetadata {
    pub privilege_id: String,
    pub name: String,
    /// `Create`, `Read`, `Write`, `Delete`, `Append`, `AppendTo`, … (or its number).
    pub privilege_type: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EntityPrivileges {
    #[serde(default)]
    privileges: Vec<PrivilegeMetadata>,
}

impl Dataverse<'_> {
    /// The cheap metadata read: one table definition's logical name (never `$metadata`).
    pub async fn probe_metadata(&self) -> Result<(), Error> {
        self.get("EntityDefinitions(LogicalName='systemuser')?$select=LogicalName")
            .await
            .map(drop)
    }

    pub async fn table_definition(&self, logical_name: &str) -> Result<TableDefinition, Error> {
        let v = self
            .get(&format!(
                "EntityDefinitions(LogicalName='{}')?$select=LogicalName,SchemaName,EntitySetName,DisplayName,PrimaryIdAttribute,Privileges",
                encode(&literal(logical_name))
            ))
            .await?;
        Ok(read_definition(&v))
    }

    /// The privileges a table defines (one per access kind).
    pub async fn table_privileges(&self, logical_name: &str) -> Result<Vec<PrivilegeMetadata>, Error> {
        let e: EntityPrivileges = self
            .get_as(&format!(
                "EntityDefinitions(LogicalName='{}')?$select=LogicalName,SchemaName,Privileges",
                encode(&literal(logical_name))
            ))
            .await?;
        Ok(e.privileges)
    }
}

fn read_definition(v: &Value) -> TableDefinition {
    // Key lookups return the entity itself; tolerate the documented `value` wrapper too.
    let v = match v.get("value").and_then(Value::as_array) {
        Some(list) => list.first().cloned().unwrap_or(Value::Null),
        None => v.clone(),
    };
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let label = |l: &Value| l.get("Label").and_then(Value::as_str).map(str::to_owned);
    let display_name = v.get("DisplayName").and_then(|d| {
        d.get("UserLocalizedLabel").and_then(label).or_else(|| {
            d.get("LocalizedLabels")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(label)
        })
    });
    let mut privileges = HashMap::new();
    for p in v.get("Privileges").and_then(Value::as_array).into_iter().flatten() {
        let (Some(kind), Some(name)) = (
            p.get("PrivilegeType").and_then(Value::as_str),
            p.get("Name").and_then(Value::as_str),
        ) else {
            continue;
        };
        privileges.insert(kind.to_owned(), name.to_owned());
    }
    TableDefinition {
        schema_name: text("SchemaName"),
        entity_set: text("EntitySetName"),
        display_name,
        primary_id: text("PrimaryIdAttribute"),
        privileges,
    }
}

/// The `PrivilegeType` name of an access kind as the API takes it (`read` → `Read`).
pub fn privilege_type(kind: &str) -> Option<&'static str> {
    Some(match kind.to_ascii_lowercase().as_str() {
        "read" => "Read",
        "create" => "Create",
        "write" => "Write",
        "delete" => "Delete",
        "append" => "Append",
        "appendto" => "AppendTo",
        _ => return None,
    })
}

/// Whether a privilege's `PrivilegeType` (name or number) is the given type name.
pub fn privilege_is(p: &PrivilegeMetadata, type_name: &str) -> bool {
    match &p.privilege_type {
        Value::String(s) => s.eq_ignore_ascii_case(type_name),
        Value::Number(n) => {
            let name = match n.as_i64() {
                Some(1) => "Create",
                Some(2) => "Read",
                Some(3) => "Write",
                Some(4) => "Delete",
                Some(7) => "Append",
                Some(8) => "AppendTo",
                _ => "",
            };
            name == type_name
        }
        _ => false,
    }
}
