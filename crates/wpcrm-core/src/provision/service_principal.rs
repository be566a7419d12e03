//! Step `service_principal`: the application's service principal in this tenant, which Dataverse's
//! application user and every app-only token need.
//!
//! Requests: `GET /servicePrincipals?$filter=appId eq '<appId>'`
//! (<https://learn.microsoft.com/graph/api/serviceprincipal-list>), skipped when this call created
//! the application; then, when none exists, `POST /servicePrincipals`
//! (<https://learn.microsoft.com/graph/api/serviceprincipal-post-serviceprincipals>), retried while
//! Graph has not replicated the new application yet (`docs/provision.md`, "Time").
//!
//! Reuses the application recorded by `register_app` and an existing service principal (adopted).
//! Safe to re-run: the lookup by `appId` finds one a previous call created. When it was created (or
//! first found) is recorded: the application user's step retries Dataverse's refusals for a
//! replication window counted from then.

use super::machine::{Machine, StepResult, Transient};
use super::response::{ChangeAction, ChangeKind};
use super::state::Owned;
use super::steps::{StepId, StepStatus};

impl Machine<'_> {
    pub(super) async fn service_principal(&self) -> StepResult {
        let step = StepId::ServicePrincipal;
        if !self.starts(step, |st| st.service_principal.is_some()) {
            return Ok(());
        }
        let app = self.app();
        let token = self.token_for(step, &self.graph_scope()).await?;
        let graph = self.graph(&token);
        let existing = self
            .made_earlier(step, || graph.find_service_principal(&app.app_id))
            .await?;
        let record = match existing {
            Some(sp) => Owned {
                id: sp.id,
                created: false,
            },
            None => {
                let sp = self
                    .retrying(step, Transient::Graph, || graph.create_service_principal(&app.app_id))
                    .await?;
                self.changed(
                    ChangeAction::Created,
                    ChangeKind::ServicePrincipal,
                    &sp.id,
                    format!("for application {}", app.app_id),
                );
                Owned {
                    id: sp.id,
                    created: true,
                }
            }
        };
        let now = self.now_s();
        let mut st = self.st();
        st.service_principal = Some(record);
        st.service_principal_at.get_or_insert(now);
        st.finish(step, StepStatus::Done);
        Ok(())
    }
}
