//! Hostile input: ids, names and arguments made to break a shell or a terminal. No extra process
//! may run, no argument may be split or reinterpreted, and nothing reaches the terminal raw.

// Test support: a failed setup step should stop the test loudly, not be handled.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;
#[path = "common/shell_corpus.rs"]
mod shell_corpus;

use std::fs;
use std::path::Path;

use common::{Emulator, shared, stderr, stdout};
use serde_json::{Value, json};
use shell_corpus::{REFUSED_SHAPES, SHELL_VALUES, accepted_shapes};

const CORPUS: &[&str] = &[
    "x; touch PWNED",
    "$(touch PWNED)",
    "`touch PWNED`",
    "a'b\"c\\d",
    "line1\nline2; touch PWNED",
    "--help",
    "-rf",
    "ünïcödé ✓ 日本",
    "\u{202e}evil\u{202c}",
    "tab\there",
    "$HOME ${HOME} %s %n",
    "*",
];

/// Bytes a terminal would act on.
fn assert_terminal_safe(text: &str) {
    for (i, c) in text.char_indices() {
        let bad = (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
        assert!(!bad, "raw control character {c:?} at {i} in {text:?}");
    }
}

fn pwned(dir: &Path) -> bool {
    fs::read_dir(dir).unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("PWNED")
    })
}

/// A synthetic assembly whose stack name, logical ids and construct ids are hostile.
fn hostile_app(dir: &Path, stack_name: &str, construct_id: &str) {
    hostile_assembly(dir, stack_name, construct_id);
    fs::write(
        dir.join("construct-commands.json"),
        json!({"AWS::Lambda::Function": {
            "show": {"exec": "printf '<%s>' ${STACK_NAME} \"${LOGICAL_ID}\" ${CONSTRUCT_PATH}"},
            "args": {"exec": "printf '<%s>'"}}})
        .to_string(),
    )
    .unwrap();
}

/// The assembly of [`hostile_app`], without a commands file.
fn hostile_assembly(dir: &Path, stack_name: &str, construct_id: &str) {
    let asm = dir.join("cdk.out");
    fs::create_dir_all(&asm).unwrap();
    let path = format!("Evil/{construct_id}");
    fs::write(
        asm.join("manifest.json"),
        json!({"version": "40.0.0", "artifacts": {"Evil": {
            "type": "aws:cloudformation:stack", "environment": "aws://123456789012/us-east-1",
            "properties": {"templateFile": "Evil.template.json", "stackName": stack_name},
            "displayName": "Evil"}}})
        .to_string(),
    )
    .unwrap();
    fs::write(
        asm.join("Evil.template.json"),
        json!({"Resources": {"Fn$(touch PWNED)": {"Type": "AWS::Lambda::Function",
            "Metadata": {"aws:cdk:path": format!("{path}/Resource")}}}})
        .to_string(),
    )
    .unwrap();
}

#[test]
fn hostile_names_from_the_assembly_stay_data() {
    let cache = tempfile::tempdir().unwrap();
    let long = "L".repeat(10_000);
    let mut cases: Vec<String> = CORPUS.iter().map(|s| s.to_string()).collect();
    cases.push(long);
    for (i, hostile) in cases.iter().enumerate() {
        // Construct ids cannot contain '/', the path separator.
        let construct_id = format!("fn{i}{}", hostile.replace('/', "_"));
        let dir = tempfile::tempdir().unwrap();
        hostile_app(dir.path(), hostile, &construct_id);
        let run = |args: &[&str]| {
            let out = shared()
                .cdkx(cache.path())
                .current_dir(dir.path())
                .args(args)
                .output()
                .unwrap();
            common::assert_no_secrets(&out);
            assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
            out
        };
        let out = run(&["run", &format!("fn{i}"), "show"]);
        assert!(out.status.success(), "{hostile:?}: {}", stderr(&out));
        assert_eq!(
            stdout(&out),
            format!("<{hostile}><Fn$(touch PWNED)><Evil/{construct_id}>"),
            "{hostile:?}"
        );
        assert!(!pwned(dir.path()), "{hostile:?} ran a command");
        // What is echoed to the terminal, and every table, is sanitized.
        assert_terminal_safe(&stderr(&out));
        let out = run(&["list", "--offline"]);
        assert_terminal_safe(&stdout(&out));
        let out = run(&["run", &format!("fn{i}")]);
        assert_terminal_safe(&stdout(&out));
        let out = run(&["list", "--offline", "-o", "json"]);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            v["stacks"][0]["name"],
            hostile.as_str(),
            "JSON keeps the data exact"
        );
    }
}

#[test]
fn hostile_user_arguments_are_passed_as_single_words() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    hostile_app(dir.path(), "Evil", "fn0");
    let long = "A".repeat(100_000);
    let mut args: Vec<&str> = vec!["run", "fn0", "args"];
    args.extend(CORPUS.iter().copied());
    args.push(&long);
    let out = shared()
        .cdkx(cache.path())
        .current_dir(dir.path())
        .args(&args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let want: String = CORPUS
        .iter()
        .chain(std::iter::once(&long.as_str()))
        .map(|a| format!("<{a}>"))
        .collect();
    assert_eq!(stdout(&out), want);
    assert!(!pwned(dir.path()));
}

#[test]
fn hostile_text_from_the_cloud_is_neutralized_in_every_view() {
    // A function whose description and environment hold terminal escapes, deployed for real.
    let emu = Emulator::start();
    let dir = tempfile::tempdir().unwrap();
    let asm = dir.path().join("cdk.out");
    fs::create_dir_all(&asm).unwrap();
    let evil = "\u{1b}]0;owned\u{7}\u{1b}[2J\r\u{202e}gnp.exe\u{9b}31m";
    fs::write(
        asm.join("manifest.json"),
        json!({"version": "40.0.0", "artifacts": {"Evil": {
            "type": "aws:cloudformation:stack", "environment": "aws://123456789012/us-east-1",
            "properties": {"templateFile": "Evil.template.json"}, "displayName": "Evil"}}})
        .to_string(),
    )
    .unwrap();
    fs::write(
        asm.join("Evil.template.json"),
        json!({"Resources": {
            "Role1": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}},
                "Metadata": {"aws:cdk:path": "Evil/Role/Resource"}},
            "Fn1": {"Type": "AWS::Lambda::Function", "Properties": {
                "Runtime": "python3.12", "Handler": "index.handler", "Role": {"Fn::GetAtt": ["Role1", "Arn"]},
                "Code": {"ZipFile": "def handler(e, c):\n    return e\n"}},
                "Metadata": {"aws:cdk:path": "Evil/Fn/Resource"}}}})
        .to_string(),
    )
    .unwrap();
    emu.deploy(&asm);
    let cache = tempfile::tempdir().unwrap();
    let fn_name = {
        let out = emu
            .cdkx(cache.path())
            .arg("--app")
            .arg(&asm)
            .args(["Fn", "-o", "json"])
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["construct"]["physicalId"].as_str().unwrap().to_string()
    };
    // The hostile text arrives through the Lambda API, as a colleague's update would put it there.
    let quoted = serde_json::to_string(evil).unwrap(); // a JSON string is a valid Python literal
    emu.python(&format!(
        "client('lambda').update_function_configuration(FunctionName={fn_name:?}, Description={quoted}, Environment={{'Variables': {{'SAFE_NAME': {quoted}}}}})"
    ));
    emu.post(
        "/moto-api/cdkx/lambda/results",
        &json!({"function": fn_name, "default": {"payload": {"without": {"statusCode": 403, "body": evil}, "with": {"statusCode": 200, "body": evil}}, "log_result": evil}}),
    );
    for args in [
        vec!["Fn", "describe"],
        vec!["Fn", "describe", "--show-env"],
        vec!["Fn", "describe", "-o", "text"],
        vec!["Fn", "invoke", "--log"],
        vec!["Fn", "invoke", "--log", "-o", "text"],
    ] {
        let out = emu
            .cdkx(cache.path())
            .env("COLUMNS", "120")
            .arg("--app")
            .arg(&asm)
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert_terminal_safe(&stdout(&out));
        assert_terminal_safe(&stderr(&out));
    }
    let out = emu
        .cdkx(cache.path())
        .arg("--app")
        .arg(&asm)
        .args(["Fn", "describe", "--show-env", "-o", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["description"], evil, "JSON keeps the exact value");
}

#[test]
fn exec_templates_keep_hostile_values_data_in_every_shell_context() {
    let cache = tempfile::tempdir().unwrap();
    let mut values = vec!["Legit-Stack_1"];
    values.extend(SHELL_VALUES);
    for (i, v) in values.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        hostile_assembly(dir.path(), v, &format!("fn{i}"));
        let shapes = accepted_shapes("STACK_NAME", v);
        let commands: serde_json::Map<String, Value> = shapes
            .iter()
            .enumerate()
            .map(|(k, (t, _))| (format!("t{k}"), json!({"exec": t})))
            .collect();
        fs::write(
            dir.path().join("construct-commands.json"),
            json!({"AWS::Lambda::Function": commands}).to_string(),
        )
        .unwrap();
        for (k, (template, want)) in shapes.iter().enumerate() {
            let out = shared()
                .cdkx(cache.path())
                .current_dir(dir.path())
                .args(["run", &format!("fn{i}"), &format!("t{k}")])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{template:?} with {v:?}: {}",
                stderr(&out)
            );
            assert_eq!(&stdout(&out), want, "{template:?} with {v:?}");
            assert!(!pwned(dir.path()), "{template:?} with {v:?} ran a command");
            assert_terminal_safe(&stderr(&out));
        }
    }
}

#[test]
fn exec_templates_that_could_run_a_value_are_refused_when_the_file_is_loaded() {
    let cache = tempfile::tempdir().unwrap();
    for template in REFUSED_SHAPES {
        let dir = tempfile::tempdir().unwrap();
        hostile_assembly(dir.path(), SHELL_VALUES[0], "fn0");
        fs::write(
            dir.path().join("construct-commands.json"),
            json!({"AWS::Lambda::Function": {"ok": {"exec": "true"}, "bad": {"exec": template}}})
                .to_string(),
        )
        .unwrap();
        for args in [vec!["run", "fn0", "bad"], vec!["fn0", "ok"], vec!["fn0"]] {
            let out = shared()
                .cdkx(cache.path())
                .current_dir(dir.path())
                .args(&args)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(1), "{template:?} {args:?}");
            let err = stderr(&out);
            assert!(
                err.contains("construct-commands.json")
                    && err.contains("AWS::Lambda::Function.bad")
                    && (err.contains("${STACK_NAME") || err.contains("$CDKX_STACK_NAME")),
                "{template:?}: the message names the file, the command and the placeholder: {err}"
            );
            assert!(stdout(&out).is_empty());
            assert!(!pwned(dir.path()), "{template:?} ran a command");
        }
    }
}
