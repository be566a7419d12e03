//! Integration tests of every sandbox surface, over real HTTPS with a client that trusts only the
//! sandbox CA. One test binary (modules under `suite/`) to keep link time down.

#[path = "suite/common.rs"]
mod common;
#[path = "suite/control.rs"]
mod control;
#[path = "suite/dataverse.rs"]
mod dataverse;
#[path = "suite/discovery.rs"]
mod discovery;
#[path = "suite/entra.rs"]
mod entra;
#[path = "suite/graph.rs"]
mod graph;
#[path = "suite/owners.rs"]
mod owners;
#[path = "suite/realities.rs"]
mod realities;
#[path = "suite/secret_activation.rs"]
mod secret_activation;
#[path = "suite/server.rs"]
mod server;
#[path = "suite/sign_in.rs"]
mod sign_in;
