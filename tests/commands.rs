//! End to end: `cdkx CONSTRUCT [COMMAND]` with a project's construct-commands file, against the
//! emulator. Hostile values from the cloud (a tampered cache) and from the assembly must stay data.

// Test support: a failed setup step should stop the test loudly, not be handled.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;
#[path = "common/shell_corpus.rs"]
mod shell_corpus;

use std::fs;
use std::path::{Path, PathBuf};

use common::{assert_no_secrets, fixture, shared, stderr, stdout};
use serde_json::{Value, json};

const USER_COMMANDS: &str = r#"{
  "AWS::Lambda::Function": {
    "show": {"exec": "printf '%s|%s|%s\n' ${PHYSICAL_RESOURCE_ID} \"${AWS_REGION}\" 'L:'${LOGICAL_ID}"},
    "quoted": {"exec": "printf '<%s>' \"id: ${PHYSICAL_RESOURCE_ID}.\" \"${PHYSICAL_RESOURCE_ID}\" x${PHYSICAL_RESOURCE_ID}y"},
    "piped": {"exec": "f() { printf '<%s>' \"$1\"; }; case ${PHYSICAL_RESOURCE_ID} in *) f ${PHYSICAL_RESOURCE_ID} | cat && printf '<ok>';; esac"},
    "heredoc": {"exec": "printf '<%s>' ${PHYSICAL_RESOURCE_ID}; cat <<EOF\n[$CDKX_PHYSICAL_RESOURCE_ID]\nEOF"},
    "args": {"exec": "printf '[%s]'"},
    "fail": {"exec": "exit 7"},
    "env": {"exec": "printf '%s\n' \"$CDKX_PHYSICAL_RESOURCE_ID\" \"$AWS_REGION\""},
    "web": {"open": "http://example.com/${PHYSICAL_RESOURCE_ID}"},
    "site": {"open": "https://example.com/fn?id=${URL_ENCODED_PHYSICAL_RESOURCE_ID}"}
  },
  "aws-cdk-lib.aws_lambda_nodejs.NodejsFunction": {
    "describe": {"exec": "echo user describe wins"}
  }
}"#;

/// An app directory: the iam-api assembly (linked) plus a project construct-commands.json.
struct AppDir {
    dir: tempfile::TempDir,
    cache: tempfile::TempDir,
}

impl AppDir {
    fn new(assembly: &Path, commands: &str) -> AppDir {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(assembly, dir.path().join("cdk.out")).unwrap();
        fs::write(dir.path().join("construct-commands.json"), commands).unwrap();
        AppDir {
            dir,
            cache: tempfile::tempdir().unwrap(),
        }
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        let out = shared()
            .cdkx(self.cache.path())
            .current_dir(self.dir.path())
            .args(args)
            .output()
            .unwrap();
        assert_no_secrets(&out);
        out
    }

    fn pwned(&self) -> bool {
        fs::read_dir(self.dir.path()).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("PWNED")
        })
    }

    fn cache_file(&self) -> PathBuf {
        fn walk(d: &Path) -> Option<PathBuf> {
            for e in fs::read_dir(d).ok()? {
                let p = e.ok()?.path();
                if p.is_dir() {
                    if let Some(f) = walk(&p) {
                        return Some(f);
                    }
                } else if p.extension().is_some_and(|x| x == "json") {
                    return Some(p);
                }
            }
            None
        }
        walk(self.cache.path()).expect("a cache file")
    }

    /// Rewrites the cached physical id of a logical id, as a hostile or odd cloud answer would.
    fn set_physical_id(&self, logical_prefix: &str, id: &str) {
        let file = self.cache_file();
        let mut v: Value = serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
        for r in v["stacks"][0]["resources"].as_array_mut().unwrap() {
            if r["logical_id"]
                .as_str()
                .unwrap()
                .starts_with(logical_prefix)
            {
                r["physical_id"] = json!(id);
            }
        }
        fs::write(&file, v.to_string()).unwrap();
    }
}

#[test]
fn construct_lists_its_commands_with_their_sources() {
    let app = AppDir::new(&fixture("iam-api"), USER_COMMANDS);
    let out = app.run(&["requestorFn"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("IamApigatewayLambdaStack/requestorFn\n"),
        "{text}"
    );
    for name in [
        "describe",
        "invoke",
        "visit-console",
        "audit",
        "audit-console",
        "show",
        "args",
    ] {
        assert!(
            text.lines().any(|l| l.trim_start().starts_with(name)),
            "{name} missing:\n{text}"
        );
    }
    let out = app.run(&["-o", "json", "requestorFn"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["construct"]["cfnType"], "AWS::Lambda::Function");
    assert!(
        v["construct"]["physicalId"]
            .as_str()
            .unwrap()
            .starts_with("IamApigatewayLambdaStack-requestorFn")
    );
    let cmd = |n: &str| {
        v["commands"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(cmd("invoke")["source"], "built-in");
    assert!(
        cmd("show")["source"]
            .as_str()
            .unwrap()
            .ends_with("construct-commands.json")
    );
    // The user's entry for the exact FQN beats the built-in of the CFN type.
    assert_eq!(cmd("describe")["template"], "echo user describe wins");
}

#[test]
fn exec_substitutes_quotes_and_passes_extra_arguments_verbatim() {
    let app = AppDir::new(&fixture("iam-api"), USER_COMMANDS);
    let out = app.run(&["requestorFn", "show"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let line = stdout(&out);
    let parts: Vec<&str> = line.trim_end().split('|').collect();
    assert!(
        parts[0].starts_with("IamApigatewayLambdaStack-requestorFn15B8813B-"),
        "{line}"
    );
    assert_eq!(&parts[1..], ["us-east-1", "L:requestorFn15B8813B"]);
    assert!(
        stderr(&out).starts_with("> printf"),
        "the command is echoed to stderr"
    );

    let out = app.run(&[
        "requestorFn",
        "args",
        "a b",
        "$(touch PWNED)",
        "--flag",
        "`touch PWNED2`",
        "x;touch PWNED3",
    ]);
    assert_eq!(
        stdout(&out),
        "[a b][$(touch PWNED)][--flag][`touch PWNED2`][x;touch PWNED3]"
    );
    assert!(!app.pwned());

    // Values also reach the child as environment variables.
    let out = app.run(&["requestorFn", "env"]);
    let lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert!(lines[0].starts_with("IamApigatewayLambdaStack-requestorFn"));
    assert_eq!(lines[1], "us-east-1");

    // The explicit form works the same.
    let out = app.run(&["run", "requestorFn", "args", "z"]);
    assert_eq!(stdout(&out), "[z]");
}

#[test]
fn exit_code_of_the_command_is_cdkx_exit_code() {
    let app = AppDir::new(&fixture("iam-api"), USER_COMMANDS);
    assert_eq!(app.run(&["requestorFn", "fail"]).status.code(), Some(7));
    assert_eq!(app.run(&["requestorFn", "args"]).status.code(), Some(0));
}

#[test]
fn hostile_physical_ids_from_the_cloud_run_nothing() {
    let app = AppDir::new(&fixture("iam-api"), USER_COMMANDS);
    assert!(app.run(&["list"]).status.success());
    for hostile in [
        "x; touch PWNED",
        "$(touch PWNED)",
        "`touch PWNED`",
        "a'b\"c$(touch PWNED)",
        "--x\ny;touch PWNED",
    ] {
        app.set_physical_id("requestorFn15B8813B", hostile);
        let out = app.run(&["requestorFn", "show"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let line = stdout(&out);
        assert!(
            line.starts_with(&format!("{hostile}|us-east-1|")),
            "{hostile:?} -> {line:?}"
        );
        // Other shell contexts: inside double quotes with text, glued, through a function,
        // `case` and a pipe, and a here-document that reads the environment variable.
        let out = app.run(&["requestorFn", "quoted"]);
        assert_eq!(
            stdout(&out),
            format!("<id: {hostile}.><{hostile}><x{hostile}y>"),
            "{hostile:?}"
        );
        let out = app.run(&["requestorFn", "piped"]);
        assert_eq!(stdout(&out), format!("<{hostile}><ok>"), "{hostile:?}");
        let out = app.run(&["requestorFn", "heredoc"]);
        assert_eq!(
            stdout(&out),
            format!("<{hostile}>[{hostile}]\n"),
            "{hostile:?}"
        );
        assert!(!app.pwned(), "{hostile:?} ran a command");
        // What is echoed to the terminal is sanitized.
        assert!(
            !stderr(&out).contains('\n') || stderr(&out).lines().count() == 1,
            "{:?}",
            stderr(&out)
        );
    }
}

#[test]
fn hostile_construct_ids_run_nothing() {
    // A synthetic assembly whose construct id is hostile; the command uses ${CONSTRUCT_PATH}.
    let asm = tempfile::tempdir().unwrap();
    let id = "fn;touch PWNED$(touch PWNED2)`touch PWNED3`";
    let path = format!("Evil/{id}");
    let w = |name: &str, v: Value| fs::write(asm.path().join(name), v.to_string()).unwrap();
    w(
        "manifest.json",
        json!({"version": "36.0.0", "artifacts": {"Evil": {
        "type": "aws:cloudformation:stack", "environment": "aws://123456789012/us-east-1",
        "properties": {"templateFile": "Evil.template.json"}, "displayName": "Evil"}}}),
    );
    w(
        "Evil.template.json",
        json!({"Resources": {"FnX": {"Type": "AWS::Lambda::Function",
        "Metadata": {"aws:cdk:path": format!("{path}/Resource")}}}}),
    );
    let app = AppDir::new(
        asm.path(),
        r#"{"AWS::Lambda::Function": {"path": {"exec": "printf '<%s>' ${CONSTRUCT_PATH} \"${CONSTRUCT_PATH}\""}}}"#,
    );
    let out = app.run(&["FnX", "path"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("<{path}><{path}>"));
    assert!(!app.pwned());
}

#[test]
fn open_prints_https_urls_and_refuses_others() {
    let app = AppDir::new(&fixture("iam-api"), USER_COMMANDS);
    let out = app.run(&["requestorFn", "visit-console", "--print"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let url = stdout(&out);
    assert!(url.starts_with("https://us-east-1.console.aws.amazon.com/lambda/home?region=us-east-1#/functions/IamApigatewayLambdaStack-requestorFn"), "{url}");

    let out = app.run(&["requestorFn", "web", "--print"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("only https:// URLs"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());

    // An argument an open command does not take is bad usage.
    let out = app.run(&["requestorFn", "site", "--bogus"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--print"), "{}", stderr(&out));
}

#[test]
fn open_hands_the_url_to_the_browser_as_one_argument() {
    let app = AppDir::new(&fixture("iam-api"), USER_COMMANDS);
    assert!(app.run(&["list"]).status.success());
    app.set_physical_id("requestorFn15B8813B", "a b;$(touch PWNED)");
    let script = app.dir.path().join("browser.sh");
    let log = app.dir.path().join("browser.log");
    fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$#\" \"$@\" > '{}'\n",
            log.display()
        ),
    )
    .unwrap();
    std::os::unix::fs::PermissionsExt::set_mode(
        &mut fs::metadata(&script).unwrap().permissions(),
        0o755,
    );
    fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = shared()
        .cdkx(app.cache.path())
        .current_dir(app.dir.path())
        .env("BROWSER", &script)
        .args(["requestorFn", "site"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let logged = fs::read_to_string(&log).unwrap();
    assert_eq!(
        logged,
        "1\nhttps://example.com/fn?id=a%20b%3B%24(touch%20PWNED)\n"
    );
    assert!(!app.pwned());
}

#[test]
fn unknown_commands_and_constructs_say_what_exists() {
    let app = AppDir::new(&fixture("iam-api"), USER_COMMANDS);
    let out = app.run(&["requestorFn", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("no command \"nope\"") && err.contains("describe") && err.contains("show"),
        "{err}"
    );

    let out = app.run(&["requestorFm"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("did you mean `requestorFn`"),
        "{}",
        stderr(&out)
    );

    let out = app.run(&["ServiceRole"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("IamApigatewayLambdaStack/iamApiFn/ServiceRole")
            && err.contains("IamApigatewayLambdaStack/requestorFn/ServiceRole"),
        "{err}"
    );
}

#[test]
fn open_encodes_each_value_for_its_part_of_the_url() {
    let commands = r#"{"AWS::Lambda::Function": {
        "page": {"open": "https://${AWS_REGION}.example.com/p/${PHYSICAL_RESOURCE_ID}?q=${PHYSICAL_RESOURCE_ID}#/f/${PHYSICAL_RESOURCE_ID}"}}}"#;
    let app = AppDir::new(&fixture("iam-api"), commands);
    assert!(app.run(&["list"]).status.success());
    app.set_physical_id(
        "requestorFn15B8813B",
        "x/../@evil.com:1/?a=b&c#d \u{1b}[2J\u{202e}",
    );
    let out = app.run(&["requestorFn", "page", "--print"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let enc = "x%2F..%2F%40evil.com%3A1%2F%3Fa%3Db%26c%23d%20%1B%5B2J%E2%80%AE";
    assert_eq!(
        stdout(&out),
        format!("https://us-east-1.example.com/p/{enc}?q={enc}#/f/{enc}\n")
    );

    // A placeholder that could change where the URL goes is refused when the file is loaded.
    for bad in [
        "https://${PHYSICAL_RESOURCE_ID}/",
        "https://x.${STACK_NAME}.com/",
        "${PHYSICAL_RESOURCE_ID}",
    ] {
        let app = AppDir::new(
            &fixture("iam-api"),
            &json!({"AWS::Lambda::Function": {"go": {"open": bad}}}).to_string(),
        );
        let out = app.run(&["requestorFn", "go", "--print"]);
        assert_eq!(out.status.code(), Some(1), "{bad}");
        let err = stderr(&out);
        assert!(
            err.contains("construct-commands.json")
                && err.contains("AWS::Lambda::Function.go")
                && err.contains("could send the browser elsewhere"),
            "{err}"
        );
        assert!(stdout(&out).is_empty());
    }
}

#[test]
fn command_names_that_could_never_run_are_refused_when_the_file_is_loaded() {
    for name in ["--help", "-x", "help", "two words", "bell\u{7}"] {
        let app = AppDir::new(
            &fixture("iam-api"),
            &json!({"AWS::Lambda::Function": {name: {"exec": "true"}}}).to_string(),
        );
        let out = app.run(&["requestorFn"]);
        assert_eq!(out.status.code(), Some(1), "{name:?}");
        let err = stderr(&out);
        assert!(
            err.contains("construct-commands.json")
                && err.contains("AWS::Lambda::Function.")
                && (err.contains("never run") || err.contains("one word")),
            "{name:?}: {err}"
        );
        assert!(!err.contains('\u{7}'), "the name is printed escaped");
    }
}

#[test]
fn run_reads_its_words_as_the_short_form_does() {
    let app = AppDir::new(&fixture("iam-api"), USER_COMMANDS);
    for args in [
        vec!["requestorFn", "-x"],
        vec!["requestorFn", "-o", "json"],
        vec!["requestorFn", "args", "-x", "--help"],
        vec!["requestorFn", "--help"],
    ] {
        let short = app.run(&args);
        let long = app.run(&[&["run"], args.as_slice()].concat());
        assert_eq!(
            (long.status.code(), stdout(&long), stderr(&long)),
            (short.status.code(), stdout(&short), stderr(&short)),
            "{args:?}"
        );
    }
    assert_eq!(
        stdout(&app.run(&["run", "requestorFn", "args", "-x", "--help"])),
        "[-x][--help]"
    );
    // An unknown command is a usage error (exit 2), through `run` as without it.
    let out = app.run(&["run", "requestorFn", "-x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no command \"-x\""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn extra_arguments_are_passed_once_and_refused_where_they_would_break_the_template() {
    let app = AppDir::new(
        &fixture("iam-api"),
        r#"{"AWS::Lambda::Function": {"own": {"exec": "printf '[%s]' \"$@\" end"}}}"#,
    );
    let out = app.run(&["requestorFn", "own", "a b", "c"]);
    assert_eq!(stdout(&out), "[a b][c][end]", "{}", stderr(&out));
    // A placeholder in a here-document is refused at load...
    let app = AppDir::new(
        &fixture("iam-api"),
        r#"{"AWS::Lambda::Function": {"doc": {"exec": "cat <<'EOF'\nhello ${STACK_NAME}\nEOF\n"}}}"#,
    );
    let out = app.run(&["requestorFn", "doc"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("AWS::Lambda::Function.doc`: ${STACK_NAME} is in a here-document"),
        "{}",
        stderr(&out)
    );
    let app = AppDir::new(
        &fixture("iam-api"),
        r#"{"AWS::Lambda::Function": {"doc2": {"exec": "printf '<%s>' ${STACK_NAME}; cat <<'EOF'\nhello\nEOF"}}}"#,
    );
    // ...and a template that ends in one stays valid, and takes no extra arguments.
    let out = app.run(&["requestorFn", "doc2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "<IamApigatewayLambdaStack>hello\n");
    let out = app.run(&["requestorFn", "doc2", "more"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("takes no extra arguments"),
        "{}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains("> "),
        "nothing runs: {}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
}

/// A fake `aws` on PATH: `--version` answers as `version` says, anything else prints its
/// arguments (v2) or fails as v1 does for `logs tail`, and leaves a mark.
fn fake_aws(dir: &Path, version: &str) -> std::ffi::OsString {
    let bin = dir.join("bin");
    fs::create_dir_all(&bin).unwrap();
    let script = bin.join("aws");
    let v1 = version.starts_with("aws-cli/1.");
    fs::write(
        &script,
        format!(
            "#!/bin/sh\nif [ \"$1\" = --version ]; then printf '%s\\n' '{version}' >&{fd}; exit 0; fi\ntouch '{mark}'\n{rest}\n",
            fd = if v1 { 2 } else { 1 },
            mark = dir.join("aws-called").display(),
            rest = if v1 {
                "echo 'usage: aws [options] <command> <subcommand>' >&2; exit 2"
            } else {
                "printf '[%s]' \"$@\""
            }
        ),
    )
    .unwrap();
    fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut path = bin.into_os_string();
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap_or_default());
    path
}

#[test]
fn builtin_logs_is_native_and_never_runs_the_aws_cli() {
    let app = AppDir::new(&fixture("iam-api"), "{}");
    let id = {
        let out = app.run(&["-o", "json", "requestorFn"]);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["construct"]["physicalId"].as_str().unwrap().to_string()
    };
    // An aws CLI on PATH that would leave a mark if anything ran it.
    let v2 = tempfile::tempdir().unwrap();
    let path = fake_aws(
        v2.path(),
        "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.debian.12",
    );
    let out = shared()
        .cdkx(app.cache.path())
        .current_dir(app.dir.path())
        .env("PATH", &path)
        .args(["requestorFn", "logs", "--since", "1h"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(" from /aws/lambda/{id} since ")),
        "{err}"
    );
    assert!(
        !v2.path().join("aws-called").exists(),
        "the aws CLI was run"
    );
}

#[test]
fn hostile_physical_ids_stay_data_in_every_accepted_shell_shape() {
    let app = AppDir::new(&fixture("iam-api"), "{}");
    assert!(app.run(&["list"]).status.success());
    // tests/hostile.rs runs every value through every shape as a stack name; here, the ones
    // of each kind (quotes, `;`, substitutions, newlines, $IFS, globs, `-`) as a physical id.
    let mut values = vec!["IamApigatewayLambdaStack-requestorFn15B8813B-legit"];
    values.extend(
        [0, 1, 2, 3, 4, 7, 10, 11, 12]
            .iter()
            .map(|&i| shell_corpus::SHELL_VALUES[i]),
    );
    for v in values {
        let shapes = shell_corpus::accepted_shapes("PHYSICAL_RESOURCE_ID", v);
        let commands: serde_json::Map<String, Value> = shapes
            .iter()
            .enumerate()
            .map(|(k, (t, _))| (format!("t{k}"), json!({"exec": t})))
            .collect();
        fs::write(
            app.dir.path().join("construct-commands.json"),
            json!({"AWS::Lambda::Function": commands}).to_string(),
        )
        .unwrap();
        app.set_physical_id("requestorFn15B8813B", v);
        for (k, (template, want)) in shapes.iter().enumerate() {
            let out = app.run(&["requestorFn", &format!("t{k}")]);
            assert!(
                out.status.success(),
                "{template:?} with {v:?}: {}",
                stderr(&out)
            );
            assert_eq!(&stdout(&out), want, "{template:?} with {v:?}");
            assert!(!app.pwned(), "{template:?} with {v:?} ran a command");
        }
    }
}
