//! Verification of a Connection tab (placeholder until the verify work lands).

use crate::api::{ConnectionInput, VerifyOptions};
use crate::engine::Context;
use crate::report::VerifyReport;

pub async fn run(_context: &Context, _connection: ConnectionInput, _options: VerifyOptions) -> VerifyReport {
    unimplemented!("verification lands with issue 3")
}
