//! Fixes for the Connection tab's values themselves, before anything is sent.

use crate::instance_url::InstanceUrlError;

pub const MISSING_INSTANCE_URL: &str =
    "Enter the environment URL from the Power Platform admin center (Environments → your \
environment → Environment URL), for example https://contoso.crm.dynamics.com.";
pub const APPLICATION_ID: &str = "Copy the Application (client) ID from the Microsoft Entra admin center → App \
registrations → your app → Overview. It looks like 11111111-2222-3333-4444-555555555555.";
pub const MISSING_SECRET: &str =
    "Enter the client secret Value (Microsoft Entra admin center → App registrations → your \
app → Certificates & secrets). If it was not copied when created, add a new client secret and copy its Value.";
pub const SECRET_ID_DETAIL: &str =
    "The client secret field holds a GUID: that is the secret's Secret ID, not its Value. \
Entra ID would reject it (AADSTS7000215).";
pub const SECRET_ID_FIX: &str = "In the Microsoft Entra admin center → App registrations → your app → Certificates & \
secrets, the Value column (about 40 characters, often containing '~') is the secret; the Secret ID column is not. The \
Value is shown only right after the secret is created: if it is hidden now, add a new client secret and paste its Value.";
pub const TENANT_ID: &str =
    "Enter the Directory (tenant) ID from the Microsoft Entra admin center → Overview (a GUID), \
or your tenant's domain such as contoso.onmicrosoft.com, or leave the field empty to discover it from the environment.";
pub const TABLE_NAME: &str = "Use the table's logical name as shown in Power Apps → Tables → the table → Properties \
(for example account, incident or new_review).";
pub const ACCESS_KIND: &str = "Use only read, create, write, delete, append and appendto.";
pub const WHITESPACE: &str =
    "Remove the spaces or line breaks from the saved values so other tools reading them work too.";

/// The text id of [`instance_url_fix`]'s answer.
pub fn instance_url_fix_id(error: &InstanceUrlError) -> &'static str {
    use InstanceUrlError::*;
    match error {
        Missing => "fix.url_missing",
        NotHttps(_) => "fix.url_https",
        UserInfo | Port(_) => "fix.url_plain",
        BadSandboxEnvironment(_) => "fix.url_sandbox",
        NotAUrl | IpAddress(_) | Punycode(_) | NotDataverse(_) => "fix.url_copy",
    }
}

pub fn instance_url_fix(error: &InstanceUrlError) -> String {
    use InstanceUrlError::*;
    match error {
        Missing => MISSING_INSTANCE_URL.to_owned(),
        NotHttps(_) => {
            "Use the https:// address of the environment, for example https://contoso.crm.dynamics.com.".to_owned()
        }
        UserInfo | Port(_) => {
            "Remove the user name, password or port: the environment URL is just https://<name>.crm<N>.dynamics.com."
                .to_owned()
        }
        BadSandboxEnvironment(_) => {
            "Use the sandbox origin followed by the environment name, for example https://127.0.0.1:8443/contoso."
                .to_owned()
        }
        NotAUrl | IpAddress(_) | Punycode(_) | NotDataverse(_) => "Copy the Environment URL from the Power Platform \
admin center (Environments → your environment). Dataverse hosts look like contoso.crm.dynamics.com or \
contoso.crm4.dynamics.com (US government: .crm9.dynamics.com, .crm.microsoftdynamics.us, .crm.appsplatform.us; China: \
.crm.dynamics.cn)."
            .to_owned(),
    }
}
