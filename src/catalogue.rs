//! The command catalogue: cdk-app-cli's `construct-commands.json` format (built-in defaults from
//! the repository's top-level file, merged with the project's own file), matching commands to a
//! construct by FQN and then by CloudFormation type, and expanding `${PLACEHOLDER}`s safely.

use std::fmt;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

/// The built-in catalogue, embedded at build time.
const BUILTIN_JSON: &str = include_str!("../construct-commands.json");

/// File names a project may use, in the order they are looked for (cdk-app-cli's names).
pub const PROJECT_FILES: [&str; 3] = [
    "construct-commands.json",
    "construct-commands.yaml",
    "construct-commands.yml",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CommandKind {
    /// A shell command line.
    Exec,
    /// A URL for the browser.
    Open,
    /// One of cdkx's own actions, run through the SDK (`{"native": "invoke"}`).
    Native,
}

impl fmt::Display for CommandKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CommandKind::Exec => "exec",
            CommandKind::Open => "open",
            CommandKind::Native => "native",
        })
    }
}

/// cdkx's own actions, which a catalogue entry can name with `{"native": "..."}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NativeAction {
    Describe,
    Invoke,
    Console,
    Audit,
    AuditConsole,
    Probe,
    Invocations,
}

impl NativeAction {
    pub const ALL: [NativeAction; 7] = [
        NativeAction::Describe,
        NativeAction::Invoke,
        NativeAction::Console,
        NativeAction::Audit,
        NativeAction::AuditConsole,
        NativeAction::Probe,
        NativeAction::Invocations,
    ];

    pub fn name(self) -> &'static str {
        match self {
            NativeAction::Describe => "describe",
            NativeAction::Invoke => "invoke",
            NativeAction::Console => "console",
            NativeAction::Audit => "audit",
            NativeAction::AuditConsole => "audit-console",
            NativeAction::Probe => "probe",
            NativeAction::Invocations => "invocations",
        }
    }

    pub fn from_name(name: &str) -> Option<NativeAction> {
        NativeAction::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// The key whose commands apply to every construct (a cdkx extension of the format).
pub const ANY_TYPE: &str = "*";

/// Where a command came from, so a user can tell a built-in from their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    BuiltIn,
    File(PathBuf),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::BuiltIn => f.write_str("built-in"),
            Source::File(p) => write!(f, "{}", p.display()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Command {
    pub kind: CommandKind,
    pub template: String,
    pub description: Option<String>,
    pub source: Source,
}

impl Command {
    /// The native action this command stands for, if it is one.
    pub fn native(&self) -> Option<NativeAction> {
        (self.kind == CommandKind::Native)
            .then(|| NativeAction::from_name(&self.template))
            .flatten()
    }
}

/// Commands per key; a key is a construct FQN (`aws-cdk-lib.aws_lambda.Function`) or a
/// CloudFormation type (`AWS::Lambda::Function`).
#[derive(Debug, Clone, Default)]
pub struct CommandCatalogue {
    entries: IndexMap<String, IndexMap<String, Command>>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error(transparent)]
    File(#[from] crate::bounds::FileError),
    #[error("both {} and {} exist in {}; keep one", .first.display(), .second.display(), .dir.display())]
    TwoFiles {
        dir: PathBuf,
        first: PathBuf,
        second: PathBuf,
    },
}

impl CommandCatalogue {
    /// The repository's built-in catalogue. It is tested, so a failure here is a build defect.
    pub fn builtin() -> CommandCatalogue {
        Self::parse(
            Path::new("construct-commands.json (built-in)"),
            BUILTIN_JSON,
            Source::BuiltIn,
        )
        .expect("the built-in construct-commands.json is valid")
    }

    /// Parses a catalogue file's text; YAML when the name ends in .yaml/.yml, else JSON.
    pub fn parse(
        path: &Path,
        text: &str,
        source: Source,
    ) -> Result<CommandCatalogue, CatalogueError> {
        let invalid = |message: String| CatalogueError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let is_yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
        crate::bounds::check_nesting(text).map_err(invalid)?;
        let value: Value = if is_yaml {
            serde_yaml::from_str(text).map_err(|e| invalid(format!("invalid YAML: {e}")))?
        } else {
            serde_json::from_str(text).map_err(|e| invalid(format!("invalid JSON: {e}")))?
        };
        let Value::Object(top) = value else {
            return Err(invalid(
                "expected an object of construct types, e.g. {\"aws-cdk-lib.aws_lambda.Function\": {\"logs\": {\"exec\": \"...\"}}}".into(),
            ));
        };
        let mut entries = IndexMap::new();
        for (key, commands) in top {
            let Value::Object(commands) = commands else {
                return Err(invalid(format!(
                    "field `{key}`: expected an object of commands"
                )));
            };
            let mut parsed = IndexMap::new();
            for (name, spec) in commands {
                let at = format!("field `{key}.{name}`");
                if name.is_empty() || name.chars().any(char::is_whitespace) {
                    return Err(invalid(format!("{at}: a command name must be one word")));
                }
                let Value::Object(spec) = spec else {
                    return Err(invalid(format!(
                        "{at}: expected {{\"exec\": \"...\"}} or {{\"open\": \"...\"}}"
                    )));
                };
                let mut kind = None;
                let mut description = None;
                for (field, v) in spec {
                    let Value::String(s) = v else {
                        return Err(invalid(format!("{at}.{field}: expected a string")));
                    };
                    match field.as_str() {
                        "exec" | "open" | "native" if kind.is_some() => {
                            return Err(invalid(format!(
                                "{at}: has more than one of `exec`, `open` and `native`; keep one"
                            )));
                        }
                        "exec" => kind = Some((CommandKind::Exec, s)),
                        "open" => kind = Some((CommandKind::Open, s)),
                        "native" => {
                            if NativeAction::from_name(&s).is_none() {
                                let known: Vec<&str> =
                                    NativeAction::ALL.iter().map(|a| a.name()).collect();
                                return Err(invalid(format!(
                                    "{at}.native: unknown action {s:?} (known: {})",
                                    known.join(", ")
                                )));
                            }
                            kind = Some((CommandKind::Native, s))
                        }
                        "description" => description = Some(s),
                        other => {
                            return Err(invalid(format!(
                                "{at}: unknown field `{other}` (expected `exec`, `open`, `native` or `description`)"
                            )));
                        }
                    }
                }
                let Some((kind, template)) = kind else {
                    return Err(invalid(format!("{at}: needs `exec` or `open`")));
                };
                if let Err(e) = check_placeholders(&template) {
                    return Err(invalid(format!("{at}: {e}")));
                }
                parsed.insert(
                    name,
                    Command {
                        kind,
                        template,
                        description,
                        source: source.clone(),
                    },
                );
            }
            entries.insert(key, parsed);
        }
        Ok(CommandCatalogue { entries })
    }

    /// Loads the project's file from `dir` if there is one.
    pub fn load_project(dir: &Path) -> Result<Option<CommandCatalogue>, CatalogueError> {
        let present: Vec<PathBuf> = PROJECT_FILES
            .iter()
            .map(|f| dir.join(f))
            .filter(|p| p.is_file())
            .collect();
        match present.as_slice() {
            [] => Ok(None),
            [one] => Self::load_file(one).map(Some),
            [first, second, ..] => Err(CatalogueError::TwoFiles {
                dir: dir.to_path_buf(),
                first: first.clone(),
                second: second.clone(),
            }),
        }
    }

    pub fn load_file(path: &Path) -> Result<CommandCatalogue, CatalogueError> {
        let text =
            crate::bounds::read_text(path, crate::bounds::SETTINGS_FILE_MAX, "a commands file")?;
        Self::parse(path, &text, Source::File(path.to_path_buf()))
    }

    /// Merges `over` into self: a command of the same key and name is replaced, others are added.
    pub fn merge(&mut self, over: CommandCatalogue) {
        for (key, commands) in over.entries {
            let slot = self.entries.entry(key).or_default();
            for (name, cmd) in commands {
                slot.insert(name, cmd);
            }
        }
    }

    /// The commands for a construct: those for every type (`*`), overridden by those of its
    /// CloudFormation type, overridden by those of its exact FQN (so every subclass of
    /// `lambda.Function` gets the Lambda commands).
    pub fn commands_for(
        &self,
        fqn: Option<&str>,
        cfn_type: Option<&str>,
    ) -> IndexMap<String, Command> {
        let mut out = IndexMap::new();
        for key in [Some(ANY_TYPE), cfn_type, fqn].into_iter().flatten() {
            if let Some(commands) = self.entries.get(key) {
                for (name, cmd) in commands {
                    out.insert(name.clone(), cmd.clone());
                }
            }
        }
        out
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }
}

/// The values a command's placeholders expand to.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Placeholders {
    pub physical_resource_id: Option<String>,
    pub region: Option<String>,
    pub logical_id: Option<String>,
    pub stack_name: Option<String>,
    pub account: Option<String>,
    pub partition: Option<String>,
    pub construct_path: Option<String>,
}

/// Every placeholder cdkx knows, in the order `--help` lists them.
pub const PLACEHOLDER_NAMES: [&str; 9] = [
    "PHYSICAL_RESOURCE_ID",
    "URL_ENCODED_PHYSICAL_RESOURCE_ID",
    "AWS_REGION",
    "LOGICAL_ID",
    "STACK_NAME",
    "AWS_ACCOUNT",
    "AWS_PARTITION",
    "CONSTRUCT_PATH",
    "CONSOLE_HOST",
];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ExpandError {
    #[error("unknown placeholder ${{{0}}} (known: {known}); for a shell variable write ${0} without braces", known = PLACEHOLDER_NAMES.join(", "))]
    Unknown(String),
    #[error("${{{0}}} has no value for this resource: {1}")]
    Missing(&'static str, &'static str),
}

impl Placeholders {
    fn value(&self, name: &str) -> Result<String, ExpandError> {
        let need = |v: &Option<String>, n: &'static str, why: &'static str| {
            v.clone().ok_or(ExpandError::Missing(n, why))
        };
        let not_deployed =
            "it is not deployed (or its physical id is unknown); run `cdkx list` to check";
        match name {
            "PHYSICAL_RESOURCE_ID" => need(
                &self.physical_resource_id,
                "PHYSICAL_RESOURCE_ID",
                not_deployed,
            ),
            "URL_ENCODED_PHYSICAL_RESOURCE_ID" => need(
                &self.physical_resource_id,
                "URL_ENCODED_PHYSICAL_RESOURCE_ID",
                not_deployed,
            )
            .map(|v| url_encode_component(&v)),
            "AWS_REGION" => need(
                &self.region,
                "AWS_REGION",
                "no region is known; pass --region",
            ),
            "LOGICAL_ID" => need(
                &self.logical_id,
                "LOGICAL_ID",
                "the construct has no CloudFormation resource",
            ),
            "STACK_NAME" => need(&self.stack_name, "STACK_NAME", "the stack is not known"),
            "AWS_ACCOUNT" => need(
                &self.account,
                "AWS_ACCOUNT",
                "the account is not known (environment-agnostic stack, not deployed)",
            ),
            "AWS_PARTITION" => Ok(self.partition.clone().unwrap_or_else(|| "aws".into())),
            "CONSTRUCT_PATH" => need(&self.construct_path, "CONSTRUCT_PATH", "no construct path"),
            "CONSOLE_HOST" => Ok(crate::console::Partition::from_name(
                self.partition.as_deref().unwrap_or("aws"),
            )
            .console_host()
            .to_string()),
            other => Err(ExpandError::Unknown(other.to_string())),
        }
    }

    /// `(NAME, value)` for each known value, for the child's environment (`CDKX_NAME`).
    pub fn env_pairs(&self) -> Vec<(String, String)> {
        PLACEHOLDER_NAMES
            .iter()
            .filter_map(|n| self.value(n).ok().map(|v| (format!("CDKX_{n}"), v)))
            .collect()
    }
}

/// JavaScript's encodeURIComponent, which cdk-app-cli uses.
pub fn url_encode_component(s: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const KEEP: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'!')
        .remove(b'~')
        .remove(b'*')
        .remove(b'\'')
        .remove(b'(')
        .remove(b')');
    utf8_percent_encode(s, KEEP).to_string()
}

/// Finds `${NAME}` occurrences: (start, end, name).
fn placeholders(template: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let bytes = template.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'$'
            && bytes[i + 1] == b'{'
            && let Some(close) = template[i + 2..].find('}')
        {
            let name = &template[i + 2..i + 2 + close];
            let is_name = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                && !name.as_bytes()[0].is_ascii_digit();
            if is_name {
                out.push((i, i + 3 + close, name));
                i += 3 + close;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Checks every placeholder of a template is known, so a bad file fails when it is loaded.
pub fn check_placeholders(template: &str) -> Result<(), ExpandError> {
    for (_, _, name) in placeholders(template) {
        if !PLACEHOLDER_NAMES.contains(&name) {
            return Err(ExpandError::Unknown(name.to_string()));
        }
    }
    Ok(())
}

/// Expands placeholders in a URL (`open`): values are inserted as they are.
pub fn expand_url(template: &str, values: &Placeholders) -> Result<String, ExpandError> {
    expand_with(template, values, |_, v| v)
}

/// Expands placeholders in a shell command line (`exec`) so that each value stays exactly one
/// piece of data whatever it contains: it is quoted for the quoting context it appears in
/// (bare, inside '…', or inside "…"), so `;`, `$(…)`, backticks and quotes in a physical id are
/// never run.
pub fn expand_shell(template: &str, values: &Placeholders) -> Result<String, ExpandError> {
    let contexts = quote_contexts(template);
    expand_with(template, values, |start, v| match contexts(start) {
        Quote::None => format!("'{}'", v.replace('\'', r"'\''")),
        Quote::Single => v.replace('\'', r"'\''"),
        Quote::Double => {
            let mut out = String::with_capacity(v.len());
            for c in v.chars() {
                if matches!(c, '\\' | '$' | '`' | '"') {
                    out.push('\\');
                }
                out.push(c);
            }
            out
        }
    })
}

fn expand_with(
    template: &str,
    values: &Placeholders,
    quote: impl Fn(usize, String) -> String,
) -> Result<String, ExpandError> {
    let mut out = String::with_capacity(template.len());
    let mut last = 0;
    for (start, end, name) in placeholders(template) {
        out.push_str(&template[last..start]);
        out.push_str(&quote(start, values.value(name)?));
        last = end;
    }
    out.push_str(&template[last..]);
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    Single,
    Double,
}

/// The POSIX shell quoting state at each byte offset of `template`.
fn quote_contexts(template: &str) -> impl Fn(usize) -> Quote {
    let mut states = Vec::with_capacity(template.len() + 1);
    let mut state = Quote::None;
    let mut escaped = false;
    for c in template.bytes() {
        states.push(state);
        if escaped {
            escaped = false;
            continue;
        }
        match (state, c) {
            (Quote::None, b'\\') | (Quote::Double, b'\\') => escaped = true,
            (Quote::None, b'\'') => state = Quote::Single,
            (Quote::Single, b'\'') => state = Quote::None,
            (Quote::None, b'"') => state = Quote::Double,
            (Quote::Double, b'"') => state = Quote::None,
            _ => {}
        }
    }
    states.push(state);
    move |i| states.get(i).copied().unwrap_or(Quote::None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(id: &str) -> Placeholders {
        Placeholders {
            physical_resource_id: Some(id.into()),
            region: Some("us-east-1".into()),
            logical_id: Some("Fn1234".into()),
            stack_name: Some("Stack".into()),
            account: Some("123456789012".into()),
            partition: Some("aws".into()),
            construct_path: Some("Stack/Fn".into()),
        }
    }

    /// Runs `sh -c` on the expanded command with `printf '[%s]'` to see the words the shell makes.
    fn words(template: &str, id: &str) -> String {
        let script = expand_shell(template, &vals(id)).unwrap();
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn hostile_values_stay_one_word_in_every_quoting_context() {
        let hostile = [
            "x; touch PWNED",
            "$(touch PWNED)",
            "`touch PWNED`",
            "a'b\"c\\d",
            "new\nline",
            "--flag=1 *",
            "ünï ${HOME} $HOME",
        ];
        for id in hostile {
            assert_eq!(
                words("printf '[%s]' ${PHYSICAL_RESOURCE_ID}", id),
                format!("[{id}]"),
                "bare: {id:?}"
            );
            assert_eq!(
                words("printf '[%s]' \"${PHYSICAL_RESOURCE_ID}\"", id),
                format!("[{id}]"),
                "double: {id:?}"
            );
            assert_eq!(
                words("printf '[%s]' 'p:${PHYSICAL_RESOURCE_ID}'", id),
                format!("[p:{id}]"),
                "single: {id:?}"
            );
            assert_eq!(
                words("printf '[%s]' /aws/lambda/${PHYSICAL_RESOURCE_ID}", id),
                format!("[/aws/lambda/{id}]"),
                "glued: {id:?}"
            );
        }
    }

    #[test]
    fn every_placeholder_expands() {
        let v = vals("a b/c");
        let t = PLACEHOLDER_NAMES
            .iter()
            .map(|n| format!("${{{n}}}"))
            .collect::<Vec<_>>()
            .join("|");
        assert_eq!(
            expand_url(&t, &v).unwrap(),
            "a b/c|a%20b%2Fc|us-east-1|Fn1234|Stack|123456789012|aws|Stack/Fn|console.aws.amazon.com"
        );
    }

    #[test]
    fn unknown_and_missing_placeholders_are_errors() {
        assert_eq!(
            expand_url("x ${NOPE}", &vals("a")),
            Err(ExpandError::Unknown("NOPE".into()))
        );
        assert!(check_placeholders("echo ${HOME}").is_err());
        assert!(check_placeholders("echo $HOME ${lower} ${PHYSICAL_RESOURCE_ID}").is_ok());
        let none = Placeholders::default();
        assert!(matches!(
            expand_url("${PHYSICAL_RESOURCE_ID}", &none),
            Err(ExpandError::Missing(..))
        ));
    }

    #[test]
    fn url_encoding_matches_encode_uri_component() {
        assert_eq!(
            url_encode_component("a b/c?d=é&e*'()!~"),
            "a%20b%2Fc%3Fd%3D%C3%A9%26e*'()!~"
        );
    }

    #[test]
    fn builtin_catalogue_covers_the_required_types() {
        let c = CommandCatalogue::builtin();
        let lambda = c.commands_for(
            Some("aws-cdk-lib.aws_lambda_nodejs.NodejsFunction"),
            Some("AWS::Lambda::Function"),
        );
        for name in [
            "describe",
            "invoke",
            "visit-console",
            "audit",
            "audit-console",
        ] {
            assert!(lambda.contains_key(name), "lambda lacks {name}");
        }
        for t in [
            "AWS::ApiGateway::RestApi",
            "AWS::S3::Bucket",
            "AWS::SQS::Queue",
            "AWS::SNS::Topic",
            "AWS::DynamoDB::Table",
            "AWS::IAM::Role",
            "AWS::CloudFormation::Stack",
        ] {
            assert!(
                !c.commands_for(None, Some(t)).is_empty(),
                "no commands for {t}"
            );
        }
    }

    #[test]
    fn project_commands_merge_over_builtins_and_fqn_beats_cfn_type() {
        let mut c = CommandCatalogue::builtin();
        let user = CommandCatalogue::parse(
            Path::new("construct-commands.yml"),
            "aws-cdk-lib.aws_lambda.Function:\n  describe:\n    exec: echo mine ${PHYSICAL_RESOURCE_ID}\n  awslogs:\n    exec: awslogs get /aws/lambda/${PHYSICAL_RESOURCE_ID}\n",
            Source::File("construct-commands.yml".into()),
        )
        .unwrap();
        c.merge(user);
        let plain = c.commands_for(
            Some("aws-cdk-lib.aws_lambda.Function"),
            Some("AWS::Lambda::Function"),
        );
        assert_eq!(
            plain["describe"].template,
            "echo mine ${PHYSICAL_RESOURCE_ID}"
        );
        assert!(plain.contains_key("awslogs"));
        assert!(
            plain.contains_key("invoke"),
            "built-ins of the CFN type remain"
        );
        let rust = c.commands_for(
            Some("cargo-lambda-cdk.RustFunction"),
            Some("AWS::Lambda::Function"),
        );
        assert!(rust.contains_key("invoke") && !rust.contains_key("awslogs"));
    }

    #[test]
    fn bad_files_name_the_field() {
        let p = Path::new("construct-commands.json");
        let err = |t: &str| {
            CommandCatalogue::parse(p, t, Source::BuiltIn)
                .unwrap_err()
                .to_string()
        };
        assert!(err("{").contains("construct-commands.json: invalid JSON"));
        assert!(err("[]").contains("expected an object"));
        assert!(err(r#"{"T": 3}"#).contains("field `T`"));
        assert!(
            err(r#"{"T": {"c": {"exec": 1}}}"#).contains("field `T.c`.exec: expected a string")
        );
        assert!(err(r#"{"T": {"c": {"run": "x"}}}"#).contains("unknown field `run`"));
        assert!(err(r#"{"T": {"c": {"native": "fly"}}}"#).contains("unknown action \"fly\""));
        assert!(err(r#"{"T": {"c": {"exec": "a", "native": "invoke"}}}"#).contains("keep one"));
        assert!(err(r#"{"T": {"c": {}}}"#).contains("needs `exec` or `open`"));
        assert!(
            err(r#"{"T": {"c": {"exec": "echo ${NOPE}"}}}"#)
                .contains("unknown placeholder ${NOPE}")
        );
    }
}
