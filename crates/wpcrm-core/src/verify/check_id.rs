//! The ids and titles of the checks of `wpcrm_verify_connection()`, in report order (`docs/verify.md`).
//!
//! The report's `Check.id` is a string on the wire (the PHP plugin's contract); [`CheckId`]'s
//! [`Display`](std::fmt::Display) is that string, and nothing else in `verify/` spells an id.

use std::fmt;

/// One check of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckId {
    /// The Connection tab's values, judged without a request.
    Input,
    /// The tenant, entered or discovered from the instance's 401 challenge.
    Tenant,
    /// The client-credentials token.
    Token,
    /// WhoAmI, the user record and its privileges.
    AppUser,
    /// Reading table definitions.
    Metadata,
    /// One table of `$options['tables']`, by logical name.
    Table(String),
    /// The least-privilege audit of the application user's roles and privileges.
    PrivilegeAudit,
    /// The client secret's expiry date, when given.
    SecretExpiry,
}

impl CheckId {
    /// The checks that need the network, in report order: tenant, token, app user, metadata,
    /// one per table, then the least-privilege audit.
    pub fn network(tables: impl IntoIterator<Item = String>) -> Vec<CheckId> {
        let mut ids = vec![Self::Tenant, Self::Token, Self::AppUser, Self::Metadata];
        ids.extend(tables.into_iter().map(Self::Table));
        ids.push(Self::PrivilegeAudit);
        ids
    }

    /// The report's title when nothing more is known (a table's title gains its display name once
    /// its definition was read, see [`CheckId::table_title`]).
    pub fn title(&self) -> String {
        match self {
            Self::Input => "Connection values".to_owned(),
            Self::Tenant => "Tenant".to_owned(),
            Self::Token => "Access token".to_owned(),
            Self::AppUser => "Application user".to_owned(),
            Self::Metadata => "Metadata access".to_owned(),
            Self::Table(name) => Self::table_title(name, None),
            Self::PrivilegeAudit => "Least privilege".to_owned(),
            Self::SecretExpiry => "Client secret expiry".to_owned(),
        }
    }

    /// The id without its table name (`table` for every `table:<name>`): what the plugin keys a
    /// check's title by (`docs/verify.md`, "Translations").
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Input => "input",
            Self::Tenant => "tenant",
            Self::Token => "token",
            Self::AppUser => "app_user",
            Self::Metadata => "metadata",
            Self::Table(_) => "table",
            Self::PrivilegeAudit => "privilege_audit",
            Self::SecretExpiry => "secret_expiry",
        }
    }

    /// A table check's title: `Table account`, or `Table Account (account)` with its display name.
    pub fn table_title(logical_name: &str, display_name: Option<&str>) -> String {
        match display_name {
            Some(d) => format!("Table {d} ({logical_name})"),
            None => format!("Table {logical_name}"),
        }
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Table(name) => write!(f, "table:{name}"),
            other => f.write_str(other.kind()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CheckId;

    /// The ids and titles are the PHP plugin's contract: pinned here, letter for letter.
    #[test]
    fn ids_and_titles_are_the_wire_strings() {
        let table = CheckId::Table("account".to_owned());
        let all = [
            (CheckId::Input, "input", "Connection values"),
            (CheckId::Tenant, "tenant", "Tenant"),
            (CheckId::Token, "token", "Access token"),
            (CheckId::AppUser, "app_user", "Application user"),
            (CheckId::Metadata, "metadata", "Metadata access"),
            (table, "table:account", "Table account"),
            (CheckId::PrivilegeAudit, "privilege_audit", "Least privilege"),
            (CheckId::SecretExpiry, "secret_expiry", "Client secret expiry"),
        ];
        for (id, wire, title) in all {
            assert_eq!((id.to_string().as_str(), id.title().as_str()), (wire, title));
        }
        assert_eq!(
            CheckId::table_title("account", Some("Account")),
            "Table Account (account)"
        );
    }
}
