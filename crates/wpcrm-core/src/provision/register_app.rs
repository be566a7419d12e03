//! Step `register_app`: the site's Entra ID application.
//!
//! Requests: `GET /applications?$filter=tags/any(t:t eq '<marker>')` for an application an earlier
//! call (possibly one whose answer was lost) registered for this site, beside the same lookup by
//! the public tag earlier versions used, which only finds look-alikes
//! (<https://learn.microsoft.com/graph/api/application-list>); `GET /applications/{id}/owners` for
//! each candidate (<https://learn.microsoft.com/graph/api/application-list-owners>); and only when
//! none is this site's, `POST /applications` with the marker and `wpcrm`
//! (<https://learn.microsoft.com/graph/api/application-post-applications>). Then
//! [`Machine::ensure_owner`] makes sure the signed-in admin owns what this site created.
//!
//! What it reuses (`SECURITY.md`, "What setup reuses"): the application the state records, or one
//! carrying this site's keyed marker whose owners include the signed-in admin. Anything else that
//! looks like ours is left alone and reported (`notices`). Safe to re-run: the marker finds what a
//! previous call created, so the application is never registered twice. An application created by
//! this very call marks the machine `app_fresh`: the steps after it skip lookups that cannot find
//! anything yet.

use super::machine::{Machine, StepResult, Transient};
use super::response::{ChangeAction, ChangeKind};
use super::state::AppRecord;
use super::steps::{StepId, StepStatus};
use crate::diagnosis::admin;
use crate::graph::{Application, Graph, Upserted};
use std::sync::atomic::Ordering;

impl Machine<'_> {
    pub(super) async fn register_app(&self) -> StepResult {
        let step = StepId::RegisterApp;
        if !self.starts(step, |st| st.app.is_some()) {
            return Ok(());
        }
        let token = self.token_for(step, &self.graph_scope()).await?;
        let graph = self.graph(&token);
        let record = match self.find_our_app(&graph).await? {
            Some(app) => app,
            None => self.create_app(&graph).await?,
        };
        let mut st = self.st();
        st.app = Some(record);
        st.finish(step, StepStatus::Done);
        Ok(())
    }

    /// The application this site can prove it registered, if any; every look-alike becomes a notice.
    async fn find_our_app(&self, graph: &Graph<'_>) -> StepResult<Option<AppRecord>> {
        let step = StepId::RegisterApp;
        let (marked, tagged) = tokio::join!(
            graph.find_applications_by_tag(&self.opts.marker.tag),
            graph.find_applications_by_tag(&self.opts.public_tag)
        );
        let (marked, tagged) = match (marked, tagged) {
            (Ok(m), Ok(t)) => (m, t),
            (Err(e), _) | (_, Err(e)) => return self.fail(step, &e),
        };
        let admin = self.st().admin_id.clone();
        let mut ours: Option<Application> = None;
        for app in marked {
            if ours.is_none() && self.owned_by(graph, &app, admin.as_deref()).await? {
                ours = Some(app);
            } else {
                self.notice(admin::lookalike_application(
                    &app.app_id,
                    app.display_name.as_deref().unwrap_or(""),
                ));
            }
        }
        for app in tagged.iter().filter(|a| ours.as_ref().is_none_or(|o| o.id != a.id)) {
            self.notice(admin::lookalike_application(
                &app.app_id,
                app.display_name.as_deref().unwrap_or(""),
            ));
        }
        Ok(ours.map(|app| AppRecord {
            object_id: app.id,
            app_id: app.app_id,
            // Its marker proves this site registered it: undoing setup removes it.
            created: true,
            owner_confirmed: true,
        }))
    }

    /// Whether Graph lists `admin` as the application's only owner.
    async fn owned_by(&self, graph: &Graph<'_>, app: &Application, admin: Option<&str>) -> StepResult<bool> {
        match graph.application_owners(&app.id).await {
            Ok(owners) => Ok(owned_only_by(&owners, admin)),
            Err(e) => self.fail(StepId::RegisterApp, &e),
        }
    }

    /// Registers the application: upserted by this site's keyed `uniqueName` where Graph offers it
    /// (a create whose answer was lost is then found, not repeated), else `POST /applications`.
    async fn create_app(&self, graph: &Graph<'_>) -> StepResult<AppRecord> {
        let step = StepId::RegisterApp;
        let tags = [self.opts.marker.tag.as_str(), "wpcrm"];
        let unique_name = self.opts.marker.unique_name();
        let app = match graph.upsert_application(&unique_name, &self.opts.app_name, &tags).await {
            Ok(Upserted::Created(app)) => app,
            Ok(Upserted::Existed) => return self.adopt_upserted(graph, &unique_name).await,
            Ok(Upserted::Unavailable) => match graph.create_application(&self.opts.app_name, &tags).await {
                Ok(app) => app,
                Err(e) => return self.fail(step, &e),
            },
            Err(e) => return self.fail(step, &e),
        };
        Ok(self.registered(app))
    }

    /// An application this very call registered: nothing hangs off it yet (`app_fresh`).
    fn registered(&self, app: Application) -> AppRecord {
        self.app_fresh.store(true, Ordering::Relaxed);
        self.changed(
            ChangeAction::Created,
            ChangeKind::Application,
            &app.app_id,
            &self.opts.app_name,
        );
        AppRecord {
            object_id: app.id,
            app_id: app.app_id,
            created: true,
            owner_confirmed: false,
        }
    }

    /// The upsert found this site's `uniqueName` taken: an earlier call's create whose answer was
    /// lost, which the marker lookups cannot see yet while it replicates. It is read by its key
    /// (retried while it replicates) and reused when Graph shows the signed-in admin as its only
    /// owner; otherwise it is left alone and a new application is registered without the key.
    async fn adopt_upserted(&self, graph: &Graph<'_>, unique_name: &str) -> StepResult<AppRecord> {
        let step = StepId::RegisterApp;
        let app = self
            .retrying(step, Transient::Graph, || graph.application_by_unique_name(unique_name))
            .await?;
        let admin = self.st().admin_id.clone();
        let owners = self
            .retrying(step, Transient::Graph, || graph.application_owners(&app.id))
            .await?;
        if owned_only_by(&owners, admin.as_deref()) {
            return Ok(AppRecord {
                object_id: app.id,
                app_id: app.app_id,
                created: true,
                owner_confirmed: true,
            });
        }
        self.notice(admin::lookalike_application(
            &app.app_id,
            app.display_name.as_deref().unwrap_or(""),
        ));
        let tags = [self.opts.marker.tag.as_str(), "wpcrm"];
        match graph.create_application(&self.opts.app_name, &tags).await {
            Ok(app) => Ok(self.registered(app)),
            Err(e) => self.fail(step, &e),
        }
    }

    /// Makes the signed-in admin an owner of the application this site created, unless Graph already
    /// did (whether it does for a delegated caller is not documented, so both are handled): then a
    /// later run, its state lost, can still prove the application is this site's.
    pub(super) async fn ensure_owner(&self) -> StepResult {
        let step = StepId::RegisterApp;
        let app = self.app();
        let Some(admin) = self.st().admin_id.clone().filter(|_| !app.owner_confirmed) else {
            return Ok(());
        };
        let token = self.token_for(step, &self.graph_scope()).await?;
        let graph = self.graph(&token);
        let owners = self
            .retrying(step, Transient::Graph, || graph.application_owners(&app.object_id))
            .await?;
        if !owners.iter().any(|o| o.eq_ignore_ascii_case(&admin)) {
            self.retrying(step, Transient::Graph, || {
                graph.add_application_owner(&app.object_id, &admin)
            })
            .await?;
            let detail = format!("the signed-in administrator owns application {}", app.app_id);
            self.changed(ChangeAction::Created, ChangeKind::Owner, &admin, detail);
        }
        if let Some(recorded) = self.st().app.as_mut() {
            recorded.owner_confirmed = true;
        }
        Ok(())
    }
}

/// Whether `admin` is the only owner. The marker is readable by every member of the tenant (tags,
/// `uniqueName`), and an owner can add owners: an application someone else also owns may have been
/// planted with the signed-in admin added, and that someone could add credentials to it later.
/// A sign-in without an object id cannot prove ownership.
fn owned_only_by(owners: &[String], admin: Option<&str>) -> bool {
    admin.is_some_and(|admin| !owners.is_empty() && owners.iter().all(|o| o.eq_ignore_ascii_case(admin)))
}
