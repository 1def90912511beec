//! [`CountingAlloc`]: the system allocator, counting. A benchmark binary opts in with
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOC: perfgate_harness::CountingAlloc = perfgate_harness::CountingAlloc;
//! ```
//!
//! and its report then has `allocations` and `allocated_bytes` per iteration. Without it the
//! harness leaves both metrics out (it sees that nothing was counted).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

/// The system allocator, counting every allocation (`alloc`, `alloc_zeroed`, and `realloc`,
/// which may move the block) and the bytes asked for. Frees are not counted.
pub struct CountingAlloc;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

fn count(size: usize) {
    ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    BYTES.fetch_add(size as u64, Ordering::Relaxed);
}

// SAFETY: every call is forwarded unchanged to the system allocator; counting has no effect
// on the memory handed out.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller's contract is System's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations and bytes counted so far (all threads).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub allocations: u64,
    pub bytes: u64,
}

impl Counts {
    pub fn now() -> Counts {
        Counts {
            allocations: ALLOCATIONS.load(Ordering::Relaxed),
            bytes: BYTES.load(Ordering::Relaxed),
        }
    }

    pub fn since(self, earlier: Counts) -> Counts {
        Counts {
            allocations: self.allocations.wrapping_sub(earlier.allocations),
            bytes: self.bytes.wrapping_sub(earlier.bytes),
        }
    }
}

/// Whether [`CountingAlloc`] is the global allocator: a fresh allocation moves the count.
pub fn installed() -> bool {
    let before = Counts::now();
    let probe = std::hint::black_box(vec![0u8; 16]);
    drop(probe);
    Counts::now().allocations != before.allocations
}
