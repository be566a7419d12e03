//! A tolerant parser of Dataverse's missing-privilege message (the message of `0x80040220`, <https://learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes>):
//!
//! ```text
//! Principal user (Id=<id>, type=8, roleCount=<n>, …, businessUnitId=<guid>), is missing
//!  prv<Verb><Name> privilege (Id=<privilegeid>) on OTC=<n> for entity '<logicalname>'
//!  (LocalizedName='<display name>'). context.Caller=<id>
//! ```
//!
//! Older and shorter forms drop fields; some paths prefix "Read Privilege Check For Owner failed with
//! exception: ". Only the privilege name is required.

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MissingPrivilege {
    /// `prvReadincident`.
    pub privilege: String,
    /// `incident`, when the message names it.
    pub entity: Option<String>,
    /// The principal's id (`Principal user (Id=…`).
    pub principal_id: Option<String>,
    /// The display name (`LocalizedName='Case'`).
    pub localized_name: Option<String>,
    /// How many security roles the principal holds (`roleCount=0`), when the message says.
    pub role_count: Option<u32>,
}

/// Finds the missing privilege in `message`; `None` when the message does not name one.
pub fn parse(message: &str) -> Option<MissingPrivilege> {
    let lower = message.to_ascii_lowercase();
    let at = lower.find("is missing ")? + "is missing ".len();
    let privilege: String = message[at..]
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if !privilege.to_ascii_lowercase().starts_with("prv") || privilege.len() <= 3 {
        return None;
    }
    Some(MissingPrivilege {
        privilege,
        entity: quoted_after(message, "for entity '"),
        principal_id: between(message, "(Id=", &[',', ')']).filter(|_| lower.contains("principal ")),
        localized_name: quoted_after(message, "LocalizedName='"),
        role_count: between(message, "roleCount=", &[',', ')']).and_then(|n| n.parse().ok()),
    })
}

fn quoted_after(message: &str, marker: &str) -> Option<String> {
    let start = message.find(marker)? + marker.len();
    let end = message[start..].find('\'')?;
    Some(message[start..start + end].to_owned()).filter(|s| !s.is_empty())
}

fn between(message: &str, marker: &str, ends: &[char]) -> Option<String> {
    let start = message.find(marker)? + marker.len();
    let end = message[start..].find(ends)?;
    Some(message[start..start + end].trim().to_owned()).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modern_form() {
        let m = parse("Principal user (Id=5e1b, type=8, roleCount=1, privilegeCount=12, accessMode='4 Non-interactive', AADObjectId='a', MetadataCachePrivilegesCount=4, businessUnitId=b), is missing prvReadwpcrm_Review privilege (Id=p) on OTC=10001 for entity 'wpcrm_review' (LocalizedName='Review'). context.Caller=5e1b").unwrap();
        assert_eq!(m.privilege, "prvReadwpcrm_Review");
        assert_eq!(m.entity.as_deref(), Some("wpcrm_review"));
        assert_eq!(m.principal_id.as_deref(), Some("5e1b"));
        assert_eq!(m.localized_name.as_deref(), Some("Review"));
        assert_eq!(m.role_count, Some(1));
    }

    #[test]
    fn short_and_prefixed_forms() {
        let m = parse("Read Privilege Check For Owner failed with exception: Principal user (Id=x, type=8, roleCount=5, privilegeCount=465, accessMode=0), is missing prvReadincident privilege (Id=y) on OTC=112 for entity 'incident'. context.Caller=x").unwrap();
        assert_eq!(m.privilege, "prvReadincident");
        assert_eq!(m.entity.as_deref(), Some("incident"));
        assert_eq!(m.role_count, Some(5));
        let bare = parse("is missing prvReadEntity privilege").unwrap();
        assert_eq!((bare.privilege.as_str(), bare.role_count), ("prvReadEntity", None));
        assert!(parse("The user is not a member of the organization.").is_none());
        assert!(parse("is missing something").is_none());
    }
}
