//! Test harness for end-to-end tests: the project's emulator (moto plus cdkx's extensions, from
//! tests/emulator) on a free loopback port, the fixtures deployed into it, and the real `cdkx`
//! binary pointed at it with its own cache directory and fake credentials.
// Test support: a failed setup step should stop the test loudly, not be handled.
#![allow(clippy::unwrap_used, clippy::panic)]
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command as Process, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures").join(name).join("cdk.out")
}

/// The emulator's Python: `CDKX_TEST_PYTHON`, else the project's venv made by `scripts/setup`.
fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("CDKX_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let p = repo().join(".venv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run scripts/setup (scripts/test does it) to install the emulator",
        p.display()
    );
    p
}

/// Recognizable fake credentials: tests assert they never appear in any output.
pub const FAKE_ACCESS_KEY: &str = "AKIAFAKETESTKEY00001";
pub const FAKE_SECRET_KEY: &str = "cdkxFAKEsecretKEYdoNOTprint0000000000000";

pub struct Emulator {
    pub url: String,
    child: Child,
    _stdin: ChildStdin,
}

impl Emulator {
    /// Starts a fresh emulator; it exits when this process does (its stdin closes).
    pub fn start() -> Emulator {
        let mut child = Process::new(python())
            .arg(repo().join("tests/emulator/server.py"))
            .args(["--port", "0", "--exit-on-stdin-eof"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tests/emulator/server.py");
        let stdin = child.stdin.take().unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line)
            .expect("read the emulator's READY line");
        let url = line
            .trim()
            .strip_prefix("READY ")
            .unwrap_or_else(|| panic!("emulator did not start: {line:?}"))
            .to_string();
        Emulator {
            url,
            child,
            _stdin: stdin,
        }
    }

    /// Deploys a fixture assembly (all its stacks) and returns deploy.py's JSON summary.
    pub fn deploy(&self, assembly: &Path) -> Value {
        let out = Process::new(python())
            .arg(repo().join("tests/emulator/deploy.py"))
            .args(["--endpoint", &self.url, "--quiet", "--assembly"])
            .arg(assembly)
            .env("AWS_ACCESS_KEY_ID", FAKE_ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", FAKE_SECRET_KEY)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .output()
            .expect("run deploy.py");
        assert!(
            out.status.success(),
            "deploy of {} failed: {}",
            assembly.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("deploy.py prints JSON")
    }

    pub fn post(&self, path: &str, body: &Value) -> Value {
        self.request("POST", path, Some(body))
    }

    pub fn get(&self, path: &str) -> Value {
        self.request("GET", path, None)
    }

    pub fn delete(&self, path: &str) -> Value {
        self.request("DELETE", path, None)
    }

    /// A minimal HTTP/1.1 client for the emulator's JSON control endpoints.
    fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let host = self.url.trim_start_matches("http://");
        let mut s = TcpStream::connect(host).expect("connect to the emulator");
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut resp = String::new();
        s.read_to_string(&mut resp).unwrap();
        let (head, payload) = resp.split_once("\r\n\r\n").unwrap_or((&resp, ""));
        let ok = head
            .split(' ')
            .nth(1)
            .is_some_and(|code| code.starts_with('2'));
        assert!(ok, "{method} {path}: {head}\n{payload}");
        serde_json::from_str(payload).unwrap_or(Value::Null)
    }

    /// Runs a Python snippet with boto3 against this emulator (`boto3` and `ENDPOINT` are
    /// ready); returns its stdout. For setup that cdkx itself does not do (IAM roles, policies).
    pub fn python(&self, code: &str) -> String {
        let prelude = "import boto3, json, os\nENDPOINT = os.environ['ENDPOINT']\n\ndef client(name, **kw):\n    return boto3.client(name, endpoint_url=ENDPOINT, region_name='us-east-1', **kw)\n\n";
        let out = Process::new(python())
            .arg("-c")
            .arg(format!("{prelude}{code}"))
            .env("ENDPOINT", &self.url)
            .env("AWS_ACCESS_KEY_ID", FAKE_ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", FAKE_SECRET_KEY)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .output()
            .expect("run python");
        assert!(
            out.status.success(),
            "python failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Request counts per `service:action` since the last reset.
    pub fn request_counts(&self) -> Value {
        self.get("/moto-api/cdkx/requests")["counts"].clone()
    }

    pub fn reset_request_counts(&self) {
        self.delete("/moto-api/cdkx/requests");
    }

    /// The real binary, pointed at this emulator with fake credentials and its own cache.
    pub fn cdkx(&self, cache: &Path) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::cargo_bin("cdkx").unwrap();
        isolate(&mut c, cache);
        c.env("AWS_ENDPOINT_URL", &self.url);
        c
    }
}

/// Environment that keeps a test away from the user's AWS setup and makes failures fast.
pub fn isolate(c: &mut assert_cmd::Command, cache: &Path) {
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", cache)
        .env("CDKX_CACHE_DIR", cache)
        .env("AWS_ACCESS_KEY_ID", FAKE_ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", FAKE_SECRET_KEY)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", cache.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            cache.join("no-aws-credentials"),
        )
        .timeout(Duration::from_secs(120));
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh emulator with the iam-api example deployed, a cache directory, and the physical name
/// of `requestorFn`: the start of every test that changes the emulator's state.
pub struct IamApi {
    pub emu: Emulator,
    pub cache: tempfile::TempDir,
    pub function: String,
}

impl IamApi {
    pub fn start() -> IamApi {
        let emu = Emulator::start();
        emu.deploy(&fixture("iam-api"));
        let cache = tempfile::tempdir().unwrap();
        let out = emu
            .cdkx(cache.path())
            .arg("--app")
            .arg(fixture("iam-api"))
            .args(["requestorFn", "-o", "json"])
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        let function = v["construct"]["physicalId"].as_str().unwrap().to_string();
        IamApi {
            emu,
            cache,
            function,
        }
    }
}

/// One emulator per test binary with both example apps deployed, for tests that only read.
pub fn shared() -> &'static Emulator {
    static EMU: OnceLock<Emulator> = OnceLock::new();
    EMU.get_or_init(|| {
        let started = Instant::now();
        let emu = Emulator::start();
        emu.deploy(&fixture("iam-api"));
        emu.deploy(&fixture("multi-stack"));
        eprintln!("emulator ready with fixtures in {:?}", started.elapsed());
        emu
    })
}

/// Serializes tests that read the shared emulator's request counters.
pub fn counter_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts the fake secret appears nowhere in a command's output.
pub fn assert_no_secrets(out: &std::process::Output) {
    for text in [stdout(out), stderr(out)] {
        assert!(!text.contains(FAKE_SECRET_KEY), "secret key leaked: {text}");
    }
}

/// Epoch seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn iso(secs: u64) -> String {
    let (days, rem) = (secs / 86400, secs % 86400);
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

// ---------------------------------------------------------------------------------------------
// ministack: the second, independent emulator (PyPI `ministack`, started by
// tests/emulator/ministack_server.py). It runs the example's real Lambda code with `node` and
// checks SigV4 and IAM policies on execute-api. It never checks "root" keys (`test`, a 12-digit
// key), so those are used for setup only; cdkx always runs with the keys of an IAM user (or a
// role session) created in it.

/// ministack's Python: `CDKX_TEST_MINISTACK_PYTHON`, else `.venv-ministack` made by scripts/setup.
fn ministack_python() -> PathBuf {
    if let Some(p) = std::env::var_os("CDKX_TEST_MINISTACK_PYTHON") {
        return PathBuf::from(p);
    }
    let p = repo().join(".venv-ministack/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run scripts/setup (scripts/test does it) to install ministack",
        p.display()
    );
    p
}

/// Access keys of an identity created in ministack.
#[derive(Clone, Debug)]
pub struct Keys {
    pub access_key_id: String,
    pub secret_access_key: String,
}

pub struct MiniStack {
    pub url: String,
    child: Child,
    stdin: Option<ChildStdin>,
}

impl MiniStack {
    /// The account ministack serves unsigned execute-api calls for: the example apps'.
    pub const ACCOUNT: &'static str = "123456789012";
    /// A "root" key of that account: ministack never checks it. Setup only, never for cdkx.
    const ROOT_KEY: &'static str = "123456789012";
    const ROOT_SECRET: &'static str = "test";

    /// Starts a fresh ministack on a free loopback port; it and its Lambda workers exit when
    /// this process does (its stdin closes).
    pub fn start() -> MiniStack {
        let node = Process::new("node").arg("--version").output();
        assert!(
            node.as_ref().is_ok_and(|o| o.status.success()),
            "node (Node.js 18+) is needed: ministack runs the example's Lambda functions with it"
        );
        let mut child = Process::new(ministack_python())
            .arg(repo().join("tests/emulator/ministack_server.py"))
            .args([
                "--port",
                "0",
                "--account",
                Self::ACCOUNT,
                "--exit-on-stdin-eof",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tests/emulator/ministack_server.py");
        let stdin = child.stdin.take().unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line)
            .expect("read ministack's READY line");
        let url = line
            .trim()
            .strip_prefix("READY ")
            .unwrap_or_else(|| panic!("ministack did not start: {line:?}"))
            .to_string();
        MiniStack {
            url,
            child,
            stdin: Some(stdin),
        }
    }

    /// Deploys a fixture assembly through CloudFormation with the project's deploy.py (assets
    /// zipped and uploaded to S3 first); returns deploy.py's JSON summary.
    pub fn deploy(&self, assembly: &Path) -> Value {
        let out = Process::new(python())
            .arg(repo().join("tests/emulator/deploy.py"))
            .args(["--endpoint", &self.url, "--quiet", "--assembly"])
            .arg(assembly)
            .env("AWS_ACCESS_KEY_ID", Self::ROOT_KEY)
            .env("AWS_SECRET_ACCESS_KEY", Self::ROOT_SECRET)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .output()
            .expect("run deploy.py");
        assert!(
            out.status.success(),
            "deploy of {} into ministack failed: {}",
            assembly.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("deploy.py prints JSON")
    }

    /// Runs a Python snippet with boto3 against ministack as the account's root (`client(name)`
    /// and `ENDPOINT` are ready); returns its stdout. For setup: IAM users, policies, trust.
    pub fn python(&self, code: &str) -> String {
        self.python_with(code, &[])
    }

    fn python_with(&self, code: &str, env: &[(&str, &str)]) -> String {
        let prelude = "import boto3, json, os\nENDPOINT = os.environ['ENDPOINT']\n\ndef client(name, **kw):\n    return boto3.client(name, endpoint_url=ENDPOINT, region_name='us-east-1', **kw)\n\n";
        let out = Process::new(python())
            .arg("-c")
            .arg(format!("{prelude}{code}"))
            .env("ENDPOINT", &self.url)
            .env("AWS_ACCESS_KEY_ID", Self::ROOT_KEY)
            .env("AWS_SECRET_ACCESS_KEY", Self::ROOT_SECRET)
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .envs(env.iter().copied())
            .output()
            .expect("run python");
        assert!(
            out.status.success(),
            "python failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Creates an IAM user with these inline identity policies and an access key for it.
    pub fn create_user(&self, name: &str, policies: &[Value]) -> Keys {
        let policies = Value::from(policies.to_vec()).to_string();
        let out = self.python_with(
            "iam = client('iam')\nname = os.environ['USER_NAME']\niam.create_user(UserName=name)\nfor i, p in enumerate(json.loads(os.environ['POLICIES'])):\n    iam.put_user_policy(UserName=name, PolicyName=f'p{i}', PolicyDocument=json.dumps(p))\nk = iam.create_access_key(UserName=name)['AccessKey']\nprint(json.dumps([k['AccessKeyId'], k['SecretAccessKey']]))\n",
            &[("USER_NAME", name), ("POLICIES", &policies)],
        );
        let v: Value = serde_json::from_str(out.trim()).expect("access key JSON");
        Keys {
            access_key_id: v[0].as_str().unwrap().to_string(),
            secret_access_key: v[1].as_str().unwrap().to_string(),
        }
    }

    /// The real binary, pointed at ministack with these keys and its own cache.
    pub fn cdkx(&self, cache: &Path, keys: &Keys) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::cargo_bin("cdkx").unwrap();
        isolate(&mut c, cache);
        c.env("AWS_ENDPOINT_URL", &self.url)
            .env("AWS_ACCESS_KEY_ID", &keys.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &keys.secret_access_key);
        c
    }
}

impl Drop for MiniStack {
    /// Closing its stdin lets the launcher stop its Lambda workers too; a kill is the fallback.
    fn drop(&mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One ministack per test binary with the iam-api example deployed.
pub fn shared_ministack() -> &'static MiniStack {
    static MS: OnceLock<MiniStack> = OnceLock::new();
    MS.get_or_init(|| {
        let started = Instant::now();
        let ms = MiniStack::start();
        eprintln!("ministack up in {:?}", started.elapsed());
        ms.deploy(&fixture("iam-api"));
        eprintln!("ministack ready with iam-api in {:?}", started.elapsed());
        ms
    })
}
