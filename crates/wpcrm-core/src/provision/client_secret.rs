//! Step `client_secret`: the secret the site signs in with.
//!
//! Requests: `GET /applications/{id}` for its password credentials (skipped when this call created
//! the application), `POST /applications/{id}/removePassword` for each orphan of this run
//! (<https://learn.microsoft.com/graph/api/application-removepassword>), then
//! `POST /applications/{id}/addPassword` with display name `wpcrm:<site mark>:<run nonce>` (the site
//! mark is keyed, see `marker.rs`) and an explicit end date
//! (<https://learn.microsoft.com/graph/api/application-addpassword>).
//!
//! Reuses the application recorded by `register_app`. Safe to re-run: the state keeps the secret
//! from the moment Graph returns it; a secret added by a call that died before its state reached
//! the caller carries this run's marker and is removed before a new one is added, while other
//! runs' secrets (the one the site uses now) are left alone (`docs/provision.md`, "A secret lost
//! with a dying call").

use super::machine::{rfc3339, Machine, StepResult, Transient};
use super::response::{ChangeAction, ChangeKind};
use super::state::SecretRecord;
use super::steps::{StepId, StepStatus};
use std::sync::atomic::Ordering;

impl Machine<'_> {
    /// The display name of this run's secret: this site's mark, then the run's nonce.
    fn secret_marker(&self) -> String {
        format!("{}{}", self.opts.marker.secret_prefix, self.st().run_nonce)
    }

    pub(super) async fn client_secret(&self) -> StepResult {
        let step = StepId::ClientSecret;
        if !self.starts(step, |st| st.secret.is_some()) {
            return Ok(());
        }
        let app = self.app();
        let marker = self.secret_marker();
        let token = self.token_for(step, &self.graph_scope()).await?;
        let graph = self.graph(&token);
        if !self.app_fresh.load(Ordering::Relaxed) {
            // A previous call of this run may have added a secret and died before its state
            // reached the caller: its value is lost, so remove it rather than leave it behind.
            let current = self
                .retrying(step, Transient::Graph, || graph.get_application(&app.object_id))
                .await?;
            for orphan in current
                .password_credentials
                .iter()
                .filter(|c| c.display_name.as_deref() == Some(marker.as_str()))
            {
                let why = "a secret of this run whose value was lost";
                if let Err(e) = self.remove_secret(&graph, &app.object_id, &orphan.key_id, why).await {
                    return self.fail(step, &e);
                }
            }
        }
        let end = self.now() + time::Duration::days(self.opts.lifetime_days);
        let end = rfc3339(end);
        let new = self
            .retrying(step, Transient::Graph, || {
                graph.add_password(&app.object_id, &marker, &end)
            })
            .await?;
        let expires = new.end_date_time.clone().unwrap_or_else(|| end.clone());
        self.changed(
            ChangeAction::Created,
            ChangeKind::ClientSecret,
            &new.key_id,
            format!("{marker}, expires {expires}"),
        );
        let mut st = self.st();
        st.secret = Some(SecretRecord {
            key_id: new.key_id,
            expires_at: new.end_date_time.clone().unwrap_or(end),
            value: new.secret_text,
        });
        st.finish(step, StepStatus::Done);
        Ok(())
    }
}
