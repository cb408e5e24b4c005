//! What a newcomer meets before any AWS call: `--help` of an action, `--version`, shell
//! completions and the man page, all through the real binary.

// Test support: a failed setup step should stop the test loudly, not be handled.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;

use std::path::Path;

use common::{fixture, isolate, stderr, stdout};

fn cdkx(cache: &Path) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("cdkx").unwrap();
    isolate(&mut c, cache);
    c
}

/// A loopback port nothing listens on: any AWS call there fails.
fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}")
}

#[test]
fn an_actions_help_makes_no_aws_call() {
    let cache = tempfile::tempdir().unwrap();
    let endpoint = closed_port();
    for (construct, action, says) in [
        ("requestorFn", "invoke", "--payload"),
        ("requestorFn", "audit", "--since"),
        ("requestorFn", "console", "--print"),
        ("requestorFn", "describe", "--show-env"),
        ("iam-backed-api", "probe", "--stage"),
    ] {
        for help in ["--help", "-h"] {
            let out = cdkx(cache.path())
                .env("AWS_ENDPOINT_URL", &endpoint)
                .arg("--app")
                .arg(fixture("iam-api"))
                .args([construct, action, help])
                .output()
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "{action} {help}: {}",
                stderr(&out)
            );
            let text = stdout(&out);
            assert!(
                text.contains(&format!("Usage: cdkx {construct} {action}")) && text.contains(says),
                "{action} {help}: {text}"
            );
            // Nothing was looked up: no error about the endpoint, no physical id cached.
            assert!(stderr(&out).is_empty(), "{action} {help}: {}", stderr(&out));
        }
    }
    // A bad argument is a usage error (2), also before any call.
    let out = cdkx(cache.path())
        .env("AWS_ENDPOINT_URL", &endpoint)
        .arg("--app")
        .arg(fixture("iam-api"))
        .args(["requestorFn", "invoke", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!stderr(&out).contains("127.0.0.1"), "{}", stderr(&out));
}

#[test]
fn version_names_the_commit() {
    let cache = tempfile::tempdir().unwrap();
    let out = cdkx(cache.path()).arg("--version").output().unwrap();
    assert!(out.status.success());
    let v = stdout(&out);
    assert!(
        v.starts_with(&format!("cdkx {}", env!("CARGO_PKG_VERSION"))),
        "{v}"
    );
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=10", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success());
    if let Some(head) = head {
        // Built from this checkout: the commit is named.
        let head = String::from_utf8(head.stdout).unwrap();
        assert_eq!(
            v.trim_end(),
            format!("cdkx {} ({})", env!("CARGO_PKG_VERSION"), head.trim())
        );
    }
}

#[test]
fn the_man_page_is_roff() {
    let cache = tempfile::tempdir().unwrap();
    let out = cdkx(cache.path()).arg("man").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let man = stdout(&out);
    assert!(man.contains(".TH cdkx 1"), "{man}");
    assert!(
        man.contains(".SH NAME") && man.contains(".SH OPTIONS"),
        "{man}"
    );
    assert!(
        man.contains("completions") && man.contains("\\-\\-endpoint\\-url"),
        "{man}"
    );
}

/// The bash script, sourced into a real bash, completes subcommands, flags and (calling cdkx
/// back) the construct names of the app in the current directory.
#[test]
fn bash_completes_subcommands_flags_and_construct_names() {
    let cache = tempfile::tempdir().unwrap();
    let out = cdkx(cache.path())
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let script = cache.path().join("cdkx.bash");
    std::fs::write(&script, &out.stdout).unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_cdkx")).parent().unwrap();
    let complete = |words: &[&str]| -> Vec<String> {
        let words_sh: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let prog = format!(
            "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_TYPE=9\n\
             COMP_LINE=\"${{COMP_WORDS[*]}}\"\nCOMP_POINT=${{#COMP_LINE}}\n\
             _clap_complete_cdkx cdkx '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display(),
            words_sh.join(" "),
            words.len() - 1,
            words[words.len() - 1],
            words[words.len().saturating_sub(2)],
        );
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(prog)
            .current_dir(fixture("iam-api").parent().unwrap())
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    bin_dir.display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .env("HOME", cache.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    };
    let all = complete(&["cdkx", ""]);
    for sub in [
        "list",
        "whoami",
        "probe",
        "completions",
        "man",
        "requestorFn",
        "iam-backed-api",
    ] {
        assert!(all.iter().any(|c| c == sub), "{sub} in {all:?}");
    }
    assert_eq!(complete(&["cdkx", "req"]), ["requestorFn"]);
    let mut iam = complete(&["cdkx", "iam"]);
    iam.sort();
    assert_eq!(iam, ["iam-backed-api", "iamApiFn"]);
    assert_eq!(complete(&["cdkx", "run", "requ"]), ["requestorFn"]);
    // After the construct come its commands, not construct names again.
    let commands = complete(&["cdkx", "run", "requestorFn", ""]);
    assert!(
        commands.iter().any(|c| c == "invoke") && !commands.iter().any(|c| c == "iamApiFn"),
        "{commands:?}"
    );
    assert_eq!(
        complete(&["cdkx", "run", "requestorFn", "inv"]),
        ["invoke", "invocations"]
    );
    assert!(complete(&["cdkx", "--end"]).contains(&"--endpoint-url".to_string()));
    // The other shells get their scripts too.
    for shell in ["zsh", "fish", "powershell"] {
        let out = cdkx(cache.path())
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(
            out.status.success() && stdout(&out).contains("cdkx"),
            "{shell}"
        );
    }
}

/// Names that do not exist are errors naming what does: an API's stages, a profile.
#[test]
fn unknown_stage_and_profile_are_named() {
    let cache = tempfile::tempdir().unwrap();
    let out = common::shared()
        .cdkx(cache.path())
        .arg("--app")
        .arg(fixture("iam-api"))
        .args(["iam-backed-api", "probe", "--stage", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("has no stage \"nope\"") && err.contains("its stages: prod"),
        "{err}"
    );
    // The stage the app deploys still works.
    let out = common::shared()
        .cdkx(cache.path())
        .arg("--app")
        .arg(fixture("iam-api"))
        .args(["iam-backed-api", "probe", "--stage", "prod"])
        .output()
        .unwrap();
    assert!(!stderr(&out).contains("has no stage"), "{}", stderr(&out));

    let out = common::shared()
        .cdkx(cache.path())
        .arg("--app")
        .arg(fixture("iam-api"))
        .args(["--profile", "nosuch", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("profile \"nosuch\"")
            && err.contains("no-aws-config")
            && err.contains("list-profiles"),
        "{err}"
    );
}
