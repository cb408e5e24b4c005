//! Bounded work on any input, through the real binary: files that are not regular files, links
//! that loop, answers and archives that are too large, listings that never end, endpoints that
//! hang, nesting that is too deep; and the errors and exit codes those cases get. The servers
//! here are loopback sockets written for each case; the process timeouts are guards against
//! hangs, not measures of speed.

// Test support: a failed setup step should stop the test loudly, not be handled.
#![allow(clippy::unwrap_used, clippy::panic)]
mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{fixture, stderr, stdout};
use serde_json::Value;

/// `cdkx` isolated from the user's setup, with AWS pointed at `endpoint`.
fn cdkx(cache: &Path, endpoint: &str) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("cdkx").unwrap();
    common::isolate(&mut c, cache);
    c.env("AWS_ENDPOINT_URL", endpoint)
        .timeout(Duration::from_secs(60));
    c
}

/// `c` on the `iam-api` app: how most cases here start.
fn app(mut c: assert_cmd::Command) -> assert_cmd::Command {
    c.arg("--app").arg(fixture("iam-api"));
    c
}

/// Runs `c` to its end: whatever the case, cdkx neither panics nor shows a secret.
fn run(c: &mut assert_cmd::Command) -> std::process::Output {
    let out = c.output().unwrap();
    no_panic(&out);
    out
}

/// `out` ended with exit status `code` and a stderr that says `want`.
fn fails_with(out: &std::process::Output, code: i32, want: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert!(err.contains(want), "{err}");
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

fn no_panic(out: &std::process::Output) {
    let err = stderr(out);
    assert!(!err.contains("panicked"), "{err}");
    common::assert_no_secrets(out);
}

/// A loopback HTTP server: each request (head, body) is answered by `answer`, which writes the
/// whole response itself; the connection is closed after it.
struct Server {
    url: String,
    hits: Arc<AtomicUsize>,
}

type Answer = dyn Fn(&str, &[u8], &mut TcpStream) + Send + Sync;

impl Server {
    fn start(answer: impl Fn(&str, &[u8], &mut TcpStream) + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let answer: Arc<Answer> = Arc::new(answer);
        let h = hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (answer, h) = (answer.clone(), h.clone());
                std::thread::spawn(move || {
                    if let Some((head, body)) = read_request(&mut stream) {
                        h.fetch_add(1, Ordering::SeqCst);
                        answer(&head, &body, &mut stream);
                    }
                });
            }
        });
        Server { url, hits }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

fn read_request(s: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..i]).into_owned();
            let len: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            while buf.len() < i + 4 + len {
                let n = s.read(&mut chunk).ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some((head, buf[i + 4..i + 4 + len].to_vec()));
        }
        let n = s.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn respond(s: &mut TcpStream, status: &str, headers: &[(&str, &str)], body: &[u8]) {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(body);
}

/// Streams `total` bytes of `{` ... as a body, with or without a length, until the reader goes.
fn stream_body(s: &mut TcpStream, total: usize, with_length: bool) {
    let mut head =
        String::from("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n");
    if with_length {
        head.push_str(&format!("Content-Length: {total}\r\n"));
    }
    head.push_str("\r\n");
    if s.write_all(head.as_bytes()).is_err() {
        return;
    }
    let block = vec![b'x'; 1 << 20];
    let mut sent = 0;
    while sent < total {
        if s.write_all(&block).is_err() {
            return;
        }
        sent += block.len();
    }
}

fn closed_port() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    url
}

#[test]
fn files_that_are_not_regular_files_are_refused_without_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.json");
    mkfifo(&fifo);
    let f = fifo.to_str().unwrap();
    let nowhere = closed_port();
    // (arguments, environment, exit status)
    type Case<'a> = (Vec<String>, Vec<(&'a str, &'a str)>, i32);
    let cases: Vec<Case> = vec![
        (
            vec!["requestorFn", "invoke", "--payload-file", f]
                .into_iter()
                .map(String::from)
                .collect(),
            vec![],
            2,
        ),
        (
            vec![
                "probe".into(),
                format!("{nowhere}/x"),
                "-d".into(),
                format!("@{f}"),
            ],
            vec![],
            2,
        ),
        (
            vec!["--commands", f, "requestorFn"]
                .into_iter()
                .map(String::from)
                .collect(),
            vec![],
            1,
        ),
        (vec!["whoami".into()], vec![("CDKX_CONFIG", f)], 1),
        // The TUI loads before it takes the screen: refused, never a blank screen.
        (
            vec!["--commands", f, "tui"]
                .into_iter()
                .map(String::from)
                .collect(),
            vec![],
            1,
        ),
    ];
    for (args, env, code) in cases {
        let mut c = app(cdkx(dir.path(), &nowhere));
        c.args(["--region", "us-east-1"])
            .args(&args)
            .timeout(Duration::from_secs(30));
        for (k, v) in env {
            c.env(k, v);
        }
        let out = run(&mut c);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("fifo.json is not a regular file (a FIFO)"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn oversized_payloads_and_bodies_are_refused_before_they_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let nowhere = closed_port();
    let big = dir.path().join("big.json");
    // A sparse file: its size says it all, nothing of it needs to be read.
    std::fs::File::create(&big)
        .unwrap()
        .set_len(7 * 1024 * 1024)
        .unwrap();
    let out = run(app(cdkx(dir.path(), &nowhere))
        .args(["requestorFn", "invoke", "--payload-file"])
        .arg(&big));
    fails_with(
        &out,
        2,
        "larger than 6 MiB (the limit for a Lambda invoke payload)",
    );
    std::fs::File::create(&big)
        .unwrap()
        .set_len(11 * 1024 * 1024)
        .unwrap();
    let out = run(cdkx(dir.path(), &nowhere)
        .args(["--region", "us-east-1", "probe"])
        .arg(format!("{nowhere}/x"))
        .arg("-d")
        .arg(format!("@{}", big.display())));
    fails_with(&out, 2, "larger than 10 MiB");
}

#[test]
fn probe_answers_are_capped_redirects_are_shown_and_split_urls_refused() {
    let server = Server::start(|head, _, s| {
        let path = head
            .split_whitespace()
            .nth(1)
            .unwrap_or("/")
            .trim_start_matches("/prod")
            .to_string();
        match path.as_str() {
            "/huge" => stream_body(s, 100 << 20, true),
            "/endless" => stream_body(s, 100 << 20, false),
            "/moved" => respond(
                s,
                "302 Found",
                &[("Location", "https://elsewhere.example/login")],
                b"",
            ),
            _ => respond(s, "403 Forbidden", &[], b"{\"message\":\"no\"}"),
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let nowhere = closed_port();
    let probe = |path: &str| {
        run(cdkx(dir.path(), &nowhere)
            .args(["--region", "us-east-1", "--timeout", "10", "probe"])
            .arg(format!(
                "https://abc.execute-api.us-east-1.amazonaws.com/prod{path}"
            ))
            .args(["--execute-api-endpoint", &server.url, "-o", "json"]))
    };
    for path in ["/huge", "/endless"] {
        let out = probe(path);
        let v: Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
        let err = v["unsigned"]["error"].as_str().unwrap_or_default();
        assert!(
            err.contains("larger than 10 MiB (API Gateway's payload limit)"),
            "{path}: {v}"
        );
    }

    let before = server.hits();
    let out = probe("/moved");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for side in ["unsigned", "signed"] {
        let verdict = &v[side]["verdict"];
        assert_eq!(verdict["kind"], "redirected", "{side}: {v}");
        assert_eq!(
            verdict["summary"], "302 redirected to https://elsewhere.example/login",
            "{v}"
        );
    }
    assert_eq!(server.hits() - before, 2, "the redirect is never followed");

    let before = server.hits();
    let out = run(cdkx(dir.path(), &nowhere)
        .args(["--region", "us-east-1", "probe"])
        .arg("https://abc.execute-api.us-east-1.amazonaws.com/prod/a\r\nX-Injected: 1")
        .args(["--execute-api-endpoint", &server.url, "-o", "json"]));
    assert_ne!(out.status.code(), Some(0));
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(text.contains("control character"), "{text}");
    assert_eq!(server.hits(), before, "nothing was sent");
}

#[test]
fn timeout_bounds_the_whole_call_and_no_answer_is_not_bad_credentials() {
    // Accepts and never answers.
    let server = Server::start(|_, _, _| std::thread::sleep(Duration::from_secs(120)));
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = app(cdkx(dir.path(), &server.url))
        .env("AWS_MAX_ATTEMPTS", "3")
        .args(["--timeout", "3", "whoami"])
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    no_panic(&out);
    // Three attempts of 3 s each would take 9 s, the old budget 6 s: the whole call is 3 s.
    assert!(
        elapsed < Duration::from_millis(5500),
        "took {elapsed:?}: {}",
        stderr(&out)
    );
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        text.contains(&format!(
            "no answer from {} within 3 s (--timeout 3",
            server.url
        )),
        "{text}"
    );
    assert!(text.contains("endpoint unreachable"), "{text}");
    assert!(!text.contains("cannot obtain credentials"), "{text}");
    assert!(
        !text.contains("222222222222"),
        "no account the app does not have: {text}"
    );

    let nowhere = closed_port();
    let out = run(app(cdkx(dir.path(), &nowhere)).arg("list"));
    fails_with(&out, 1, &format!("could not reach the endpoint {nowhere}"));
}

#[test]
fn an_answer_that_is_not_aws_reports_its_status_and_endpoint() {
    let server = Server::start(|_, _, s| {
        respond(
            s,
            "502 Bad Gateway",
            &[("Content-Type", "text/html")],
            b"<html><body><h1>502 Bad Gateway</h1>\x1b[31m</body></html>",
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let out = run(app(cdkx(dir.path(), &server.url)).arg("list"));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "HTTP 502 from {}, which is not an AWS answer",
            server.url
        )),
        "{err}"
    );
    assert!(
        !err.contains("error parsing XML") && !err.contains('\x1b'),
        "{err}"
    );
}

/// CloudFormation (and STS) over the query protocol, with ListStackResources paging by `token`.
fn cloudformation(token: fn(usize) -> String) -> Server {
    let page = Arc::new(AtomicUsize::new(0));
    Server::start(move |_, body, s| {
        let body = String::from_utf8_lossy(body);
        let xml = if body.contains("Action=GetCallerIdentity") {
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/t</Arn><UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>".to_string()
        } else if body.contains("Action=DescribeStacks") {
            "<DescribeStacksResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\"><DescribeStacksResult><Stacks><member><StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/IamApigatewayLambdaStack/1</StackId><StackName>IamApigatewayLambdaStack</StackName><StackStatus>CREATE_COMPLETE</StackStatus><CreationTime>2025-01-01T00:00:00Z</CreationTime></member></Stacks></DescribeStacksResult></DescribeStacksResponse>".to_string()
        } else {
            let n = page.fetch_add(1, Ordering::SeqCst);
            format!(
                "<ListStackResourcesResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\"><ListStackResourcesResult><StackResourceSummaries><member><LogicalResourceId>requestorFn15B8813B</LogicalResourceId><PhysicalResourceId>fn-{n}</PhysicalResourceId><ResourceType>AWS::Lambda::Function</ResourceType><ResourceStatus>CREATE_COMPLETE</ResourceStatus><LastUpdatedTimestamp>2025-01-01T00:00:00Z</LastUpdatedTimestamp></member></StackResourceSummaries><NextToken>{}</NextToken></ListStackResourcesResult></ListStackResourcesResponse>",
                token(n)
            )
        };
        respond(s, "200 OK", &[("Content-Type", "text/xml")], xml.as_bytes());
    })
}

#[test]
fn listings_stop_when_the_next_token_repeats_or_never_ends() {
    let dir = tempfile::tempdir().unwrap();
    // A token that comes back: A, B, A, ... (the SDK's own paginator only sees A, A).
    let cycling = cloudformation(|n| if n % 2 == 0 { "A".into() } else { "B".into() });
    let out = run(app(cdkx(dir.path(), &cycling.url)).args(["list", "--refresh"]));
    fails_with(
        &out,
        1,
        "ListStackResources in us-east-1: stopped after 3 pages: the service sent a NextToken it had already sent",
    );

    let endless = cloudformation(|n| format!("page-{n}"));
    let out = run(app(cdkx(dir.path(), &endless.url))
        .env("CDKX_MAX_PAGES", "40")
        .args(["list", "--refresh"]));
    fails_with(
        &out,
        1,
        "stopped after 40 pages: the listing did not end within 40 pages (the page limit; CDKX_MAX_PAGES changes it)",
    );
    // DescribeStacks, GetCallerIdentity and 40 pages: nothing after the cut.
    assert!(endless.hits() <= 43, "{}", endless.hits());
}

#[test]
fn deep_nesting_in_a_commands_file_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let nowhere = closed_port();
    for name in ["deep.json", "deep.yaml"] {
        let file = dir.path().join(name);
        std::fs::write(&file, "[".repeat(200_000)).unwrap();
        let out = run(app(cdkx(dir.path(), &nowhere))
            .timeout(Duration::from_secs(20))
            .arg("--commands")
            .arg(&file)
            .arg("requestorFn"));
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("nested more than 64 levels deep (line 1)"),
            "{name}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn json_output_escapes_c1_and_bidi_controls_and_stays_valid() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("commands.json");
    let hostile = "a\u{9b}31mred\u{202e}evil\u{2066}\u{200f}\u{61c}\u{7f}";
    let doc = serde_json::json!({"*": {"show": {"exec": "true", "description": hostile}}});
    std::fs::write(&file, doc.to_string()).unwrap();
    let out = run(app(cdkx(dir.path(), &closed_port()))
        .arg("--commands")
        .arg(&file)
        .args(["requestorFn", "-o", "json"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for raw in [
        '\u{9b}', '\u{202e}', '\u{2066}', '\u{200f}', '\u{61c}', '\u{7f}',
    ] {
        assert!(!text.contains(raw), "{raw:?} raw in {text}");
    }
    assert!(
        text.contains("\\u009b") && text.contains("\\u202e"),
        "{text}"
    );
    let v: Value = serde_json::from_str(&text).unwrap();
    let show = v["commands"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "show")
        .unwrap();
    assert_eq!(show["description"], hostile, "round-trips");
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let nowhere = closed_port();
    let emu = common::shared();
    let cases: &[(&[&str], Option<&str>, &str)] = &[
        (
            &["--endpoint-url", "not a url", "list"],
            None,
            "is not an endpoint URL",
        ),
        (&["list"], Some("not a url"), "AWS_ENDPOINT_URL"),
        (&["--role-arn", "nope", "list"], None, "is not a role ARN"),
        (
            &["--role-arn", "arn:aws:iam::999999999999:role/x", "list"],
            None,
            "no stack of the app is in that account (the app's accounts: 123456789012)",
        ),
        (
            &["requestorFn", "audit", "--since", "yesterdayish"],
            None,
            "--since",
        ),
        (
            &["requestorFn", "invoke", "--payload", "{"],
            None,
            "is not valid JSON",
        ),
        (&["requestorFn", "no-such-command"], None, "has no command"),
        (
            &["requestorFn", "audit", "--since", "1d", "--until", "2d"],
            None,
            "--since is after --until",
        ),
        (
            &[
                "--region",
                "us-east-1",
                "probe",
                "http://127.0.0.1:9/x",
                "-H",
                "nocolon",
            ],
            None,
            "is not of the form 'Name: value'",
        ),
        (
            &["requestorFn", "audit-console", "--stage", "prod"],
            None,
            "--stage is for `console`",
        ),
        (
            &["requestorFn", "describe", "--region"],
            None,
            "--region needs a value",
        ),
    ];
    for (args, env, want) in cases {
        let out = run(app(cdkx(dir.path(), env.unwrap_or(&emu.url))).args(*args));
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        let error_lines = err.lines().filter(|l| l.contains("error")).count();
        assert!(error_lines <= 1, "{args:?}: {err}");
    }

    // A TOML error quotes a short excerpt of a megabyte-long line.
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[accounts.123456789012]\nprofile = \"{}\" oops\n",
            "p".repeat(1 << 20)
        ),
    )
    .unwrap();
    let out = run(app(cdkx(dir.path(), &nowhere))
        .env("CDKX_CONFIG", &config)
        .arg("whoami"));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.len() < 600 && err.contains("line 2, column"),
        "{} bytes: {}",
        err.len(),
        &err[..err.len().min(600)]
    );
}

/// A trail log file (gzip) with one Invoke of `function`.
fn trail_log(function: &str) -> Vec<u8> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let record = serde_json::json!({"Records": [{
        "eventTime": common::iso(now - 600), "eventSource": "lambda.amazonaws.com",
        "eventName": "Invoke", "userIdentity": {"type": "AssumedRole", "accountId": "123456789012",
        "arn": "arn:aws:sts::123456789012:assumed-role/r/s"}, "recipientAccountId": "123456789012",
        "sourceIPAddress": "10.0.0.1", "requestParameters": {"functionName": function}}]});
    gzip(record.to_string().as_bytes())
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Gzip that expands to `mib` MiB of zeros: one member of a MiB, repeated (a reader of
/// multi-member gzip, as trail logs need, reads them all).
fn gzip_bomb(mib: usize) -> Vec<u8> {
    gzip(&vec![0u8; 1 << 20]).repeat(mib)
}

fn invocations(cache: &Path, dir: &Path) -> (std::process::Output, Value) {
    let emu = common::shared();
    let out = run(app(emu.cdkx(cache))
        .timeout(Duration::from_secs(90))
        .args(["requestorFn", "invocations", "--since", "1d", "-o", "json"])
        .arg("--trail-logs")
        .arg(dir));
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    (out, v)
}

fn physical_id(cache: &Path) -> String {
    let out = app(common::shared().cdkx(cache))
        .args(["requestorFn", "-o", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["construct"]["physicalId"].as_str().unwrap().to_string()
}

#[test]
fn trail_logs_follow_no_directory_links_and_refuse_fifos_and_bombs() {
    let cache = tempfile::tempdir().unwrap();
    let function = physical_id(cache.path());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.json.gz"), trail_log(&function)).unwrap();
    for link in ["a", "b", "c"] {
        std::os::unix::fs::symlink(".", dir.path().join(link)).unwrap();
    }
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::os::unix::fs::symlink("..", dir.path().join("sub/up")).unwrap();
    let (out, v) = invocations(cache.path(), dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["sources"][0]["objectsRead"], 1, "{v}");

    mkfifo(&dir.path().join("sub/pipe.json"));
    let (_, v) = invocations(cache.path(), dir.path());
    let source = &v["sources"][0];
    assert_eq!(source["status"], "failed", "{v}");
    assert!(
        source["detail"]
            .as_str()
            .unwrap()
            .contains("pipe.json is not a regular file (a FIFO)"),
        "{v}"
    );
    assert_eq!(v["total"], 1, "the good file still counts: {v}");

    let bombs = tempfile::tempdir().unwrap();
    // 65 MiB of zeros in about 65 KB: one more MiB than a log file may expand to.
    std::fs::write(bombs.path().join("bomb.json.gz"), gzip_bomb(65)).unwrap();
    let (_, v) = invocations(cache.path(), bombs.path());
    let detail = v["sources"][0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("bomb.json.gz: the decompressed file is larger than 64 MiB"),
        "{v}"
    );
}

#[test]
fn the_cache_skips_places_others_can_write_and_what_it_should_not_read() {
    use std::os::unix::fs::PermissionsExt;
    let emu = common::shared();
    let list = |cache: &Path| {
        let out = run(app(emu.cdkx(cache)).args(["list", "-o", "json"]));
        assert!(out.status.success(), "{}", stderr(&out));
        out
    };
    let open = tempfile::tempdir().unwrap();
    std::fs::set_permissions(open.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = list(open.path());
    assert!(
        stderr(&out).contains("is not trusted (writable by others (mode 777))"),
        "{}",
        stderr(&out)
    );
    assert!(
        !open.path().join("physical-ids").exists(),
        "nothing written there"
    );

    let cache = tempfile::tempdir().unwrap();
    list(cache.path());
    let file: PathBuf = cache
        .path()
        .join("physical-ids/123456789012/us-east-1/IamApigatewayLambdaStack.json");
    assert!(file.is_file());
    // A writer killed between its temp file and the rename left this behind.
    let leftover = file.with_file_name(".cdkx-tmp-2147483647-abcdef");
    std::fs::write(&leftover, b"{\"format\": 1, \"sta").unwrap();
    // An oversized file is not read (a sparse file: no need to write its bytes).
    std::fs::File::create(&file)
        .unwrap()
        .set_len(17 << 20)
        .unwrap();
    let out = list(cache.path());
    assert!(
        stderr(&out).contains("ignored a cache file")
            && stderr(&out).contains("larger than 16 MiB"),
        "{}",
        stderr(&out)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["stacks"][0]["fromCache"], false);
    assert!(!leftover.exists(), "the next write removed the leftover");
    assert!(
        std::fs::metadata(&file).unwrap().len() < 1 << 20,
        "rewritten"
    );

    std::fs::remove_file(&file).unwrap();
    mkfifo(&file);
    let out = list(cache.path());
    assert!(
        stderr(&out).contains("is not a regular file (a FIFO)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn trail_objects_in_s3_are_capped_as_read_and_as_decompressed() {
    let common::IamApi {
        emu,
        cache,
        function: _,
    } = common::IamApi::start();
    let put = |body: &str| {
        emu.python(&format!(
            r#"
import datetime, gzip
s3 = client('s3')
s3.create_bucket(Bucket='trail-bucket')
ct = client('cloudtrail')
if not ct.describe_trails()['trailList']:
    ct.create_trail(Name='main', S3BucketName='trail-bucket', S3KeyPrefix='logs')
    ct.put_event_selectors(TrailName='main', AdvancedEventSelectors=[{{"Name": "invokes", "FieldSelectors": [
        {{"Field": "eventCategory", "Equals": ["Data"]}}, {{"Field": "resources.type", "Equals": ["AWS::Lambda::Function"]}}]}}])
for o in s3.list_objects_v2(Bucket='trail-bucket').get('Contents', []):
    s3.delete_object(Bucket='trail-bucket', Key=o['Key'])
day = datetime.datetime.now(datetime.timezone.utc).strftime('%Y/%m/%d')
key = 'logs/AWSLogs/123456789012/CloudTrail/us-east-1/' + day + '/123456789012_CloudTrail_us-east-1_x.json.gz'
s3.put_object(Bucket='trail-bucket', Key=key, Body={body})
"#
        ))
    };
    let source_detail = || {
        let out = run(app(emu.cdkx(cache.path()))
            .timeout(Duration::from_secs(90))
            .args([
                "requestorFn",
                "invocations",
                "--source",
                "trail",
                "-o",
                "json",
            ]));
        let v: Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
        v["sources"][0]["detail"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    // 65 MiB: one more than an object may be (no length trick: the object is that large).
    put("b' ' * (65 << 20)");
    let detail = source_detail();
    assert!(
        detail.contains("x.json.gz: s3:GetObject in us-east-1: the answer from")
            && detail.contains("is 68157440 bytes, larger than 64 MiB"),
        "{detail}"
    );
    // 65 KB that gunzip to 65 MiB.
    put("gzip.compress(bytes(1 << 20)) * 65");
    let detail = source_detail();
    assert!(
        detail.contains("the decompressed file is larger than 64 MiB"),
        "{detail}"
    );
}

#[test]
fn an_aws_answer_larger_than_the_cap_is_refused_unread() {
    // Says 10 GiB, sends a few bytes, then waits: only the length can be what refuses it.
    let server = Server::start(|_, _, s| {
        let _ = s.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 10737418240\r\n\r\n<Describe",
        );
        std::thread::sleep(Duration::from_secs(60));
    });
    let dir = tempfile::tempdir().unwrap();
    let out = run(app(cdkx(dir.path(), &server.url))
        .timeout(Duration::from_secs(15))
        .arg("list"));
    fails_with(
        &out,
        1,
        "is 10737418240 bytes, larger than 64 MiB (the most cdkx reads of an AWS answer); not read",
    );
}

#[test]
fn an_aws_answer_without_a_length_is_read_only_up_to_the_cap() {
    // Chunked, no length: 80 MiB of one never-ending XML element, sent until cdkx hangs up.
    let server = Server::start(|_, _, s| {
        let head =
            b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n";
        if s.write_all(head).is_err() {
            return;
        }
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..80 {
            let size = format!("{:x}\r\n", chunk.len());
            if s.write_all(size.as_bytes()).is_err()
                || s.write_all(&chunk).is_err()
                || s.write_all(b"\r\n").is_err()
            {
                return;
            }
        }
        let _ = s.write_all(b"0\r\n\r\n");
    });
    let dir = tempfile::tempdir().unwrap();
    let out = run(app(cdkx(dir.path(), &server.url))
        .timeout(Duration::from_secs(60))
        .arg("list"));
    fails_with(
        &out,
        1,
        "is larger than 64 MiB (the most cdkx reads of an AWS answer); reading stopped there",
    );
}
