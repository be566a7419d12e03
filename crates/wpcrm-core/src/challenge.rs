//! The `WWW-Authenticate` challenge of Dataverse's 401, used to discover the tenant.
//!
//! Format (<https://learn.microsoft.com/power-apps/developer/data-platform/authenticate-oauth#use-the-accesstoken-in-your-requests>, the 401 answer to a request without a token): `Bearer authorization_uri=https://login.microsoftonline.com/
//! <tenant>/oauth2/authorize, resource_id=https://<org>.crm.dynamics.com/`, values unquoted. Parsed
//! tolerantly as Microsoft's `AuthorityResolver` does: scheme `Bearer` in any case, `,`-separated
//! `key=value` pairs; quoted values are accepted too.

/// The parts of a Bearer challenge that matter here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub authorization_uri: String,
    pub resource_id: Option<String>,
}

impl Challenge {
    /// Parses one header value; `None` when it is not a Bearer challenge with `authorization_uri`.
    pub fn parse(header: &str) -> Option<Self> {
        let header = header.trim();
        let (scheme, rest) = header.split_once(char::is_whitespace)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return None;
        }
        let mut authorization_uri = None;
        let mut resource_id = None;
        for pair in rest.split(',') {
            let Some((key, value)) = pair.split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches('"').to_owned();
            match key.trim().to_ascii_lowercase().as_str() {
                "authorization_uri" | "authorization" => authorization_uri = Some(value),
                "resource_id" | "resource" => resource_id = Some(value),
                _ => {}
            }
        }
        Some(Self {
            authorization_uri: authorization_uri.filter(|v| !v.is_empty())?,
            resource_id,
        })
    }

    /// The authority host (lower case) and the tenant segment of `authorization_uri`:
    /// `https://login.microsoftonline.com/<tenant>/oauth2/authorize` → (host, tenant).
    pub fn authority_and_tenant(&self) -> Option<(String, u16, String)> {
        let url = url::Url::parse(&self.authorization_uri).ok()?;
        if url.scheme() != "https" {
            return None;
        }
        let host = url.host_str()?.to_ascii_lowercase();
        let port = url.port_or_known_default()?;
        let tenant = url.path_segments()?.find(|s| !s.is_empty())?.to_owned();
        Some((host, port, tenant))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dataverse_challenge() {
        let c = Challenge::parse(
            "Bearer authorization_uri=https://login.microsoftonline.com/8d2c7a1e-4b5f-4c3a-9e8d-1f2a3b4c5d6e/oauth2/authorize, resource_id=https://contoso.crm.dynamics.com/",
        )
        .unwrap();
        assert_eq!(c.resource_id.as_deref(), Some("https://contoso.crm.dynamics.com/"));
        assert_eq!(
            c.authority_and_tenant().unwrap(),
            (
                "login.microsoftonline.com".into(),
                443,
                "8d2c7a1e-4b5f-4c3a-9e8d-1f2a3b4c5d6e".into()
            )
        );
    }

    #[test]
    fn tolerates_case_quotes_and_order() {
        let c = Challenge::parse(
            r#"bearer  resource_id="https://x/", authorization_uri="https://login.windows.net/t1/oauth2/authorize""#,
        )
        .unwrap();
        assert_eq!(c.authority_and_tenant().unwrap().2, "t1");
        assert!(Challenge::parse("Basic realm=x").is_none());
        assert!(Challenge::parse("Bearer resource_id=https://x/").is_none());
        assert!(Challenge::parse("Bearer").is_none());
    }
}
