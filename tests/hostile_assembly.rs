//! Hostile cloud assemblies: each must end promptly with a clear error (or be read once), never
//! hang, recurse without end or read what it need not. Every run of the binary has a time limit:
//! a regression fails the test (the child is killed) instead of hanging the suite.

// Test support: a failed setup step should stop the test loudly, not be handled.
#![allow(clippy::unwrap_used, clippy::panic)]
use std::fs;
use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::{Value, json};

/// Far above what any of these runs takes when the reader is right (milliseconds), far below
/// what the unbounded reader took (seconds to hours, or forever for a FIFO).
const LIMIT: Duration = Duration::from_secs(20);

fn write(dir: &Path, name: &str, v: &Value) {
    let p = dir.join(name);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, serde_json::to_vec_pretty(v).unwrap()).unwrap();
}

/// `cdkx --app DIR ARGS...`, killed after [`LIMIT`]: (exit code, stdout, stderr).
fn cdkx(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::cargo_bin("cdkx")
        .unwrap()
        .arg("--app")
        .arg(dir)
        .args(args)
        .env_remove("CDK_APP_DIR")
        .timeout(LIMIT)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// An error exit (1) naming `expect` and not a panic; a run that was killed has no exit code.
fn assert_error(dir: &Path, expect: &[&str]) {
    let (code, _, stderr) = cdkx(dir, &["list", "--offline"]);
    assert_eq!(
        code,
        Some(1),
        "expected a prompt error, got {code:?}: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    for e in expect {
        assert!(stderr.contains(e), "stderr should say {e:?}: {stderr}");
    }
}

fn nested_res(file: &str) -> Value {
    json!({"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "https://example.com/x.json"},
           "Metadata": {"aws:asset:path": file}})
}

fn one_stack(dir: &Path, template: &Value) {
    write(
        dir,
        "manifest.json",
        &json!({"version": "36.0.0", "artifacts": {"Top": {
            "type": "aws:cloudformation:stack",
            "properties": {"templateFile": "Top.template.json"},
            "displayName": "Top"
        }}}),
    );
    write(dir, "Top.template.json", template);
}

#[test]
fn a_nested_stack_naming_its_own_template_is_a_cycle_error() {
    // Two self-references: the reader used to follow them 16 levels deep (2^16 stacks).
    let d = tempfile::tempdir().unwrap();
    one_stack(
        d.path(),
        &json!({"Resources": {"Again": nested_res("Top.template.json"), "More": nested_res("Top.template.json")}}),
    );
    assert_error(
        d.path(),
        &[
            "cycle",
            "Top.template.json (resource Again) → Top.template.json",
        ],
    );

    // Through another template: Top → Mid → Top.
    let d = tempfile::tempdir().unwrap();
    one_stack(
        d.path(),
        &json!({"Resources": {"Mid": nested_res("Mid.nested.template.json")}}),
    );
    write(
        d.path(),
        "Mid.nested.template.json",
        &json!({"Resources": {"Back": nested_res("Top.template.json"), "Q": {"Type": "AWS::SQS::Queue"}}}),
    );
    assert_error(
        d.path(),
        &[
            "cycle",
            "Top.template.json (resource Mid) → Mid.nested.template.json (resource Back) → Top.template.json",
        ],
    );
}

#[test]
fn nested_stacks_that_fan_out_are_bounded() {
    // Each level names the next level's template three times: 3^12 stacks if followed blindly.
    let d = tempfile::tempdir().unwrap();
    let level = |k: usize| format!("L{k}.nested.template.json");
    let fan = |k: usize| json!({"Resources": {"A": nested_res(&level(k)), "B": nested_res(&level(k)), "C": nested_res(&level(k))}});
    one_stack(d.path(), &fan(1));
    for k in 1..12 {
        write(d.path(), &level(k), &fan(k + 1));
    }
    write(
        d.path(),
        &level(12),
        &json!({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}),
    );
    assert_error(d.path(), &["more than 10000 stacks"]);

    // A small fan-out is a real app's shape (two nested stacks with one template): listed whole.
    let d = tempfile::tempdir().unwrap();
    one_stack(d.path(), &fan(1));
    write(
        d.path(),
        &level(1),
        &json!({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}),
    );
    let (code, stdout, stderr) = cdkx(d.path(), &["list", "--offline", "-o", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    let nested: Vec<&str> = v["stacks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["nestedIn"].is_null())
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(nested, ["Top/A", "Top/B", "Top/C"]);
}

#[test]
fn nested_cloud_assemblies_that_fan_out_are_read_once_each() {
    // 14 levels, each naming the next level's directory twice: 2^14 reads if followed blindly.
    let d = tempfile::tempdir().unwrap();
    let mut dir = d.path().to_path_buf();
    for k in 0..14 {
        write(
            &dir,
            "manifest.json",
            &json!({"version": "36.0.0", "artifacts": {
                format!("S{k}"): {"type": "aws:cloudformation:stack",
                    "properties": {"templateFile": "S.template.json"}, "displayName": format!("Stage{k}/S{k}")},
                "One": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "sub"}},
                "Two": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "sub"}}
            }}),
        );
        write(
            &dir,
            "S.template.json",
            &json!({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}),
        );
        dir = dir.join("sub");
    }
    write(
        &dir,
        "manifest.json",
        &json!({"version": "36.0.0", "artifacts": {}}),
    );
    let (code, stdout, stderr) = cdkx(d.path(), &["list", "--offline", "-o", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    let names: Vec<&str> = v["stacks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (0..14).map(|k| format!("S{k}")).collect();
    assert_eq!(names, expected);

    // A directory that names itself (a symlink back) is read once too.
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "manifest.json",
        &json!({"version": "36.0.0", "artifacts": {
            "S": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "S.template.json"}},
            "Loop": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "loop"}}
        }}),
    );
    write(
        d.path(),
        "S.template.json",
        &json!({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}),
    );
    std::os::unix::fs::symlink(".", d.path().join("loop")).unwrap();
    let (code, stdout, stderr) = cdkx(d.path(), &["list", "--offline", "-o", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["stacks"].as_array().unwrap().len(), 1, "{stdout}");
}

/// A small assembly using every kind of file: manifest, template without paths (so the metadata
/// file is needed), nested template, split tree with a forest file, and cdk.json above it.
fn every_file(app: &Path) -> std::path::PathBuf {
    fs::write(
        app.join("cdk.json"),
        r#"{"app": "true", "output": "cdk.out"}"#,
    )
    .unwrap();
    let dir = app.join("cdk.out");
    write(
        &dir,
        "manifest.json",
        &json!({"version": "36.0.0", "artifacts": {
            "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}},
            "S": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "S.template.json"},
                  "additionalMetadataFile": "S.metadata.json", "displayName": "S"}
        }}),
    );
    write(
        &dir,
        "S.template.json",
        &json!({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}, "N": nested_res("N.nested.template.json")}}),
    );
    write(
        &dir,
        "N.nested.template.json",
        &json!({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}),
    );
    write(
        &dir,
        "S.metadata.json",
        &json!({"/S/Queue/Resource": [{"type": "aws:cdk:logicalId", "data": "Q"}]}),
    );
    write(
        &dir,
        "tree.json",
        &json!({"version": "tree-0.1", "tree": {"id": "App", "path": "", "children": {
            "S": {"id": "S", "path": "S", "fileName": "trees-1.json", "treeId": "t1"}}}}),
    );
    write(
        &dir,
        "trees-1.json",
        &json!({"version": "forest-0.1", "forest": {"t1": {"id": "S", "path": "S",
            "constructInfo": {"fqn": "aws-cdk-lib.Stack"}}}}),
    );
    dir
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo has no other preconditions.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
    assert_eq!(rc, 0, "mkfifo {}", path.display());
}

#[test]
#[cfg(unix)]
fn a_fifo_socket_or_device_instead_of_a_file_is_refused_without_blocking() {
    let d = tempfile::tempdir().unwrap();
    let dir = every_file(d.path());
    let (code, _, stderr) = cdkx(d.path(), &["list", "--offline"]);
    assert_eq!(code, Some(0), "the intact assembly reads: {stderr}");

    let files = [
        "cdk.out/manifest.json",
        "cdk.out/S.template.json",
        "cdk.out/N.nested.template.json",
        "cdk.out/S.metadata.json",
        "cdk.out/tree.json",
        "cdk.out/trees-1.json",
        "cdk.json",
    ];
    type Swap = fn(&Path);
    let swaps: [(&str, Swap); 4] = [
        ("a FIFO", |p| mkfifo(p)),
        ("a socket", |p| {
            std::os::unix::net::UnixListener::bind(p).unwrap();
        }),
        ("a device", |p| {
            std::os::unix::fs::symlink("/dev/zero", p).unwrap()
        }),
        ("a FIFO", |p| {
            // A symlink to a FIFO (what a swapped file would look like).
            let target = p.with_extension("fifo");
            mkfifo(&target);
            std::os::unix::fs::symlink(&target, p).unwrap();
        }),
    ];
    for file in files {
        for (kind, swap) in swaps {
            let d = tempfile::tempdir().unwrap();
            every_file(d.path());
            let p = d.path().join(file);
            fs::remove_file(&p).unwrap();
            swap(&p);
            let (code, _, stderr) = cdkx(d.path(), &["list", "--offline"]);
            assert_eq!(code, Some(1), "{file} as {kind}: {code:?} {stderr}");
            let name = Path::new(file).file_name().unwrap().to_str().unwrap();
            assert!(
                stderr.contains("not a regular file")
                    && stderr.contains(kind)
                    && stderr.contains(name),
                "{file} as {kind}: {stderr}"
            );
        }
    }
    drop(dir);
}

#[test]
fn a_file_larger_than_the_cap_is_refused_before_it_is_read() {
    let d = tempfile::tempdir().unwrap();
    let dir = every_file(d.path());
    // Sparse: no disk or memory is used unless the reader reads it.
    let f = fs::File::create(dir.join("N.nested.template.json")).unwrap();
    f.set_len(cdkx::assembly::MAX_FILE_BYTES + 1).unwrap();
    let (code, _, stderr) = cdkx(d.path(), &["list", "--offline"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("N.nested.template.json") && stderr.contains("larger than 256 MiB"),
        "{stderr}"
    );
}

#[test]
#[cfg(unix)]
fn files_the_assembly_does_not_name_are_not_opened() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let d = tempfile::tempdir().unwrap();
    let dir = every_file(d.path());
    // A stale template nobody names, as a FIFO with a writer waiting: the writer's open returns
    // only when some process opens the FIFO to read it.
    let stale = dir.join("Stale.template.json");
    mkfifo(&stale);
    let opened = Arc::new(AtomicBool::new(false));
    let writer = {
        let (stale, opened) = (stale.clone(), opened.clone());
        std::thread::spawn(move || {
            let f = fs::OpenOptions::new().write(true).open(&stale);
            opened.store(true, Ordering::SeqCst);
            drop(f);
        })
    };
    // And a metadata file the templates make unneeded (every resource names its path).
    write(
        &dir,
        "S.template.json",
        &json!({"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Metadata": {"aws:cdk:path": "S/Queue/Resource"}}}}),
    );
    fs::write(dir.join("S.metadata.json"), "{ not json").unwrap();
    let (code, stdout, stderr) = cdkx(d.path(), &["list", "--offline", "-o", "json"]);
    std::thread::sleep(Duration::from_millis(200));
    let was_opened = opened.load(Ordering::SeqCst);
    // Release the writer.
    {
        use std::os::unix::fs::OpenOptionsExt;
        let _reader = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&stale)
            .unwrap();
        writer.join().unwrap();
    }
    assert!(!was_opened, "cdkx opened a file the assembly does not name");
    assert_eq!(code, Some(0), "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["resources"][0]["constructPath"], "S/Queue");
}
