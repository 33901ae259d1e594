//! Starting the workers: N threads in this process, or this process's
//! threads of a cluster connected over TCP.
//!
//! Owns the cluster's connections, made here rather than by timely's own
//! `initialize_networking` because that prints its progress ("awaiting
//! connections", "error connecting ... retrying") on standard output, which
//! belongs to the answers. The protocol is timely's: process `i` connects to
//! every process before it and sends its index (a big-endian `u64`), and
//! accepts a connection from every process after it; the sockets then go to
//! `initialize_networking_from_sockets`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;
use timely::communication::allocator::ProcessBuilder;
use timely::communication::allocator::zero_copy::initialize::initialize_networking_from_sockets;
use timely::communication::{AllocatorBuilder, Hooks, WorkerGuards};
use timely::worker::Worker;

/// How long to wait before trying again to reach a process not yet listening.
const RETRY: Duration = Duration::from_millis(100);

/// Runs `func` on `threads` worker threads of this process, as
/// `timely::execute` does; `cluster` is every process's `host:port` and
/// this process's position among them.
pub(super) fn execute<T, F>(
    threads: usize,
    cluster: Option<(&[String], usize)>,
    func: F,
) -> Result<WorkerGuards<T>, String>
where
    T: Send + 'static,
    F: Fn(&mut Worker) -> T + Send + Sync + 'static,
{
    let Some((addresses, process)) = cluster else {
        let config = timely::Config {
            communication: timely::CommunicationConfig::Process(threads),
            worker: timely::WorkerConfig::default(),
        };
        return timely::execute(config, func);
    };
    let sockets = connect(addresses, process)
        .map_err(|error| format!("cannot connect the cluster's processes: {error}"))?;
    let hooks = Hooks::default();
    let process_allocators =
        ProcessBuilder::new_typed_vector(threads, hooks.refill.clone(), hooks.spill.clone());
    let (builders, guard) =
        initialize_networking_from_sockets(process_allocators, sockets, process, threads, hooks)
            .map_err(|error| format!("cannot start the cluster's networking: {error}"))?;
    let builders = builders.into_iter().map(AllocatorBuilder::Tcp).collect();
    timely::execute::execute_from(
        builders,
        Box::new(guard),
        timely::WorkerConfig::default(),
        func,
    )
}

/// One socket to every other process, in process order (`None` at `process`).
fn connect(addresses: &[String], process: usize) -> std::io::Result<Vec<Option<TcpStream>>> {
    let address = addresses.get(process).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("process {process} is not in the hostfile"),
        )
    })?;
    // Listen before connecting, so that processes started in any order meet.
    let listener = TcpListener::bind(address)?;
    let mut sockets: Vec<Option<TcpStream>> = (0..addresses.len()).map(|_| None).collect();
    for (index, address) in addresses.iter().enumerate().take(process) {
        let mut stream = loop {
            match TcpStream::connect(address) {
                Ok(stream) => break stream,
                // Not listening yet: it has not started.
                Err(_) => std::thread::sleep(RETRY),
            }
        };
        stream.set_nodelay(true)?;
        stream.write_all(&(process as u64).to_be_bytes())?;
        if let Some(slot) = sockets.get_mut(index) {
            *slot = Some(stream);
        }
    }
    let mut missing = addresses.len() - process - 1;
    while missing > 0 {
        let (mut stream, _) = listener.accept()?;
        stream.set_nodelay(true)?;
        let mut index = [0u8; 8];
        stream.read_exact(&mut index)?;
        let index = usize::try_from(u64::from_be_bytes(index)).unwrap_or(usize::MAX);
        match sockets.get_mut(index) {
            Some(slot @ None) if index > process => {
                *slot = Some(stream);
                missing -= 1;
            }
            _ => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("a connection announced itself as process {index}"),
                ));
            }
        }
    }
    Ok(sockets)
}
