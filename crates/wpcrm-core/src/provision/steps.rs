//! The steps of a provisioning run, in display order, and their statuses.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepId {
    SignIn,
    Environment,
    Preflight,
    RegisterApp,
    ServicePrincipal,
    ClientSecret,
    BusinessUnit,
    AppUser,
    Roles,
    CustomRole,
    Verify,
}

impl StepId {
    pub const ALL: [StepId; 11] = [
        StepId::SignIn,
        StepId::Environment,
        StepId::Preflight,
        StepId::RegisterApp,
        StepId::ServicePrincipal,
        StepId::ClientSecret,
        StepId::BusinessUnit,
        StepId::AppUser,
        StepId::Roles,
        StepId::CustomRole,
        StepId::Verify,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StepId::SignIn => "sign_in",
            StepId::Environment => "environment",
            StepId::Preflight => "preflight",
            StepId::RegisterApp => "register_app",
            StepId::ServicePrincipal => "service_principal",
            StepId::ClientSecret => "client_secret",
            StepId::BusinessUnit => "business_unit",
            StepId::AppUser => "app_user",
            StepId::Roles => "roles",
            StepId::CustomRole => "custom_role",
            StepId::Verify => "verify",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            StepId::SignIn => "Sign in as an administrator",
            StepId::Environment => "Choose the Dataverse environment",
            StepId::Preflight => "Check the administrator's rights",
            StepId::RegisterApp => "Register the Entra ID application",
            StepId::ServicePrincipal => "Create the application's service principal",
            StepId::ClientSecret => "Create a client secret",
            StepId::BusinessUnit => "Find the root business unit",
            StepId::AppUser => "Create the Dataverse application user",
            StepId::Roles => "Assign security roles",
            StepId::CustomRole => "Create the least-privilege role",
            StepId::Verify => "Verify the connection",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    #[default]
    Pending,
    Running,
    Done,
    Skipped,
    Failed,
}

impl StepStatus {
    pub fn is_settled(self) -> bool {
        matches!(self, StepStatus::Done | StepStatus::Skipped)
    }
}

/// One line of the progress display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepView {
    pub id: String,
    pub title: String,
    pub status: StepStatus,
}
