//! Dataverse Web API v9.2, one instance per seeded environment at `{sandbox}/{env}/api/data/v9.2/`,
//! and the first seeded environment also at `{sandbox}/api/data/v9.2/` (audience `{sandbox}`).
//!
//! Follows the Web API documentation (<https://learn.microsoft.com/power-apps/developer/data-platform/webapi/overview>): the envelope
//! (`@odata.context`, `OData-Version: 4.0`, `application/json; odata.metadata=minimal`,
//! `@odata.etag`), paging (`Prefer: odata.maxpagesize`, `Preference-Applied`, `@odata.nextLink` with
//! `$skiptoken` paging cookie; `$top` disables paging), create (204 + `OData-EntityId`, or 201 with
//! `return=representation` and no `OData-EntityId`), associate/disassociate (`$ref`); the errors
//! (<https://learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes>: 0x80040220 privilege message in the modern field order
//! with `accessMode='4 Non-interactive'` for application users, 0x80072560, 0x80095ffc, the disabled
//! user message, 0x8006088a, 0x80060888, 0x80040217, 429 0x80072322 with `Retry-After`, the
//! `x-ms-ratelimit-*` headers); the 401 challenge (`Bearer authorization_uri={sandbox}/{tid}/
//! oauth2/authorize, resource_id={sandbox}/{env}/`, unquoted, empty body; <https://learn.microsoft.com/power-apps/developer/data-platform/authenticate-oauth>);
//! WhoAmI, RetrieveVersion, RetrieveCurrentOrganization, RetrieveUserPrivileges,
//! RetrieveUserPrivilegeByPrivilegeName, RetrieveRolePrivilegesRole (Depth as names);
//! EntityDefinitions by key (unwrapped `/$entity`) and by `$filter` (Python SDK form), labels,
//! `Privileges` (SecurityPrivilegeMetadata), `startswith` on metadata → 501; application users
//! (`applicationid` + `businessunitid@odata.bind`, one per app, only disabled ones can be deleted),
//! roles per business unit, AddPrivilegesRole/ReplacePrivilegesRole, privileges lookup.
//!
//! Authorization: every request is checked against the caller's roles. Table privileges are
//! `prv{Verb}{SchemaName}` (`prv…User`, `…Role`, `…BusinessUnit` for the system tables); depth Basic =
//! records the caller owns, Local = its business unit, Deep = its business unit and children,
//! Global = all. Collections return only the rows the caller may see (403 only without any read
//! privilege); a keyed read of an invisible row is 403 0x80040220 with the SecLib access-check text.
//! Users signing in with delegated tokens act as their own systemuser (matched by Entra object id).
//!
//! Choices where the documentation is silent (listed in `docs/sandbox.md`): metadata reads need
//! `prvReadEntity` (Basic User holds it); the privilege functions need read access to the target
//! systemuser; `privileges` is readable by every member; creating an application user needs
//! `prvCreateUser` and an existing service principal for the app (else 400 0x80040203); assigning a
//! role needs `prvWriteUser` and a role of the user's business unit; re-associating an assigned role
//! is 412 0x80040237; disabled user → 403 0x80040225; the service-protection budget counts requests
//! per caller per environment.
//!
//! Not emulated: `$metadata` CSDL, `$expand`, `$apply`/FetchXML, batch, upsert, alternate keys of
//! records, formatted-value annotations, option-set contents (attribute metadata is inferred from
//! column names and seeded values; option sets are empty), relationship metadata,
//! teams, field security, impersonation (`CallerObjectId`), change tracking, the concurrency and
//! execution-time limits.
//!
//! Layout, one concern per module: `router` (environment, authentication, dispatch), `throttling`
//! (service protection), `access` (who the caller is and what it may reach), `context` (request
//! helpers), `rows` (rows of every table as JSON), `records` (retrieve, list, create, update, delete
//! rows), `users` (application users, business units, role assignment), `security` (roles and
//! privileges), `functions` (WhoAmI, RetrieveVersion, …), `metadata` (EntityDefinitions).

mod access;
mod context;
mod functions;
mod metadata;
mod records;
mod router;
mod rows;
mod security;
pub mod throttling;
mod users;

pub use router::handle;
