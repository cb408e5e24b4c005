//! Criterion micro-benchmarks for the pure core: reading a cloud assembly, building the App
//! model, resolving construct names and expanding `exec` command templates. Run with
//! `cargo bench --bench parsers` (`scripts/bench` runs them too and reports the medians).
//!
//! Inputs: the committed fixtures (`tests/fixtures/*/cdk.out`) and a synthetic assembly of
//! `scripts/gen-assembly` (10 stacks × 200 resources with nested stacks and split trees):
//! the one named by `CDKX_BENCH_ASSEMBLY`, else one generated into a temp dir with
//! `python3 scripts/gen-assembly` (skipped, with a note, when that cannot run).

// Test support: a failed setup step should stop the test loudly, not be handled.
#![allow(clippy::unwrap_used, clippy::panic)]
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;

use cdkx::assembly::{self, Assembly};
use cdkx::catalogue::{Placeholders, expand_shell};
use cdkx::model::App;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (name, directory) of every assembly to measure.
fn assemblies() -> Vec<(String, PathBuf, Option<tempfile::TempDir>)> {
    let mut out = vec![
        (
            "iam-api".to_string(),
            repo().join("tests/fixtures/iam-api/cdk.out"),
            None,
        ),
        (
            "multi-stack".to_string(),
            repo().join("tests/fixtures/multi-stack/cdk.out"),
            None,
        ),
    ];
    if let Some(dir) = std::env::var_os("CDKX_BENCH_ASSEMBLY") {
        out.push(("synthetic".to_string(), PathBuf::from(dir), None));
        return out;
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("cdk.out");
    let made = Command::new("python3")
        .arg(repo().join("scripts/gen-assembly"))
        .args(["--stacks", "10", "--out"])
        .arg(&dir)
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if made {
        out.push(("synthetic".to_string(), dir, Some(tmp)));
    } else {
        eprintln!("note: python3 scripts/gen-assembly failed; synthetic benchmarks skipped");
    }
    out
}

fn read(dir: &Path) -> Assembly {
    assembly::read(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

fn bench_assembly_read(c: &mut Criterion, inputs: &[(String, PathBuf, Option<tempfile::TempDir>)]) {
    let mut g = c.benchmark_group("assembly::read");
    for (name, dir, _) in inputs {
        g.bench_function(name.as_str(), |b| b.iter(|| read(black_box(dir))));
    }
    g.finish();
}

fn bench_from_assembly(c: &mut Criterion, inputs: &[(String, PathBuf, Option<tempfile::TempDir>)]) {
    let mut g = c.benchmark_group("App::from_assembly");
    for (name, dir, _) in inputs {
        let asm = read(dir);
        // from_assembly consumes the Assembly: clone it outside the timed part.
        g.bench_function(name.as_str(), |b| {
            b.iter_batched(|| asm.clone(), App::from_assembly, BatchSize::LargeInput)
        });
    }
    g.finish();
}

fn bench_resolve(c: &mut Criterion, inputs: &[(String, PathBuf, Option<tempfile::TempDir>)]) {
    let mut g = c.benchmark_group("App::resolve");
    for (name, dir, _) in inputs {
        let app = App::from_assembly(read(dir));
        // Queries taken from the app itself, one of each way a user names a construct.
        let r = &app.resources[app.resources.len() / 2];
        let path = r.construct_path.clone();
        let suffix = path
            .split_once('/')
            .map_or(path.clone(), |(_, s)| s.to_string());
        let queries = [
            ("path", path),
            ("suffix", suffix),
            ("logical-id", r.logical_id.0.clone()),
            ("id", r.construct_id.clone()),
            (
                "substring",
                r.construct_id[1..r.construct_id.len().max(2) - 1].to_string(),
            ),
            ("unknown", "NoSuchConstructAnywhere".to_string()),
        ];
        for (kind, q) in queries {
            g.bench_function(format!("{name}/{kind}"), |b| {
                b.iter(|| {
                    let _ = black_box(app.resolve(black_box(&q)));
                })
            });
        }
    }
    g.finish();
}

fn bench_expand_shell(c: &mut Criterion) {
    let values = Placeholders {
        physical_resource_id: Some("my-fn-ABC123; rm -rf / $(whoami) `id` 'quoted' \"dq\"".into()),
        region: Some("us-east-1".into()),
        logical_id: Some("requestorFn15B8813B".into()),
        stack_name: Some("IamApigatewayLambdaStack".into()),
        account: Some("123456789012".into()),
        partition: Some("aws".into()),
        construct_path: Some("IamApigatewayLambdaStack/requestorFn".into()),
    };
    let mut g = c.benchmark_group("catalogue::expand_shell");
    for (name, template) in [
        (
            "typical",
            "aws logs tail /aws/lambda/${PHYSICAL_RESOURCE_ID} --follow --region ${AWS_REGION}",
        ),
        (
            "quoted-contexts",
            "echo ${PHYSICAL_RESOURCE_ID} 'id: '\"${LOGICAL_ID}\" \"${STACK_NAME}/${CONSTRUCT_PATH}\" && open https://${CONSOLE_HOST}/?id=${URL_ENCODED_PHYSICAL_RESOURCE_ID}",
        ),
        (
            "no-placeholders",
            "aws sts get-caller-identity --output json",
        ),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| expand_shell(black_box(template), black_box(&values)).unwrap())
        });
    }
    g.finish();
}

fn benches(c: &mut Criterion) {
    let inputs = assemblies();
    bench_assembly_read(c, &inputs);
    bench_from_assembly(c, &inputs);
    bench_resolve(c, &inputs);
    bench_expand_shell(c);
}

criterion_group!(parsers, benches);
criterion_main!(parsers);
