//! Table metadata: `EntityDefinitions` by key (unwrapped `/$entity`) and by `$filter` (the Python
//! SDK's form), with labels and `Privileges` (SecurityPrivilegeMetadata), and the attributes of a
//! table with their typed casts. Functions such as `startswith` on metadata answer 501, as Dataverse
//! does. <https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api>

use super::access::require;
use super::context::{project, select_list, split_key, Cx, R};
use super::rows::known_props;
use crate::errors::Dv;
use crate::http::Resp;
use crate::odata;
use crate::store::{Env, TableDef, World, VERBS};
use crate::util::{det_uuid, parse_guid};
use serde_json::{json, Map, Value};

/// The EntityMetadata properties the sandbox returns (and accepts in `$select`/`$filter`).
const METADATA_PROPS: [&str; 17] = [
    "MetadataId",
    "LogicalName",
    "SchemaName",
    "EntitySetName",
    "LogicalCollectionName",
    "PrimaryIdAttribute",
    "PrimaryNameAttribute",
    "ObjectTypeCode",
    "IsCustomEntity",
    "OwnershipType",
    "DisplayName",
    "DisplayCollectionName",
    "Description",
    "IsActivity",
    "IsValidForAdvancedFind",
    "Privileges",
    "CollectionSchemaName",
];

fn label(text: &str, id_seed: &str) -> Value {
    let l = json!({"Label": text, "LanguageCode": 1033, "IsManaged": true, "MetadataId": det_uuid(id_seed).to_string(), "HasChanged": Value::Null});
    json!({"LocalizedLabels": [l.clone()], "UserLocalizedLabel": l})
}

/// One table's EntityMetadata.
fn entity_metadata(env: &Env, t: &TableDef) -> Map<String, Value> {
    let privileges: Vec<Value> = VERBS
        .iter()
        .filter_map(|verb| env.privilege_by_name(&t.privilege_name(verb)).map(|p| (verb, p)))
        .map(|(verb, p)| {
            json!({"CanBeBasic": true, "CanBeLocal": true, "CanBeDeep": true, "CanBeGlobal": true,
                "CanBeEntityReference": false, "CanBeParentEntityReference": false, "CanBeRecordFilter": false,
                "Name": p.name, "PrivilegeId": p.id.to_string(), "PrivilegeType": verb})
        })
        .collect();
    let ownership = if t.system { "BusinessOwned" } else { "UserOwned" };
    json!({
        "MetadataId": t.metadata_id.to_string(),
        "LogicalName": t.logical_name,
        "SchemaName": t.schema_name,
        "EntitySetName": t.entity_set,
        "LogicalCollectionName": t.entity_set,
        "CollectionSchemaName": format!("{}s", t.schema_name),
        "PrimaryIdAttribute": t.primary_id,
        "PrimaryNameAttribute": t.primary_name,
        "ObjectTypeCode": t.otc,
        "IsCustomEntity": t.is_custom,
        "OwnershipType": ownership,
        "DisplayName": label(&t.display_name, &format!("label/{}/display", t.logical_name)),
        "DisplayCollectionName": label(&t.display_collection_name, &format!("label/{}/collection", t.logical_name)),
        "Description": label("", &format!("label/{}/description", t.logical_name)),
        "IsActivity": false,
        "IsValidForAdvancedFind": true,
        "Privileges": privileges,
    })
    .as_object()
    .cloned()
    .unwrap_or_default()
}

/// The answer for a table the environment lacks: 404 `0x80040217`, or with config
/// `unknown_table_400` 400 `0x80041102` with the same MetadataCache text — both have been seen for
/// `EntityDefinitions(LogicalName='x')` (issue 10; `reference/dataverse-web-api.md` §2.3 leaves it
/// unconfirmed).
fn unknown_table(w: &World, name: String) -> Dv {
    let not_found = Dv::EntityMetadataNotFound { name };
    if !w.config.unknown_table_400 {
        return not_found;
    }
    let (_, _, message) = not_found.parts();
    Dv::Variant {
        status: 400,
        code: "0x80041102",
        message,
    }
}

/// Query table definitions (`GET EntityDefinitions`, `EntityDefinitions(LogicalName='x')` or
/// `EntityDefinitions(<MetadataId>)`): needs `prvReadEntity`; unknown tables are 404 0x80040217
/// (or 400 0x80041102, [`unknown_table`]).
/// <https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api#querying-the-entitymetadata-entity-type>
pub(super) fn entity_definitions(cx: &Cx, w: &World, key: Option<String>) -> R {
    let env = &w.envs[cx.ei];
    if let Some(refusal) = super::security::no_role_refusal(w, env, cx.caller) {
        return Err(refusal);
    }
    require(env, cx.caller, "prvReadEntity")?;
    let select = select_list(cx.req);
    for p in select.iter().flatten() {
        if !METADATA_PROPS.contains(&p.as_str()) {
            return Err(Dv::PropertyNotFound {
                property: p.clone(),
                entity: "EntityMetadata".into(),
            });
        }
    }
    let ctx_sel = select
        .as_ref()
        .map(|s| format!("({})", s.join(",")))
        .unwrap_or_default();
    if let Some(k) = key {
        let t = if let Some(g) = parse_guid(&k) {
            env.tables.iter().find(|t| t.metadata_id == g).cloned()
        } else {
            let name = k
                .strip_prefix("LogicalName=")
                .unwrap_or(&k)
                .trim_matches('\'')
                .to_string();
            let found = env.table(&name.to_ascii_lowercase());
            if found.is_none() {
                return Err(unknown_table(w, name));
            }
            found
        };
        let t = t.ok_or(Dv::EntityMetadataNotFound { name: k.clone() })?;
        let mut v = project(entity_metadata(env, &t), &select, "MetadataId");
        v["@odata.context"] = json!(format!("{}/$metadata#EntityDefinitions{ctx_sel}/$entity", cx.base));
        return Ok(Resp::json(200, &v));
    }
    let filter = match cx.req.q("$filter") {
        Some(f) => {
            let e = odata::parse(&f).map_err(Dv::QuerySyntax)?;
            fn has_func(e: &odata::Expr) -> Option<String> {
                match e {
                    odata::Expr::Func { name, .. } => Some(name.clone()),
                    odata::Expr::And(a, b) | odata::Expr::Or(a, b) => has_func(a).or_else(|| has_func(b)),
                    odata::Expr::Not(a) => has_func(a),
                    _ => None,
                }
            }
            if let Some(f) = has_func(&e) {
                return Err(Dv::MetadataFunction(f));
            }
            for p in e.props() {
                if !METADATA_PROPS.contains(&p.as_str()) {
                    return Err(Dv::PropertyNotFound {
                        property: p,
                        entity: "EntityMetadata".into(),
                    });
                }
            }
            Some(e)
        }
        None => None,
    };
    let value: Vec<Value> = env
        .tables
        .iter()
        .map(|t| entity_metadata(env, t))
        .filter(|m| {
            filter
                .as_ref()
                .map(|f| f.eval(&|k: &str| m.get(k).cloned().unwrap_or(Value::Null), false))
                .unwrap_or(true)
        })
        .map(|m| project(m, &select, "MetadataId"))
        .collect();
    Ok(Resp::json(
        200,
        &json!({"@odata.context": format!("{}/$metadata#EntityDefinitions{ctx_sel}", cx.base), "value": value}),
    ))
}

/// The attribute type of a column, inferred from its name and the seeded values.
fn attribute_type(env: &Env, t: &TableDef, a: &str) -> &'static str {
    if a == t.primary_id {
        return "Uniqueidentifier";
    }
    if a.starts_with('_') && a.ends_with("_value") {
        return "Lookup";
    }
    match a {
        "statecode" => return "State",
        "statuscode" => return "Status",
        "prioritycode" | "accessmode" => return "Picklist",
        "createdon" | "modifiedon" => return "DateTime",
        "versionnumber" => return "BigInt",
        _ => {}
    }
    let sample = env.records.get(&t.logical_name).and_then(|rs| {
        rs.iter()
            .find_map(|r| r.fields.get(a).filter(|v| !v.is_null()).cloned())
    });
    match sample {
        Some(Value::Bool(_)) => "Boolean",
        Some(Value::Number(n)) if n.is_i64() => "Integer",
        Some(Value::Number(_)) => "Decimal",
        _ if a == "isdisabled" || a == "ismanaged" => "Boolean",
        _ => "String",
    }
}

/// `EntityDefinitions(…)/Attributes`, `…/Attributes(LogicalName='x')` and the typed casts
/// (`…/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata`). Option sets are empty.
pub(super) fn attribute_definitions(cx: &Cx, w: &World, key: Option<String>, rest: &[String]) -> R {
    let env = &w.envs[cx.ei];
    require(env, cx.caller, "prvReadEntity")?;
    let k = key.unwrap_or_default();
    let name = k
        .strip_prefix("LogicalName=")
        .unwrap_or(&k)
        .trim_matches('\'')
        .to_string();
    let t = match parse_guid(&name) {
        Some(g) => env.tables.iter().find(|t| t.metadata_id == g).cloned(),
        None => env.table(&name.to_ascii_lowercase()),
    }
    .ok_or(Dv::EntityMetadataNotFound { name: name.clone() })?;
    let (seg, akey) = split_key(&rest[0]);
    if seg != "Attributes" {
        return Err(Dv::SegmentNotFound(seg));
    }
    let cast = rest.get(1).map(|c| {
        c.trim_start_matches("Microsoft.Dynamics.CRM.")
            .trim_end_matches("AttributeMetadata")
            .to_string()
    });
    let mut names = known_props(&t);
    names.dedup();
    let attr = |a: &str| -> Value {
        let ty = attribute_type(env, &t, a);
        let mut v = json!({
            "@odata.type": format!("#Microsoft.Dynamics.CRM.{}AttributeMetadata", if ty == "Uniqueidentifier" { "UniqueIdentifier" } else { ty }),
            "MetadataId": det_uuid(&format!("attribute/{}/{a}", t.logical_name)).to_string(),
            "LogicalName": a,
            "SchemaName": a,
            "EntityLogicalName": t.logical_name,
            "AttributeType": ty,
            "IsPrimaryId": a == t.primary_id,
            "IsPrimaryName": a == t.primary_name,
            "IsValidForCreate": a != t.primary_id && !a.starts_with('_'),
            "IsValidForRead": true,
            "IsValidForUpdate": a != t.primary_id && !a.starts_with('_'),
            "DisplayName": label(a, &format!("label/{}/{a}", t.logical_name)),
        });
        if matches!(ty, "Picklist" | "State" | "Status") {
            v["OptionSet"] = json!({"Options": []});
        }
        v
    };
    let mut select = select_list(cx.req);
    if let (Some(sel), Some(expand)) = (select.as_mut(), cx.req.q("$expand")) {
        if expand.starts_with("OptionSet") {
            sel.push("OptionSet".into());
        }
    }
    if let Some(ak) = akey {
        let an = ak
            .strip_prefix("LogicalName=")
            .unwrap_or(&ak)
            .trim_matches('\'')
            .to_string();
        if !names.contains(&an) {
            return Err(Dv::RecordNotFound {
                entity: "Attribute".into(),
                id: an,
            });
        }
        let mut v = project(
            attr(&an).as_object().cloned().unwrap_or_default(),
            &select,
            "MetadataId",
        );
        v["@odata.context"] = json!(format!(
            "{}/$metadata#EntityDefinitions('{}')/Attributes/$entity",
            cx.base, t.logical_name
        ));
        return Ok(Resp::json(200, &v));
    }
    let value: Vec<Value> = names
        .iter()
        .map(|a| attr(a))
        .filter(|v| {
            cast.as_deref()
                .map(|c| {
                    v["AttributeType"] == c || (c == "UniqueIdentifier" && v["AttributeType"] == "Uniqueidentifier")
                })
                .unwrap_or(true)
        })
        .map(|v| project(v.as_object().cloned().unwrap_or_default(), &select, "MetadataId"))
        .collect();
    let cast_ctx = rest.get(1).map(|c| format!("/{c}")).unwrap_or_default();
    Ok(Resp::json(
        200,
        &json!({
            "@odata.context": format!("{}/$metadata#EntityDefinitions('{}')/Attributes{cast_ctx}", cx.base, t.logical_name),
            "value": value,
        }),
    ))
}
