//! What both front ends load, once (ripgrep's low-level flags -> high-level settings): the
//! [`Settings`] cdkx was started with, free of clap, and the [`Session`] that turns them into
//! the app, its command catalogue, AWS access, the physical-id cache and the environment of an
//! `exec` child. The region precedence, which credentials are in use and how a failed refresh
//! keeps the ids known before are decided here and nowhere else. The CLI builds a `Session` from
//! its flags; the TUI receives one.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};

use crate::actions::command::ExecEnv;
use crate::assembly;
use crate::aws::{Aws, AwsOptions, CredentialOrigin};
use crate::cache::Cache;
use crate::catalogue::CommandCatalogue;
use crate::deployed::{self, Deployment, StackState};
use crate::model::{App, ResolveError, Resolved, Stack};
use crate::sanitize;

/// What cdkx was asked to work on: the global options, as parsed (by clap in the CLI).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `--app` / `CDK_APP_DIR`: a cdk.out directory, or a directory holding cdk.json.
    pub app: Option<PathBuf>,
    pub profile: Option<String>,
    /// `--region`: wins over every stack's own region.
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// Ignore cached physical ids.
    pub refresh: bool,
    /// A construct-commands file to use instead of the app directory's.
    pub commands: Option<PathBuf>,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    /// How long one AWS call may take, retries included.
    pub timeout: Option<Duration>,
}

/// A mistake in how cdkx was called that cdkx itself found (not clap): reported like any error,
/// with exit status 2 as the README promises for bad usage.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// A [`UsageError`] as an `anyhow::Error`.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    UsageError(message.into()).into()
}

/// The app and where it came from.
pub struct Loaded {
    pub app: App,
    pub location: assembly::Location,
}

/// The settings and what they lead to; each front end opens one.
#[derive(Debug, Clone)]
pub struct Session {
    pub settings: Settings,
}

impl Session {
    pub fn new(settings: Settings) -> Session {
        Session { settings }
    }

    /// The app, read in full.
    pub fn load_app(&self) -> Result<Loaded> {
        self.load_app_with(assembly::ReadOptions::default())
    }

    /// The app, read as `options` say (e.g. without resources' properties, for `list`).
    pub fn load_app_with(&self, options: assembly::ReadOptions) -> Result<Loaded> {
        let location = self.locate()?;
        let app = App::load(&location.assembly_dir, options)?;
        self.check_role_account(&app)?;
        Ok(Loaded { app, location })
    }

    fn locate(&self) -> Result<assembly::Location> {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        Ok(assembly::locate(self.settings.app.as_deref(), &cwd)?)
    }

    /// The app as far as naming `query` needs it (one stack for a construct path, see
    /// `App::load_resolving`), and what the name resolved to. How a name that is not exact was
    /// understood is said on stderr.
    pub fn load_app_resolving(
        &self,
        query: &str,
    ) -> Result<(Loaded, Result<Resolved, ResolveError>)> {
        let location = self.locate()?;
        let (app, resolved) = if self.settings.role_arn.is_some() {
            // --role-arn is checked against every account of the app: all of it is needed.
            let app = App::load(&location.assembly_dir, assembly::ReadOptions::default())?;
            self.check_role_account(&app)?;
            let resolved = app.resolve_noting(query);
            (app, resolved)
        } else {
            App::load_resolving(&location.assembly_dir, query)?
        };
        let resolved = resolved.map(|(r, note)| {
            if let Some(note) = note {
                eprintln!("cdkx: {}", sanitize::line(&note));
            }
            r
        });
        Ok((Loaded { app, location }, resolved))
    }

    /// `--role-arn` must name a role in an account the app has a stack in: a role elsewhere
    /// would never be used, silently.
    pub fn check_role_account(&self, app: &App) -> Result<()> {
        let Some(account) = self
            .settings
            .role_arn
            .as_deref()
            .and_then(crate::config::role_account)
        else {
            return Ok(());
        };
        let mut accounts: Vec<&str> = Vec::new();
        for s in &app.stacks {
            match s.env.account.as_deref() {
                // An environment-agnostic stack goes to whatever account the credentials are for.
                None => return Ok(()),
                Some(a) if !accounts.contains(&a) => accounts.push(a),
                Some(_) => {}
            }
        }
        if accounts.is_empty() || accounts.contains(&account) {
            return Ok(());
        }
        Err(usage(format!(
            "--role-arn names a role in account {account}, but no stack of the app is in that account (the app's accounts: {})",
            accounts.join(", ")
        )))
    }

    /// The built-in commands with the project's (or `--commands`') merged over them.
    pub fn load_catalogue(&self, app_dir: &Path) -> Result<CommandCatalogue> {
        let mut catalogue = CommandCatalogue::builtin();
        let project = match &self.settings.commands {
            Some(file) => Some(CommandCatalogue::load_file(file)?),
            None => CommandCatalogue::load_project(app_dir)?,
        };
        if let Some(p) = project {
            catalogue.merge(p);
        }
        Ok(catalogue)
    }

    /// AWS access as the settings, the environment and cdkx.toml (app and user level) say. A
    /// `--profile` that no AWS config file defines is an error naming it and the files.
    pub async fn connect(&self) -> Result<Aws> {
        if let Some(p) = &self.settings.profile {
            check_profile(p)?;
        }
        self.connect_any().await
    }

    /// [`Session::connect`] without checking `--profile` first (`whoami` reports an unusable
    /// profile in its table, account by account).
    pub async fn connect_any(&self) -> Result<Aws> {
        let s = &self.settings;
        // cdkx.toml lives in the app directory; without an app, the user's file still counts.
        let app_dir = self.locate().ok().map(|l| l.app_dir);
        let config = crate::config::Config::load(app_dir.as_deref())?;
        // The SDK reads AWS_ENDPOINT_URL itself and would fail on a bad one with a dump of its own.
        if s.endpoint_url.is_none()
            && let Some(e) = std::env::var_os("AWS_ENDPOINT_URL").filter(|e| !e.is_empty())
        {
            parse_endpoint(&e.to_string_lossy())
                .map_err(|m| usage(format!("AWS_ENDPOINT_URL: {m}")))?;
        }
        Ok(Aws::load(AwsOptions {
            profile: s.profile.clone(),
            region: s.region.clone(),
            endpoint_url: s.endpoint_url.clone(),
            role_arn: s.role_arn.clone(),
            external_id: s.external_id.clone(),
            accounts: config.accounts,
            timeout: s.timeout,
        })
        .await)
    }

    /// The on-disk physical-id cache; a warning about it (e.g. no cache directory) on stderr.
    pub fn cache(&self) -> Cache {
        let cache = Cache::default_location();
        if let Some(w) = cache.warning() {
            eprintln!("cdkx: warning: {}", sanitize::line(w));
        }
        cache
    }

    /// The region when no stack says otherwise, before any AWS configuration is read:
    /// `--region`, else `AWS_REGION`, else `AWS_DEFAULT_REGION`.
    pub fn default_region(&self) -> Option<String> {
        self.settings
            .region
            .clone()
            .or_else(|| env("AWS_REGION"))
            .or_else(|| env("AWS_DEFAULT_REGION"))
    }

    /// The region `stack` is looked up in: `--region` wins, then the stack's own, then
    /// [`Session::default_region`] (as `Aws::region_for` decides once connected).
    pub fn region_for(&self, stack: &Stack) -> Option<String> {
        self.settings
            .region
            .clone()
            .or_else(|| stack.env.region.clone())
            .or_else(|| self.default_region())
    }

    /// The physical ids the cache knows, without a call (none with `--refresh`).
    pub fn cached_deployment(&self, app: &App, cache: &Cache) -> Deployment {
        if self.settings.refresh {
            Deployment::offline(app)
        } else {
            deployed::cached(app, cache, |s| self.region_for(s))
        }
    }

    /// Which credentials are in use, as a header shows them: the profile (flag, else
    /// `AWS_PROFILE`), or `(environment keys)`, which win over `AWS_PROFILE` in the SDK's chain.
    pub fn credentials_label(&self) -> Option<String> {
        match CredentialOrigin::of(self.settings.profile.as_deref()) {
            CredentialOrigin::Flag(p) | CredentialOrigin::EnvProfile(p) => Some(p),
            CredentialOrigin::EnvironmentKeys => Some("(environment keys)".into()),
            CredentialOrigin::DefaultChain => None,
        }
    }

    /// The endpoint override: `--endpoint-url`, else `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> Option<String> {
        self.settings
            .endpoint_url
            .clone()
            .or_else(|| env("AWS_ENDPOINT_URL"))
    }

    /// What an `exec` child gets on top of cdkx's own environment.
    pub fn exec_env(&self) -> ExecEnv {
        ExecEnv {
            profile: self.settings.profile.clone(),
            endpoint_url: self.settings.endpoint_url.clone(),
        }
    }
}

/// A set, non-empty environment variable.
fn env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.is_empty())
}

/// A refreshed `deployment` that keeps what `before` knew where the refresh failed: a stack
/// whose lookup failed keeps the physical ids known before (from the cache or an earlier
/// lookup) rather than forgetting them, and a missing identity keeps the earlier one. Returns
/// whether any stack was kept.
pub fn keep_known(deployment: &mut Deployment, before: &Deployment) -> bool {
    let mut kept = false;
    for (new, old) in deployment.stacks.iter_mut().zip(&before.stacks) {
        if let (StackState::Failed(_), StackState::Deployed(_)) = (&*new, old) {
            *new = old.clone();
            kept = true;
        }
    }
    if deployment.identity.is_none() {
        deployment.identity = before.identity.clone();
    }
    kept
}

/// Whether the profile `name` is defined in the AWS config or credentials file (as the SDK
/// reads them: `AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/`).
fn check_profile(name: &str) -> Result<()> {
    let home = dirs::home_dir().unwrap_or_default();
    let file = |var: &str, default: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".aws").join(default))
    };
    let config = file("AWS_CONFIG_FILE", "config");
    let credentials = file("AWS_SHARED_CREDENTIALS_FILE", "credentials");
    for (path, prefixed) in [(&config, true), (&credentials, false)] {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let defined = text.lines().any(|line| {
            let l = line.trim();
            let Some(inner) = l.strip_prefix('[').and_then(|l| l.strip_suffix(']')) else {
                return false;
            };
            let inner = inner.trim();
            let section = if prefixed {
                inner.strip_prefix("profile ").map_or(inner, str::trim)
            } else {
                inner
            };
            section == name
        });
        if defined {
            return Ok(());
        }
    }
    anyhow::bail!(
        "profile {:?} (--profile) is not defined in {} or {}; `aws configure list-profiles` lists the defined ones",
        sanitize::line(name),
        config.display(),
        credentials.display()
    )
}

/// An http(s) URL with a host and nothing that could split a request (`--endpoint-url`,
/// `AWS_ENDPOINT_URL`).
pub fn parse_endpoint(s: &str) -> Result<String, String> {
    let bad = |why: &str| {
        format!(
            "{} is not an endpoint URL ({why}); expected e.g. http://127.0.0.1:4566 or https://HOST",
            sanitize::excerpt(&format!("{s:?}"), 100)
        )
    };
    if s.chars().any(char::is_control) {
        return Err(bad("it holds a control character"));
    }
    let url: reqwest::Url = s.parse().map_err(|e| bad(&format!("{e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("no host"));
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deployed::DeployedStack;

    fn deployed(id: &str) -> StackState {
        StackState::Deployed(DeployedStack {
            stack_id: id.into(),
            region: "us-east-1".into(),
            status: None,
            from_cache: false,
            resources: Default::default(),
        })
    }

    fn deployment(stacks: Vec<StackState>) -> Deployment {
        Deployment {
            stacks,
            identity: None,
            warnings: Vec::new(),
            cache_hits: 0,
        }
    }

    #[test]
    fn a_failed_refresh_keeps_only_what_failed() {
        let before = deployment(vec![deployed("a"), deployed("b"), StackState::NotDeployed]);
        let mut after = deployment(vec![
            StackState::Failed("throttled".into()),
            deployed("b2"),
            StackState::Failed("throttled".into()),
        ]);
        assert!(keep_known(&mut after, &before));
        assert!(matches!(&after.stacks[0], StackState::Deployed(s) if s.stack_id == "a"));
        assert!(matches!(&after.stacks[1], StackState::Deployed(s) if s.stack_id == "b2"));
        assert!(
            matches!(after.stacks[2], StackState::Failed(_)),
            "nothing was known"
        );
        let mut fine = deployment(vec![
            deployed("a2"),
            deployed("b2"),
            StackState::NotDeployed,
        ]);
        assert!(!keep_known(&mut fine, &before));
    }

    #[test]
    fn the_region_flag_wins_over_the_stack_and_the_stack_over_the_default() {
        let app = App::load(
            Path::new(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/iam-api/cdk.out"
            )),
            assembly::ReadOptions::default(),
        )
        .unwrap();
        let stack = &app.stacks[0];
        let flagged = Session::new(Settings {
            region: Some("eu-central-1".into()),
            ..Settings::default()
        });
        assert_eq!(flagged.region_for(stack).as_deref(), Some("eu-central-1"));
        assert_eq!(flagged.default_region().as_deref(), Some("eu-central-1"));
        assert_eq!(stack.env.region.as_deref(), Some("us-east-1"));
        let plain = Session::new(Settings::default());
        assert_eq!(plain.region_for(stack).as_deref(), Some("us-east-1"));
    }

    #[test]
    fn exec_children_get_the_profile_and_the_endpoint() {
        let s = Session::new(Settings {
            profile: Some("team".into()),
            endpoint_url: Some("http://127.0.0.1:4566".into()),
            ..Settings::default()
        });
        let env = s.exec_env();
        assert_eq!(env.profile.as_deref(), Some("team"));
        assert_eq!(env.endpoint_url.as_deref(), Some("http://127.0.0.1:4566"));
        assert_eq!(s.credentials_label().as_deref(), Some("team"));
    }
}
