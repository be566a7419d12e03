//! Bearer-token checks shared by the resource services (Graph, Discovery, Dataverse): verifies the
//! signature, expiry and instance of a token this sandbox issued and exposes its claims.

use crate::http::Req;
use crate::jwt::TokenError;
use crate::state::Shared;
use crate::util::{now, parse_guid, unix};
use serde_json::Value;
use uuid::Uuid;

/// Claims of a verified bearer token (any audience), for the resource services.
pub struct Caller {
    pub claims: Value,
}

impl Caller {
    pub fn aud(&self) -> &str {
        self.claims["aud"].as_str().unwrap_or("")
    }
    pub fn is_user(&self) -> bool {
        self.claims["idtyp"].as_str() == Some("user")
    }
    pub fn oid(&self) -> Option<Uuid> {
        self.claims["oid"].as_str().and_then(parse_guid)
    }
    pub fn appid(&self) -> Option<Uuid> {
        self.claims["appid"].as_str().and_then(parse_guid)
    }
}

pub fn verify_bearer(shared: &Shared, req: &Req) -> Result<Option<Caller>, TokenError> {
    let Some(token) = req.bearer() else { return Ok(None) };
    let claims = shared.signer.verify(token, &shared.instance, unix(now()))?;
    Ok(Some(Caller { claims }))
}
