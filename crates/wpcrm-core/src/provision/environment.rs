//! Step `environment`: which Dataverse environment to provision.
//!
//! With `instance_url` in the request, no request: the URL is normalised and recorded. Without it,
//! `GET {discovery}/api/discovery/v2.0/Instances` lists the environments the signed-in admin can
//! reach (<https://learn.microsoft.com/power-apps/developer/data-platform/webapi/discover-url-organization-web-api>),
//! and the call returns `choose_environment` so that the admin picks one and calls again with it.
//!
//! Reuses the discovery token of the admin's sign-in. Safe to re-run: it only reads, and once the
//! state records an instance URL the step is done for the rest of the run.

use super::machine::{Machine, StepResult, Stop};
use super::steps::{StepId, StepStatus};
use crate::diagnosis::admin;

impl Machine<'_> {
    pub(super) async fn environment(&self) -> StepResult {
        let step = StepId::Environment;
        if !self.starts(step, |st| st.instance_url.is_some()) {
            return Ok(());
        }
        if let Some(raw) = &self.request_instance_url {
            let url = match crate::instance_url::normalize(raw, self.ctx.config.sandbox_url.as_deref()) {
                Ok(url) => url,
                Err(e) => return self.give_up(step, admin::invalid_instance_url(e.to_string())),
            };
            let mut st = self.st();
            st.instance_url = Some(url.as_str().to_owned());
            st.finish(step, StepStatus::Done);
            return Ok(());
        }
        let token = self.token_for(step, &self.discovery_scope()).await?;
        match crate::discovery::list_environments(&self.caller, &token).await {
            Ok(envs) if envs.is_empty() => self.give_up(step, admin::no_environments()),
            Ok(envs) => Err(Stop::Choose(envs)),
            Err(e) => self.fail(step, &e),
        }
    }
}
