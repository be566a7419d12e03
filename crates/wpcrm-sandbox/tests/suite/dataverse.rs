use crate::common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn challenge_audience_and_functions() {
    let tenant = tenant();
    let h = start().await;
    let api = h.api("contoso");
    let r = h.get(&format!("{api}/"), None).await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("www-authenticate").unwrap(),
        format!(
            "Bearer authorization_uri={}/{tenant}/oauth2/authorize, resource_id={}/contoso/",
            h.url, h.url
        )
    );
    // A token for another environment, and a Graph token, are refused with the same challenge.
    let dev = h.env_token(&WP_OK, "contoso-dev").await;
    assert_eq!(h.get(&format!("{api}/WhoAmI"), Some(&dev)).await.status, 401);
    let graph = h.app_token(&WP_OK, GRAPH).await;
    assert!(h
        .get(&format!("{api}/WhoAmI"), Some(&graph))
        .await
        .header("www-authenticate")
        .is_some());

    let t = h.env_token(&WP_OK, "contoso").await;
    for path in ["WhoAmI", "WhoAmI()"] {
        let r = h.get(&format!("{api}/{path}"), Some(&t)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            r.json["@odata.context"],
            format!("{api}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse")
        );
        assert_eq!(r.header("odata-version").as_deref(), Some("4.0"));
        assert!(r.header("x-ms-ratelimit-burst-remaining-xrm-requests").is_some());
        assert!(r.header("x-ms-ratelimit-time-remaining-xrm-requests").is_some());
        for k in ["BusinessUnitId", "UserId", "OrganizationId"] {
            assert!(r.json[k].is_string());
        }
    }
    let r = h.get(&format!("{api}/RetrieveCurrentOrganization(AccessType=@p)?@p=Microsoft.Dynamics.CRM.EndpointAccessType'Default'"), Some(&t)).await;
    assert_eq!(r.json["Detail"]["FriendlyName"], "Contoso", "{}", r.text);
    assert_eq!(r.json["Detail"]["TenantId"], tenant);
    let admin = h
        .user_token(fixtures::admin().upn, &format!("{}/contoso/.default", h.url))
        .await;
    let st = h.sb.control().state();
    let reader = st["environments"]["contoso"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "WordPress Site Reader")
        .unwrap()["roleid"]
        .as_str()
        .unwrap()
        .to_string();
    let r = h
        .get(
            &format!("{api}/RetrieveRolePrivilegesRole(RoleId={reader})"),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["RolePrivileges"].as_array().unwrap().len(), 7);
    let r = h.get(&format!("{api}/RetrieveVersion()"), Some(&t)).await;
    assert_eq!(r.json["Version"], "9.2.24101.00000");
    let r = h.get(&format!("{api}/nosuchthing"), Some(&t)).await;
    assert_eq!(
        assert_dv_error(&r, 404, "0x8006088a"),
        "Resource not found for the segment 'nosuchthing'."
    );
}

#[tokio::test]
async fn entity_definitions() {
    let h = start().await;
    let api = h.api("contoso");
    let t = h.env_token(&WP_OK, "contoso").await;
    let r = h.get(&format!("{api}/EntityDefinitions(LogicalName='incident')?$select=LogicalName,EntitySetName,SchemaName,DisplayName,Privileges,PrimaryIdAttribute,ObjectTypeCode"), Some(&t)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.json["@odata.context"].as_str().unwrap().ends_with("/$entity"));
    assert_eq!(r.json["EntitySetName"], "incidents");
    assert_eq!(r.json["ObjectTypeCode"], 112);
    assert_eq!(r.json["DisplayName"]["UserLocalizedLabel"]["Label"], "Case");
    assert_eq!(r.json["DisplayName"]["LocalizedLabels"][0]["LanguageCode"], 1033);
    assert!(r.json["MetadataId"].is_string());
    let privs = r.json["Privileges"].as_array().unwrap();
    assert!(privs
        .iter()
        .any(|p| p["Name"] == "prvReadIncident" && p["PrivilegeType"] == "Read" && p["CanBeGlobal"] == true));
    let r = h
        .get(
            &format!("{api}/EntityDefinitions(LogicalName='wpcrm_review')"),
            Some(&t),
        )
        .await;
    assert_eq!(r.json["SchemaName"], "wpcrm_Review");
    assert!(r.json["Privileges"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["Name"] == "prvReadwpcrm_Review"));

    let r = res(h
        .c
        .get(format!("{api}/EntityDefinitions"))
        .query(&[
            ("$select", "LogicalName,EntitySetName,PrimaryIdAttribute"),
            ("$filter", "LogicalName eq 'account'"),
        ])
        .bearer_auth(&t)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["value"].as_array().unwrap().len(), 1);
    assert_eq!(r.json["value"][0]["EntitySetName"], "accounts");
    let r = res(h
        .c
        .get(format!("{api}/EntityDefinitions"))
        .query(&[("$filter", "LogicalName eq 'nope'")])
        .bearer_auth(&t)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(r.json["value"], json!([]));
    assert_dv_error(
        &h.get(&format!("{api}/EntityDefinitions(LogicalName='nope')"), Some(&t))
            .await,
        404,
        "0x80040217",
    );
    let r = res(h
        .c
        .get(format!("{api}/EntityDefinitions"))
        .query(&[("$filter", "startswith(LogicalName,'acc')")])
        .bearer_auth(&t)
        .send()
        .await
        .unwrap())
    .await;
    assert_dv_error(&r, 501, "0x8006088a");
    // Attribute metadata, as the Dataverse Python SDK asks for it before a create.
    let r = h.get(&format!("{api}/EntityDefinitions(LogicalName='incident')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet($select=Options)"), Some(&t)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["value"][0]["LogicalName"], "prioritycode");
    assert!(r.json["value"][0]["OptionSet"]["Options"].is_array());
    let r = h
        .get(
            &format!("{api}/EntityDefinitions(LogicalName='account')/Attributes(LogicalName='name')"),
            Some(&t),
        )
        .await;
    assert_eq!(r.json["AttributeType"], "String", "{}", r.text);
    let r = h
        .get(
            &format!("{api}/EntityDefinitions(LogicalName='account')/Attributes"),
            Some(&t),
        )
        .await;
    assert!(r.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["LogicalName"] == "accountid" && a["IsPrimaryId"] == true));
    let r = h
        .get(
            &format!("{api}/EntityDefinitions(LogicalName='account')?$select=Bogus"),
            Some(&t),
        )
        .await;
    assert_dv_error(&r, 400, "0x80060888");
}

#[tokio::test]
async fn membership_and_state_refusals() {
    let h = start().await;
    let api = h.api("contoso");
    let t = h.env_token(&WP_NOUSER, "contoso").await;
    assert_eq!(
        assert_dv_error(&h.get(&format!("{api}/WhoAmI"), Some(&t)).await, 403, "0x80072560"),
        "The user is not a member of the organization."
    );
    let t = h.env_token(&WP_DISABLED, "contoso").await;
    let m = assert_dv_error(&h.get(&format!("{api}/WhoAmI"), Some(&t)).await, 403, "0x80040225");
    assert!(
        m.starts_with("The user with SystemUserId=")
            && m.contains("is disabled. Disabled users cannot access the system."),
        "{m}"
    );
    let t = h.env_token(&WP_BLOCKED, "contoso").await;
    let m = assert_dv_error(&h.get(&format!("{api}/WhoAmI"), Some(&t)).await, 403, "0x80095ffc");
    assert_eq!(m, format!("Access to Dataverse API is restricted for this application Id : '{}'. Please contact your administrator for more information.", WP_BLOCKED.app_id));
    // In contoso-dev only wp-ok has an application user.
    let t = h.env_token(&WP_BASIC, "contoso-dev").await;
    assert_dv_error(
        &h.get(&format!("{}/WhoAmI", h.api("contoso-dev")), Some(&t)).await,
        403,
        "0x80072560",
    );
    let t = h.env_token(&WP_OK, "contoso-dev").await;
    assert_eq!(
        h.get(&format!("{}/WhoAmI", h.api("contoso-dev")), Some(&t))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn privilege_enforcement_and_depth() {
    let h = start().await;
    let api = h.api("contoso");
    // No roles: WhoAmI works, metadata does not.
    let t = h.env_token(&WP_NOROLES, "contoso").await;
    let who = h.get(&format!("{api}/WhoAmI"), Some(&t)).await;
    assert_eq!(who.status, 200);
    let uid = who.json["UserId"].as_str().unwrap().to_string();
    let m = assert_dv_error(
        &h.get(&format!("{api}/EntityDefinitions(LogicalName='account')"), Some(&t))
            .await,
        403,
        "0x80040220",
    );
    let noroles_sp = fixtures::app("wp-noroles").service_principal_id.unwrap();
    assert!(m.starts_with(&format!("Principal user (Id={uid}, type=8, roleCount=0, privilegeCount=0, accessMode='4 Non-interactive', AADObjectId='{noroles_sp}', ")), "{m}");
    assert!(m.contains("is missing prvReadEntity privilege (Id="), "{m}");
    assert!(m.ends_with(&format!("context.Caller={uid}")), "{m}");

    // Basic User: nothing on incident; only its own accounts.
    let t = h.env_token(&WP_BASIC, "contoso").await;
    let m = assert_dv_error(&h.get(&format!("{api}/incidents"), Some(&t)).await, 403, "0x80040220");
    assert!(
        m.contains("is missing prvReadIncident privilege")
            && m.contains("on OTC=112 for entity 'incident' (LocalizedName='Case')"),
        "{m}"
    );
    let m = assert_dv_error(
        &h.get(&format!("{api}/wpcrm_reviews"), Some(&t)).await,
        403,
        "0x80040220",
    );
    assert!(m.contains("prvReadwpcrm_Review"), "{m}");
    let r = h.get(&format!("{api}/accounts?$select=name"), Some(&t)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let names: Vec<&str> = r.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Blue Yonder Airlines"]);
    let metadata = h
        .get(&format!("{api}/EntityDefinitions(LogicalName='incident')"), Some(&t))
        .await;
    assert_eq!(metadata.status, 200);
    // Create requires prvCreate: Basic User may create accounts but not incidents.
    let r = h
        .send_json("POST", &format!("{api}/incidents"), &t, &json!({"title": "x"}), None)
        .await;
    assert!(assert_dv_error(&r, 403, "0x80040220").contains("prvCreateIncident"));

    // WordPress Site Reader: Global read everywhere, create+write on lead.
    let t = h.env_token(&WP_OK, "contoso").await;
    assert_eq!(
        h.get(&format!("{api}/accounts"), Some(&t)).await.json["value"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    assert_eq!(
        h.get(&format!("{api}/incidents"), Some(&t)).await.json["value"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let r = h
        .send_json(
            "POST",
            &format!("{api}/leads"),
            &t,
            &json!({"subject": "From WordPress", "lastname": "Doe"}),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let eid = r.header("odata-entityid").unwrap();
    assert!(eid.starts_with(&format!("{api}/leads(")));
    let r = h
        .send_json(
            "POST",
            &format!("{api}/leads"),
            &t,
            &json!({"subject": "Again"}),
            Some("return=representation"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.header("preference-applied").as_deref(), Some("return=representation"));
    assert!(r.header("odata-entityid").is_none());
    assert_eq!(r.json["subject"], "Again");
    assert!(r.json["@odata.context"].as_str().unwrap().ends_with("#leads/$entity"));
    let r = h
        .send_json("POST", &format!("{api}/accounts"), &t, &json!({"name": "x"}), None)
        .await;
    // Basic User gives Basic create on account, so this one works; write on someone else's does not.
    assert_eq!(r.status, 204);
    let acc = h
        .get(&format!("{api}/accounts?$filter=name eq 'Fourth Coffee'"), Some(&t))
        .await;
    let acc_id = acc.json["value"][0]["accountid"].as_str().unwrap().to_string();
    let r = h
        .send_json(
            "PATCH",
            &format!("{api}/accounts({acc_id})"),
            &t,
            &json!({"name": "y"}),
            None,
        )
        .await;
    assert_dv_error(&r, 403, "0x80040220");
}

#[tokio::test]
async fn odata_queries_and_paging() {
    let h = start().await;
    let api = h.api("contoso");
    let t = h.env_token(&WP_OK, "contoso").await;
    let mut url = format!("{api}/accounts?$select=name,accountnumber");
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let r = res(h
            .c
            .get(&url)
            .bearer_auth(&t)
            .header("Prefer", "odata.maxpagesize=2")
            .send()
            .await
            .unwrap())
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.header("preference-applied").as_deref(), Some("odata.maxpagesize=2"));
        assert_eq!(
            r.json["@odata.context"],
            format!("{api}/$metadata#accounts(name,accountnumber)")
        );
        for v in r.json["value"].as_array().unwrap() {
            assert!(v["accountid"].is_string() && v["@odata.etag"].is_string());
            assert!(v.get("telephone1").is_none());
            seen.push(v["name"].as_str().unwrap().to_string());
        }
        pages += 1;
        match r.json["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 5);
    let r = h.get(&format!("{api}/accounts?$top=1"), Some(&t)).await;
    assert_eq!(r.json["value"].as_array().unwrap().len(), 1);
    assert!(r.json["@odata.nextLink"].is_null());
    let r = res(h
        .c
        .get(format!("{api}/contacts"))
        .query(&[(
            "$filter",
            "startswith(fullname,'Nancy') or emailaddress1 eq 'SUSANNA@litware.example'",
        )])
        .bearer_auth(&t)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(r.json["value"].as_array().unwrap().len(), 2, "{}", r.text);
    let r = h.get(&format!("{api}/accounts?$select=nosuchcolumn"), Some(&t)).await;
    assert_eq!(
        assert_dv_error(&r, 400, "0x80060888"),
        "Could not find a property named 'nosuchcolumn' on type 'Microsoft.Dynamics.CRM.account'."
    );
    let r = res(h
        .c
        .get(format!("{api}/accounts"))
        .query(&[("$filter", "bogus eq 1")])
        .bearer_auth(&t)
        .send()
        .await
        .unwrap())
    .await;
    assert_dv_error(&r, 400, "0x80060888");
    let id = h.get(&format!("{api}/accounts?$top=1"), Some(&t)).await.json["value"][0]["accountid"]
        .as_str()
        .unwrap()
        .to_string();
    let r = h.get(&format!("{api}/accounts({id})?$select=name"), Some(&t)).await;
    assert!(r.json["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("#accounts/$entity"));
    assert_dv_error(
        &h.get(
            &format!("{api}/accounts(00000000-0000-4000-8000-000000000000)"),
            Some(&t),
        )
        .await,
        404,
        "0x80040217",
    );
}

#[tokio::test]
async fn provisioning_an_application_user_as_admin() {
    let h = start().await;
    let api = h.api("contoso");
    let t = h
        .user_token(fixtures::admin().upn, &format!("{}/contoso/.default", h.url))
        .await;
    let who = h.get(&format!("{api}/WhoAmI"), Some(&t)).await;
    assert_eq!(who.status, 200, "{}", who.text);
    let r = res(h
        .c
        .get(format!("{api}/businessunits"))
        .query(&[
            ("$select", "businessunitid,name"),
            ("$filter", "_parentbusinessunitid_value eq null"),
        ])
        .bearer_auth(&t)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(r.json["value"].as_array().unwrap().len(), 1, "{}", r.text);
    let root = r.json["value"][0]["businessunitid"].as_str().unwrap().to_string();
    assert_eq!(r.json["value"][0]["name"], "Contoso");

    // wp-nouser has a service principal but no application user in contoso.
    let body = json!({"applicationid": WP_NOUSER.app_id, "businessunitid@odata.bind": format!("/businessunits({root})"), "accessmode": 4, "isdisabled": false});
    let r = h
        .send_json("POST", &format!("{api}/systemusers"), &t, &body, None)
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let uid = r
        .header("odata-entityid")
        .unwrap()
        .rsplit('(')
        .next()
        .unwrap()
        .trim_end_matches(')')
        .to_string();
    assert_dv_error(
        &h.send_json("POST", &format!("{api}/systemusers"), &t, &body, None)
            .await,
        412,
        "0x80040237",
    );
    let r = res(h
        .c
        .get(format!("{api}/systemusers"))
        .query(&[
            ("$select", "systemuserid,applicationid,isdisabled,_businessunitid_value"),
            ("$filter", &*format!("applicationid eq {}", WP_NOUSER.app_id)),
        ])
        .bearer_auth(&t)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(r.json["value"][0]["systemuserid"], uid, "{}", r.text);
    assert_eq!(r.json["value"][0]["_businessunitid_value"], root);

    // WhoAmI works for the new app user; it has no roles yet.
    let app = h.env_token(&WP_NOUSER, "contoso").await;
    assert_eq!(h.get(&format!("{api}/WhoAmI"), Some(&app)).await.status, 200);
    assert_dv_error(&h.get(&format!("{api}/accounts"), Some(&app)).await, 403, "0x80040220");

    let r = res(h
        .c
        .get(format!("{api}/roles"))
        .query(&[
            ("$select", "roleid,name"),
            (
                "$filter",
                &*format!("name eq 'Basic User' and _businessunitid_value eq {root}"),
            ),
        ])
        .bearer_auth(&t)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(r.json["value"].as_array().unwrap().len(), 1, "{}", r.text);
    let basic = r.json["value"][0]["roleid"].as_str().unwrap().to_string();
    let r = h
        .send_json(
            "POST",
            &format!("{api}/systemusers({uid})/systemuserroles_association/$ref"),
            &t,
            &json!({"@odata.id": format!("{api}/roles({basic})")}),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_dv_error(
        &h.send_json(
            "POST",
            &format!("{api}/systemusers({uid})/systemuserroles_association/$ref"),
            &t,
            &json!({"@odata.id": format!("roles({basic})")}),
            None,
        )
        .await,
        412,
        "0x80040237",
    );

    // A least-privilege role: create it, add prvReadIncident at Global, assign it.
    let r = h
        .send_json(
            "POST",
            &format!("{api}/roles"),
            &t,
            &json!({"name": "WordPress Cases", "businessunitid@odata.bind": format!("/businessunits({root})")}),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let role = r
        .header("odata-entityid")
        .unwrap()
        .rsplit('(')
        .next()
        .unwrap()
        .trim_end_matches(')')
        .to_string();
    let p = res(h
        .c
        .get(format!("{api}/privileges"))
        .query(&[
            ("$select", "privilegeid,name"),
            ("$filter", "name eq 'prvReadIncident'"),
        ])
        .bearer_auth(&t)
        .send()
        .await
        .unwrap())
    .await;
    let pid = p.json["value"][0]["privilegeid"].as_str().unwrap().to_string();
    let r = h
        .send_json(
            "POST",
            &format!("{api}/roles({role})/Microsoft.Dynamics.CRM.AddPrivilegesRole"),
            &t,
            &json!({"Privileges": [{"PrivilegeId": pid, "Depth": "Global", "BusinessUnitId": root}]}),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    h.send_json(
        "POST",
        &format!("{api}/systemusers({uid})/systemuserroles_association/$ref"),
        &t,
        &json!({"@odata.id": format!("{api}/roles({role})")}),
        None,
    )
    .await;
    let r = h
        .get(
            &format!("{api}/systemusers({uid})/systemuserroles_association?$select=name,roleid"),
            Some(&t),
        )
        .await;
    let names: Vec<&str> = r.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{}", r.text);
    assert!(names.contains(&"Basic User") && names.contains(&"WordPress Cases"));
    assert_eq!(
        h.get(&format!("{api}/incidents"), Some(&app)).await.json["value"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // The app checks its own privileges.
    let r = h
        .get(
            &format!("{api}/systemusers({uid})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges"),
            Some(&app),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.json["RolePrivileges"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["PrivilegeName"] == "prvReadIncident" && p["Depth"] == "Global"));
    let r = h.get(&format!("{api}/systemusers({uid})/Microsoft.Dynamics.CRM.RetrieveUserPrivilegeByPrivilegeName(PrivilegeName='prvReadAccount')"), Some(&app)).await;
    assert_eq!(r.json["RolePrivileges"][0]["Depth"], "Basic", "{}", r.text);

    // ReplacePrivilegesRole, disassociate, delete the role.
    let r = h
        .send_json(
            "POST",
            &format!("{api}/roles({role})/Microsoft.Dynamics.CRM.ReplacePrivilegesRole"),
            &t,
            &json!({"Privileges": [{"PrivilegeId": pid, "Depth": "1"}]}),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    let r = h
        .send_json(
            "DELETE",
            &format!("{api}/systemusers({uid})/systemuserroles_association({role})/$ref"),
            &t,
            &Value::Null,
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    assert_dv_error(&h.get(&format!("{api}/incidents"), Some(&app)).await, 403, "0x80040220");
    assert_eq!(
        h.send_json("DELETE", &format!("{api}/roles({role})"), &t, &Value::Null, None)
            .await
            .status,
        204
    );

    // Only disabled application users can be deleted.
    assert_dv_error(
        &h.send_json("DELETE", &format!("{api}/systemusers({uid})"), &t, &Value::Null, None)
            .await,
        400,
        "0x80040203",
    );
    assert_eq!(
        h.send_json(
            "PATCH",
            &format!("{api}/systemusers({uid})"),
            &t,
            &json!({"isdisabled": true}),
            None
        )
        .await
        .status,
        204
    );
    assert_dv_error(&h.get(&format!("{api}/WhoAmI"), Some(&app)).await, 403, "0x80040225");
    assert_eq!(
        h.send_json("DELETE", &format!("{api}/systemusers({uid})"), &t, &Value::Null, None)
            .await
            .status,
        204
    );
    assert_dv_error(&h.get(&format!("{api}/WhoAmI"), Some(&app)).await, 403, "0x80072560");

    // A maker (Basic User) cannot create application users.
    let maker = h
        .user_token(fixtures::user("maker").upn, &format!("{}/contoso/.default", h.url))
        .await;
    let r = h
        .send_json("POST", &format!("{api}/systemusers"), &maker, &body, None)
        .await;
    assert!(assert_dv_error(&r, 403, "0x80040220").contains("prvCreateUser"));
}

#[tokio::test]
async fn request_budget_gives_429_with_retry_after() {
    let h = start().await;
    let api = h.api("contoso");
    h.control(
        "POST",
        "/config",
        json!({"request_budget": 3, "request_window_ms": 60000}),
    )
    .await;
    let t = h.env_token(&WP_OK, "contoso").await;
    for left in [2, 1, 0] {
        let r = h.get(&format!("{api}/WhoAmI"), Some(&t)).await;
        assert_eq!(r.status, 200);
        assert_eq!(
            r.header("x-ms-ratelimit-burst-remaining-xrm-requests"),
            Some(left.to_string())
        );
    }
    let r = h.get(&format!("{api}/WhoAmI"), Some(&t)).await;
    let m = assert_dv_error(&r, 429, "0x80072322");
    assert!(m.starts_with("Number of requests exceeded the limit of 3 over time window of 60 seconds."));
    let ra: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&ra));
}

#[tokio::test]
async fn local_depth_sees_the_business_unit_and_global_sees_all() {
    let h = start().await;
    let api = h.api("contoso");
    let admin = h
        .user_token(fixtures::admin().upn, &format!("{}/contoso/.default", h.url))
        .await;
    let st = h.sb.control().state();
    let env = &st["environments"]["contoso"];
    let user = env["systemusers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["applicationid"] == WP_NOROLES.app_id)
        .unwrap();
    let uid = user["systemuserid"].as_str().unwrap();
    let bu = user["businessunitid"].as_str().unwrap();
    let role = env["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Support Reader" && r["businessunitid"] == bu)
        .unwrap();
    let r = h
        .send_json(
            "POST",
            &format!("{api}/systemusers({uid})/systemuserroles_association/$ref"),
            &admin,
            &json!({"@odata.id": format!("roles({})", role["roleid"].as_str().unwrap())}),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let t = h.env_token(&WP_NOROLES, "contoso").await;
    // Local read on account: the root unit's 4 accounts, not the one owned in Contoso Sales.
    let names: Vec<String> = h.get(&format!("{api}/accounts?$select=name"), Some(&t)).await.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(!names.contains(&"Fabrikam, Inc.".to_string()));
    // Global read on incident.
    assert_eq!(
        h.get(&format!("{api}/incidents"), Some(&t)).await.json["value"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // A keyed read outside the depth is a privilege error.
    let fab = h
        .get(
            &format!("{api}/accounts?$filter=name eq 'Fabrikam, Inc.'"),
            Some(&admin),
        )
        .await;
    let id = fab.json["value"][0]["accountid"].as_str().unwrap();
    assert!(assert_dv_error(
        &h.get(&format!("{api}/accounts({id})"), Some(&t)).await,
        403,
        "0x80040220"
    )
    .contains("AccessRights: ReadAccess"));
    // A role of another business unit cannot be assigned.
    let other = env["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Basic User" && r["businessunitid"] != bu)
        .unwrap();
    let r = h
        .send_json(
            "POST",
            &format!("{api}/systemusers({uid})/systemuserroles_association/$ref"),
            &admin,
            &json!({"@odata.id": format!("roles({})", other["roleid"].as_str().unwrap())}),
            None,
        )
        .await;
    assert_dv_error(&r, 400, "0x80040203");
}

#[tokio::test]
async fn the_origin_itself_is_the_first_environment() {
    let tenant = tenant();
    let h = start().await;
    let api = format!("{}/api/data/v9.2", h.url);
    let r = h.get(&format!("{api}/"), None).await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("www-authenticate").unwrap(),
        format!(
            "Bearer authorization_uri={}/{tenant}/oauth2/authorize, resource_id={}/",
            h.url, h.url
        )
    );
    let root = h.app_token(&WP_OK, &format!("{}/.default", h.url)).await;
    assert_eq!(claims(&root)["aud"], h.url);
    let r = h.get(&format!("{api}/WhoAmI"), Some(&root)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json["@odata.context"],
        format!("{api}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse")
    );
    let named = h
        .get(
            &format!("{}/WhoAmI", h.api("contoso")),
            Some(&h.env_token(&WP_OK, "contoso").await),
        )
        .await;
    assert_eq!(r.json["OrganizationId"], named.json["OrganizationId"]);
    // Each URL is its own audience.
    assert_eq!(
        h.get(&format!("{}/WhoAmI", h.api("contoso")), Some(&root)).await.status,
        401
    );
}
