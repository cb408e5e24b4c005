//! Secrets never reach a file: after a session of commands with recognizable fake credentials,
//! neither the cache directory nor any committed snapshot holds the secret key. (Every other test
//! asserts the same of stdout and stderr through `common::assert_no_secrets`.)

// Test support: a failed setup step should stop the test loudly, not be handled.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{FAKE_SECRET_KEY, assert_no_secrets, fixture, shared};

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if !p.ends_with("target")
                && !p.ends_with(".git")
                && !p.ends_with(".venv")
                && !p.ends_with("node_modules")
            {
                files_under(&p, out);
            }
        } else {
            out.push(p);
        }
    }
}

#[test]
fn no_secret_in_cache_files_or_snapshots() {
    let cache = tempfile::tempdir().unwrap();
    for args in [
        vec!["list"],
        vec!["list", "-o", "json", "--refresh"],
        vec!["requestorFn"],
        vec!["requestorFn", "describe", "--show-env"],
        vec!["iam-backed-api", "describe", "-o", "json"],
        vec!["requestorFn", "audit"],
        vec!["whoami"],
    ] {
        let out = shared()
            .cdkx(cache.path())
            .arg("--app")
            .arg(fixture("iam-api"))
            .args(&args)
            .output()
            .unwrap();
        assert_no_secrets(&out);
    }
    let mut files = Vec::new();
    files_under(cache.path(), &mut files);
    assert!(!files.is_empty(), "the session wrote a cache");
    // Committed snapshots (TUI screens and others) are files too.
    let repo = common::repo();
    for dir in ["src", "tests"] {
        let mut all = Vec::new();
        files_under(&repo.join(dir), &mut all);
        files.extend(
            all.into_iter()
                .filter(|p| p.to_string_lossy().contains("snap")),
        );
    }
    for f in files {
        let bytes = fs::read(&f).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(FAKE_SECRET_KEY),
            "{} holds the secret key",
            f.display()
        );
    }
}
