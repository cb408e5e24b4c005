//! TUI performance (`cargo bench --features bench --bench tui`; `scripts/bench-tui` runs it and
//! says where the numbers go). Two kinds of figures:
//!
//! - in process: from a key press to a finished frame, through the real crossterm backend
//!   (writing to a sink), with 10,000 resources and 10,000 audit rows loaded;
//! - the real binary in a pseudo-terminal with a warm physical-id cache: from starting the
//!   process to the first frame that shows cached physical ids, for the iam-api example and for
//!   a generated app of 10,000 resources; and a key (`G`) to its frame on that app, end to end.
//!
//! - the real binary against the emulator (issue #17): the first frame with the sparkline
//!   column on (the iam-api example deployed, data points put, a warm cache), and when the
//!   column arrives.
//!
//! Goals (issue #4): first frame within 100 ms of start with a warm cache; key to frame within
//! 16 ms. Issue #17: the first frame unchanged (< 100 ms warm) with sparklines on.

// Test support: a failed setup step should stop the test loudly, not be handled.
#![allow(clippy::unwrap_used, clippy::panic)]
#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/tui_support/pty.rs"]
mod pty;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use cdkx::aws::StackResourceRow;
use cdkx::cache::{Cache, CacheEntry, CacheKey, CachedStack};
use cdkx::tui::bench;
use serde_json::{Map, Value, json};

const RUNS: usize = 15;

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn quantile(samples: &[Duration], q: f64) -> Duration {
    let mut s = samples.to_vec();
    s.sort();
    s[((s.len() - 1) as f64 * q).round() as usize]
}

fn main() {
    // `cargo bench` passes `--bench`; a filter word is not supported here.
    println!("## In process: key press to frame (crossterm backend into a sink)\n");
    for (w, h) in [(160, 48), (80, 24)] {
        println!("{w}x{h}, 10,000 resources, 10,000 audit rows:\n");
        println!("| scenario | presses | p50 | p99 | max |");
        println!("| --- | ---: | ---: | ---: | ---: |");
        for t in bench::run(10_000, 10_000, w, h) {
            println!(
                "| {} | {} | {} | {} | {} |",
                t.name,
                t.samples.len(),
                ms(t.quantile(0.5)),
                ms(t.quantile(0.99)),
                ms(t.max())
            );
        }
        println!();
    }

    println!("## The real binary in a pseudo-terminal, warm cache ({RUNS} runs each)\n");
    println!("| scenario | p50 | max |");
    println!("| --- | ---: | ---: |");
    let work = tempfile::tempdir().expect("a temp dir");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/iam-api/cdk.out");
    let cache = work.path().join("cache");
    warm_cache(&fixture, &cache);
    let (first, _) = real_binary(&fixture, &cache, "ABC123", None);
    println!(
        "| start to first frame, iam-api example (14 rows) | {} | {} |",
        ms(quantile(&first, 0.5)),
        ms(*first.iter().max().unwrap())
    );
    let big = work.path().join("big.out");
    write_assembly(&big, 10, 10_000);
    warm_cache(&big, &cache);
    let phases = phases(&big, &cache);
    let (first, keys) = real_binary(&big, &cache, "ABC123", Some("fn999"));
    println!(
        "| start to first frame, 10,000 resources | {} | {} |",
        ms(quantile(&first, 0.5)),
        ms(*first.iter().max().unwrap())
    );
    println!(
        "| key `G` to its frame on screen, 10,000 resources (includes the pty) | {} | {} |",
        ms(quantile(&keys, 0.5)),
        ms(*keys.iter().max().unwrap())
    );
    println!(
        "\nWhere the first frame's time goes, 10,000 resources (in process, p50 of {RUNS}):\n"
    );
    println!("| phase | p50 |");
    println!("| --- | ---: |");
    for (name, samples) in phases {
        println!("| {name} | {} |", ms(quantile(&samples, 0.5)));
    }
    sparklines(&fixture, work.path());
}

/// Issue #17: the real binary against the emulator, which serves the lookup and the metrics:
/// the first frame (cached physical ids on screen) and the sparkline column's arrival.
fn sparklines(fixture: &Path, work: &Path) {
    let emu = common::Emulator::start();
    emu.deploy(fixture);
    let cache = work.join("cache-emulator");
    // A previous run's lookup warms the cache, as for a user.
    let out = binary(fixture, &cache, &emu.url)
        .args(["requestorFn", "-o", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).expect("describe's JSON");
    let function = v["construct"]["physicalId"].as_str().unwrap().to_string();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let data: Vec<Value> = (0..12)
        .map(|i| {
            json!({"MetricName": "Invocations", "Value": (i % 5 + 1) as f64,
                   "Timestamp": now - 300 * i - 30,
                   "Dimensions": [{"Name": "FunctionName", "Value": function}]})
        })
        .collect();
    emu.python(&format!(
        "client('cloudwatch').put_metric_data(Namespace='AWS/Lambda', MetricData=json.loads({:?}))",
        Value::from(data).to_string()
    ));
    let ready = function[function.len() - 6..].to_string();
    let (mut first, mut column) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let start = Instant::now();
        let mut t = pty::Pty::spawn(binary(fixture, &cache, &emu.url), 160, 48);
        t.wait_for("the first frame", Duration::from_secs(30), |s| {
            s.contains(&ready) && s.contains("Resources (")
        });
        first.push(start.elapsed());
        t.wait_for("the sparkline column", Duration::from_secs(30), |s| {
            s.contains("LAST HOUR")
        });
        column.push(start.elapsed());
        t.send("q");
        t.wait_exit(Duration::from_secs(10));
    }
    println!(
        "\n## First frame with sparklines (issue #17): the real binary against the emulator ({RUNS} runs)\n"
    );
    println!("| scenario | p50 | max |");
    println!("| --- | ---: | ---: |");
    println!(
        "| start to first frame, iam-api example, warm cache, sparklines on | {} | {} |",
        ms(quantile(&first, 0.5)),
        ms(*first.iter().max().unwrap())
    );
    println!(
        "| start to the sparkline column on screen (lookup, then GetMetricData) | {} | {} |",
        ms(quantile(&column, 0.5)),
        ms(*column.iter().max().unwrap())
    );
}

/// The binary with an isolated environment (fake credentials, its own cache) pointed at
/// `endpoint`, on `app`.
fn binary(app: &Path, cache: &Path, endpoint: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cdkx"));
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", cache)
        .env("TERM", "xterm-256color")
        .env("CDKX_CACHE_DIR", cache)
        .env("AWS_ACCESS_KEY_ID", "AKIAFAKETESTKEY00001")
        .env("AWS_SECRET_ACCESS_KEY", "fake")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", cache.join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", cache.join("none"))
        .env("AWS_ENDPOINT_URL", endpoint)
        .arg("--app")
        .arg(app);
    c
}

/// The steps between reading the assembly and the first frame, timed one by one.
fn phases(assembly: &Path, cache: &Path) -> Vec<(&'static str, Vec<Duration>)> {
    use cdkx::tui::app::App;
    use cdkx::tui::cx::Header;
    use std::sync::Arc;
    let names = [
        "read cdk.out (manifest, templates, tree.json)",
        "build the model (stacks, resources, constructs)",
        "physical ids from the cache",
        "TUI state (rows, filter text)",
        "first draw (160x48)",
    ];
    let mut out: Vec<(&'static str, Vec<Duration>)> =
        names.iter().map(|n| (*n, Vec::new())).collect();
    for _ in 0..RUNS {
        let t = Instant::now();
        let asm = cdkx::assembly::read(assembly).expect("assembly");
        out[0].1.push(t.elapsed());
        let t = Instant::now();
        let model = cdkx::model::App::from_assembly(asm);
        out[1].1.push(t.elapsed());
        let t = Instant::now();
        let d = cdkx::deployed::cached(&model, &Cache::at(cache), |s| s.env.region.clone());
        out[2].1.push(t.elapsed());
        let t = Instant::now();
        let app = App::new(
            Arc::new(model),
            Arc::new(cdkx::catalogue::CommandCatalogue::builtin()),
            d,
            Header::default(),
            cdkx::tui::theme::Theme { color: true },
            false,
        );
        out[3].1.push(t.elapsed());
        let t = Instant::now();
        let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 48)).unwrap();
        term.draw(|f| {
            cdkx::tui::ui::render(&app, f.area(), f.buffer_mut());
        })
        .unwrap();
        out[4].1.push(t.elapsed());
    }
    out
}

/// Starts the binary `RUNS` times; returns the times to the first frame showing `ready`, and
/// (when `last` is given) from pressing `G` to seeing `last` on screen.
fn real_binary(
    app: &Path,
    cache: &Path,
    ready: &str,
    last: Option<&str>,
) -> (Vec<Duration>, Vec<Duration>) {
    let mut first = Vec::new();
    let mut keys = Vec::new();
    for _ in 0..RUNS {
        // Nothing listens there: the background refresh fails, the cached ids stay.
        let c = binary(app, cache, "http://127.0.0.1:9");
        let start = Instant::now();
        let mut t = pty::Pty::spawn(c, 160, 48);
        t.wait_for("the first frame", Duration::from_secs(30), |s| {
            s.contains(ready) && s.contains("Resources (")
        });
        first.push(start.elapsed());
        if let Some(last) = last {
            // Let the refresh fail first, so the frame measured is the key's alone.
            t.wait_for("the refresh to end", Duration::from_secs(30), |s| {
                !s.contains("refreshing physical ids")
            });
            let start = Instant::now();
            t.send("G");
            t.wait_for("the end of the list", Duration::from_secs(10), |s| {
                s.contains(last)
            });
            keys.push(start.elapsed());
        }
        t.send("q");
        t.wait_exit(Duration::from_secs(10));
    }
    (first, keys)
}

/// Caches physical ids for every stack of the assembly (`STACK-LOGICALID-ABC123`), as a
/// previous run against the account would have.
fn warm_cache(assembly: &Path, cache: &Path) {
    let app = cdkx::model::App::from_assembly(cdkx::assembly::read(assembly).expect("assembly"));
    let cache = Cache::at(cache);
    for (i, s) in app.stacks.iter().enumerate() {
        let stack_id = format!(
            "arn:aws:cloudformation:us-east-1:123456789012:stack/{}/1",
            s.name
        );
        let rows = app
            .resources
            .iter()
            .filter(|r| r.stack == i)
            .map(|r| StackResourceRow {
                logical_id: r.logical_id.0.clone(),
                physical_id: Some(format!("{}-{}-ABC123", s.name, r.logical_id.0)),
                cfn_type: r.cfn_type.clone(),
                status: Some("CREATE_COMPLETE".into()),
            })
            .collect();
        let entry = CacheEntry::new(
            stack_id.clone(),
            "2026-01-01T00:00:00Z".into(),
            vec![CachedStack {
                path: s.path.clone(),
                stack_id,
                resources: rows,
            }],
        );
        let key = CacheKey {
            account: s
                .env
                .account
                .clone()
                .unwrap_or_else(|| "123456789012".into()),
            region: "us-east-1".into(),
            stack: s.name.clone(),
        };
        cache.put(&key, &entry).expect("write the cache");
    }
}

/// A cloud assembly of `stacks` stacks with `resources` resources in all, with a tree.json.
fn write_assembly(dir: &Path, stacks: usize, resources: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let mut artifacts = Map::new();
    let mut tree_children = Map::new();
    for s in 0..stacks {
        let name = format!("Service{s:02}Stack");
        let mut template = Map::new();
        let mut groups: Map<String, Value> = Map::new();
        for i in (s..resources).step_by(stacks) {
            let (id, cfn_type, fqn) = cdkx::tui::bench::synthetic_resource(i);
            let group = format!("group{}", i / 250);
            let path = format!("{name}/{group}/{id}");
            let logical = format!("{group}{id}ABCD{i:05}");
            template.insert(
                logical.clone(),
                json!({"Type": cfn_type, "Properties": {},
                       "Metadata": {"aws:cdk:path": format!("{path}/Resource")}}),
            );
            let g = groups.entry(group.clone()).or_insert_with(|| {
                json!({"id": group, "path": format!("{name}/{group}"), "children": {},
                       "constructInfo": {"fqn": "constructs.Construct", "version": "10.0.0"}})
            });
            g["children"].as_object_mut().unwrap().insert(
                id.clone(),
                json!({"id": id, "path": path, "constructInfo": {"fqn": fqn, "version": "2.200.0"},
                       "children": {"Resource": {"id": "Resource", "path": format!("{path}/Resource"),
                           "attributes": {"aws:cdk:cloudformation:type": cfn_type,
                                          "aws:cdk:cloudformation:logicalId": logical}}}}),
            );
        }
        let file = format!("{name}.template.json");
        std::fs::write(dir.join(&file), json!({"Resources": template}).to_string()).unwrap();
        artifacts.insert(
            name.clone(),
            json!({"type": "aws:cloudformation:stack", "environment": "aws://123456789012/us-east-1",
                   "properties": {"templateFile": file}, "displayName": name}),
        );
        tree_children.insert(
            name.clone(),
            json!({"id": name, "path": name, "children": groups,
                   "constructInfo": {"fqn": "aws-cdk-lib.Stack", "version": "2.200.0"}}),
        );
    }
    artifacts.insert(
        "Tree".into(),
        json!({"type": "cdk:tree", "properties": {"file": "tree.json"}}),
    );
    std::fs::write(
        dir.join("manifest.json"),
        json!({"version": "36.0.0", "artifacts": artifacts}).to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.join("tree.json"),
        json!({"version": "tree-0.1", "tree": {"id": "App", "path": "", "children": tree_children}})
            .to_string(),
    )
    .unwrap();
}
