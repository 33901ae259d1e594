//! The limits that stop runaway work with an error instead of exhausting
//! the machine: their values and defaults ([`Limits`]), the memory the
//! process holds ([`CountingAllocator`]), and the poll every long loop
//! calls ([`Watch`]: Ctrl-C and the memory limit).
//!
//! Owns every default (documented in docs/checks.md, "Limits") and the
//! accounting; it stops nothing itself. Parsing, analysis, loading and
//! both engines poll a `Watch` (or, inside `eval`, its own context, which
//! reads the same counters) and turn a [`Halt`] into their own error.
//!
//! Memory is counted by a global allocator, because only the allocator
//! sees every byte: the binary installs [`CountingAllocator`]; a program
//! using the library without it has no memory limit ([`allocated`] is 0).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

/// The longest text a built-in function may compute (`concat`, `upper`, …):
/// 1 MiB. Longer results are an error (E306), so a rule doubling a string
/// each round stops after about twenty rounds instead of at gigabytes.
pub const MAX_TEXT_BYTES: usize = 1 << 20;

/// The default `--max-tuples`.
pub const DEFAULT_MAX_TUPLES: usize = 50_000_000;

/// The fewest rounds one recursion may run by default: a recursion may run
/// this many rounds, or twice as many as the model held tuples when it
/// started if that is more (every round of a legitimate recursion derives
/// at least one tuple, so a chain over N facts needs about N rounds).
pub const DEFAULT_MIN_ROUNDS: usize = 1_000_000;

/// The fewest rounds a recursion through lattice predicates (`min D`,
/// `max D` heads) may run by default, or twice as many as the model held
/// tuples when it started if that is more. Such a recursion converges in
/// about as many rounds as the longest chain of facts it walks (a shortest
/// path has no more edges than the graph); one that keeps improving a
/// value for longer is walking a cycle that improves it every time round
/// (a negative cycle under `min`), which has no fixpoint.
pub const DEFAULT_LATTICE_ROUNDS: usize = 1_000;

/// The default `--max-file-size`: 64 MiB, about a million facts a megabyte
/// of rules takes ~40 MiB to check.
pub const DEFAULT_MAX_FILE_BYTES: usize = 64 << 20;

/// Bounds that stop a runaway program with an error instead of exhausting memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most tuples produced (head tuples and intermediate join results,
    /// counted as they are produced) by one evaluation or one query.
    pub max_tuples: usize,
    /// Most rounds of one recursion; `None` for the default, which scales
    /// with the data (see [`Limits::round_limit`]).
    pub max_rounds: Option<usize>,
    /// Most bytes the process may hold while evaluating, analysing or
    /// loading (checked only when [`CountingAllocator`] is installed).
    pub max_memory: usize,
    /// Largest file `:load`, `#include` or the command line may read.
    pub max_file_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_tuples: DEFAULT_MAX_TUPLES,
            max_rounds: None,
            max_memory: default_max_memory(),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        }
    }
}

impl Limits {
    /// The round limit of a recursion that starts when the model holds
    /// `n_known` tuples: `max_rounds` when given, otherwise the larger of
    /// [`DEFAULT_MIN_ROUNDS`] and twice `n_known` (a chain of N edges
    /// needs about N rounds; twice leaves room for what the rounds derive
    /// before the recursion that walks it).
    pub fn round_limit(&self, n_known: usize) -> usize {
        self.max_rounds
            .unwrap_or_else(|| DEFAULT_MIN_ROUNDS.max(n_known.saturating_mul(2)))
    }

    /// The round limit of a recursion through lattice predicates starting
    /// when the model holds `n_known` tuples: `max_rounds` when given,
    /// otherwise the larger of [`DEFAULT_LATTICE_ROUNDS`] and twice `n_known`.
    pub fn lattice_round_limit(&self, n_known: usize) -> usize {
        self.max_rounds
            .unwrap_or_else(|| DEFAULT_LATTICE_ROUNDS.max(n_known.saturating_mul(2)))
    }
}

/// Why long work stopped early.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Halt {
    /// Ctrl-C.
    #[error("interrupted")]
    Interrupted,
    /// The process holds more memory than `--max-memory` allows.
    #[error("stopped at the memory limit of {} (`--max-memory`)", format_bytes(*limit))]
    MemoryExceeded {
        /// The limit in force, in bytes.
        limit: usize,
    },
}

/// The poll of long loops outside the engine: Ctrl-C and the memory limit,
/// checked every [`Watch::EVERY`] calls so that polling costs nothing.
#[derive(Debug)]
pub struct Watch<'a> {
    cancel: &'a AtomicBool,
    max_memory: usize,
    calls: u32,
}

impl<'a> Watch<'a> {
    /// How many calls of [`Watch::poll`] pass between two real checks.
    pub const EVERY: u32 = 1024;

    /// A watch on `cancel` (set by Ctrl-C) and a memory limit in bytes.
    pub fn new(cancel: &'a AtomicBool, max_memory: usize) -> Watch<'a> {
        Watch {
            cancel,
            max_memory,
            calls: 0,
        }
    }

    /// Counts one step of work and, every [`Watch::EVERY`] steps, checks.
    pub fn poll(&mut self) -> Result<(), Halt> {
        self.calls = self.calls.wrapping_add(1);
        if self.calls.is_multiple_of(Watch::EVERY) {
            return self.check();
        }
        Ok(())
    }

    /// Checks now.
    pub fn check(&self) -> Result<(), Halt> {
        check_now(self.cancel, self.max_memory)
    }
}

/// Ctrl-C first, then the memory limit.
pub fn check_now(cancel: &AtomicBool, max_memory: usize) -> Result<(), Halt> {
    if cancel.load(Ordering::Relaxed) {
        return Err(Halt::Interrupted);
    }
    if allocated() > max_memory {
        return Err(Halt::MemoryExceeded { limit: max_memory });
    }
    Ok(())
}

/// Bytes held through the global allocator right now; 0 when
/// [`CountingAllocator`] is not the global allocator.
pub fn allocated() -> usize {
    usize::try_from(ALLOCATED.load(Ordering::Relaxed)).unwrap_or(0)
}

/// Bytes held, as the threads have reported them (see [`count`]); may dip
/// below zero for a while when one thread frees what another allocated.
static ALLOCATED: AtomicIsize = AtomicIsize::new(0);

/// How far a thread's own count may drift before it reports to
/// [`ALLOCATED`]: the total is exact to this many bytes per thread, and
/// most allocations cost a thread-local addition instead of an atomic one
/// (an atomic per allocation was a tenth of the time of allocation-heavy
/// work such as checking a large program).
const DRIFT: isize = 256 << 10;

thread_local! {
    /// Bytes this thread allocated (less freed) not yet added to [`ALLOCATED`].
    /// A `const` cell with no destructor: safe to touch inside the allocator.
    static UNREPORTED: Cell<isize> = const { Cell::new(0) };
}

/// Counts `delta` bytes allocated (or, negative, freed) by this thread.
#[inline]
fn count(delta: isize) {
    let report = UNREPORTED
        .try_with(|unreported| {
            let total = unreported.get().saturating_add(delta);
            if total.unsigned_abs() < DRIFT.unsigned_abs() {
                unreported.set(total);
                0
            } else {
                unreported.set(0);
                total
            }
        })
        // A thread being torn down has no local count: report at once.
        .unwrap_or(delta);
    if report != 0 {
        ALLOCATED.fetch_add(report, Ordering::Relaxed);
    }
}

/// A size as a signed count (no allocation is anywhere near `isize::MAX`).
#[inline]
fn signed(bytes: usize) -> isize {
    isize::try_from(bytes).unwrap_or(isize::MAX)
}

/// The system allocator, counting the bytes it hands out.
///
/// Install it in a binary with
/// `#[global_allocator] static ALLOCATOR: CountingAllocator = CountingAllocator;`.
/// A thread-local addition per allocation (an atomic one every 256 KiB
/// of drift) is all it costs; it refuses
/// nothing (a refused allocation aborts the process): the limit is polled.
#[derive(Debug, Default)]
pub struct CountingAllocator;

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged and only counts sizes afterwards, so it upholds exactly the
// contract `System` does.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is (see the impl).
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            count(signed(layout.size()));
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is (see the impl).
        let pointer = unsafe { System.alloc_zeroed(layout) };
        if !pointer.is_null() {
            count(signed(layout.size()));
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is (see the impl).
        unsafe { System.dealloc(pointer, layout) };
        count(-signed(layout.size()));
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is (see the impl).
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            count(signed(new_size) - signed(layout.size()));
        }
        moved
    }
}

/// The default `--max-memory`: half of the physical memory, or half of the
/// process's address-space or data limit (`ulimit -v`, `ulimit -d`) when
/// that is lower. Half, because a vector that doubles needs its old and its
/// new buffer at once, and the limit is polled, not enforced per byte.
pub fn default_max_memory() -> usize {
    static DEFAULT: OnceLock<usize> = OnceLock::new();
    *DEFAULT.get_or_init(|| {
        let mut ceiling = physical_memory().unwrap_or(8 << 30);
        for limit in [address_space_limit(), data_limit()].into_iter().flatten() {
            ceiling = ceiling.min(limit);
        }
        ceiling / 2
    })
}

#[cfg(unix)]
fn physical_memory() -> Option<usize> {
    // SAFETY: `sysconf` reads a configuration value and has no preconditions.
    let (pages, page_size) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    let pages = usize::try_from(pages).ok()?;
    let page_size = usize::try_from(page_size).ok()?;
    pages.checked_mul(page_size)
}

#[cfg(not(unix))]
fn physical_memory() -> Option<usize> {
    None
}

/// The soft limit `getrlimit` reports, or `None` when unlimited or unknown.
#[cfg(target_os = "linux")]
fn current_limit(read: impl FnOnce(&mut libc::rlimit) -> libc::c_int) -> Option<usize> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    if read(&mut limit) != 0 || limit.rlim_cur == libc::RLIM_INFINITY {
        return None;
    }
    usize::try_from(limit.rlim_cur).ok()
}

#[cfg(target_os = "linux")]
fn address_space_limit() -> Option<usize> {
    // SAFETY: `getrlimit` writes one `rlimit` through a valid pointer.
    current_limit(|limit| unsafe { libc::getrlimit(libc::RLIMIT_AS, limit) })
}

#[cfg(target_os = "linux")]
fn data_limit() -> Option<usize> {
    // SAFETY: `getrlimit` writes one `rlimit` through a valid pointer.
    current_limit(|limit| unsafe { libc::getrlimit(libc::RLIMIT_DATA, limit) })
}

#[cfg(not(target_os = "linux"))]
fn address_space_limit() -> Option<usize> {
    None
}

#[cfg(not(target_os = "linux"))]
fn data_limit() -> Option<usize> {
    None
}

/// A size as people read it: `512 MiB`, `1.5 GiB`, `300 bytes`.
pub fn format_bytes(bytes: usize) -> String {
    const UNITS: [(&str, usize); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if bytes >= size {
            let whole = bytes / size;
            let tenths = (bytes % size) * 10 / size;
            return if tenths == 0 {
                format!("{whole} {unit}")
            } else {
                format!("{whole}.{tenths} {unit}")
            };
        }
    }
    format!("{bytes} bytes")
}

/// Reads a size such as `512M`, `2G`, `1.5GiB`, `300k` or `1000000` (bytes).
pub fn parse_bytes(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let split = text
        .find(|character: char| !(character.is_ascii_digit() || character == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        other => return Err(format!("unknown unit `{other}` (use K, M, G or T)")),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size such as `512M` or `2G`"))?;
    let bytes = value * factor;
    if !bytes.is_finite() || bytes < 1.0 || bytes >= usize::MAX as f64 {
        return Err(format!("`{text}` is not a usable size"));
    }
    Ok(bytes as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_print() {
        let cases: &[(&str, Result<usize, ()>)] = &[
            ("512M", Ok(512 << 20)),
            ("2G", Ok(2 << 30)),
            ("1.5GiB", Ok(3 << 29)),
            ("300k", Ok(300 << 10)),
            ("1000000", Ok(1_000_000)),
            ("0", Err(())),
            ("12X", Err(())),
            ("G", Err(())),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_bytes(text).map_err(|_| ()), *expected, "{text}");
        }
        assert_eq!(format_bytes(512 << 20), "512 MiB");
        assert_eq!(format_bytes(3 << 29), "1.5 GiB");
        assert_eq!(format_bytes(300), "300 bytes");
    }

    #[test]
    fn the_default_round_limit_scales_with_the_data() {
        let limits = Limits {
            max_rounds: None,
            ..Limits::default()
        };
        assert_eq!(limits.round_limit(10), DEFAULT_MIN_ROUNDS);
        assert_eq!(limits.round_limit(3_000_000), 6_000_000);
        let given = Limits {
            max_rounds: Some(7),
            ..Limits::default()
        };
        assert_eq!(given.round_limit(3_000_000), 7);
    }

    #[test]
    fn a_watch_reports_ctrl_c() {
        let cancel = AtomicBool::new(false);
        let mut watch = Watch::new(&cancel, usize::MAX);
        assert_eq!(watch.check(), Ok(()));
        cancel.store(true, Ordering::Relaxed);
        let stopped = (0..Watch::EVERY).map(|_| watch.poll()).find(Result::is_err);
        assert_eq!(stopped, Some(Err(Halt::Interrupted)));
    }
}
