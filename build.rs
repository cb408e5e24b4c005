//! Build script: `cdkx --version` names the commit it was built from (`0.1.0 (1a2b3c4d5e)`).
//! Outside a git checkout (a crates.io tarball, a source archive) it is the version alone.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

fn main() {
    let version = env!("CARGO_PKG_VERSION");
    // Only a checkout of this package counts, not a repository it happens to be unpacked in.
    let in_checkout = std::path::Path::new(".git").exists();
    let commit = in_checkout
        .then(|| git(&["rev-parse", "--short=10", "HEAD"]))
        .flatten();
    if in_checkout {
        // Run again when HEAD moves: a commit, a checkout, a fetch that updates packed refs.
        if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
            println!("cargo:rerun-if-changed={dir}/HEAD");
        }
        if let Some(common) = git(&["rev-parse", "--git-common-dir"]) {
            println!("cargo:rerun-if-changed={common}/packed-refs");
            if let Some(head_ref) = git(&["symbolic-ref", "-q", "HEAD"]) {
                println!("cargo:rerun-if-changed={common}/{head_ref}");
            }
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
    let full = match commit {
        Some(c) => format!("{version} ({c})"),
        None => version.to_string(),
    };
    println!("cargo:rustc-env=CDKX_VERSION={full}");
}
