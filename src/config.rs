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
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
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
            if path.is_file() {
                let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Io {
                    path: path.clone(),
                    source,
                })?;
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
        let config: Config =
            toml::from_str(text).map_err(|e| invalid(e.to_string().trim().to_string()))?;
        for (account, settings) in &config.accounts {
            if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(format!(
                    "[accounts.{account}]: an account id is 12 digits"
                )));
            }
            if let Some(role) = &settings.role_arn {
                let ok = role.starts_with("arn:")
                    && role.split(':').nth(2) == Some("iam")
                    && role
                        .split(':')
                        .nth(5)
                        .is_some_and(|r| r.starts_with("role/"));
                if !ok {
                    return Err(invalid(format!(
                        "[accounts.{account}] role_arn: expected arn:aws:iam::ACCOUNT:role/NAME, found {role:?}"
                    )));
                }
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
    }
}
