//! Peak live heap and elapsed time of one case, asserted against the limits every hostile
//! input must stay within.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// What a refusal (or a harmless read) may cost at most.
pub const MAX_PEAK_BYTES: usize = 256 * 1024 * 1024;
pub const MAX_ELAPSED: Duration = Duration::from_secs(2);

/// The system allocator, counting the bytes it holds and the most it held since the last reset.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let live = LIVE.fetch_add(n, Relaxed) + n;
    PEAK.fetch_max(live, Relaxed);
}

fn shrank(n: usize) {
    LIVE.fetch_sub(n, Relaxed);
}

// SAFETY: every call is passed to `System` unchanged; only counters are updated around it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Counted as a move, both blocks live at once: the most a realloc can cost.
        grew(new_size);
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            shrank(new_size);
        } else {
            shrank(layout.size());
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Held for the whole of a test, inputs built included, so that no other test's allocations
/// land in its measurement.
pub fn serial() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// What one case cost.
#[derive(Debug, Clone, Copy)]
pub struct Cost {
    pub elapsed: Duration,
    /// Peak live heap of the process while the case ran, its input included.
    pub peak: usize,
}

/// Runs `f`, measured, without asserting (the caller holds `serial()`).
pub fn cost<T>(f: impl FnOnce() -> T) -> (T, Cost) {
    PEAK.store(LIVE.load(Relaxed), Relaxed);
    let start = Instant::now();
    let value = f();
    let elapsed = start.elapsed();
    let peak = PEAK.load(Relaxed);
    (value, Cost { elapsed, peak })
}

/// Runs `f`, measured, and asserts it stayed within 2 s and 256 MB (the caller holds
/// `serial()`). Prints the cost, for `--nocapture` runs that want the figures.
pub fn within_limits<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let (value, cost) = cost(f);
    eprintln!(
        "{name}: {:.0} ms, peak {:.1} MB",
        cost.elapsed.as_secs_f64() * 1000.0,
        cost.peak as f64 / (1024.0 * 1024.0)
    );
    assert!(
        cost.elapsed < MAX_ELAPSED,
        "{name} took {:?} (limit {MAX_ELAPSED:?})",
        cost.elapsed
    );
    assert!(
        cost.peak < MAX_PEAK_BYTES,
        "{name} peaked at {} bytes (limit {MAX_PEAK_BYTES})",
        cost.peak
    );
    value
}

#[test]
fn the_counter_sees_allocations() {
    let _serial = serial();
    let (kept, cost) = cost(|| vec![1u8; 8 * 1024 * 1024]);
    assert!(cost.peak >= kept.len(), "{cost:?}");
}
