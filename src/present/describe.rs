//! A description as readable sections: a title line, aligned `key: value` lines, then sections
//! (environment, stages, methods or routes, resource policy, access, outputs). `cdkx CONSTRUCT describe`
//! prints it; the TUI's describe view draws it. Every value from the cloud or the template is
//! sanitized.

use serde_json::Value;

use super::table::Table;
use crate::actions::describe::{
    Description, FunctionDescription, FunctionUrlDescription, HttpApiDescription, PolicySource,
    ResourceDescription, RestApiDescription, StackDescription,
};
use crate::sanitize;

/// The readable form, saying how hidden environment values are shown where that is possible
/// (`--show-env` in the CLI; the TUI never shows them, so it says nothing of a flag it has no
/// key for).
pub fn render_for(d: &Description, show_env_hint: Option<&str>) -> String {
    let mut out = String::new();
    match d {
        Description::Lambda(f) => render_function(&mut out, f, show_env_hint),
        Description::RestApi(a) => render_rest_api(&mut out, a),
        Description::Stack(s) => render_stack(&mut out, s),
        Description::Resource(r) => render_resource(&mut out, r),
        Description::HttpApi(a) => render_http_api(&mut out, a),
        Description::FunctionUrl(u) => render_function_url(&mut out, u),
    }
    out
}

fn render_http_api(out: &mut String, a: &HttpApiDescription) {
    title(out, &a.construct_path, "HTTP API");
    let mut fields = Fields::default();
    fields.add("id", &a.id);
    fields.opt("name", a.name.as_deref());
    fields.opt("description", a.description.as_deref());
    fields.opt("protocol", a.protocol_type.as_deref());
    if a.execute_api_endpoint_disabled {
        fields.add("execute-api", "disabled (the invoke URLs answer nothing)");
    }
    fields.opt("created", a.created_date.as_deref());
    fields.add("region", &a.region);
    fields.render(out);

    let mut t = Table::new(vec!["  STAGE", "AUTO-DEPLOY", "INVOKE URL", "ACCESS LOGS"]);
    for s in &a.stages {
        t.push(vec![
            format!("  {}", s.name),
            if s.auto_deploy { "yes" } else { "no" }.into(),
            s.invoke_url.clone(),
            s.access_log_destination
                .clone()
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    table_section(out, "Stages", NO_STAGE, t);

    let mut t = Table::new(vec!["  ROUTE", "AUTHORIZATION"]);
    for r in &a.routes {
        t.push(vec![
            format!("  {}", r.route_key),
            r.authorization_type.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    table_section(out, "Routes", "none", t);

    out.push('\n');
    out.push_str("Resource policy: none (HTTP APIs cannot have one)\n");
    out.push('\n');
    out.push_str(&super::access::text(&a.access));
}

/// What an API without stages says under `Stages:`.
const NO_STAGE: &str = "none (the API is not deployed to a stage)";

/// A section after a blank line: `HEADING:` and its table, or `HEADING: NONE` when it has no
/// rows.
fn table_section(out: &mut String, heading: &str, none: &str, t: Table) {
    out.push('\n');
    if t.is_empty() {
        out.push_str(&format!("{heading}: {none}\n"));
    } else {
        out.push_str(&format!("{heading}:\n"));
        out.push_str(&t.render());
    }
}

/// A section after a blank line: `HEADING:` and the JSON document, or `EMPTY: none` without
/// one.
fn json_section(out: &mut String, heading: &str, empty: &str, v: Option<&Value>) {
    out.push('\n');
    match v {
        Some(v) => {
            out.push_str(&format!("{heading}:\n"));
            json_block(out, v);
        }
        None => out.push_str(&format!("{empty}: none\n")),
    }
}

fn title(out: &mut String, path: &str, what: &str) {
    out.push_str(&format!(
        "{} ({})\n",
        sanitize::line(path),
        sanitize::line(what)
    ));
}

fn render_function(out: &mut String, f: &FunctionDescription, show_env_hint: Option<&str>) {
    title(out, &f.construct_path, "Lambda function");
    let mut fields = Fields::default();
    fields.add("name", &f.name);
    fields.add("arn", &f.arn);
    fields.opt("description", f.description.as_deref());
    fields.opt("runtime", f.runtime.as_deref());
    fields.opt("handler", f.handler.as_deref());
    fields.opt("memory", f.memory_mb.map(|m| format!("{m} MB")));
    fields.opt("timeout", f.timeout_seconds.map(|t| format!("{t} s")));
    if !f.architectures.is_empty() {
        fields.add("architectures", f.architectures.join(", "));
    }
    fields.opt("role", f.role.as_deref());
    fields.opt("state", f.state.as_deref());
    fields.opt("last modified", f.last_modified.as_deref());
    fields.add("code size", format!("{} bytes", f.code_size_bytes));
    fields.add("region", &f.region);
    fields.render(out);

    out.push('\n');
    if f.environment.is_empty() {
        out.push_str("Environment: none\n");
    } else if f.environment_values_shown {
        out.push_str("Environment:\n");
        for v in &f.environment {
            out.push_str(&format!(
                "  {}={}\n",
                sanitize::line(&v.name),
                sanitize::line(v.value.as_deref().unwrap_or_default())
            ));
        }
    } else {
        match show_env_hint {
            Some(hint) => out.push_str(&format!("Environment (values hidden; {hint}):\n")),
            None => out.push_str("Environment (values hidden):\n"),
        }
        for v in &f.environment {
            out.push_str(&format!("  {}\n", sanitize::line(&v.name)));
        }
    }
    json_section(out, "Resource policy", "Resource policy", f.policy.as_ref());
    if let Some(a) = &f.access {
        out.push('\n');
        out.push_str(&super::access::function_text(a));
    }
}

fn render_function_url(out: &mut String, u: &FunctionUrlDescription) {
    title(out, &u.construct_path, "Lambda function URL");
    let mut fields = Fields::default();
    fields.add("url", &u.url);
    let auth = match u.auth_type.as_str() {
        "AWS_IAM" => "AWS_IAM (requests must be SigV4-signed for service lambda)".to_string(),
        "NONE" => "NONE (no authentication: anyone the resource policy allows)".to_string(),
        other => other.to_string(),
    };
    fields.add("auth type", auth);
    fields.add("function", &u.function_arn);
    fields.opt("invoke mode", u.invoke_mode.as_deref());
    fields.opt("created", u.created.as_deref());
    fields.add("region", &u.region);
    fields.render(out);
    json_section(
        out,
        "Resource policy (the function's)",
        "Resource policy",
        u.policy.as_ref(),
    );
    out.push('\n');
    out.push_str(&super::access::function_text(&u.access));
}

fn render_rest_api(out: &mut String, a: &RestApiDescription) {
    title(out, &a.construct_path, "REST API");
    let mut fields = Fields::default();
    fields.add("id", &a.id);
    fields.opt("name", a.name.as_deref());
    fields.opt("description", a.description.as_deref());
    if !a.endpoint_types.is_empty() {
        fields.add("endpoint", a.endpoint_types.join(", "));
    }
    fields.opt("api key source", a.api_key_source.as_deref());
    if a.execute_api_endpoint_disabled {
        fields.add("execute-api", "disabled (the invoke URLs answer nothing)");
    }
    fields.opt("created", a.created_date.as_deref());
    fields.add("region", &a.region);
    fields.render(out);

    let mut t = Table::new(vec!["  STAGE", "DEPLOYMENT", "INVOKE URL"]);
    for s in &a.stages {
        t.push(vec![
            format!("  {}", s.name),
            s.deployment_id.clone().unwrap_or_else(|| "-".into()),
            s.invoke_url.clone(),
        ]);
    }
    table_section(out, "Stages", NO_STAGE, t);

    let mut t = Table::new(vec!["  METHOD", "PATH", "AUTHORIZATION"]);
    for m in &a.methods {
        let mut auth = m.authorization_type.clone().unwrap_or_else(|| "-".into());
        if m.api_key_required {
            auth.push_str(" + API key");
        }
        t.push(vec![format!("  {}", m.method), m.path.clone(), auth]);
    }
    table_section(out, "Methods", "none", t);

    let heading = match a.policy_source {
        PolicySource::Template => {
            "Resource policy (from the app's template; the API returned none)"
        }
        _ => "Resource policy (from the API)",
    };
    json_section(out, heading, "Resource policy", a.policy.as_ref());
    out.push('\n');
    out.push_str(&super::access::text(&a.access));
}

fn render_stack(out: &mut String, s: &StackDescription) {
    title(out, &s.construct_path, "CloudFormation stack");
    let mut fields = Fields::default();
    fields.add("stack name", &s.stack_name);
    fields.add("stack id", &s.stack_id);
    fields.opt("status", s.status.as_deref());
    fields.opt("status reason", s.status_reason.as_deref());
    fields.opt("description", s.description.as_deref());
    fields.opt("created", s.created.as_deref());
    fields.opt("last updated", s.last_updated.as_deref());
    fields.opt("parent", s.parent_id.as_deref());
    fields.add("region", &s.region);
    fields.render(out);

    let mut t = Table::new(vec!["  KEY", "VALUE", "EXPORT"]);
    for o in &s.outputs {
        t.push(vec![
            format!("  {}", o.key),
            o.value.clone().unwrap_or_default(),
            o.export_name.clone().unwrap_or_default(),
        ]);
    }
    table_section(out, "Outputs", "none", t);
}

fn render_resource(out: &mut String, r: &ResourceDescription) {
    let cfn_type = r
        .resource
        .cfn_type
        .as_deref()
        .unwrap_or("CloudFormation resource");
    title(out, &r.construct_path, cfn_type);
    let mut fields = Fields::default();
    fields.add("stack", &r.stack_name);
    fields.add("logical id", &r.resource.logical_id);
    fields.add(
        "physical id",
        r.resource.physical_id.as_deref().unwrap_or("(none)"),
    );
    fields.opt("status", r.resource.status.as_deref());
    fields.opt("status reason", r.resource.status_reason.as_deref());
    fields.opt("last updated", r.resource.last_updated.as_deref());
    fields.add("region", &r.region);
    fields.render(out);

    json_section(
        out,
        "Template properties",
        "Template properties",
        r.properties.as_ref(),
    );
}

/// Pretty JSON, indented by two spaces, sanitized (a JSON string may hold bidi overrides).
fn json_block(out: &mut String, v: &Value) {
    let text = serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
    for line in sanitize::block(&text).lines() {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
}

/// `key: value` lines with the values aligned.
#[derive(Default)]
struct Fields(Vec<(&'static str, String)>);

impl Fields {
    fn add(&mut self, key: &'static str, value: impl AsRef<str>) {
        self.0
            .push((key, sanitize::line(value.as_ref()).into_owned()));
    }

    fn opt(&mut self, key: &'static str, value: Option<impl AsRef<str>>) {
        if let Some(v) = value {
            self.add(key, v);
        }
    }

    fn render(&self, out: &mut String) {
        let width = self.0.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (key, value) in &self.0 {
            let pad = " ".repeat(width - key.len());
            out.push_str(format!("  {key}:{pad} {value}").trim_end());
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::describe::EnvVar;
    use crate::aws::StackResourceDetail;
    use serde_json::json;

    const HINT: &str = "--show-env shows them";

    fn function(show: bool) -> FunctionDescription {
        FunctionDescription {
            construct_path: "S/fn\x1b[2J".into(),
            region: "us-east-1".into(),
            name: "S-fn-1".into(),
            arn: "arn:aws:lambda:us-east-1:123456789012:function:S-fn-1".into(),
            runtime: Some("nodejs22.x".into()),
            handler: Some("index.handler".into()),
            memory_mb: Some(128),
            timeout_seconds: Some(15),
            role: None,
            architectures: vec!["x86_64".into()],
            last_modified: None,
            code_size_bytes: 10,
            description: Some("a\nb".into()),
            state: None,
            environment: vec![EnvVar {
                name: "TOKEN".into(),
                value: show.then(|| "s3cr\x07t".into()),
            }],
            environment_values_shown: show,
            policy: Some(json!({"Statement": [{"Sid": "x\u{202e}y"}]})),
            access: None,
        }
    }

    #[test]
    fn function_text_hides_values_and_sanitizes() {
        let text = render_for(&Description::Lambda(function(false)), Some(HINT));
        assert!(
            text.starts_with("S/fn\\x1b[2J (Lambda function)\n"),
            "{text}"
        );
        assert!(text.contains("  runtime:       nodejs22.x\n"), "{text}");
        assert!(text.contains("  description:   a\\nb\n"), "{text}");
        assert!(
            text.contains("values hidden; --show-env shows them"),
            "{text}"
        );
        assert!(text.contains("\n  TOKEN\n"), "{text}");
        assert!(text.contains("\"Sid\": \"x\\u{202e}y\""), "{text}");
        assert!(!text.contains('\x1b') && !text.contains('\u{202e}'));

        let text = render_for(&Description::Lambda(function(true)), Some(HINT));
        assert!(text.contains("  TOKEN=s3cr\\x07t\n"), "{text}");
    }

    #[test]
    fn resource_text_shows_status_and_properties() {
        let r = ResourceDescription {
            construct_path: "S/role".into(),
            region: "us-east-1".into(),
            stack_name: "S".into(),
            resource: StackResourceDetail {
                logical_id: "Role1".into(),
                physical_id: Some("S-Role1-X".into()),
                cfn_type: Some("AWS::IAM::Role".into()),
                status: Some("CREATE_COMPLETE".into()),
                ..Default::default()
            },
            properties: Some(json!({"AssumeRolePolicyDocument": {}})),
        };
        let text = render_for(&Description::Resource(r), Some(HINT));
        assert_eq!(
            text,
            "S/role (AWS::IAM::Role)\n  stack:       S\n  logical id:  Role1\n  physical id: S-Role1-X\n  status:      CREATE_COMPLETE\n  region:      us-east-1\n\nTemplate properties:\n  {\n    \"AssumeRolePolicyDocument\": {}\n  }\n"
        );
    }
}
