//! The page sessions: each browser session its own `Session` and `Shell`,
//! found by an unguessable id, bounded in number, dropped when idle.
//!
//! Owns the session table, the start-up program every new session loads,
//! and running one piece of work on a session off the async runtime under
//! the request time limit. It must not know about HTTP or JSON: `api` turns
//! its results and errors into responses.

use crate::eval::Limits;
use crate::present;
use crate::repl::Shell;
use crate::session::{Engine, ProgramSource, Session, SessionOptions};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How `wirelog serve` runs.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// What every new page session loads first (`--news`, the files).
    pub program: Vec<ProgramSource>,
    /// Runaway limits of every evaluation.
    pub limits: Limits,
    /// Wall time one request may evaluate before it is stopped (`E309`).
    pub max_time: Duration,
    /// Page sessions kept at once; a new one beyond is refused (503).
    pub max_sessions: usize,
    /// A page session unused this long is dropped.
    pub idle_expiry: Duration,
    /// Largest request body accepted (413 beyond).
    pub max_body_bytes: usize,
    /// Folders of articles (`--articles`) every page session may cite and
    /// show, besides the bundled ones.
    pub articles: Vec<PathBuf>,
    /// The engine every evaluation runs on (`--engine`).
    pub engine: Engine,
}

impl Default for ServeOptions {
    fn default() -> ServeOptions {
        ServeOptions {
            program: vec![ProgramSource::News],
            limits: Limits {
                max_tuples: 5_000_000,
                max_rounds: Some(100_000),
                ..Limits::default()
            },
            max_time: Duration::from_secs(10),
            max_sessions: 64,
            idle_expiry: Duration::from_secs(60 * 60),
            max_body_bytes: 256 * 1024,
            articles: Vec::new(),
            engine: Engine::Datafrog,
        }
    }
}

/// The start-up program was rejected: its diagnostics, as the terminal shows them.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{rendered}")]
pub struct StartUpError {
    /// The diagnostics rendered without colour.
    pub rendered: String,
}

/// One page session: the session and the shell that runs its inputs.
pub(super) struct PageSession {
    pub(super) session: Session,
    pub(super) shell: Shell,
}

/// A session in the table, with what can be read without waiting for it.
struct Entry {
    page: Arc<tokio::sync::Mutex<PageSession>>,
    cancel: Arc<AtomicBool>,
    last_used: Instant,
}

/// Why a session could not be used.
#[derive(Debug)]
pub(super) enum SessionError {
    /// No id was given with the request.
    Missing,
    /// The id names no live session (never made, or expired).
    Unknown,
    /// The table is full of sessions still in use.
    Full(usize),
    /// The work panicked or could not be run; the session is dropped.
    Failed,
}

/// Every page session, and how new ones start.
pub(super) struct Sessions {
    options: ServeOptions,
    table: Mutex<HashMap<String, Entry>>,
}

impl Sessions {
    /// Checks the start-up program once, so a bad file stops the server
    /// before it serves anything.
    pub(super) fn new(options: ServeOptions) -> Result<Sessions, StartUpError> {
        start_session(&options)?;
        Ok(Sessions {
            options,
            table: Mutex::new(HashMap::new()),
        })
    }

    pub(super) fn options(&self) -> &ServeOptions {
        &self.options
    }

    /// A fresh session loaded with the start-up program, not in the table.
    pub(super) fn scratch(&self) -> Result<PageSession, StartUpError> {
        start_session(&self.options)
    }

    /// Makes a session and returns its id. Expired sessions are dropped first.
    pub(super) fn create(&self) -> Result<String, SessionError> {
        let page = self.scratch().map_err(|_| SessionError::Failed)?;
        let cancel = page.session.cancel_flag();
        let id = new_id().ok_or(SessionError::Failed)?;
        let mut table = self.table.lock().map_err(|_| SessionError::Failed)?;
        let now = Instant::now();
        table.retain(|_, entry| now.duration_since(entry.last_used) < self.options.idle_expiry);
        if table.len() >= self.options.max_sessions {
            return Err(SessionError::Full(self.options.max_sessions));
        }
        table.insert(
            id.clone(),
            Entry {
                page: Arc::new(tokio::sync::Mutex::new(page)),
                cancel,
                last_used: now,
            },
        );
        Ok(id)
    }

    /// The number of live sessions.
    pub(super) fn len(&self) -> usize {
        self.table.lock().map_or(0, |table| table.len())
    }

    fn find(
        &self,
        id: Option<&str>,
    ) -> Result<(Arc<tokio::sync::Mutex<PageSession>>, Arc<AtomicBool>), SessionError> {
        let id = id.ok_or(SessionError::Missing)?;
        let mut table = self.table.lock().map_err(|_| SessionError::Failed)?;
        let now = Instant::now();
        // Every use sweeps the idle sessions out, so their memory goes back
        // even when no new session is made.
        let idle_expiry = self.options.idle_expiry;
        table.retain(|_, entry| now.duration_since(entry.last_used) < idle_expiry);
        let entry = table.get_mut(id).ok_or(SessionError::Unknown)?;
        entry.last_used = now;
        Ok((Arc::clone(&entry.page), Arc::clone(&entry.cancel)))
    }

    /// Runs `work` on session `id` on a blocking thread, one request of a
    /// session at a time. Past the time limit the session's cancel flag is
    /// raised (the evaluation stops with `E304`, which `json` reports as
    /// `E309`) and the work is awaited to its end, so the session is left
    /// as the rejected input found it.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        id: Option<&str>,
        work: impl FnOnce(&mut PageSession) -> T + Send + 'static,
    ) -> Result<T, SessionError> {
        let (page, cancel) = self.find(id)?;
        let guard = page.lock_owned().await;
        let mut handle = tokio::task::spawn_blocking(move || {
            let mut guard = guard;
            work(&mut guard)
        });
        let early = tokio::select! {
            outcome = &mut handle => Some(outcome),
            () = tokio::time::sleep(self.options.max_time) => None,
        };
        let outcome = match early {
            Some(outcome) => outcome,
            None => {
                // The session clears its flag when an evaluation starts, so
                // keep raising it until the work ends.
                let outcome = loop {
                    cancel.store(true, Ordering::Relaxed);
                    tokio::select! {
                        outcome = &mut handle => break outcome,
                        () = tokio::time::sleep(Duration::from_millis(20)) => {}
                    }
                };
                cancel.store(false, Ordering::Relaxed);
                outcome
            }
        };
        match outcome {
            Ok(value) => Ok(value),
            Err(_) => {
                self.drop_session(id);
                Err(SessionError::Failed)
            }
        }
    }

    fn drop_session(&self, id: Option<&str>) {
        if let (Some(id), Ok(mut table)) = (id, self.table.lock()) {
            table.remove(id);
        }
    }
}

/// A session loaded with the start-up program.
fn start_session(options: &ServeOptions) -> Result<PageSession, StartUpError> {
    let mut session = Session::new(SessionOptions {
        limits: options.limits,
        record_rounds: true,
        sandboxed: true,
        engine: options.engine.clone(),
        ..SessionOptions::default()
    });
    for folder in &options.articles {
        if let Err(rejected) = session.add_articles_folder(folder) {
            return Err(StartUpError {
                rendered: present::render_diagnostics(
                    &rejected.diagnostics,
                    session.sources(),
                    false,
                ),
            });
        }
    }
    if !options.program.is_empty()
        && let Err(rejected) = session.load_program(&options.program)
    {
        return Err(StartUpError {
            rendered: present::render_diagnostics(&rejected.diagnostics, session.sources(), false),
        });
    }
    session.mark_start_up();
    let mut shell = Shell::new();
    shell.mark_saved(&session);
    Ok(PageSession { session, shell })
}

/// 128 random bits from the operating system, as 32 hex digits.
fn new_id() -> Option<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).ok()?;
    Some(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_long_and_distinct() {
        let first = new_id().expect("random bytes");
        let second = new_id().expect("random bytes");
        assert_eq!(first.len(), 32);
        assert_ne!(first, second);
    }

    #[test]
    fn the_table_is_bounded_and_idle_sessions_expire() {
        let sessions = Sessions::new(ServeOptions {
            program: Vec::new(),
            max_sessions: 2,
            idle_expiry: Duration::from_secs(3600),
            ..ServeOptions::default()
        })
        .expect("empty program");
        assert!(sessions.create().is_ok());
        assert!(sessions.create().is_ok());
        assert!(matches!(sessions.create(), Err(SessionError::Full(2))));
        let expiring = Sessions::new(ServeOptions {
            program: Vec::new(),
            max_sessions: 1,
            idle_expiry: Duration::ZERO,
            ..ServeOptions::default()
        })
        .expect("empty program");
        let id = expiring.create().expect("room for one");
        assert!(matches!(
            expiring.find(Some(&id)),
            Err(SessionError::Unknown)
        ));
        assert!(expiring.create().is_ok(), "the expired one made room");
        assert!(matches!(expiring.find(None), Err(SessionError::Missing)));
    }
}
