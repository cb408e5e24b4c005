//! The `cdkx` binary: everything lives in the library; this is the edge that exits.

fn main() -> std::process::ExitCode {
    cdkx::cli::main()
}
