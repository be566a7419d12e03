//! Provisioning step function (placeholder until the provisioning work lands).

use crate::api::ProvisionRequest;
use crate::engine::Context;

pub async fn run(_context: &Context, _request: ProvisionRequest) -> serde_json::Value {
    unimplemented!("provisioning lands with issue 4")
}
