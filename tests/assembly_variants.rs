//! The assembly reader and resolver on every manifest variant seen in the wild, built as small
//! synthetic cloud assemblies in temporary directories, plus bad input in each file.

// Test support: a failed setup step should stop the test loudly, not be handled.
#![allow(clippy::unwrap_used, clippy::panic)]
use std::fs;
use std::path::Path;

use assert_cmd::Command;
use cdkx::assembly;
use cdkx::model::{App, ResolveError, Target};
use serde_json::{Value, json};

fn write(dir: &Path, name: &str, v: &Value) {
    let p = dir.join(name);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, serde_json::to_vec_pretty(v).unwrap()).unwrap();
}

fn res(ty: &str, path: Option<&str>) -> Value {
    match path {
        Some(p) => json!({"Type": ty, "Properties": {}, "Metadata": {"aws:cdk:path": p}}),
        None => json!({"Type": ty, "Properties": {}}),
    }
}

fn node(id: &str, path: &str, fqn: &str, children: Vec<Value>) -> Value {
    let mut n =
        json!({"id": id, "path": path, "constructInfo": {"fqn": fqn, "version": "2.200.0"}});
    if !children.is_empty() {
        let map: serde_json::Map<String, Value> = children
            .into_iter()
            .map(|c| (c["id"].as_str().unwrap().to_string(), c))
            .collect();
        n["children"] = Value::Object(map);
    }
    n
}

fn load(dir: &Path) -> App {
    App::from_assembly(assembly::read(dir).unwrap())
}

fn tree(children: Vec<Value>) -> Value {
    json!({"version": "tree-0.1", "tree": {"id": "App", "path": "", "children":
        children.into_iter().map(|c| (c["id"].as_str().unwrap().to_string(), c)).collect::<serde_json::Map<_,_>>()}})
}

/// An old-style assembly (schema 30): logical ids inline in manifest metadata, no displayName,
/// templates without aws:cdk:path.
fn old_style(dir: &Path) {
    write(
        dir,
        "manifest.json",
        &json!({
            "version": "30.0.0",
            "artifacts": {
                "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}},
                "OldStack": {
                    "type": "aws:cloudformation:stack",
                    "environment": "aws://111111111111/eu-west-1",
                    "properties": {"templateFile": "OldStack.template.json"},
                    "metadata": {
                        "/OldStack/Handler/Resource": [{"type": "aws:cdk:logicalId", "data": "HandlerABC"}],
                        "/OldStack/Handler/ServiceRole/Resource": [{"type": "aws:cdk:logicalId", "data": "HandlerRoleABC"}],
                        "/OldStack/Other/ServiceRole/Resource": [{"type": "aws:cdk:logicalId", "data": "OtherRoleABC"}],
                        "/OldStack/Group/Bucket": [{"type": "aws:cdk:logicalId", "data": "GroupBucketABC"}]
                    }
                }
            }
        }),
    );
    write(
        dir,
        "OldStack.template.json",
        &json!({"Resources": {
            "HandlerABC": res("AWS::Lambda::Function", None),
            "HandlerRoleABC": res("AWS::IAM::Role", None),
            "OtherRoleABC": res("AWS::IAM::Role", None),
            "GroupBucketABC": res("AWS::S3::Bucket", None),
        }}),
    );
    write(
        dir,
        "tree.json",
        &tree(vec![node(
            "OldStack",
            "OldStack",
            "aws-cdk-lib.Stack",
            vec![
                node(
                    "Handler",
                    "OldStack/Handler",
                    "cargo-lambda-cdk.RustFunction",
                    vec![
                        node(
                            "Resource",
                            "OldStack/Handler/Resource",
                            "aws-cdk-lib.aws_lambda.CfnFunction",
                            vec![],
                        ),
                        node(
                            "ServiceRole",
                            "OldStack/Handler/ServiceRole",
                            "aws-cdk-lib.aws_iam.Role",
                            vec![node(
                                "Resource",
                                "OldStack/Handler/ServiceRole/Resource",
                                "aws-cdk-lib.aws_iam.CfnRole",
                                vec![],
                            )],
                        ),
                    ],
                ),
                node(
                    "Other",
                    "OldStack/Other",
                    "constructs.Construct",
                    vec![node(
                        "ServiceRole",
                        "OldStack/Other/ServiceRole",
                        "aws-cdk-lib.aws_iam.Role",
                        vec![node(
                            "Resource",
                            "OldStack/Other/ServiceRole/Resource",
                            "aws-cdk-lib.aws_iam.CfnRole",
                            vec![],
                        )],
                    )],
                ),
                node(
                    "Group",
                    "OldStack/Group",
                    "constructs.Construct",
                    vec![node(
                        "Bucket",
                        "OldStack/Group/Bucket",
                        "aws-cdk-lib.aws_s3.CfnBucket",
                        vec![],
                    )],
                ),
                node("Empty", "OldStack/Empty", "constructs.Construct", vec![]),
            ],
        )]),
    );
}

#[test]
fn old_schema_with_inline_metadata_and_no_paths_in_templates() {
    let d = tempfile::tempdir().unwrap();
    old_style(d.path());
    let app = load(d.path());
    assert_eq!(app.stacks.len(), 1);
    let s = &app.stacks[0];
    assert_eq!((s.name.as_str(), s.path.as_str()), ("OldStack", "OldStack"));
    assert_eq!(s.env.account.as_deref(), Some("111111111111"));
    let handler = app
        .resources
        .iter()
        .find(|r| r.logical_id.0 == "HandlerABC")
        .unwrap();
    assert_eq!(handler.construct_path, "OldStack/Handler");
    assert_eq!(
        handler.fqn.as_deref(),
        Some("cargo-lambda-cdk.RustFunction")
    );
    assert_eq!(handler.display_type(), "cargo-lambda-cdk.RustFunction");
}

#[test]
fn resolution_order_ambiguity_and_suggestions() {
    let d = tempfile::tempdir().unwrap();
    old_style(d.path());
    let app = load(d.path());
    let path_of = |q: &str| {
        let r = app.resolve(q).unwrap_or_else(|e| panic!("{q}: {e}"));
        app.constructs[r.construct].path.clone()
    };
    // exact path, exact id, exact logical id, suffix, substring (case-insensitive)
    assert_eq!(path_of("OldStack/Handler"), "OldStack/Handler");
    assert_eq!(path_of("/OldStack/Handler"), "OldStack/Handler");
    assert_eq!(path_of("Handler"), "OldStack/Handler");
    assert_eq!(path_of("HandlerABC"), "OldStack/Handler");
    assert_eq!(
        path_of("Handler/ServiceRole"),
        "OldStack/Handler/ServiceRole"
    );
    assert_eq!(path_of("other/servicer"), "OldStack/Other/ServiceRole");
    // The single CloudFormation child of a plain construct is its resource.
    assert_eq!(path_of("Group"), "OldStack/Group");
    // A stack is addressable too.
    assert!(matches!(
        app.resolve("OldStack").unwrap().target,
        Target::Stack(0)
    ));

    match app.resolve("ServiceRole") {
        Err(ResolveError::Ambiguous { candidates, .. }) => {
            let paths: Vec<&str> = candidates.iter().map(|c| c.path.as_str()).collect();
            assert_eq!(
                paths,
                ["OldStack/Handler/ServiceRole", "OldStack/Other/ServiceRole"]
            );
            assert_eq!(candidates[0].kind, "aws_iam.Role");
            assert_eq!(candidates[0].stack, "OldStack");
        }
        other => panic!("expected ambiguity, got {other:?}"),
    }
    let msg = app.resolve("ServiceRole").unwrap_err().to_string();
    assert!(
        msg.contains("matches 2 constructs") && msg.contains("OldStack/Other/ServiceRole"),
        "{msg}"
    );

    match app.resolve("Handlr") {
        Err(ResolveError::NotFound { suggestions, .. }) => assert!(
            suggestions.contains(&"Handler".to_string()),
            "{suggestions:?}"
        ),
        other => panic!("expected not found, got {other:?}"),
    }
    assert!(matches!(
        app.resolve("Empty"),
        Err(ResolveError::NoResource { .. })
    ));
    assert!(matches!(
        app.resolve(""),
        Err(ResolveError::NotFound { .. })
    ));
}

/// A newer assembly: metadata in a file, split tree, Stage, nested stack, unknown environment,
/// logical ids only in tree attributes for one stack.
fn new_style(dir: &Path) {
    write(
        dir,
        "manifest.json",
        &json!({
            "version": "48.0.0",
            "artifacts": {
                "Stage": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Stage", "displayName": "Stage"}},
                "Main": {
                    "type": "aws:cloudformation:stack",
                    "environment": "aws://unknown-account/unknown-region",
                    "properties": {"templateFile": "Main.template.json", "stackName": "main-stack"},
                    "additionalMetadataFile": "Main.metadata.json",
                    "displayName": "Main (main-stack)"
                },
                "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}
            }
        }),
    );
    write(
        dir,
        "Main.metadata.json",
        &json!({
            "/Main/Fn/Resource": [{"type": "aws:cdk:logicalId", "data": "FnABC"}],
            "/Main/Data/Table/Resource": [{"type": "aws:cdk:logicalId", "data": "TableABC"}]
        }),
    );
    write(
        dir,
        "Main.template.json",
        &json!({"Resources": {
            // Its path only in the metadata file.
            "FnABC": res("AWS::Lambda::Function", None),
            "DataNested": {"Type": "AWS::CloudFormation::Stack", "Properties": {},
                "Metadata": {"aws:cdk:path": "Main/Data.NestedStack/Data.NestedStackResource",
                             "aws:asset:path": "MainData.nested.template.json", "aws:asset:property": "TemplateURL"}}
        }}),
    );
    write(
        dir,
        "MainData.nested.template.json",
        &json!({"Resources": {
            "TableABC": res("AWS::DynamoDB::Table", Some("Main/Data/Table/Resource"))
        }}),
    );
    write(
        dir,
        "assembly-Stage/manifest.json",
        &json!({
            "version": "48.0.0",
            "artifacts": {"StageApi": {
                "type": "aws:cloudformation:stack",
                "environment": "aws://222222222222/us-west-2",
                "properties": {"templateFile": "StageApi.template.json"},
                "displayName": "Stage/Api"
            }}
        }),
    );
    write(
        dir,
        "assembly-Stage/StageApi.template.json",
        &json!({"Resources": {"ApiABC": res("AWS::ApiGateway::RestApi", None)}}),
    );
    // The big subtree lives in a forest file.
    write(
        dir,
        "tree.json",
        &json!({"version": "tree-0.1", "tree": {"id": "App", "path": "", "children": {
            "Main": {"id": "Main", "path": "Main", "fileName": "trees-1.json", "treeId": "t-main"},
            "Stage": node("Stage", "Stage", "aws-cdk-lib.Stage", vec![
                node("Api", "Stage/Api", "aws-cdk-lib.Stack", vec![
                    {
                        let mut n = node("Api", "Stage/Api/Api", "aws-cdk-lib.aws_apigateway.RestApi", vec![]);
                        n["children"] = json!({"Resource": {"id": "Resource", "path": "Stage/Api/Api/Resource",
                            "attributes": {"aws:cdk:cloudformation:type": "AWS::ApiGateway::RestApi", "aws:cdk:cloudformation:logicalId": "ApiABC"},
                            "constructInfo": {"fqn": "aws-cdk-lib.aws_apigateway.CfnRestApi"}}});
                        n
                    }
                ])
            ])
        }}}),
    );
    write(
        dir,
        "trees-1.json",
        &json!({"version": "forest-0.1", "forest": {
            "t-main": node("Main", "Main", "aws-cdk-lib.Stack", vec![
                node("Fn", "Main/Fn", "aws-cdk-lib.aws_lambda_nodejs.NodejsFunction", vec![
                    node("Resource", "Main/Fn/Resource", "aws-cdk-lib.aws_lambda.CfnFunction", vec![]),
                ]),
                node("Data", "Main/Data", "aws-cdk-lib.NestedStack", vec![
                    node("Table", "Main/Data/Table", "aws-cdk-lib.aws_dynamodb.Table", vec![
                        node("Resource", "Main/Data/Table/Resource", "aws-cdk-lib.aws_dynamodb.CfnTable", vec![]),
                    ]),
                ]),
                node("Data.NestedStack", "Main/Data.NestedStack", "constructs.Construct", vec![
                    node("Data.NestedStackResource", "Main/Data.NestedStack/Data.NestedStackResource", "aws-cdk-lib.CfnStack", vec![]),
                ]),
            ])
        }}),
    );
}

#[test]
fn new_schema_with_metadata_file_split_tree_stage_and_nested_stack() {
    let d = tempfile::tempdir().unwrap();
    new_style(d.path());
    let app = load(d.path());
    let names: Vec<(&str, &str)> = app
        .stacks
        .iter()
        .map(|s| (s.name.as_str(), s.path.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("StageApi", "Stage/Api"),
            ("main-stack", "Main"),
            ("Data", "Main/Data")
        ]
    );
    let main = &app.stacks[1];
    assert_eq!(
        main.env,
        Default::default(),
        "unknown-account/unknown-region"
    );
    assert_eq!(app.stacks[0].env.region.as_deref(), Some("us-west-2"));
    assert_eq!(
        app.stacks[2]
            .parent
            .as_ref()
            .map(|(p, l)| (*p, l.0.as_str())),
        Some((1, "DataNested"))
    );

    // The split tree supplied the FQN of the function.
    let f = app
        .resources
        .iter()
        .find(|r| r.logical_id.0 == "FnABC")
        .unwrap();
    assert_eq!(
        f.fqn.as_deref(),
        Some("aws-cdk-lib.aws_lambda_nodejs.NodejsFunction")
    );
    // The nested stack's table belongs to the nested stack.
    let t = app
        .resources
        .iter()
        .find(|r| r.logical_id.0 == "TableABC")
        .unwrap();
    assert_eq!((t.stack, t.construct_path.as_str()), (2, "Main/Data/Table"));
    // Logical id known only from tree attributes.
    let api = app
        .resources
        .iter()
        .find(|r| r.logical_id.0 == "ApiABC")
        .unwrap();
    assert_eq!(api.construct_path, "Stage/Api/Api");
    assert_eq!(
        api.fqn.as_deref(),
        Some("aws-cdk-lib.aws_apigateway.RestApi")
    );
    // The nested stack construct is addressed as that stack.
    assert!(matches!(
        app.resolve("Main/Data").unwrap().target,
        Target::Stack(2)
    ));
    let nested_row = app
        .resources
        .iter()
        .find(|r| r.logical_id.0 == "DataNested")
        .unwrap();
    assert_eq!(nested_row.construct_path, "Main/Data");
}

/// Corrupts one file of an assembly and checks that reading it fails with a message naming it.
fn assert_bad(setup: fn(&Path), file: &str, content: &str, expect: &[&str]) {
    let d = tempfile::tempdir().unwrap();
    setup(d.path());
    let p = d.path().join(file);
    if content == "<delete>" {
        fs::remove_file(&p).unwrap();
    } else {
        fs::write(&p, content).unwrap();
    }
    let err = assembly::read(d.path()).expect_err(file).to_string();
    assert!(err.contains(file), "error should name {file}: {err}");
    for e in expect {
        assert!(err.contains(e), "error should say {e:?}: {err}");
    }
    // And the binary exits non-zero with the same message, without a panic.
    let out = Command::cargo_bin("cdkx")
        .unwrap()
        .args(["list", "--offline", "--app"])
        .arg(d.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(file) && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn bad_input_in_each_file_names_the_file_and_field() {
    assert_bad(
        old_style,
        "manifest.json",
        "{\"version\": \"30.0.0\", \"artifacts\": {",
        &["invalid JSON"],
    );
    assert_bad(
        old_style,
        "manifest.json",
        r#"{"artifacts": {"S": {"type": 7}}}"#,
        &["artifacts.S.type"],
    );
    assert_bad(
        old_style,
        "manifest.json",
        r#"{"artifacts": {"S": {"type": "aws:cloudformation:stack", "properties": {}}}}"#,
        &["artifacts.S.properties.templateFile", "missing"],
    );
    assert_bad(
        old_style,
        "manifest.json",
        r#"{"artifacts": {"S": {"type": "aws:cloudformation:stack", "environment": "us-east-1", "properties": {"templateFile": "OldStack.template.json"}}}}"#,
        &["artifacts.S.environment", "aws://ACCOUNT/REGION"],
    );
    assert_bad(
        old_style,
        "manifest.json",
        r#"{"artifacts": {"S": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "../../etc/passwd"}}}}"#,
        &["inside the assembly"],
    );
    assert_bad(
        old_style,
        "OldStack.template.json",
        "{\"Resources\": {\"A\": ",
        &["invalid JSON"],
    );
    assert_bad(
        old_style,
        "OldStack.template.json",
        r#"{"Resources": {"A": {"Type": ["x"]}}}"#,
        &["Resources.A.Type"],
    );
    assert_bad(
        old_style,
        "OldStack.template.json",
        "<delete>",
        &["cannot read"],
    );
    assert_bad(
        old_style,
        "tree.json",
        r#"{"version": "tree-0.1", "tree": {"id": 5}}"#,
        &["tree.id"],
    );
    assert_bad(old_style, "tree.json", "", &["invalid JSON"]);
    assert_bad(
        new_style,
        "Main.metadata.json",
        r#"{"/Main/Fn/Resource": {"type": "x"}}"#,
        &["/Main/Fn/Resource"],
    );
    assert_bad(
        new_style,
        "trees-1.json",
        r#"{"version": "forest-0.1", "forest": {}}"#,
        &["forest.t-main", "missing"],
    );
    assert_bad(new_style, "trees-1.json", "<delete>", &["cannot read"]);
    assert_bad(
        new_style,
        "MainData.nested.template.json",
        "[]",
        &["unexpected content"],
    );
    assert_bad(
        new_style,
        "assembly-Stage/manifest.json",
        "{",
        &["invalid JSON"],
    );
}

#[test]
fn missing_assembly_is_a_clear_error_that_suggests_cdk_synth() {
    let d = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("cdkx")
        .unwrap()
        .current_dir(d.path())
        .env_remove("CDK_APP_DIR")
        .args(["list", "--offline"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("cdk.out") && stderr.contains("cdk synth"),
        "{stderr}"
    );

    // A directory with cdk.json means its output directory.
    fs::write(
        d.path().join("cdk.json"),
        r#"{"app": "npx ts-node bin/app.ts", "output": "build/out"}"#,
    )
    .unwrap();
    let out = Command::cargo_bin("cdkx")
        .unwrap()
        .current_dir(d.path())
        .env_remove("CDK_APP_DIR")
        .args(["list", "--offline"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("build/out") && stderr.contains("cdk.json"),
        "{stderr}"
    );
    old_style(&d.path().join("build/out"));
    let out = Command::cargo_bin("cdkx")
        .unwrap()
        .current_dir(d.path())
        .env_remove("CDK_APP_DIR")
        .args(["list", "--offline"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("HandlerABC"));

    // CDK_APP_DIR works like --app.
    let out = Command::cargo_bin("cdkx")
        .unwrap()
        .env("CDK_APP_DIR", d.path().join("build/out"))
        .args(["list", "--offline", "-o", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["resources"].as_array().unwrap().len(), 4);
}

#[test]
fn bad_construct_commands_file_is_an_error_naming_it() {
    let d = tempfile::tempdir().unwrap();
    old_style(&d.path().join("cdk.out"));
    fs::write(
        d.path().join("construct-commands.yml"),
        "AWS::Lambda::Function:\n  logs: [1, 2]\n",
    )
    .unwrap();
    let out = Command::cargo_bin("cdkx")
        .unwrap()
        .current_dir(d.path())
        .env_remove("CDK_APP_DIR")
        .args(["Handler"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("construct-commands.yml") && stderr.contains("AWS::Lambda::Function.logs"),
        "{stderr}"
    );
}

/// `cdkx --app DIR --output json QUERY` as the corpus check runs it: dummy credentials and an
/// endpoint on a closed port, so the lookup fails at once and the construct is still printed.
/// Returns (the construct JSON or Null, stderr).
fn resolve_bin(dir: &Path, query: &str) -> (Value, String) {
    let home = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("cdkx")
        .unwrap()
        .args([
            "--output",
            "json",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--timeout",
            "3",
            "--app",
        ])
        .arg(dir)
        .arg(query)
        .env_remove("CDK_APP_DIR")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env("HOME", home.path())
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("CDKX_CACHE_DIR", home.path().join("cdkx-cache"))
        .env("AWS_ACCESS_KEY_ID", "AKIAFAKETESTKEY00001")
        .env(
            "AWS_SECRET_ACCESS_KEY",
            "cdkxFAKEsecretKEYdoNOTprint0000000000000",
        )
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("AWS_CONFIG_FILE", home.path().join("no-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.path().join("no-credentials"),
        )
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let v = serde_json::from_slice::<Value>(&out.stdout)
        .map(|v| v["construct"].clone())
        .unwrap_or(Value::Null);
    (v, stderr)
}

fn list_json(dir: &Path) -> Value {
    let out = Command::cargo_bin("cdkx")
        .unwrap()
        .args(["list", "--offline", "--output", "json", "--app"])
        .arg(dir)
        .env_remove("CDK_APP_DIR")
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn an_app_with_no_stacks_lists_nothing() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "manifest.json",
        &json!({"version": "55.0.0", "artifacts": {
            "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}}}),
    );
    write(d.path(), "tree.json", &tree(vec![]));
    let v = list_json(d.path());
    assert_eq!(v["stacks"], json!([]));
    assert_eq!(v["resources"], json!([]));
    for args in [
        &["list", "--offline"][..],
        &["list", "--offline", "--output", "text"],
    ] {
        let out = Command::cargo_bin("cdkx")
            .unwrap()
            .args(args)
            .arg("--app")
            .arg(d.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert!(
            out.stdout.is_empty() && stderr.contains("no stacks"),
            "{stderr}"
        );
    }
    // Naming a construct in it is a clear error.
    let (construct, stderr) = resolve_bin(d.path(), "Anything");
    assert_eq!(construct, Value::Null);
    assert!(stderr.contains("the app has no stacks"), "{stderr}");
}

/// An integ-snapshot-like assembly: no tree.json, no aws:cdk:path in templates, logical ids only
/// in the manifest; a CustomResource's `Default/Default`, a permission beside it, and a nested
/// stack named only through the asset manifest.
fn integ_style(dir: &Path) {
    write(
        dir,
        "manifest.json",
        &json!({
            "version": "36.0.0",
            "artifacts": {
                "S.assets": {"type": "cdk:asset-manifest", "properties": {"file": "S.assets.json"}},
                "S": {
                    "type": "aws:cloudformation:stack",
                    "properties": {"templateFile": "S.template.json"},
                    "displayName": "S",
                    "metadata": {
                        "/S/Call/Default/Default": [{"type": "aws:cdk:logicalId", "data": "Call"}],
                        "/S/Call/Invoke": [{"type": "aws:cdk:logicalId", "data": "CallInvokeABC"}],
                        "/S/Inc/Child/Child": [{"type": "aws:cdk:logicalId", "data": "Child"}],
                        "/S/Inc/Child/Child/Bucket": [{"type": "aws:cdk:logicalId", "data": "Bucket"}],
                        "/S/Inc/Child.NestedStack/Child.NestedStackResource": [{"type": "aws:cdk:logicalId", "data": "Child"}],
                        "/S/Old.NestedStack/Old.NestedStackResource": [{"type": "aws:cdk:logicalId", "data": "OldNestedABC"}]
                    }
                }
            }
        }),
    );
    write(
        dir,
        "S.template.json",
        &json!({"Resources": {
            "Call": res("Custom::Call", None),
            "CallInvokeABC": res("AWS::Lambda::Permission", None),
            "Child": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": {"Fn::Join": ["", [
                "https://s3.", {"Ref": "AWS::Region"}, ".", {"Ref": "AWS::URLSuffix"}, "/",
                {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}, "/5dc7d4a9.json"]]}}},
            "OldNestedABC": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "https://s3.amazonaws.com/b/gone.json"}}
        }}),
    );
    write(
        dir,
        "S.assets.json",
        &json!({"version": "36.0.0", "files": {"5dc7d4a9": {
            "source": {"path": "SChild1234.nested.template.json", "packaging": "file"},
            "destinations": {"current": {"bucketName": "b", "objectKey": "5dc7d4a9.json"}}}}}),
    );
    write(
        dir,
        "SChild1234.nested.template.json",
        &json!({"Resources": {"Bucket": res("AWS::S3::Bucket", None)}}),
    );
}

#[test]
fn without_tree_json_every_cdk_path_resolves() {
    let d = tempfile::tempdir().unwrap();
    integ_style(d.path());
    let lid = |q: &str| {
        let (c, stderr) = resolve_bin(d.path(), q);
        assert!(c.is_object(), "{q}: {stderr}");
        c["logicalId"].as_str().unwrap().to_string()
    };
    // A path copied from the manifest (or a template, or the console), ending in Default.
    assert_eq!(lid("S/Call/Default/Default"), "Call");
    assert_eq!(lid("S/Call/Default"), "Call");
    assert_eq!(lid("S/Call/Invoke"), "CallInvokeABC");
    // A nested stack's resource path, its template absent.
    assert_eq!(
        lid("S/Old.NestedStack/Old.NestedStackResource"),
        "OldNestedABC"
    );
    // The custom resource's logical id.
    assert_eq!(lid("Call"), "Call");
}

#[test]
fn nested_stacks_named_only_by_the_asset_manifest() {
    let d = tempfile::tempdir().unwrap();
    integ_style(d.path());
    let v = list_json(d.path());
    let stacks: Vec<(&str, &str)> = v["stacks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap(),
                s["nestedIn"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(stacks, [("S", ""), ("S/Child", "S")]);
    let row = |lid: &str| {
        v["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["logicalId"] == lid)
            .unwrap_or_else(|| panic!("{lid} listed"))
            .clone()
    };
    let bucket = row("Bucket");
    assert_eq!(
        (bucket["stack"].as_str(), bucket["constructPath"].as_str()),
        (Some("S/Child"), Some("S/Inc/Child/Child/Bucket"))
    );
    // cloudformation-include names the nested stack's resource and the included template alike:
    // the stack resource belongs to the nested stack construct.
    let child = row("Child");
    assert_eq!(
        (child["stack"].as_str(), child["constructPath"].as_str()),
        (Some("S"), Some("S/Inc/Child"))
    );
}

#[test]
fn a_name_that_is_a_construct_and_another_resources_logical_id_is_ambiguous() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "manifest.json",
        &json!({"version": "36.0.0", "artifacts": {"S": {
            "type": "aws:cloudformation:stack", "properties": {"templateFile": "S.template.json"}, "displayName": "S"}}}),
    );
    write(
        d.path(),
        "S.template.json",
        &json!({"Resources": {
            "InvokeFn12AB": res("AWS::Lambda::Function", Some("S/Invoke/Resource")),
            "Invoke": res("AWS::Lambda::Permission", Some("S/Perm/Resource")),
        }}),
    );
    let (c, stderr) = resolve_bin(d.path(), "Invoke");
    assert_eq!(c, Value::Null, "{stderr}");
    assert!(
        stderr.contains("construct id and logical id")
            && stderr.contains("S/Invoke")
            && stderr.contains("S/Perm"),
        "{stderr}"
    );
    // Each is still reachable by its path or its own logical id.
    assert_eq!(resolve_bin(d.path(), "S/Perm").0["logicalId"], "Invoke");
    assert_eq!(
        resolve_bin(d.path(), "InvokeFn12AB").0["logicalId"],
        "InvokeFn12AB"
    );

    // An L1 named like its logical id is meant over a deeper construct that shares the id.
    write(
        d.path(),
        "S.template.json",
        &json!({"Resources": {
            "Oac": res("AWS::CloudFront::OriginAccessControl", Some("S/Oac")),
            "DistOacABC": res("AWS::CloudFront::OriginAccessControl", Some("S/Dist/Oac")),
        }}),
    );
    let (c, stderr) = resolve_bin(d.path(), "Oac");
    assert_eq!(
        (c["logicalId"].as_str(), c["constructPath"].as_str()),
        (Some("Oac"), Some("S/Oac")),
        "{stderr}"
    );
}

#[test]
fn a_name_matching_one_construct_but_for_case_resolves_and_says_so() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "manifest.json",
        &json!({"version": "36.0.0", "artifacts": {"S": {
            "type": "aws:cloudformation:stack", "properties": {"templateFile": "S.template.json"}, "displayName": "S"}}}),
    );
    write(
        d.path(),
        "S.template.json",
        &json!({"Resources": {
            "RequestorFnABC": res("AWS::Lambda::Function", Some("S/RequestorFn/Resource")),
            "RequestorFnRoleABC": res("AWS::IAM::Role", Some("S/RequestorFn/ServiceRole/Resource")),
            "RequestorFnLogsABC": res("AWS::Logs::LogGroup", Some("S/RequestorFnLogs/Resource")),
            "ApiABC": res("AWS::ApiGateway::RestApi", Some("S/Api/Resource")),
            "APIABC": res("AWS::ApiGateway::RestApi", Some("S/API/Resource")),
            "ApiDocsABC": res("AWS::S3::Bucket", Some("S/ApiDocs/Resource")),
        }}),
    );
    let (c, stderr) = resolve_bin(d.path(), "requestorfn");
    assert_eq!(c["constructPath"], "S/RequestorFn", "{stderr}");
    assert!(stderr.contains("ignoring case"), "{stderr}");

    // Two constructs match but for case: both listed first, before the substring matches.
    let (c, stderr) = resolve_bin(d.path(), "api");
    assert_eq!(c, Value::Null, "{stderr}");
    let api = stderr.find("S/Api ").expect(&stderr);
    let upper = stderr.find("S/API ").expect(&stderr);
    let docs = stderr.find("S/ApiDocs").expect(&stderr);
    assert!(api < docs && upper < docs, "{stderr}");
}

#[test]
fn a_construct_path_reads_only_its_stack() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "manifest.json",
        &json!({"version": "36.0.0", "artifacts": {
            "Good": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Good.template.json"}, "displayName": "Good"},
            "Other": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Other.template.json"}, "displayName": "Other"},
            "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}
        }}),
    );
    write(
        d.path(),
        "Good.template.json",
        &json!({"Resources": {"QueueABC": res("AWS::SQS::Queue", Some("Good/Queue/Resource"))}}),
    );
    write(
        d.path(),
        "tree.json",
        &tree(vec![
            node(
                "Good",
                "Good",
                "aws-cdk-lib.Stack",
                vec![node(
                    "Queue",
                    "Good/Queue",
                    "aws-cdk-lib.aws_sqs.Queue",
                    vec![node(
                        "Resource",
                        "Good/Queue/Resource",
                        "aws-cdk-lib.aws_sqs.CfnQueue",
                        vec![],
                    )],
                )],
            ),
            node("Other", "Other", "aws-cdk-lib.Stack", vec![]),
        ]),
    );
    // The other stack's template is broken: a path under Good does not need it.
    fs::write(d.path().join("Other.template.json"), "{ broken").unwrap();
    let (c, stderr) = resolve_bin(d.path(), "Good/Queue");
    assert_eq!(c["logicalId"], "QueueABC", "{stderr}");
    assert_eq!(c["fqn"], "aws-cdk-lib.aws_sqs.Queue", "{stderr}");
    // A name that is not a path needs every stack: the broken one is reported.
    let (c, stderr) = resolve_bin(d.path(), "Queue");
    assert_eq!(c, Value::Null);
    assert!(stderr.contains("Other.template.json"), "{stderr}");
}
