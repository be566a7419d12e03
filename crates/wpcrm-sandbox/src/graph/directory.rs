//! What the signed-in user may do in the directory: the tenant's authorization policy
//! (`GET /policies/authorizationPolicy`, <https://learn.microsoft.com/graph/api/authorizationpolicy-get>;
//! `defaultUserRolePermissions.allowedToCreateApps` is the "Users can register applications"
//! setting) and the directory roles the user holds (`GET /me/memberOf`,
//! <https://learn.microsoft.com/graph/api/user-list-memberof>; `/me/transitiveMemberOf` answers the
//! same, as no seeded role is assigned through a group).
//!
//! Choices where the documentation is silent (also in `docs/sandbox.md`): reading the policy needs
//! Policy.Read.All, which the Azure CLI client may lack in a real tenant; config
//! `authorization_policy_readable: false` answers 403 Authorization_RequestDenied to produce that
//! variant. Role template ids are Microsoft's published ones
//! (<https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference>).

use super::caller::{Who, R};
use super::views::collection;
use crate::errors::Graph as E;
use crate::http::{Req, Resp};
use crate::state::Shared;
use crate::store::World;
use crate::util::det_uuid;
use serde_json::{json, Value};

/// Published role template ids of the directory roles the seed can hold.
fn role_template(name: &str) -> Option<&'static str> {
    Some(match name {
        "Global Administrator" => "62e90394-69f5-4237-9190-012177145e10",
        "Application Administrator" => "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        "Cloud Application Administrator" => "158c047a-c907-4556-b7ef-446551a6b5f7",
        "Application Developer" => "cf1c38e5-3621-4004-a7cb-879624dced7c",
        _ => return None,
    })
}

/// `GET /policies/authorizationPolicy`: the tenant's one authorization policy.
pub(super) fn authorization_policy(shared: &Shared, w: &World, who: &Who) -> R {
    if matches!(who, Who::App) || !w.config.authorization_policy_readable {
        return Err(E::RequestDenied);
    }
    Ok(Resp::json(
        200,
        &json!({
            "@odata.context": format!("{}/v1.0/$metadata#policies/authorizationPolicy/$entity", shared.origin),
            "id": "authorizationPolicy",
            "displayName": "Authorization Policy",
            "description": "Used to manage authorization related settings across the company.",
            "allowInvitesFrom": "everyone",
            "allowedToUseSSPR": true,
            "allowEmailVerifiedUsersToJoinOrganization": false,
            "blockMsolPowerShell": false,
            "defaultUserRolePermissions": {
                "allowedToCreateApps": w.config.users_can_register_apps,
                "allowedToCreateSecurityGroups": true,
                "allowedToCreateTenants": true,
                "allowedToReadOtherUsers": true,
                "allowedToReadBitlockerKeysForOwnedDevice": true,
                "permissionGrantPoliciesAssigned": ["ManagePermissionGrantsForSelf.microsoft-user-default-legacy"]
            },
            "guestUserRoleId": "10dae51f-b6af-4016-8d66-8c2a99b929b3"
        }),
    ))
}

/// `GET /me/memberOf` (and `/me/transitiveMemberOf`): the signed-in user's directory roles.
pub(super) fn member_of(shared: &Shared, req: &Req, who: &Who) -> R {
    let Who::User(u) = who else {
        return Err(E::MeNeedsDelegated);
    };
    let items: Vec<Value> = u
        .directory_roles
        .iter()
        .filter_map(|name| {
            let template = role_template(name)?;
            Some(json!({
                "@odata.type": "#microsoft.graph.directoryRole",
                "id": det_uuid(&format!("directory role {name}")).to_string(),
                "deletedDateTime": null,
                "description": format!("{name} (wpcrm-sandbox)"),
                "displayName": name,
                "roleTemplateId": template,
            }))
        })
        .collect();
    Ok(collection(
        req,
        format!("{}/v1.0/$metadata#directoryObjects", shared.origin),
        items,
    ))
}
