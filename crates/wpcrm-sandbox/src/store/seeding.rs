//! Building a world from the seed (`seed/default.json` or `--data FILE`): ids, secrets, role
//! templates expanded per business unit, privileges per table, systemusers and records.

use super::control::Config;
use super::model::*;
use super::world::{admin_of, World};
use crate::seed::{Seed, SeedEnvironment, SeedRole};
use crate::util::{det_uuid, now, parse_guid, parse_iso};
use serde_json::Map;
use std::collections::HashMap;
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

fn guid(s: &str, what: &str) -> Result<Uuid, String> {
    parse_guid(s).ok_or_else(|| format!("seed: {what} '{s}' is not a GUID"))
}

impl World {
    pub fn from_seed(seed: &Seed, config: Config) -> Result<World, String> {
        let tenant_id = guid(&seed.tenant.id, "tenant id")?;
        let mut config = config;
        if config.secret_max_lifetime_days.is_none() {
            config.secret_max_lifetime_days = seed.tenant.secret_max_lifetime_days;
        }
        let users = seed
            .users
            .iter()
            .map(|u| {
                Ok(User {
                    id: guid(&u.id, "user id")?,
                    upn: u.upn.to_ascii_lowercase(),
                    password: u.password.clone(),
                    display_name: u.display_name.clone(),
                    directory_roles: u.directory_roles.clone(),
                    ca_blocked: u.ca_blocked,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let public_clients = seed
            .public_clients
            .iter()
            .map(|c| Ok((guid(&c.app_id, "public client id")?, c.name.clone())))
            .collect::<Result<Vec<_>, String>>()?;
        let long_ago = OffsetDateTime::UNIX_EPOCH + time::Duration::days(365 * 50);
        let mut apps = Vec::new();
        let mut sps = Vec::new();
        for a in &seed.applications {
            let app_id = guid(&a.app_id, "app id")?;
            let owners = seeded_owners(a.owners.as_deref(), &users)?;
            let mut secrets = Vec::new();
            for s in &a.secrets {
                let end = parse_iso(&s.end).ok_or_else(|| format!("seed: bad secret end '{}'", s.end))?;
                secrets.push(Secret {
                    key_id: guid(&s.key_id, "secret key id")?,
                    value: s.value.clone(),
                    display_name: s.display_name.clone(),
                    hint: s.value.chars().take(3).collect(),
                    start: (end - time::Duration::days(730)).min(long_ago),
                    end,
                    created: None,
                    active_from: None,
                });
            }
            apps.push(App {
                object_id: guid(&a.object_id, "app object id")?,
                app_id,
                display_name: a.name.clone(),
                tags: a.tags.clone(),
                secrets,
                created_at: long_ago,
                created: None,
                blocked: a.blocked,
                public_client: a.public_client,
                sign_in_audience: "AzureADMyOrg".into(),
                extra: Map::new(),
                owners: owners.clone(),
            });
            if let Some(sp) = &a.service_principal_id {
                sps.push(ServicePrincipal {
                    id: guid(sp, "service principal id")?,
                    app_id,
                    display_name: a.name.clone(),
                    tags: vec![],
                    owners,
                });
            }
        }

        let mut envs = Vec::new();
        for e in &seed.environments {
            envs.push(build_env(seed, e, &users, &apps, &sps)?);
        }
        Ok(World {
            tenant_id,
            tenant_domain: seed.tenant.domain.to_ascii_lowercase(),
            tenant_name: seed.tenant.display_name.clone().unwrap_or_else(|| "Contoso".into()),
            users,
            public_clients,
            apps,
            sps,
            envs,
            devices: vec![],
            refresh_tokens: HashMap::new(),
            auth_codes: vec![],
            sign_in_policies: vec![],
            config,
            device_code_blocked: seed.tenant.device_code_blocked,
            faults: vec![],
            next_fault_id: 1,
            log: vec![],
            next_seq: 1,
            budget: HashMap::new(),
            in_flight: Default::default(),
        })
    }
}

/// The owners of a seeded application: the listed UPNs, or the seed's admin when none are listed.
fn seeded_owners(upns: Option<&[String]>, users: &[User]) -> Result<Vec<Uuid>, String> {
    match upns {
        None => Ok(admin_of(users).into_iter().collect()),
        Some(upns) => upns
            .iter()
            .map(|upn| {
                users
                    .iter()
                    .find(|u| u.upn.eq_ignore_ascii_case(upn))
                    .map(|u| u.id)
                    .ok_or_else(|| format!("seed: unknown application owner '{upn}'"))
            })
            .collect(),
    }
}

fn parse_depth_map(role: &SeedRole, privileges: &[Privilege]) -> Result<Vec<(Uuid, Depth)>, String> {
    if let Some(all) = &role.all {
        let d = Depth::parse(all).ok_or_else(|| format!("seed: bad depth '{all}'"))?;
        return Ok(privileges.iter().map(|p| (p.id, d)).collect());
    }
    let mut out = Vec::new();
    for (name, depth) in &role.privileges {
        let p = privileges
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| format!("seed: role '{}' names unknown privilege '{name}'", role.name))?;
        let d = Depth::parse(depth).ok_or_else(|| format!("seed: bad depth '{depth}'"))?;
        out.push((p.id, d));
    }
    Ok(out)
}

fn build_env(
    seed: &Seed,
    e: &SeedEnvironment,
    users: &[User],
    _apps: &[App],
    sps: &[ServicePrincipal],
) -> Result<Env, String> {
    let n = &e.name;
    let tables: Vec<Arc<TableDef>> = seed
        .tables
        .iter()
        .map(|t| {
            Arc::new(TableDef {
                logical_name: t.logical_name.clone(),
                schema_name: t.schema_name.clone(),
                privilege_suffix: t.privilege_suffix.clone().unwrap_or_else(|| t.schema_name.clone()),
                entity_set: t.entity_set.clone(),
                display_name: t.display_name.clone(),
                display_collection_name: t.display_collection_name.clone(),
                primary_id: t.primary_id.clone(),
                primary_name: t.primary_name.clone(),
                otc: t.otc,
                is_custom: t.is_custom,
                system: t.system,
                attributes: t.attributes.clone(),
                metadata_id: det_uuid(&format!("metadata/{}", t.logical_name)),
            })
        })
        .collect();
    let mut privileges = Vec::new();
    for t in &tables {
        for verb in VERBS {
            let name = t.privilege_name(verb);
            privileges.push(Privilege {
                id: det_uuid(&format!("privilege/{name}")),
                name,
                entity: t.logical_name.clone(),
                otc: t.otc,
                localized_name: t.display_name.clone(),
                verb: Some(verb),
            });
        }
    }
    for x in &seed.extra_privileges {
        privileges.push(Privilege {
            id: det_uuid(&format!("privilege/{}", x.name)),
            name: x.name.clone(),
            entity: x.entity.clone(),
            otc: x.otc,
            localized_name: x.localized_name.clone(),
            verb: None,
        });
    }
    let mut bus: Vec<Bu> = Vec::new();
    for b in &e.business_units {
        let parent = match &b.parent {
            Some(p) => Some(
                bus.iter()
                    .find(|x| &x.name == p)
                    .ok_or_else(|| format!("seed: unknown parent business unit '{p}'"))?
                    .id,
            ),
            None => None,
        };
        bus.push(Bu {
            id: det_uuid(&format!("{n}/bu/{}", b.name)),
            name: b.name.clone(),
            parent,
        });
    }
    if bus.iter().filter(|b| b.parent.is_none()).count() != 1 {
        return Err(format!("seed: environment '{n}' needs exactly one root business unit"));
    }
    let mut roles = Vec::new();
    for bu in &bus {
        for t in &seed.role_templates {
            roles.push(seeded_role(n, bu, &t.name, parse_depth_map(t, &privileges)?, true));
        }
    }
    for r in &e.roles {
        let bu_name = r.business_unit.clone().unwrap_or_else(|| bus[0].name.clone());
        let bu = bus
            .iter()
            .find(|b| b.name == bu_name)
            .ok_or_else(|| format!("seed: unknown business unit '{bu_name}'"))?;
        roles.push(seeded_role(n, bu, &r.name, parse_depth_map(r, &privileges)?, false));
    }
    let mut sysusers = Vec::new();
    let mut keys: HashMap<String, Uuid> = HashMap::new();
    for su in &e.systemusers {
        let bu = bus
            .iter()
            .find(|b| b.name == su.business_unit)
            .ok_or_else(|| format!("seed: unknown business unit '{}'", su.business_unit))?;
        let id = det_uuid(&format!("{n}/systemuser/{}", su.key));
        let mut role_ids = Vec::new();
        for rn in &su.roles {
            let r = roles
                .iter()
                .find(|r| &r.name == rn && r.bu == bu.id)
                .ok_or_else(|| format!("seed: no role '{rn}' in business unit '{}'", bu.name))?;
            role_ids.push(r.id);
        }
        let (fullname, domainname, application_id, aad, access_mode) = if let Some(upn) = &su.user {
            let u = users
                .iter()
                .find(|u| u.upn.eq_ignore_ascii_case(upn))
                .ok_or_else(|| format!("seed: unknown user '{upn}'"))?;
            (u.display_name.clone(), u.upn.clone(), None, Some(u.id), 0)
        } else if let Some(app) = &su.application_id {
            let app_id = guid(app, "application id")?;
            let aad = sps.iter().find(|s| s.app_id == app_id).map(|s| s.id);
            (
                format!(
                    "# {}",
                    seed.applications
                        .iter()
                        .find(|a| a.app_id == *app)
                        .map(|a| a.name.clone())
                        .unwrap_or_else(|| app.clone())
                ),
                format!("{}@{}", app_id, seed.tenant.domain),
                Some(app_id),
                aad,
                4,
            )
        } else {
            (
                su.fullname.clone().unwrap_or_else(|| su.key.clone()),
                su.domainname.clone().unwrap_or_default(),
                None,
                None,
                0,
            )
        };
        keys.insert(su.key.clone(), id);
        sysusers.push(SystemUser {
            id,
            fullname: su.fullname.clone().unwrap_or(fullname),
            domainname,
            application_id,
            aad_object_id: aad,
            isdisabled: su.isdisabled,
            bu: bu.id,
            roles: role_ids,
            access_mode,
        });
    }
    let admin = *keys
        .get("admin")
        .ok_or_else(|| format!("seed: environment '{n}' needs a systemuser with key 'admin'"))?;
    let mut records = HashMap::new();
    for t in &seed.tables {
        let mut rows = Vec::new();
        for (i, r) in t.records.iter().enumerate() {
            let owner = keys.get(&r.owner).copied().unwrap_or(admin);
            let bu = sysusers
                .iter()
                .find(|u| u.id == owner)
                .map(|u| u.bu)
                .unwrap_or(bus[0].id);
            let id = match &r.id {
                Some(s) => guid(s, "record id")?,
                None => det_uuid(&format!("{n}/{}/{i}", t.logical_name)),
            };
            rows.push(Record {
                id,
                owner,
                bu,
                fields: r.fields.clone(),
                version: 1000 + i as u64,
                created: now() - time::Duration::days(30 - i as i64),
            });
        }
        records.insert(t.logical_name.clone(), rows);
    }
    Ok(Env {
        name: e.name.clone(),
        friendly_name: e.friendly_name.clone(),
        unique_name: e.unique_name.clone(),
        region: e.region.clone(),
        version: e.version.clone(),
        cloud: match e.cloud.as_deref() {
            None => crate::clouds::SbCloud::Public,
            Some(c) => crate::clouds::SbCloud::from_name(c)
                .ok_or_else(|| format!("environment {}: unknown cloud '{c}'", e.name))?,
        },
        organization_id: guid(&e.organization_id, "organization id")?,
        environment_id: guid(&e.environment_id, "environment id")?,
        bus,
        roles,
        privileges,
        users: sysusers,
        tables,
        records,
    })
}

/// A role of the seed: its id is derived from the environment, business unit and name, so that it
/// is the same in every sandbox; the system made it (no `_createdby_value`).
fn seeded_role(env: &str, bu: &Bu, name: &str, privileges: Vec<(Uuid, Depth)>, managed: bool) -> Role {
    Role {
        id: det_uuid(&format!("{env}/role/{}/{name}", bu.name)),
        name: name.to_owned(),
        bu: bu.id,
        privileges,
        managed,
        created_by: None,
    }
}
