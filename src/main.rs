//! The `cdkx` binary: everything lives in the library; this is the edge that exits.

fn main() -> std::process::ExitCode {
    // Behave like other Unix tools when the reader goes away (`cdkx list | head`): end quietly
    // instead of failing on a broken pipe. Rust ignores SIGPIPE by default.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    cdkx::cli::main()
}
