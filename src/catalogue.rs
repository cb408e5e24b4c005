//! The command catalogue: cdk-app-cli's `construct-commands.json` format (built-in defaults from
//! the repository's top-level file, merged with the project's own file), matching commands to a
//! construct by FQN and then by CloudFormation type, and expanding `${PLACEHOLDER}`s safely.

use std::fmt;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

use crate::arn::Partition;
use crate::console::url_encode_component;

pub mod shell;
pub mod url;

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
    Logs,
    Metrics,
    Stages,
    Ls,
    Attributes,
    Subscriptions,
    Scan,
    Policies,
    Resources,
    Events,
}

impl NativeAction {
    pub const ALL: [NativeAction; 17] = [
        NativeAction::Describe,
        NativeAction::Invoke,
        NativeAction::Console,
        NativeAction::Audit,
        NativeAction::AuditConsole,
        NativeAction::Probe,
        NativeAction::Invocations,
        NativeAction::Logs,
        NativeAction::Metrics,
        NativeAction::Stages,
        NativeAction::Ls,
        NativeAction::Attributes,
        NativeAction::Subscriptions,
        NativeAction::Scan,
        NativeAction::Policies,
        NativeAction::Resources,
        NativeAction::Events,
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
            NativeAction::Logs => "logs",
            NativeAction::Metrics => "metrics",
            NativeAction::Stages => "stages",
            NativeAction::Ls => "ls",
            NativeAction::Attributes => "attributes",
            NativeAction::Subscriptions => "subscriptions",
            NativeAction::Scan => "scan",
            NativeAction::Policies => "policies",
            NativeAction::Resources => "resources",
            NativeAction::Events => "events",
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
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    /// Not read (missing, not a regular file, too large, unreadable).
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
                if let Some(why) = unusable_name(&name) {
                    return Err(invalid(format!("{at}: {why}")));
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
                let checked = match kind {
                    CommandKind::Exec => check_shell(&template).map(drop),
                    CommandKind::Open => check_url(&template),
                    CommandKind::Native => Ok(()),
                };
                if let Err(e) = checked {
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

/// Why a command could never be run by that name, if so: `cdkx CONSTRUCT NAME` reads `help` and
/// `-...` itself, and a name must be one printable word.
fn unusable_name(name: &str) -> Option<String> {
    if name.is_empty()
        || name.chars().any(char::is_whitespace)
        || crate::sanitize::line(name) != name
    {
        return Some(format!(
            "the command name {:?} must be one word of printable characters",
            crate::sanitize::line(name)
        ));
    }
    if name.starts_with('-') {
        return Some(format!(
            "the command name `{name}` starts with `-`, so cdkx would read it as an option and it could never run; rename it"
        ));
    }
    if name == "help" {
        return Some(
            "a command named `help` could never run: `cdkx CONSTRUCT help` lists the construct's commands; rename it".into(),
        );
    }
    None
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
    #[error("{0}")]
    Unsafe(String),
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
            "CONSOLE_HOST" => Ok(
                Partition::from_name(self.partition.as_deref().unwrap_or("aws"))
                    .console_host()
                    .to_string(),
            ),
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

/// Finds `${NAME}` occurrences: (start, end, name).
fn placeholders(template: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < template.len() {
        if let Some((end, name)) = shell::placeholder_at(template, i) {
            out.push((i, end, name));
            i = end;
        } else {
            i += 1;
        }
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

/// Checks an `exec` template: every placeholder must stand where its environment variable
/// reference keeps the value one piece of data (see [`shell`]).
pub fn check_shell(template: &str) -> Result<shell::Analysis, ExpandError> {
    check_placeholders(template)?;
    let analysis = shell::analyse(template, &PLACEHOLDER_NAMES);
    match analysis.refusal() {
        Some(r) => Err(ExpandError::Unsafe(r.to_string())),
        None => Ok(analysis),
    }
}

/// Checks an `open` template: placeholders only in the path, query or fragment (or, for values
/// checked to be DNS labels, the host), and no control or blank characters.
pub fn check_url(template: &str) -> Result<(), ExpandError> {
    check_placeholders(template)?;
    url::check(template).map_err(|r| ExpandError::Unsafe(r.to_string()))
}

/// Expands placeholders in a URL (`open`): each value is percent-encoded for the part it stands
/// in (`${URL_ENCODED_PHYSICAL_RESOURCE_ID}` is already), so no value changes where it goes.
pub fn expand_url(template: &str, values: &Placeholders) -> Result<String, ExpandError> {
    check_url(template)?;
    let mut out = String::with_capacity(template.len());
    let mut last = 0;
    for (start, end, name, part) in url::parts(template) {
        out.push_str(&template[last..start]);
        let v = values.value(name)?;
        let piece = match (part, name) {
            (url::Part::Authority, "CONSOLE_HOST") => v,
            (url::Part::Authority, _) if url::is_host_label(&v) => v,
            (url::Part::Authority, _) => {
                return Err(ExpandError::Unsafe(format!(
                    "${{{name}}} is {:?}, which cannot stand in a host name",
                    crate::sanitize::line(&v)
                )));
            }
            (_, "URL_ENCODED_PHYSICAL_RESOURCE_ID") => v,
            _ => url_encode_component(&v),
        };
        out.push_str(&piece);
        last = end;
    }
    out.push_str(&template[last..]);
    Ok(out)
}

/// An `exec` command ready to run: the script for `sh -c`, in which every placeholder is a
/// reference to its `CDKX_<NAME>` environment variable, and the values of those variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellCommand {
    /// What `sh -c` runs; values never appear in it.
    pub script: String,
    /// `CDKX_<NAME>` and value, for every placeholder the script refers to.
    pub env: Vec<(String, String)>,
    /// The template with the values written in, to show the user (never run).
    pub display: String,
    /// Whether the script passes extra arguments on: `"$@"` was appended, or the template
    /// refers to its arguments itself.
    pub takes_args: bool,
}

/// Turns an `exec` template into a [`ShellCommand`]: a placeholder in a plain word becomes
/// `"${CDKX_NAME}"`, one inside double quotes `${CDKX_NAME}`; any other place is refused.
/// Extra arguments are appended as `"$@"` when the template does not refer to them itself and
/// its last line ends in a word (not a here-document, a comment, `fi`, ...).
pub fn expand_shell(template: &str, values: &Placeholders) -> Result<ShellCommand, ExpandError> {
    let template = template.trim_end_matches([' ', '\t', '\n', '\r']);
    let analysis = check_shell(template)?;
    let mut script = String::with_capacity(template.len() + 16);
    let mut display = String::with_capacity(template.len());
    let mut env: Vec<(String, String)> = Vec::new();
    let mut last = 0;
    for o in &analysis.occurrences {
        let v = values.value(&o.name)?;
        script.push_str(&template[last..o.start]);
        display.push_str(&template[last..o.start]);
        match o.place {
            shell::Place::Word => script.push_str(&format!("\"${{CDKX_{}}}\"", o.name)),
            _ => script.push_str(&format!("${{CDKX_{}}}", o.name)),
        }
        display.push_str(&v);
        let var = format!("CDKX_{}", o.name);
        if !env.iter().any(|(k, _)| *k == var) {
            env.push((var, v));
        }
        last = o.end;
    }
    script.push_str(&template[last..]);
    display.push_str(&template[last..]);
    let append = !analysis.uses_args && analysis.appendable;
    if append {
        script.push_str(" \"$@\"");
    }
    Ok(ShellCommand {
        script,
        env,
        display,
        takes_args: append || analysis.uses_args,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none_values() -> Placeholders {
        Placeholders::default()
    }

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

    /// Runs the expanded command as cdkx does (`sh -c SCRIPT cdkx ARGS`, values in the
    /// environment) and returns its stdout.
    fn run(template: &str, id: &str, args: &[&str]) -> String {
        let cmd = expand_shell(template, &vals(id)).unwrap();
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(&cmd.script)
            .arg("cdkx")
            .args(args)
            .envs(cmd.env.iter().map(|(k, v)| (k, v)))
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    }

    fn words(template: &str, id: &str) -> String {
        run(template, id, &[])
    }

    fn refusal(template: &str) -> String {
        check_shell(template).unwrap_err().to_string()
    }

    #[test]
    fn hostile_values_stay_one_word_in_every_accepted_context() {
        let hostile = [
            "x; touch PWNED",
            "$(touch PWNED)",
            "`touch PWNED`",
            "a'b\"c\\d",
            "new\nline",
            "--flag=1 *",
            "ünï ${HOME} $HOME",
            " lead and trail ",
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
                words("printf '[%s]' \"p:${PHYSICAL_RESOURCE_ID}:s\"", id),
                format!("[p:{id}:s]"),
                "double, with text: {id:?}"
            );
            assert_eq!(
                words("printf '[%s]' /aws/lambda/${PHYSICAL_RESOURCE_ID}", id),
                format!("[/aws/lambda/{id}]"),
                "glued: {id:?}"
            );
            assert_eq!(
                words("printf '[%s]' 'p:'${PHYSICAL_RESOURCE_ID}", id),
                format!("[p:{id}]"),
                "after single quotes: {id:?}"
            );
        }
    }

    #[test]
    fn placeholders_become_variable_references_and_values_stay_out_of_the_script() {
        let c = expand_shell(
            "aws lambda invoke --function-name ${PHYSICAL_RESOURCE_ID} \"/tmp/${STACK_NAME}.json\"",
            &vals("x; touch PWNED"),
        )
        .unwrap();
        assert_eq!(
            c.script,
            "aws lambda invoke --function-name \"${CDKX_PHYSICAL_RESOURCE_ID}\" \"/tmp/${CDKX_STACK_NAME}.json\" \"$@\""
        );
        assert_eq!(
            c.env,
            vec![
                (
                    "CDKX_PHYSICAL_RESOURCE_ID".to_string(),
                    "x; touch PWNED".to_string()
                ),
                ("CDKX_STACK_NAME".to_string(), "Stack".to_string())
            ]
        );
        assert_eq!(
            c.display,
            "aws lambda invoke --function-name x; touch PWNED \"/tmp/Stack.json\""
        );
        assert!(c.takes_args);
    }

    #[test]
    fn places_where_a_value_could_run_or_not_expand_are_refused() {
        let cases: [(&str, &str); 29] = [
            ("echo '${STACK_NAME}'", "single quotes"),
            (
                "echo \"Stack: $(printf '%s' '${STACK_NAME}')\"",
                "command substitution",
            ),
            (
                "echo \"Stack: `printf '%s' '${STACK_NAME}'`\"",
                "command substitution",
            ),
            ("echo $(printf %s ${STACK_NAME})", "command substitution"),
            ("echo `echo ${STACK_NAME}`", "command substitution"),
            ("echo \\${STACK_NAME}", "backslash"),
            ("echo \"\\${STACK_NAME}\"", "backslash"),
            ("cat <<EOF\nStack: ${STACK_NAME}\nEOF", "here-document"),
            (
                "cat <<'EOF'\nStack: ${STACK_NAME}\nEOF\necho done",
                "here-document",
            ),
            ("cat <<-EOF\n\tStack: ${STACK_NAME}\n\tEOF", "here-document"),
            ("echo $((${AWS_ACCOUNT} + 1))", "arithmetic"),
            ("((${AWS_ACCOUNT} > 1)) && echo big", "arithmetic"),
            ("echo ${FOO:-${STACK_NAME}}", "another ${...}"),
            ("echo ${STACK_NAME:-none}", "no shell operator"),
            ("${PHYSICAL_RESOURCE_ID} --version", "command name"),
            ("FOO=1 \"${PHYSICAL_RESOURCE_ID}\"", "command name"),
            ("echo a; ${STACK_NAME}", "command name"),
            ("$CMD ${STACK_NAME}", "computed"),
            ("eval echo ${STACK_NAME}", "`eval`"),
            ("sh -c \"echo ${STACK_NAME}\"", "`sh`"),
            ("echo ${STACK_NAME} | /bin/bash", "`bash`"),
            ("echo $'a ${STACK_NAME}'", "$'...'"),
            ("echo $[${AWS_ACCOUNT} + 1]", "arithmetic"),
            ("f() { $1; }; f ${STACK_NAME}", "computed"),
            (". ${STACK_NAME}", "`.`"),
            ("source ./x ${STACK_NAME}", "`source`"),
            ("exec ${STACK_NAME} a", "command name"),
            ("env -i A=${STACK_NAME} ${STACK_NAME}", "command name"),
            ("timeout 5 sudo ${STACK_NAME}", "command name"),
        ];
        for (t, why) in cases {
            let e = refusal(t);
            assert!(e.contains(why), "{t:?}: {e}");
            assert!(
                e.contains("STACK_NAME") || e.contains("PHYSICAL") || e.contains("ACCOUNT"),
                "{e}"
            );
        }
        assert!(refusal("echo \"${STACK_NAME}").contains("never closes"));
        assert!(
            refusal("echo ${STACK_NAME} '").contains("never closes")
                || refusal("echo ${STACK_NAME} '").contains("single")
        );
        // The safe spelling is shown.
        assert!(refusal("echo '${STACK_NAME}'").contains("'text'\"${STACK_NAME}\"'more text'"));
        assert!(refusal("echo $(echo ${STACK_NAME})").contains("\"$CDKX_STACK_NAME\""));
    }

    #[test]
    fn ordinary_shell_around_placeholders_is_accepted() {
        for t in [
            "aws lambda invoke --function-name ${PHYSICAL_RESOURCE_ID} out.json",
            "aws sqs purge-queue --queue-url \"${PHYSICAL_RESOURCE_ID}\"",
            "FOO=${STACK_NAME} env | grep FOO",
            "case ${STACK_NAME} in Stack) echo yes;; *) echo no;; esac",
            "f() { printf '<%s>' \"$1\"; }; f ${STACK_NAME}",
            "( echo ${STACK_NAME} ) && echo ok || echo ko",
            "for s in ${STACK_NAME} b; do echo $s; done",
            "if test -n \"${STACK_NAME}\"; then echo \"${STACK_NAME}\"; fi",
            "echo \"$(date)\" ${STACK_NAME} > /dev/null # comment ${STACK_NAME}",
            "cat <<EOF | grep x\nplain $CDKX_STACK_NAME\nEOF\necho ${STACK_NAME}",
            "echo \"${HOME:-x}\" ${STACK_NAME}",
            "timeout 30 aws logs tail /aws/lambda/${STACK_NAME}",
            "env AWS_PAGER= A=${STACK_NAME} aws s3 ls ${STACK_NAME}",
            "exec printf '%s' ${STACK_NAME}",
        ] {
            assert!(check_shell(t).is_ok(), "{t:?}: {:?}", check_shell(t).err());
        }
    }

    #[test]
    fn extra_arguments_are_passed_once_and_never_break_a_here_document() {
        // Appended to a last line that ends in a word.
        assert_eq!(
            run("printf '[%s]' a", "id", &["b c", "$(x)"]),
            "[a][b c][$(x)]"
        );
        // Used by the template itself: not appended again.
        assert_eq!(run("printf '[%s]' \"$@\" end", "id", &["b"]), "[b][end]");
        assert_eq!(run("printf '[%s]' \"$1\"", "id", &["b"]), "[b]");
        assert!(expand_shell("echo \"$#\"", &vals("id")).unwrap().takes_args);
        // A template that ends in a here-document stays valid and takes no arguments.
        let c = expand_shell("cat <<'EOF'\nhello\nEOF\n", &vals("id")).unwrap();
        assert_eq!(c.script, "cat <<'EOF'\nhello\nEOF");
        assert!(!c.takes_args);
        assert_eq!(run("cat <<'EOF'\nhello\nEOF\n", "id", &[]), "hello\n");
        for t in [
            "if true; then echo a; fi",
            "echo a # note",
            "echo a;",
            "echo a &",
            "(echo a)",
        ] {
            let c = expand_shell(t, &vals("id")).unwrap();
            assert!(!c.takes_args, "{t:?}: {}", c.script);
            assert_eq!(c.script, t);
        }
        // $1 in single quotes is awk's, not the shell's.
        assert!(
            expand_shell("awk '{print $1}'", &vals("id"))
                .unwrap()
                .script
                .ends_with(" \"$@\"")
        );
    }

    #[test]
    fn every_placeholder_expands() {
        let v = vals("a b/c");
        let t = PLACEHOLDER_NAMES
            .iter()
            .map(|n| format!("${{{n}}}"))
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(
            run(&format!("printf '%s|' {t}"), "a b/c", &[]),
            "a b/c|a%20b%2Fc|us-east-1|Fn1234|Stack|123456789012|aws|Stack/Fn|console.aws.amazon.com|"
        );
        let t = PLACEHOLDER_NAMES
            .iter()
            .map(|n| format!("${{{n}}}"))
            .collect::<Vec<_>>()
            .join("|");
        assert_eq!(
            expand_url(&format!("https://h/?q={t}"), &v).unwrap(),
            "https://h/?q=a%20b%2Fc|a%20b%2Fc|us-east-1|Fn1234|Stack|123456789012|aws|Stack%2FFn|console.aws.amazon.com"
        );
    }

    #[test]
    fn url_values_are_encoded_for_their_part_and_never_change_the_host() {
        let evil = "x/../@evil.com:1/#?a=b&c d\u{1b}[2J";
        let u = expand_url(
            "https://${AWS_REGION}.console.aws.amazon.com/lambda/${PHYSICAL_RESOURCE_ID}/x?id=${PHYSICAL_RESOURCE_ID}&r=${AWS_REGION}#/f/${PHYSICAL_RESOURCE_ID}",
            &vals(evil),
        )
        .unwrap();
        let enc = "x%2F..%2F%40evil.com%3A1%2F%23%3Fa%3Db%26c%20d%1B%5B2J";
        assert_eq!(
            u,
            format!(
                "https://us-east-1.console.aws.amazon.com/lambda/{enc}/x?id={enc}&r=us-east-1#/f/{enc}"
            )
        );
        // A placeholder in the scheme or the host (other than the DNS-label ones) is refused.
        for t in [
            "${PHYSICAL_RESOURCE_ID}",
            "https://${PHYSICAL_RESOURCE_ID}/x",
            "https://a.${STACK_NAME}.com/x",
            "https:${PHYSICAL_RESOURCE_ID}",
            "https://user@${LOGICAL_ID}",
        ] {
            let e = check_url(t).unwrap_err().to_string();
            assert!(
                e.contains("where a value could send the browser elsewhere"),
                "{t}: {e}"
            );
        }
        // A host value that is not a DNS label is an error, not a different host.
        let mut v = vals("id");
        v.region = Some("evil.com/".into());
        assert!(expand_url("https://${AWS_REGION}.x.com/", &v).is_err());
        // Control characters or blanks in the template itself are refused.
        for t in ["https://x/\u{1b}[2J", "https://x/a b", "https://x/\u{202e}"] {
            assert!(check_url(t).is_err(), "{t:?}");
        }
    }

    #[test]
    fn unknown_and_missing_placeholders_are_errors() {
        assert_eq!(
            expand_url("https://x/${NOPE}", &vals("a")),
            Err(ExpandError::Unknown("NOPE".into()))
        );
        assert!(check_placeholders("echo ${HOME}").is_err());
        assert!(matches!(
            expand_shell("echo ${PHYSICAL_RESOURCE_ID}", &none_values()),
            Err(ExpandError::Missing(..))
        ));
        assert!(check_placeholders("echo $HOME ${lower} ${PHYSICAL_RESOURCE_ID}").is_ok());
        let none = Placeholders::default();
        assert!(matches!(
            expand_url("https://x/${PHYSICAL_RESOURCE_ID}", &none),
            Err(ExpandError::Missing(..))
        ));
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
