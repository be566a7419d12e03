//! Microsoft Graph v1.0 (placeholder, filled in below).
use crate::http::{Req, Resp};
use crate::server::Shared;
pub fn handle(_shared: &Shared, req: &Req) -> Resp {
    crate::errors::Graph::SegmentNotFound(req.path.clone()).render(req)
}
