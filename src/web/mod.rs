//! The web view: `wirelog serve`, a local HTTP server for a page that shows
//! the articles, an editor, answer tables and the reasons for them.
//!
//! Owns the HTTP side only: routes, request and body limits, the table of
//! page sessions (each its own [`Session`](crate::session::Session) and
//! [`Shell`](crate::repl::Shell), keyed by an unguessable id), the time
//! limit of each request, and the JSON shapes of replies. What an input
//! means, and every diagnostic, comes from the same `Shell` and `Session`
//! calls the terminal makes; answers, diagnostics and derivations are
//! rendered by `present`. It must not evaluate, check or explain anything
//! itself, and it reads no file beyond the start-up program: typed text runs
//! in a sandboxed session (`SessionOptions::sandboxed`) and the commands
//! that read or write files are refused.
//!
//! Inside, with no cycle: `assets` (the embedded page and lessons) and
//! `sessions` (the session table) → `json` (replies as JSON) → `api` (the
//! handlers and the router). docs/web.md documents the HTTP API.

mod api;
mod assets;
mod json;
mod sessions;

pub use api::router;
pub use sessions::{ServeOptions, StartUpError};

use std::future::Future;
use std::net::SocketAddr;

/// Serves the page and the API on `listener` until `shutdown` completes;
/// requests in flight are finished first (graceful shutdown).
pub async fn serve(
    listener: tokio::net::TcpListener,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(options).map_err(|error| std::io::Error::other(error.to_string()))?;
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
