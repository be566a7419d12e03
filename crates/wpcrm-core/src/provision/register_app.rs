//! Step `register_app`: the site's Entra ID application.
//!
//! Requests: `GET /applications?$filter=tags/any(t:t eq '<site tag>')` to find the application an
//! earlier call (possibly one whose answer was lost) registered for this site
//! (<https://learn.microsoft.com/graph/api/application-list>), and only when there is none,
//! `POST /applications` with the site tag and `wpcrm`
//! (<https://learn.microsoft.com/graph/api/application-post-applications>).
//!
//! Reuses an existing application (recorded as adopted, so that a rollback leaves it alone). Safe to
//! re-run: the tag finds what a previous call created, so the application is never registered twice.
//! An application created by this very call marks the machine `app_fresh`: the steps after it skip
//! lookups that cannot find anything yet.

use super::machine::{Machine, StepResult};
use super::state::AppRecord;
use super::steps::{StepId, StepStatus};
use std::sync::atomic::Ordering;

const SITE_TAG_PREFIX: &str = "wpcrm:site:";

/// `wpcrm:site:` + the first 16 hex digits of SHA-256(site_id): stable per site, and the site's URL
/// is not published in the tenant.
pub fn site_tag(site_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(site_id.as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{SITE_TAG_PREFIX}{hex}")
}

impl Machine<'_> {
    pub(super) async fn register_app(&self) -> StepResult {
        let step = StepId::RegisterApp;
        if self.st().app.is_some() {
            self.done(step);
            return Ok(());
        }
        self.begin(step);
        let token = self.token_for(step, &self.graph_scope()).await?;
        let graph = self.graph(&token);
        let found = match graph.find_applications_by_tag(&self.opts.site_tag).await {
            Ok(apps) => apps.into_iter().next(),
            Err(e) => return self.fail(step, &e),
        };
        let record = match found {
            Some(app) => AppRecord {
                object_id: app.id,
                app_id: app.app_id,
                created: false,
            },
            None => {
                let tags = [self.opts.site_tag.as_str(), "wpcrm"];
                let app = match graph.create_application(&self.opts.app_name, &tags).await {
                    Ok(a) => a,
                    Err(e) => return self.fail(step, &e),
                };
                self.app_fresh.store(true, Ordering::Relaxed);
                AppRecord {
                    object_id: app.id,
                    app_id: app.app_id,
                    created: true,
                }
            }
        };
        let mut st = self.st();
        st.app = Some(record);
        st.finish(step, StepStatus::Done);
        Ok(())
    }
}
