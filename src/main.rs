//! The `rk6` command line: parses flags and hands over to the library.

mod cli;

// mimalloc (with its `override` feature, so the engine's C allocations use it too): with
// one thread per VU, glibc's malloc shares a few arenas between many threads, and at
// 100 VUs its lock waits and page faults showed in every request's profile.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::main());
}
