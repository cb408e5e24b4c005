//! Faults: every one ends within a bounded time (the process timeout below fails the test
//! otherwise) with a clear message and the right exit code, or is ridden out.

// Test support: a failed setup step should stop the test loudly, not be handled.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{Emulator, fixture, stderr, stdout};
use serde_json::{Value, json};

struct Setup {
    emu: Emulator,
    cache: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let emu = Emulator::start();
        emu.deploy(&fixture("iam-api"));
        Setup {
            emu,
            cache: tempfile::tempdir().unwrap(),
        }
    }

    fn cmd(&self, args: &[&str]) -> assert_cmd::Command {
        let mut c = self.emu.cdkx(self.cache.path());
        c.timeout(Duration::from_secs(30))
            .arg("--app")
            .arg(fixture("iam-api"))
            .args(args);
        c
    }

    fn fault(&self, target: &str, kind: &str, count: u32) {
        self.emu.post(
            "/moto-api/cdkx/faults",
            &json!({"target": target, "kind": kind, "count": count, "seconds": 60}),
        );
    }
}

fn no_panic(out: &std::process::Output) {
    let err = stderr(out);
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    common::assert_no_secrets(out);
}

#[test]
fn emulator_down_is_a_clear_error_for_every_action() {
    let s = Setup::new();
    for args in [
        vec!["list"],
        vec!["requestorFn", "describe"],
        vec!["requestorFn", "invoke"],
        vec!["requestorFn", "audit"],
        vec!["whoami"],
    ] {
        let out = s
            .cmd(&args)
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
            .output()
            .unwrap();
        no_panic(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("could not reach the endpoint")
                || stdout(&out).contains("could not reach the endpoint"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn a_hanging_endpoint_times_out() {
    let s = Setup::new();
    s.fault("cloudformation:DescribeStacks", "hang", 5);
    let started = std::time::Instant::now();
    let out = s
        .cmd(&["--timeout", "3", "list"])
        .env("AWS_MAX_ATTEMPTS", "3")
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    // --timeout is the whole call: three attempts do not make it 9 s (nor the old 2x, 6 s).
    assert!(
        elapsed < Duration::from_millis(5500),
        "took {elapsed:?}: {}",
        stderr(&out)
    );
    let err = stderr(&out);
    assert!(
        err.contains("timed out")
            && err.contains(&format!("no answer from {} within 3 s", s.emu.url))
            && err.contains("(--timeout 3, retries included)"),
        "{err}"
    );
    let out = s.cmd(&["--timeout", "0"]).arg("list").output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "a zero timeout is bad usage: {}",
        stderr(&out)
    );
}

#[test]
fn a_hang_in_any_service_is_bounded_by_timeout_and_named() {
    let s = Setup::new();
    assert!(
        s.cmd(&["list"]).output().unwrap().status.success(),
        "warm the cache"
    );
    for (target, args) in [
        ("lambda", vec!["requestorFn", "describe"]),
        ("cloudtrail", vec!["requestorFn", "audit"]),
        ("sts", vec!["whoami"]),
    ] {
        s.fault(target, "hang", 10);
        let started = std::time::Instant::now();
        let out = s
            .cmd(&[&["--timeout", "2"][..], &args].concat())
            .env("AWS_MAX_ATTEMPTS", "3")
            .output()
            .unwrap();
        let elapsed = started.elapsed();
        no_panic(&out);
        s.emu.delete("/moto-api/cdkx/faults");
        assert_eq!(out.status.code(), Some(1), "{target}: {}", stderr(&out));
        // One budget of 2 s per call (a command may make two calls one after the other), never
        // one per attempt.
        assert!(
            elapsed < Duration::from_millis(4800),
            "{target}: took {elapsed:?}: {}",
            stderr(&out)
        );
        let text = format!("{}{}", stdout(&out), stderr(&out));
        assert!(
            text.contains(&format!(
                "no answer from {} within 2 s (--timeout 2",
                s.emu.url
            )),
            "{target}: {text}"
        );
    }
}

#[test]
fn server_errors_are_retried_then_reported() {
    let s = Setup::new();
    s.fault("ListStackResources", "http500", 1);
    let out = s
        .cmd(&["list", "-o", "json"])
        .env("AWS_MAX_ATTEMPTS", "3")
        .output()
        .unwrap();
    no_panic(&out);
    assert!(
        out.status.success(),
        "one 500 is retried away: {}",
        stderr(&out)
    );

    s.fault("ListStackResources", "http500", 10);
    let out = s
        .cmd(&["list", "--refresh"])
        .env("AWS_MAX_ATTEMPTS", "2")
        .output()
        .unwrap();
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("ListStackResources") && err.contains("InternalFailure"),
        "{err}"
    );
}

#[test]
fn throttling_storms_are_ridden_out() {
    let s = Setup::new();
    s.fault("cloudformation:DescribeStacks", "throttle", 2);
    let out = s
        .cmd(&["list", "-o", "json"])
        .env("AWS_MAX_ATTEMPTS", "3")
        .output()
        .unwrap();
    no_panic(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["stacks"][0]["state"], "deployed");
    assert!(!stderr(&out).contains("Throttling"), "{}", stderr(&out));
}

#[test]
fn truncated_answers_and_expired_credentials_are_explained() {
    let s = Setup::new();
    assert!(
        s.cmd(&["list"]).output().unwrap().status.success(),
        "warm the cache"
    );
    s.fault("lambda:GetFunction", "invalid_json", 1);
    let out = s.cmd(&["requestorFn", "describe"]).output().unwrap();
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("lambda:GetFunction"),
        "{}",
        stderr(&out)
    );

    s.fault("lambda:Invoke", "expired_token", 1);
    let out = s.cmd(&["requestorFn", "invoke"]).output().unwrap();
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("your credentials have expired"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_full_disk_skips_the_cache_and_the_command_still_works() {
    let s = Setup::new();
    // A private mount namespace with a tiny tmpfs that is already full.
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("cdkx");
    let script = format!(
        "mount -t tmpfs -o size=16k tmpfs '{d}' && (dd if=/dev/zero of='{d}/fill' bs=1k count=64 2>/dev/null; true) && exec '{bin}' --app '{app}' list -o json",
        d = dir.path().display(),
        bin = bin.display(),
        app = fixture("iam-api").display()
    );
    let out = std::process::Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "sh", "-c", &script])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("HOME", s.cache.path())
        .env("CDKX_CACHE_DIR", dir.path().join("cache"))
        .env("AWS_ACCESS_KEY_ID", common::FAKE_ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", common::FAKE_SECRET_KEY)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", s.cache.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", s.cache.path().join("none"))
        .env("AWS_ENDPOINT_URL", &s.emu.url)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    no_panic(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("could not write the physical-id cache") && err.contains("No space left"),
        "{err}"
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["stacks"][0]["state"], "deployed");
}

#[test]
fn concurrent_refreshes_leave_a_valid_cache() {
    let s = Setup::new();
    for _round in 0..3 {
        let children: Vec<std::process::Child> = (0..4)
            .map(|_| {
                let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("cdkx"));
                c.env_clear()
                    .env("PATH", std::env::var_os("PATH").unwrap())
                    .env("HOME", s.cache.path())
                    .env("CDKX_CACHE_DIR", s.cache.path())
                    .env("AWS_ACCESS_KEY_ID", common::FAKE_ACCESS_KEY)
                    .env("AWS_SECRET_ACCESS_KEY", common::FAKE_SECRET_KEY)
                    .env("AWS_REGION", "us-east-1")
                    .env("AWS_EC2_METADATA_DISABLED", "true")
                    .env("AWS_CONFIG_FILE", s.cache.path().join("none"))
                    .env("AWS_ENDPOINT_URL", &s.emu.url)
                    .arg("--app")
                    .arg(fixture("iam-api"))
                    .args(["list", "--refresh", "-o", "json"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    // Exactly one valid cache file, and it answers the next run.
    let mut files = Vec::new();
    let mut dirs = vec![s.cache.path().to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                files.push(p);
            }
        }
    }
    let json_files: Vec<_> = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert_eq!(json_files.len(), 1, "no temp files left behind: {files:?}");
    let entry: Value = serde_json::from_str(&std::fs::read_to_string(json_files[0]).unwrap())
        .expect("valid cache");
    assert_eq!(entry["format"], 1);
    let out = s.cmd(&["list", "-o", "json"]).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["stacks"][0]["fromCache"], true);
}
