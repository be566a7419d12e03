//! The one way through the engine to a Microsoft service: a [`Call`] is built and sent by a
//! [`Caller`], and whatever comes back is read by [`answer`] into the type asked for or into the one
//! [`Error`]. Entra ID, Graph, Global Discovery and Dataverse all go through here; the protocol
//! modules (`oauth`, `graph`, `discovery`, `dataverse`) only say what to ask and how to read a
//! success.

pub mod answer;
mod call;
mod error;

pub use answer::describe_non_json;
pub use call::{Body, Call, Caller};
pub use error::{Code, Error, Refusal, Service};
