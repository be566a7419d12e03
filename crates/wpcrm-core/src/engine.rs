//! The engine object the extension holds: configuration, one lazily created tokio runtime and one
//! pooled HTTP client per process, and the synchronous entry points PHP calls.
//!
//! The runtime is created on first use, never at module start-up, because php-fpm forks its workers
//! after loading extensions; a runtime created before the fork would share its epoll instance with
//! every sibling. If the process id changes (a fork after first use), a fresh runtime and client are
//! built and the inherited ones are leaked on purpose: dropping them would deregister descriptors
//! that still belong to the parent.

use crate::api::{ConnectionInput, ProvisionRequest, VerifyOptions};
use crate::http::{ReqwestTransport, TransportConfig};
use crate::report::VerifyReport;
use std::sync::{Arc, Mutex};

pub use crate::context::{Clock, Context, EngineConfig, SystemClock, AZURE_CLI_CLIENT_ID};

/// The engine cannot run at all: the server's configuration is wrong (not anything an admin typed
/// into the Connection tab).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Transport(#[from] crate::http::TransportBuildError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(String),
}

struct Worker {
    pid: u32,
    runtime: Arc<tokio::runtime::Runtime>,
    context: Arc<Context>,
}

pub struct Engine {
    config: EngineConfig,
    worker: Mutex<Option<Worker>>,
}

impl Engine {
    /// Cheap: nothing is started until the first call.
    pub fn new(config: EngineConfig) -> Self {
        Self {
            config,
            worker: Mutex::new(None),
        }
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    pub fn verify(&self, connection: ConnectionInput, options: VerifyOptions) -> Result<VerifyReport, EngineError> {
        let (runtime, context) = self.worker()?;
        Ok(runtime.block_on(crate::verify::run(&context, connection, options)))
    }

    /// Many connections in one call (`verify::many`); `progress` hears of each as it finishes.
    pub fn verify_many(
        &self,
        items: Vec<crate::verify::many::FleetItem>,
        options: crate::verify::many::FleetOptions,
        progress: &mut crate::verify::many::Progress<'_>,
    ) -> Result<crate::verify::many::FleetReport, EngineError> {
        let (runtime, context) = self.worker()?;
        Ok(runtime.block_on(crate::verify::many::run_many(&context, items, options, progress)))
    }

    pub fn provision(&self, request: ProvisionRequest) -> Result<crate::provision::ProvisionResponse, EngineError> {
        let (runtime, context) = self.worker()?;
        Ok(runtime.block_on(crate::provision::run(&context, request)))
    }

    fn worker(&self) -> Result<(Arc<tokio::runtime::Runtime>, Arc<Context>), EngineError> {
        let pid = std::process::id();
        let mut slot = self.worker.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(worker) = slot.as_ref() {
            if worker.pid == pid {
                return Ok((worker.runtime.clone(), worker.context.clone()));
            }
            // Forked since first use: see the module documentation.
            std::mem::forget(slot.take());
        }
        // One thread: PHP calls block anyway, and concurrency within a call comes from joining
        // futures, not from threads. This keeps every FPM worker's footprint small.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| EngineError::Runtime(e.to_string()))?;
        let transport = ReqwestTransport::new(&TransportConfig {
            ca_file: self.config.ca_file.clone(),
            proxy: self.config.proxy.clone(),
            only_ca_file: false,
        })?;
        let context = Arc::new(Context::new(
            self.config.clone(),
            Arc::new(transport),
            Arc::new(SystemClock),
        ));
        let worker = Worker {
            pid,
            runtime: Arc::new(runtime),
            context,
        };
        let handles = (worker.runtime.clone(), worker.context.clone());
        *slot = Some(worker);
        Ok(handles)
    }
}
