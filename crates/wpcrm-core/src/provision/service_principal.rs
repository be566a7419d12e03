//! Step `service_principal`: the application's service principal in this tenant, which Dataverse's
//! application user and every app-only token need.
//!
//! Requests: `GET /servicePrincipals?$filter=appId eq '<appId>'`
//! (<https://learn.microsoft.com/graph/api/serviceprincipal-list>), skipped when this call created
//! the application; then, when none exists, `PATCH /servicePrincipals(appId='<appId>')` with
//! `Prefer: create-if-missing` (<https://learn.microsoft.com/graph/api/serviceprincipal-upsert>),
//! or where Graph does not offer it `POST /servicePrincipals`
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
use crate::graph::{Graph, Upserted};

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
            None => self.create_service_principal(&graph, &app.app_id).await?,
        };
        let now = self.now_s();
        let mut st = self.st();
        st.service_principal = Some(record);
        st.service_principal_at.get_or_insert(now);
        st.finish(step, StepStatus::Done);
        Ok(())
    }

    /// Upserts the service principal by `appId` where Graph offers it (one an earlier call made
    /// whose answer was lost is then adopted, never duplicated), else `POST /servicePrincipals`;
    /// both retried while the new application replicates.
    async fn create_service_principal(&self, graph: &Graph<'_>, app_id: &str) -> StepResult<Owned> {
        let step = StepId::ServicePrincipal;
        let made = self
            .retrying(step, Transient::Graph, || async {
                match graph.upsert_service_principal(app_id).await? {
                    Upserted::Created(sp) => Ok(Some(sp)),
                    Upserted::Existed => Ok(None),
                    Upserted::Unavailable => graph.create_service_principal(app_id).await.map(Some),
                }
            })
            .await?;
        let Some(sp) = made else {
            let sp = self
                .retrying(step, Transient::Graph, || graph.service_principal_by_app_id(app_id))
                .await?;
            return Ok(Owned {
                id: sp.id,
                created: false,
            });
        };
        self.changed(
            ChangeAction::Created,
            ChangeKind::ServicePrincipal,
            &sp.id,
            format!("for application {app_id}"),
        );
        Ok(Owned {
            id: sp.id,
            created: true,
        })
    }
}
