//! `wirelog serve`: starts the web view on a local address, prints its URL,
//! and stops cleanly on Ctrl-C. The server itself is the library's `web`.

use clap::Args;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;
use wirelog::eval::Limits;
use wirelog::session::ProgramSource;
use wirelog::web::{self, ServeOptions};

/// The options of `wirelog serve`.
#[derive(Args, Debug)]
pub struct ServeArguments {
    /// The port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The address to listen on; anything but 127.0.0.1 makes the page
    /// reachable from other machines.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
    /// Also load the bundled news knowledge base (the default when no file is given).
    #[arg(long)]
    news: bool,
    /// Seconds one request may evaluate before it is stopped.
    #[arg(long, default_value_t = 10.0)]
    max_seconds: f64,
    /// Page sessions kept at once.
    #[arg(long, default_value_t = 64)]
    max_sessions: usize,
    /// The rule files every page session starts with.
    files: Vec<PathBuf>,
    #[command(flatten)]
    engine: super::engine::EngineArguments,
}

/// The limits of the web view unless `--max-tuples`/`--max-rounds` (or
/// `--max-memory`, `--max-file-size`) say otherwise: lower than the
/// terminal's, since many people share one server.
pub fn default_limits() -> Limits {
    ServeOptions::default().limits
}

/// Runs the server until Ctrl-C; returns the exit code. Every page session
/// gets the `--articles` folders and the engine chosen.
pub fn serve(arguments: ServeArguments, limits: Limits, folders: &[PathBuf]) -> i32 {
    if arguments.engine.in_cluster() {
        eprintln!(
            "error: the web view runs in one process (`--workers N` threads): `--hostfile` is for `wirelog run`"
        );
        return 2;
    }
    // Each request evaluates once on the engine chosen; no dataflow
    // workers are kept running between the requests of a page.
    let engine = match arguments.engine.engine(false) {
        Ok(engine) => engine,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let mut program = Vec::new();
    if arguments.news || arguments.files.is_empty() {
        program.push(ProgramSource::News);
    }
    program.extend(arguments.files.iter().cloned().map(ProgramSource::File));
    if !(arguments.max_seconds.is_finite() && arguments.max_seconds > 0.0) {
        eprintln!("error: `--max-seconds` must be a positive number of seconds");
        return 2;
    }
    if arguments.max_sessions == 0 {
        eprintln!("error: `--max-sessions` must be at least 1");
        return 2;
    }
    let options = ServeOptions {
        program,
        limits,
        max_time: Duration::from_secs_f64(arguments.max_seconds),
        max_sessions: arguments.max_sessions,
        articles: folders.to_vec(),
        engine,
        ..ServeOptions::default()
    };
    // Checked here first, so that a bad file is reported before anything listens.
    if let Err(error) = web::router(options.clone()) {
        eprint!("{}", error.rendered);
        eprintln!("error: the files given to `wirelog serve` were rejected");
        return 1;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the server: {error}");
            return 1;
        }
    };
    runtime.block_on(async move {
        let address = SocketAddr::new(arguments.host, arguments.port);
        let listener = match tokio::net::TcpListener::bind(address).await {
            Ok(listener) => listener,
            Err(error) => {
                eprintln!("error: cannot listen on {address}: {error}");
                return 1;
            }
        };
        let shown = listener.local_addr().unwrap_or(address);
        println!("wirelog serves the web view at http://{shown}/");
        println!("(Ctrl-C stops it)");
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
            println!("stopping: finishing the requests in flight");
        };
        match web::serve(listener, options, shutdown).await {
            Ok(()) => 0,
            Err(error) => {
                eprintln!("error: the server stopped: {error}");
                1
            }
        }
    })
}
