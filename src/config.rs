//! cdkx's own settings: `cdkx.toml` in the app directory over `$XDG_CONFIG_HOME/cdkx/config.toml`.
//! Today they say which credentials reach each AWS account:
//!
//! ```toml
//! [accounts.222222222222]
//! profile = "team-b"                                      # a profile of ~/.aws/config
//! role_arn = "arn:aws:iam::222222222222:role/cdkx-read"   # assumed with the profile (or the default chain)
//! external_id = "..."                                     # when the role's trust policy asks for one
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// How to reach one account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSettings {
    pub profile: Option<String>,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub accounts: BTreeMap<String, AccountSettings>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    /// Not read (missing, not a regular file, too large, unreadable).
    #[error(transparent)]
    File(#[from] crate::bounds::FileError),
}

pub const APP_FILE: &str = "cdkx.toml";

impl Config {
    /// The user's file, then the app's over it (an account in both takes the app's settings).
    pub fn load(app_dir: Option<&Path>) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        let user = std::env::var_os("CDKX_CONFIG")
            .map(PathBuf::from)
            .or_else(|| dirs::config_dir().map(|d| d.join("cdkx").join("config.toml")));
        for path in user.into_iter().chain(app_dir.map(|d| d.join(APP_FILE))) {
            // A FIFO or a device there is refused, not waited on.
            if path.exists() {
                let text =
                    crate::bounds::read_text(&path, crate::bounds::SETTINGS_FILE_MAX, "cdkx.toml")?;
                config
                    .accounts
                    .extend(Config::parse(&path, &text)?.accounts);
            }
        }
        Ok(config)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let config: Config = toml::from_str(text).map_err(|e| invalid(toml_error(text, &e)))?;
        for (account, settings) in &config.accounts {
            if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(format!(
                    "[accounts.{}]: an account id is 12 digits",
                    crate::sanitize::excerpt(account, EXCERPT)
                )));
            }
            if let Some(role) = &settings.role_arn
                && role_account(role).is_none()
            {
                return Err(invalid(format!(
                    "[accounts.{account}] role_arn: expected arn:aws:iam::ACCOUNT:role/NAME, found {}",
                    crate::sanitize::excerpt(&format!("{role:?}"), EXCERPT)
                )));
            }
            if settings.profile.is_none() && settings.role_arn.is_none() {
                return Err(invalid(format!(
                    "[accounts.{account}]: give a profile, a role_arn, or both"
                )));
            }
        }
        Ok(config)
    }
}

/// The account of a role ARN (`arn:PARTITION:iam::ACCOUNT:role/NAME`), `None` when `role` is not
/// one: the one check of `role_arn` in cdkx.toml and of `--role-arn`.
pub fn role_account(role: &str) -> Option<&str> {
    let arn = crate::arn::Arn::parse(role)?;
    let ok = !arn.partition.is_empty()
        && arn.service == "iam"
        && arn.region.is_empty()
        && arn.account.len() == 12
        && arn.account.bytes().all(|b| b.is_ascii_digit())
        && arn
            .resource
            .strip_prefix("role/")
            .is_some_and(|n| !n.is_empty())
        && !role.chars().any(char::is_control);
    ok.then_some(arn.account)
}

/// A TOML error as one line with its place and a short excerpt of the offending line (a file
/// can hold a line of a megabyte; the message quotes at most [`EXCERPT`] characters of it).
fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = crate::sanitize::excerpt(e.message().trim(), EXCERPT * 2);
    let Some(span) = e.span() else {
        return message;
    };
    let start = (0..=span.start.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line_no = text[..start].matches('\n').count() + 1;
    let before: Vec<char> = text[line_start..start].chars().collect();
    let column = before.len() + 1;
    let shown_before: String = before[before.len().saturating_sub(EXCERPT / 2)..]
        .iter()
        .collect();
    let after = &text[start..line_end];
    let shown_after: String = after.chars().take(EXCERPT / 2).collect();
    format!(
        "line {line_no}, column {column}: {message}: `{}{}{}`",
        if shown_before.chars().count() < before.len() {
            "…"
        } else {
            ""
        },
        crate::sanitize::line(&format!("{shown_before}{shown_after}")),
        if shown_after.len() < after.len() {
            "…"
        } else {
            ""
        },
    )
}

/// Characters of an offending line quoted in an error.
const EXCERPT: usize = 80;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_accounts_and_names_bad_fields() {
        let p = Path::new("cdkx.toml");
        let c = Config::parse(
            p,
            "[accounts.222222222222]\nprofile = \"team-b\"\n\n[accounts.333333333333]\nrole_arn = \"arn:aws:iam::333333333333:role/cdkx-read\"\nexternal_id = \"x\"\n",
        )
        .unwrap();
        assert_eq!(
            c.accounts["222222222222"].profile.as_deref(),
            Some("team-b")
        );
        assert_eq!(c.accounts["333333333333"].external_id.as_deref(), Some("x"));
        let err = |t: &str| Config::parse(p, t).unwrap_err().to_string();
        assert!(err("[accounts.12]\nprofile = \"a\"").contains("12 digits"));
        assert!(err("[accounts.222222222222]\nrole_arn = \"nope\"").contains("role_arn"));
        assert!(err("[accounts.222222222222]\nprofil = \"a\"").contains("profil"));
        assert!(err("[accounts.222222222222]\n").contains("give a profile"));
        assert!(err("accounts = 3").starts_with("cdkx.toml: "));
        let long = format!(
            "[accounts.222222222222]\nprofile = \"{}\" x",
            "a".repeat(1_000_000)
        );
        let e = err(&long);
        assert!(e.len() < 400 && e.contains("line 2, column 1000014"), "{e}");
        assert_eq!(
            role_account("arn:aws:iam::222222222222:role/x"),
            Some("222222222222")
        );
        for bad in [
            "nope",
            "arn:aws:iam::2222:role/x",
            "arn:aws:iam::222222222222:user/x",
            "arn:aws:s3::222222222222:role/x",
        ] {
            assert_eq!(role_account(bad), None, "{bad}");
        }
    }
}
