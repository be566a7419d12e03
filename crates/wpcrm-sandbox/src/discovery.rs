//! Global Discovery Service (placeholder).
use crate::http::{Req, Resp};
use crate::server::Shared;
pub fn handle(_shared: &Shared, _req: &Req) -> Resp {
    Resp::new(404)
}
