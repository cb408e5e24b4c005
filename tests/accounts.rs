//! End to end: credentials per account (cdkx.toml, --role-arn) and `cdkx whoami`, against the
//! emulator, where AssumeRole into another account yields credentials of that account.

// Test support: a failed setup step should stop the test loudly, not be handled.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;

use std::fs;

use common::{assert_no_secrets, fixture, shared, stderr, stdout};
use serde_json::Value;

/// An app directory with the multi-stack assembly and, optionally, a cdkx.toml.
fn app_dir(cdkx_toml: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(fixture("multi-stack"), dir.path().join("cdk.out")).unwrap();
    if let Some(t) = cdkx_toml {
        fs::write(dir.path().join("cdkx.toml"), t).unwrap();
    }
    dir
}

const ROLE: &str =
    "[accounts.222222222222]\nrole_arn = \"arn:aws:iam::222222222222:role/cdkx-read\"\n";

fn stack_state(v: &Value, name: &str) -> Value {
    v["stacks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap()["state"]
        .clone()
}

#[test]
fn each_stack_is_looked_up_with_its_accounts_credentials() {
    let dir = app_dir(Some(ROLE));
    let cache = tempfile::tempdir().unwrap();
    let out = shared()
        .cdkx(cache.path())
        .current_dir(dir.path())
        .args(["list", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_no_secrets(&out);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        stack_state(&v, "multi-consumer"),
        "deployed",
        "found in 222222222222 through the role"
    );
    assert_eq!(
        stack_state(&v, "SharedStack"),
        "deployed",
        "the default credentials still serve 123456789012"
    );
    let consumer = v["stacks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "multi-consumer")
        .unwrap();
    assert_eq!(consumer["account"], "222222222222");
    assert!(
        !stderr(&out).contains("belongs to account"),
        "no mismatch warning: {}",
        stderr(&out)
    );

    // Actions on a resource of that stack use the same credentials.
    let out = shared()
        .cdkx(cache.path())
        .current_dir(dir.path())
        .args(["InlineFn", "describe", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        d["arn"]
            .as_str()
            .unwrap()
            .contains(":222222222222:function:multi-consumer-InlineFn"),
        "{d}"
    );

    // --role-arn does the same for one command, without a cdkx.toml.
    let plain = app_dir(None);
    let out = shared()
        .cdkx(cache.path())
        .current_dir(plain.path())
        .args([
            "--role-arn",
            "arn:aws:iam::222222222222:role/other",
            "list",
            "--stack",
            "consumer",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        stack_state(&v, "multi-consumer"),
        "deployed",
        "{}",
        stderr(&out)
    );
}

#[test]
fn whoami_shows_each_account_and_how_its_credentials_were_obtained() {
    let dir = app_dir(Some(ROLE));
    let cache = tempfile::tempdir().unwrap();
    let out = shared()
        .cdkx(cache.path())
        .current_dir(dir.path())
        .args(["whoami", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_no_secrets(&out);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = |account: &str| {
        v["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["account"] == account)
            .unwrap()
            .clone()
    };
    let b = row("222222222222");
    assert_eq!(b["caller"]["account"], "222222222222");
    assert!(
        b["caller"]["arn"]
            .as_str()
            .unwrap()
            .contains("assumed-role/cdkx-read"),
        "{b}"
    );
    assert!(
        b["source"]
            .as_str()
            .unwrap()
            .contains("role arn:aws:iam::222222222222:role/cdkx-read (cdkx.toml)"),
        "{b}"
    );
    assert_eq!(b["matches"], true);
    assert_eq!(b["stacks"], serde_json::json!(["multi-consumer"]));
    let a = row("123456789012");
    assert_eq!(a["caller"]["account"], "123456789012");
    assert!(a["source"].as_str().unwrap().contains("environment"), "{a}");

    // Without the mapping, the foreign account is reached through its CDK lookup role (the
    // emulator lets anyone assume it; tests/lookup_role.rs has trust enforced).
    let plain = app_dir(None);
    let out = shared()
        .cdkx(cache.path())
        .current_dir(plain.path())
        .arg("whoami")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("lookup role (CDK bootstrap)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_profile_that_cannot_be_resolved_is_said_plainly() {
    let dir = app_dir(None);
    let cache = tempfile::tempdir().unwrap();
    let out = shared()
        .cdkx(cache.path())
        .current_dir(dir.path())
        .args(["whoami", "--profile", "nosuch"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("cannot obtain credentials") && text.contains("no credentials were found"),
        "{text}"
    );
    assert!(text.contains("profile nosuch (--profile)"), "{text}");
}

#[test]
fn bad_cdkx_toml_is_an_error_naming_it() {
    let dir = app_dir(Some("[accounts.2222]\nprofile = \"x\"\n"));
    let cache = tempfile::tempdir().unwrap();
    let out = shared()
        .cdkx(cache.path())
        .current_dir(dir.path())
        .arg("list")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("cdkx.toml") && err.contains("12 digits"),
        "{err}"
    );
}
