//! Which cloud a provisioning run works in: a cloud the engine does not know, and a choice that
//! contradicts the environment URL or the cloud the admin already signed in to.

use super::Diagnosis;

const NAMES: &str = "public, gcc, usgovhigh, usgovdod or china";

/// `cloud` names no cloud wpcrm knows.
pub fn invalid_cloud(raw: &str) -> Diagnosis {
    let raw: String = raw.chars().take(40).collect();
    Diagnosis::new(
        "invalid_cloud",
        format!("'{raw}' is not a cloud wpcrm knows."),
        format!("Choose one of {NAMES}, or leave the cloud empty to follow the environment URL (the public cloud when there is none)."),
    )
    .ids("provision.invalid_cloud", "fix.provision.invalid_cloud")
    .param("value", raw)
}

/// The chosen cloud is not the one the environment URL belongs to.
pub fn cloud_mismatch(chosen: &str, url_cloud: &str, url: &str) -> Diagnosis {
    Diagnosis::new(
        "cloud_mismatch",
        format!("The cloud chosen is {chosen}, but {url} is an environment of the {url_cloud} cloud."),
        format!("Choose the cloud {url_cloud} (or leave the cloud empty: it follows from the environment URL), or correct the environment URL. Each cloud has its own sign-in, Graph and Dataverse hosts; nothing is sent across clouds."),
    )
    .ids("provision.cloud_mismatch", "fix.provision.cloud_mismatch")
    .param("chosen", chosen)
    .param("url_cloud", url_cloud)
    .param("instance_url", url)
}

/// The run signed in to one cloud and now names an environment or a cloud of another.
pub fn signed_in_elsewhere(signed_in: &str, wanted: &str) -> Diagnosis {
    Diagnosis::new(
        "cloud_mismatch",
        format!("This setup signed in to the {signed_in} cloud, but the environment or cloud now asked for is in the {wanted} cloud; a sign-in (and its tokens) is valid in one cloud only."),
        format!("Cancel this setup and start again with the cloud {wanted}, or pick an environment of the {signed_in} cloud."),
    )
    .ids("provision.signed_in_elsewhere", "fix.provision.signed_in_elsewhere")
    .param("signed_in_cloud", signed_in)
    .param("wanted_cloud", wanted)
}
