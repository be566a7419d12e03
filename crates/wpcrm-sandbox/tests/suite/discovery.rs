use crate::common::*;

#[tokio::test]
async fn instances_for_users_with_the_discovery_audience() {
    let h = start().await;
    let url = format!("{}/api/discovery/v2.0/Instances", h.url);
    assert_eq!(h.get(&url, None).await.status, 401);
    let graph = h.user_token(fixtures::admin().upn, GRAPH).await;
    assert_eq!(h.get(&url, Some(&graph)).await.status, 401);
    let app = h.app_token(&WP_OK, DISCO).await;
    assert_eq!(h.get(&url, Some(&app)).await.status, 403);

    let admin = h.user_token(fixtures::admin().upn, DISCO).await;
    let r = h.get(&url, Some(&admin)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json["value"].as_array().unwrap();
    assert_eq!(v.len(), 2);
    let c = &v[0];
    for k in [
        "Url",
        "ApiUrl",
        "FriendlyName",
        "UniqueName",
        "UrlName",
        "Region",
        "EnvironmentId",
        "Id",
        "IsUserSysAdmin",
        "State",
        "TenantId",
        "Version",
    ] {
        assert!(!c[k].is_null(), "{k}");
    }
    assert_eq!(c["Url"], format!("{}/contoso", h.url));
    assert_eq!(c["FriendlyName"], "Contoso");
    assert_eq!(c["Region"], "NA");
    assert_eq!(c["IsUserSysAdmin"], true);
    assert_eq!(v[1]["FriendlyName"], "Contoso (Dev)");
    assert_eq!(v[1]["Region"], "EUR");

    let r = res(h
        .c
        .get(&url)
        .query(&[("$select", "Url,FriendlyName"), ("$filter", "Region eq 'EUR'")])
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(r.json["value"].as_array().unwrap().len(), 1);
    assert_eq!(r.json["value"][0].as_object().unwrap().len(), 2);
    // String filters are case-sensitive.
    let r = res(h
        .c
        .get(&url)
        .query(&[("$filter", "Region eq 'eur'")])
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(r.json["value"].as_array().unwrap().len(), 0);
    let r = h
        .get(
            &format!(
                "{}/api/discovery/v2.0/Instances(UniqueName='{}')",
                h.url,
                c["UniqueName"].as_str().unwrap()
            ),
            Some(&admin),
        )
        .await;
    assert_eq!(r.json["value"].as_array().unwrap().len(), 1);

    let maker = h.user_token(fixtures::user("maker").upn, DISCO).await;
    let r = h.get(&url, Some(&maker)).await;
    assert!(r.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["IsUserSysAdmin"] == false));
}
