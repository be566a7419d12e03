//! Who is calling Graph (a directory user or an app, from a token whose audience is Graph) and
//! what it may do: read as any signed-in user, write only with an app-registering directory role
//! (or as any member when the tenant lets users register applications),
//! change an object's owners only as one of them or with a role that manages every application.

use crate::auth::{verify_bearer, Caller};
use crate::errors::Graph as E;
use crate::http::{Req, Resp};
use crate::jwt::TokenError;
use crate::resources::{GRAPH, GRAPH_APP_ID};
use crate::state::Shared;
use crate::store::{User, World};
use uuid::Uuid;

/// The answer of an operation: a response, or a Graph error rendered by the router.
pub(super) type R = Result<Resp, E>;

pub(super) enum Who {
    User(User),
    App,
}

pub(super) fn authenticate(shared: &Shared, req: &Req, w: &World) -> Result<Who, E> {
    let caller = match verify_bearer(shared, req) {
        Ok(Some(c)) => c,
        Ok(None) => return Err(E::TokenMissing),
        Err(TokenError::Expired) => return Err(E::TokenInvalid("Lifetime validation failed, the token is expired.")),
        Err(_) => {
            return Err(E::TokenInvalid(
                "IDX14100: JWT is not well formed, there are no dots (.).",
            ))
        }
    };
    let aud = caller.aud();
    // Any cloud's Graph: `cloud_gate::gate` already matched it to the host the request stands for.
    if aud != GRAPH && aud != GRAPH_APP_ID && crate::clouds::graph_cloud(aud).is_none() {
        return Err(E::TokenInvalid("Invalid audience."));
    }
    who(w, &caller)
}

fn who(w: &World, caller: &Caller) -> Result<Who, E> {
    if caller.is_user() {
        let u = caller.oid().and_then(|o| w.user_by_id(o)).cloned();
        u.map(Who::User).ok_or(E::TokenInvalid(
            "The user of the token does not exist in the directory.",
        ))
    } else {
        Ok(Who::App)
    }
}

pub(super) fn can_read(who: &Who) -> Result<(), E> {
    match who {
        Who::User(_) => Ok(()),
        Who::App => Err(E::RequestDenied),
    }
}

/// Writing applications and service principals: a user with an app-registering directory role, or
/// any member when the tenant lets users register applications (config `users_can_register_apps`,
/// `defaultUserRolePermissions.allowedToCreateApps`; such a member is treated as managing what it
/// writes, a simplification of Entra's owner rule).
pub(super) fn can_write(w: &World, who: &Who) -> Result<(), E> {
    match who {
        Who::User(u) if u.can_register_apps() || w.config.users_can_register_apps => Ok(()),
        _ => Err(E::RequestDenied),
    }
}

/// Changing the owners of an object owned by `owners`: one of its owners, or a user whose
/// directory roles manage every application (Application Administrator, Cloud Application
/// Administrator, Global Administrator). App-only tokens are refused, as for every other write.
pub(super) fn can_manage(who: &Who, owners: &[Uuid]) -> Result<(), E> {
    match who {
        Who::User(u) if u.manages_all_apps() || owners.contains(&u.id) => Ok(()),
        _ => Err(E::RequestDenied),
    }
}
