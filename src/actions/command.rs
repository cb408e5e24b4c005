//! Runs a catalogue command: `exec` through `sh -c`, where every value reaches the script only
//! as a quoted `CDKX_<NAME>` environment variable reference (see `catalogue::shell`) and the
//! user's extra arguments are positional parameters, passed once and never re-parsed; `open`
//! only for `https://` URLs whose values are percent-encoded, in the system browser or printed.

use std::process::{Command as Process, Stdio};

use crate::catalogue::{self, Command, CommandKind, ExpandError};

use super::Subject;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("command `{name}`: {source}")]
    Expand {
        name: String,
        #[source]
        source: ExpandError,
    },
    #[error("command `{name}`: refusing to open {url:?}: only https:// URLs are opened")]
    NotHttps { name: String, url: String },
    #[error(
        "command `{name}` takes no extra arguments: its template neither ends in a plain word (after which cdkx appends \"$@\") nor refers to \"$@\" itself"
    )]
    NoArgs { name: String },
    #[error("command `{name}`: could not start {program}: {source}")]
    Spawn {
        name: String,
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("command `{name}`: {program} exited with {status}")]
    Browser {
        name: String,
        program: String,
        status: String,
    },
}

/// What the process environment of an `exec` child gets on top of cdkx's own.
#[derive(Debug, Clone, Default)]
pub struct ExecEnv {
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
}

/// The script an `exec` command runs, the environment it needs and the line to show the user.
pub fn exec_script(
    name: &str,
    cmd: &Command,
    subject: &Subject,
) -> Result<catalogue::ShellCommand, RunError> {
    catalogue::expand_shell(&cmd.template, &subject.placeholders()).map_err(|source| {
        RunError::Expand {
            name: name.to_string(),
            source,
        }
    })
}

/// Runs an `exec` command with the terminal, and returns its exit code (128 + signal when a
/// signal ended it).
pub fn exec(
    name: &str,
    cmd: &Command,
    subject: &Subject,
    args: &[String],
    env: &ExecEnv,
) -> Result<i32, RunError> {
    let prepared = exec_script(name, cmd, subject)?;
    if !args.is_empty() && !prepared.takes_args {
        return Err(RunError::NoArgs {
            name: name.to_string(),
        });
    }
    let mut child = Process::new("sh");
    // `sh -c SCRIPT NAME ARGS...`: the arguments are $1.. (and "$@"), never part of the script.
    child.arg("-c").arg(&prepared.script).arg("cdkx").args(args);
    if let Some(r) = &subject.region {
        child.env("AWS_REGION", r).env("AWS_DEFAULT_REGION", r);
    }
    if let Some(p) = &env.profile {
        child.env("AWS_PROFILE", p);
    }
    if let Some(e) = &env.endpoint_url {
        child.env("AWS_ENDPOINT_URL", e);
    }
    // Every placeholder's variable is set (or removed, when it has no value), so the script
    // never reads one from cdkx's own environment; those it refers to have values (else
    // `exec_script` failed), and `prepared.env` is a subset of these.
    let values = subject.placeholders();
    for n in catalogue::PLACEHOLDER_NAMES {
        child.env_remove(format!("CDKX_{n}"));
    }
    child.envs(values.env_pairs());
    child
        .stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit());
    let status = child.status().map_err(|source| RunError::Spawn {
        name: name.to_string(),
        program: "sh".into(),
        source,
    })?;
    Ok(exit_code(status))
}

fn exit_code(status: std::process::ExitStatus) -> i32 {
    if let Some(code) = status.code() {
        return code;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return 128 + sig;
        }
    }
    1
}

/// The URL an `open` command stands for, checked to be https.
pub fn open_url(name: &str, cmd: &Command, subject: &Subject) -> Result<String, RunError> {
    debug_assert_eq!(cmd.kind, CommandKind::Open);
    let url = catalogue::expand_url(&cmd.template, &subject.placeholders()).map_err(|source| {
        RunError::Expand {
            name: name.to_string(),
            source,
        }
    })?;
    check_https(name, &url)?;
    Ok(url)
}

fn check_https(name: &str, url: &str) -> Result<(), RunError> {
    let ok = url.len() > "https://".len()
        && url[.."https://".len()].eq_ignore_ascii_case("https://")
        && !url.chars().any(|c| c.is_control() || c.is_whitespace());
    if ok {
        Ok(())
    } else {
        Err(RunError::NotHttps {
            name: name.to_string(),
            url: crate::sanitize::line(url).into_owned(),
        })
    }
}

/// Opens an https URL in the system browser: `$BROWSER` (the first of a `:`-separated list; `%s`
/// stands for the URL, else it is appended), else `xdg-open` (`open` on macOS). No shell is used.
pub fn open_in_browser(name: &str, url: &str) -> Result<(), RunError> {
    check_https(name, url)?;
    let (program, args) = browser_command(std::env::var("BROWSER").ok().as_deref(), url);
    let status = Process::new(&program)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .map_err(|source| RunError::Spawn {
            name: name.to_string(),
            program: program.clone(),
            source,
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(RunError::Browser {
            name: name.to_string(),
            program,
            status: status.to_string(),
        })
    }
}

fn browser_command(browser: Option<&str>, url: &str) -> (String, Vec<String>) {
    if let Some(b) = browser.and_then(|b| b.split(':').map(str::trim).find(|s| !s.is_empty())) {
        let mut words = b.split_whitespace().map(str::to_string);
        let program = words.next().unwrap_or_default();
        let mut args: Vec<String> = words.collect();
        if args.iter().any(|a| a.contains("%s")) {
            for a in &mut args {
                *a = a.replace("%s", url);
            }
        } else {
            args.push(url.to_string());
        }
        return (program, args);
    }
    let program = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    (program.to_string(), vec![url.to_string()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_is_opened() {
        assert!(check_https("c", "https://console.aws.amazon.com/x").is_ok());
        assert!(check_https("c", "HTTPS://example.com").is_ok());
        for bad in [
            "http://example.com",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "https://",
            "https://a b",
            "ftp://x",
        ] {
            assert!(check_https("c", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn browser_variable_is_split_without_a_shell() {
        assert_eq!(
            browser_command(Some("firefox --new-tab:chromium"), "https://u"),
            (
                "firefox".into(),
                vec!["--new-tab".into(), "https://u".into()]
            )
        );
        assert_eq!(
            browser_command(Some("w3m %s"), "https://u;x"),
            ("w3m".into(), vec!["https://u;x".into()])
        );
        assert_eq!(
            browser_command(None, "https://u").1,
            vec!["https://u".to_string()]
        );
    }
}
