//! Property tests: the parsers (manifest, templates, trees and forests, metadata files,
//! construct-commands JSON/YAML) and the placeholder expander on generated input. A short,
//! deterministic run is part of the test suite; `scripts/fuzz` runs many more cases
//! (`CDKX_FUZZ_CASES`) and records the result in BENCHMARKS.md.

// Test support: a failed setup step should stop the test loudly, not be handled.
#![allow(clippy::unwrap_used, clippy::panic)]
use std::fs;
use std::path::Path;

use cdkx::assembly;
use cdkx::catalogue::{CommandCatalogue, Placeholders, Source, expand_shell, expand_url};
use cdkx::model::App;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use serde_json::{Value, json};

fn config(default_cases: u32) -> Config {
    let cases = std::env::var("CDKX_FUZZ_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default_cases);
    Config {
        cases,
        rng_seed: RngSeed::Fixed(0xCDC5),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Any JSON value, biased towards the keys and shapes an assembly has.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("type".to_string()),
        Just("artifacts".to_string()),
        Just("properties".to_string()),
        Just("templateFile".to_string()),
        Just("directoryName".to_string()),
        Just("environment".to_string()),
        Just("metadata".to_string()),
        Just("additionalMetadataFile".to_string()),
        Just("Resources".to_string()),
        Just("Type".to_string()),
        Just("Metadata".to_string()),
        Just("aws:cdk:path".to_string()),
        Just("aws:asset:path".to_string()),
        Just("tree".to_string()),
        Just("forest".to_string()),
        Just("children".to_string()),
        Just("id".to_string()),
        Just("path".to_string()),
        Just("fileName".to_string()),
        Just("treeId".to_string()),
        Just("data".to_string()),
        "[a-zA-Z:/.]{0,12}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        prop_oneof![
            Just("aws:cloudformation:stack".to_string()),
            Just("cdk:cloud-assembly".to_string()),
            Just("cdk:tree".to_string()),
            Just("aws:cdk:logicalId".to_string()),
            Just("aws://123456789012/us-east-1".to_string()),
            Just("manifest.json".to_string()),
            Just("tree.json".to_string()),
            Just("S.template.json".to_string()),
            Just("../escape".to_string()),
            ".{0,16}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Writes an assembly whose files are a valid skeleton with one file replaced by `v` (or by raw
/// bytes), so the parsers see broken input in every position.
fn write_assembly(dir: &Path, broken: usize, v: &Value, raw: Option<&[u8]>) {
    let manifest = json!({"version": "40.0.0", "artifacts": {
        "S": {"type": "aws:cloudformation:stack", "environment": "aws://123456789012/us-east-1",
              "properties": {"templateFile": "S.template.json"}, "additionalMetadataFile": "S.metadata.json"},
        "Stage": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "sub"}},
        "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}}});
    let template = json!({"Resources": {"A": {"Type": "AWS::Lambda::Function", "Metadata": {"aws:cdk:path": "S/A/Resource"}},
        "N": {"Type": "AWS::CloudFormation::Stack", "Metadata": {"aws:cdk:path": "S/N.NestedStack/N.NestedStackResource", "aws:asset:path": "N.nested.template.json"}}}});
    let nested = json!({"Resources": {"B": {"Type": "AWS::SQS::Queue", "Metadata": {"aws:cdk:path": "S/N/B/Resource"}}}});
    let metadata = json!({"/S/A/Resource": [{"type": "aws:cdk:logicalId", "data": "A"}]});
    let tree = json!({"version": "tree-0.1", "tree": {"id": "App", "path": "", "children": {
        "S": {"id": "S", "path": "S", "fileName": "trees-1.json", "treeId": "t1"}}}});
    let forest = json!({"version": "forest-0.1", "forest": {"t1": {"id": "S", "path": "S", "children": {
        "A": {"id": "A", "path": "S/A", "constructInfo": {"fqn": "aws-cdk-lib.aws_lambda.Function"}}}}}});
    let sub = json!({"version": "40.0.0", "artifacts": {}});
    let mut files = [
        ("manifest.json", manifest),
        ("S.template.json", template),
        ("N.nested.template.json", nested),
        ("S.metadata.json", metadata),
        ("tree.json", tree),
        ("trees-1.json", forest),
        ("sub/manifest.json", sub),
    ];
    let n = files.len();
    files[broken % n].1 = v.clone();
    for (i, (name, content)) in files.iter().enumerate() {
        let p = dir.join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        match raw {
            Some(bytes) if i == broken % n => fs::write(p, bytes).unwrap(),
            _ => fs::write(p, content.to_string()).unwrap(),
        }
    }
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn assembly_reader_never_panics_on_generated_json(broken in 0usize..7, v in json_value(), query in ".{0,12}") {
        let dir = tempfile::tempdir().unwrap();
        write_assembly(dir.path(), broken, &v, None);
        if let Ok(asm) = assembly::read(dir.path()) {
            let app = App::from_assembly(asm);
            let _ = app.resolve(&query);
        }
    }

    #[test]
    fn assembly_reader_never_panics_on_raw_bytes(broken in 0usize..7, bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let dir = tempfile::tempdir().unwrap();
        write_assembly(dir.path(), broken, &Value::Null, Some(&bytes));
        match assembly::read(dir.path()) {
            // An error always names a file of the assembly.
            Err(e) => prop_assert!(e.to_string().contains(&*dir.path().to_string_lossy()), "{e}"),
            Ok(asm) => { App::from_assembly(asm); }
        }
    }

    #[test]
    fn catalogue_parser_never_panics(v in json_value(), text in ".{0,80}") {
        let _ = CommandCatalogue::parse(Path::new("construct-commands.json"), &v.to_string(), Source::BuiltIn);
        let _ = CommandCatalogue::parse(Path::new("construct-commands.yaml"), &text, Source::BuiltIn);
        let _ = CommandCatalogue::parse(Path::new("construct-commands.json"), &text, Source::BuiltIn);
    }

    #[test]
    fn placeholder_expansion_never_panics(
        template in ".{0,60}",
        // Shell syntax dense enough to reach every branch of the exec scanner.
        shell in "(\\$\\{PHYSICAL_RESOURCE_ID\\}|\\$\\{AWS_REGION|<<-?|EOF|[\"'`$(){}\\[\\]<>;&|#=\\\\ \n\tax0é-]){0,40}",
        id in ".{0,30}",
    ) {
        let values = Placeholders { physical_resource_id: Some(id), region: Some("us-east-1".into()), ..Default::default() };
        for t in [&template, &shell] {
            let _ = expand_url(t, &values);
            let _ = expand_shell(t, &values);
        }
    }

    #[test]
    fn sanitized_text_has_no_control_characters(s in ".{0,80}|[\\x00-\\x1f\\x7f-\\x9f\\u{202a}-\\u{202e}a]{0,40}") {
        let safe = cdkx::sanitize::line(&s);
        prop_assert!(!safe.chars().any(|c| c.is_control()), "{safe:?}");
    }
}

proptest! {
    // Each case runs a shell, so fewer of them.
    #![proptest_config(config(24))]

    #[test]
    fn expanded_values_reach_the_command_as_one_exact_word(id in "[^\\x00]{0,40}", context in 0usize..4) {
        let template = ["printf '[%s]' ${PHYSICAL_RESOURCE_ID}", "printf '[%s]' \"${PHYSICAL_RESOURCE_ID}\"",
                        "printf '[%s]' \"x${PHYSICAL_RESOURCE_ID}\"", "printf '[%s]' a${PHYSICAL_RESOURCE_ID}b"][context];
        let values = Placeholders { physical_resource_id: Some(id.clone()), ..Default::default() };
        let cmd = expand_shell(template, &values).unwrap();
        // The script does not depend on the value at all (it only names the variable that holds
        // it), so no value can change what the shell parses.
        let neutral = Placeholders { physical_resource_id: Some("v".into()), ..Default::default() };
        prop_assert_eq!(&cmd.script, &expand_shell(template, &neutral).unwrap().script, "the value is not in the script");
        let out = std::process::Command::new("sh").arg("-c").arg(&cmd.script).arg("cdkx")
            .envs(cmd.env.iter().map(|(k, v)| (k, v))).output().unwrap();
        let want = match context { 2 => format!("[x{id}]"), 3 => format!("[a{id}b]"), _ => format!("[{id}]") };
        prop_assert_eq!(String::from_utf8_lossy(&out.stdout).into_owned(), want);
    }
}

/// Pieces of shell that, strung together, put a placeholder in every context: quotes, escapes,
/// substitutions, here-documents, arithmetic, `case`, functions, `eval`, nested shells.
const SHELL_PIECES: &[&str] = &[
    "${STACK_NAME}",
    "${STACK_NAME}",
    "${STACK_NAME}",
    "printf '%s' ",
    "echo ",
    "cat ",
    " ",
    "\"",
    "'",
    "$(",
    ")",
    "`",
    "\\",
    "; ",
    "\n",
    "<<EOF\n",
    "<<'EOF'\n",
    "EOF\n",
    "eval ",
    "sh -c ",
    "case x in x) ",
    ";; esac",
    "$((",
    "))",
    "$[",
    "]",
    "${FOO:-",
    "}",
    " | ",
    "&& ",
    "f() { ",
    " }",
    "# ",
    "$1 ",
    "(",
    "{ ",
    "X=",
    "$'",
    "<",
    ">",
    "/dev/null ",
    "for i in ",
    "; do ",
    "done",
    "if ",
    "then ",
    "fi",
    "\\$",
];

/// Values made to run `touch PWNED` from any context they might be read in as code.
const INJECTIONS: &[&str] = &[
    "x'; touch PWNED; echo '",
    "x\"; touch PWNED; echo \"",
    "x; touch PWNED #",
    "$(touch PWNED)",
    "`touch PWNED`",
    "\ntouch PWNED\n",
    "EOF\ntouch PWNED\nEOF\n",
    "a[$(touch PWNED)]",
    ")); touch PWNED; ((",
    "x;;esac; touch PWNED; case x in x)",
];

/// Contexts a placeholder can be wrapped in (`before`, `after`), nested up to three deep.
const SHELL_CONTEXTS: &[(&str, &str)] = &[
    ("echo ", ""),
    ("\"", "\""),
    ("'", "'"),
    ("$'", "'"),
    ("\\", ""),
    ("$(echo ", ")"),
    ("`echo ", "`"),
    ("eval echo ", ""),
    ("sh -c ", ""),
    ("bash -c \"echo ", "\""),
    ("echo ", " | sh"),
    ("X=", "; eval \"$X\""),
    ("$((", "))"),
    ("$[", "]"),
    ("((", "))"),
    ("let x=", ""),
    ("[[ ", " -eq 1 ]]"),
    ("${FOO:-", "}"),
    ("cat <<EOF\n", "\nEOF"),
    ("cat <<'EOF'\n", "\nEOF"),
    ("sh <<EOF\necho ", "\nEOF"),
    ("case x in x) echo ", ";; esac"),
    ("case ", " in *) echo ok;; esac"),
    ("f() { echo ", "; }; f"),
    ("f() { $1; }; f ", ""),
    ("( echo ", " )"),
    ("{ echo ", "; }"),
    ("if true; then echo ", "; fi"),
    ("for i in ", "; do echo \"$i\"; done"),
    ("echo ", " > /dev/null"),
    ("trap 'echo ", "' EXIT"),
    ("$CMD ", ""),
    ("echo pre", "post"),
    ("echo \"a ", " b\""),
];

proptest! {
    // Each case may run a shell, so fewer of them.
    #![proptest_config(config(64))]

    /// Whatever template the loader accepts, no value ever runs as code: random strings of shell
    /// pieces, and placeholders nested in up to three contexts.
    #[test]
    fn an_accepted_template_never_runs_a_value(
        pieces in prop::collection::vec(prop::sample::select(SHELL_PIECES), 1..8),
        nest in prop::collection::vec(prop::sample::select(SHELL_CONTEXTS), 1..4),
        value in prop::sample::select(INJECTIONS),
    ) {
        let mut nested = "${STACK_NAME}".to_string();
        for (before, after) in &nest {
            nested = format!("{before}{nested}{after}");
        }
        for template in [pieces.concat(), nested] {
            let values = Placeholders { stack_name: Some(value.to_string()), ..Default::default() };
            let Ok(cmd) = expand_shell(&template, &values) else { continue };
            prop_assert!(!cmd.script.contains(value));
            // sh, and bash where there is one (macOS's sh is bash, which evaluates arithmetic).
            for shell in ["sh", "bash"] {
                let dir = tempfile::tempdir().unwrap();
                let ran = std::process::Command::new(shell).arg("-c").arg(&cmd.script).arg("cdkx")
                    .current_dir(dir.path())
                    .envs(cmd.env.iter().map(|(k, v)| (k, v)))
                    .stdin(std::process::Stdio::null())
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .status();
                prop_assert!(ran.is_ok() || shell == "bash", "{shell}: {ran:?}");
                prop_assert!(!dir.path().join("PWNED").exists(), "{shell}: {template:?} ran {value:?}: {}", cmd.script);
            }
        }
    }
}
