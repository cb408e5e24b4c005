//! `cdkx API probe` and `cdkx probe URL`: the same request unsigned and SigV4-signed, side by side,
//! each answer with a verdict.

use anyhow::Result;

use super::args::{ConstructProbeArgs, ProbeOptions, UrlProbeArgs};
use super::construct::Ctx;
use super::{GlobalArgs, OutputFormat};
use crate::actions::probe::{self, ProbeRequest, ProbeResult};
use crate::aws::Aws;
use crate::present::sides;
use crate::sanitize;

/// Exit code when the signed request got an error answer.
pub const SIGNED_ERROR_EXIT: i32 = 4;

pub async fn run_native(ctx: &Ctx<'_>, args: &[String]) -> Result<i32> {
    let args: ConstructProbeArgs = ctx.parse(args);
    let request = request(&args.opts)?;
    let endpoint = endpoint(&args.opts, ctx.base_aws);
    let signer = probe::signer_for(ctx.base_aws, args.opts.as_role.as_deref()).await;
    let result = probe::probe_construct(
        ctx.app,
        Some(ctx.deployment),
        ctx.aws,
        &signer,
        ctx.subject,
        args.stage.as_deref(),
        &request,
        endpoint,
    )
    .await?;
    show(ctx.g, &result, &args.opts, &request)
}

pub async fn run_url(g: &GlobalArgs, args: UrlProbeArgs) -> Result<i32> {
    let aws = g.session().connect().await?;
    let request = request(&args.opts)?;
    let endpoint = endpoint(&args.opts, &aws);
    let region = aws.default_region();
    let target = probe::target_from_url(
        &args.url,
        g.region.as_deref().or(region.as_deref()),
        endpoint,
    )?;
    let signer = probe::signer_for(&aws, args.opts.as_role.as_deref()).await;
    let result = probe::probe_as(&signer, &target, &request).await;
    show(g, &result, &args.opts, &request)
}

fn endpoint(opts: &ProbeOptions, aws: &Aws) -> Option<String> {
    probe::endpoint_override(opts.execute_api_endpoint.as_deref(), aws)
}

fn note_endpoint(endpoint: Option<&str>) {
    if let Some(e) = endpoint {
        eprintln!(
            "note: sending to {} with the API's Host header (endpoint override)",
            sanitize::line(e)
        );
    }
}

fn request(opts: &ProbeOptions) -> Result<ProbeRequest> {
    Ok(ProbeRequest {
        method: opts.method.to_ascii_uppercase(),
        path: opts.path.clone(),
        headers: opts
            .headers
            .iter()
            .map(|h| parse_header(h))
            .collect::<Result<_>>()?,
        body: match &opts.data {
            None => Vec::new(),
            Some(d) => match d.strip_prefix('@') {
                Some(file) => crate::bounds::read_file(
                    std::path::Path::new(file),
                    crate::bounds::PROBE_BODY_MAX,
                    "a probe request body (API Gateway's payload limit)",
                )
                .map_err(|e| super::usage(e.to_string()))?,
                None => d.clone().into_bytes(),
            },
        },
    })
}

fn show(
    g: &GlobalArgs,
    result: &ProbeResult,
    opts: &ProbeOptions,
    request: &ProbeRequest,
) -> Result<i32> {
    note_endpoint(result.target.endpoint.as_deref());
    match g.output {
        OutputFormat::Json => println!("{}", crate::sanitize::json(result)?),
        format => print!("{}", render(result, format, opts, request)),
    }
    let code = match (&result.unsigned.error, &result.signed.side) {
        (Some(_), _) | (_, None) => 1,
        (_, Some(s)) if s.status.is_some_and(|c| (200..300).contains(&c)) => 0,
        _ => SIGNED_ERROR_EXIT,
    };
    Ok(code)
}

fn parse_header(h: &str) -> Result<(String, String)> {
    let Some((k, v)) = h.split_once(':') else {
        return Err(super::usage(format!(
            "header {} is not of the form 'Name: value'",
            sanitize::excerpt(&format!("{h:?}"), 100)
        )));
    };
    let k = k.trim();
    if k.is_empty()
        || !k
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
    {
        return Err(super::usage(format!(
            "header name {} is not valid",
            sanitize::excerpt(&format!("{k:?}"), 100)
        )));
    }
    Ok((k.to_string(), v.trim().to_string()))
}

fn render(
    r: &ProbeResult,
    format: OutputFormat,
    opts: &ProbeOptions,
    req: &ProbeRequest,
) -> String {
    let mut out = format!(
        "{} {}",
        sanitize::line(&r.method),
        sanitize::line(&r.target.url)
    );
    if let Some(e) = &r.target.endpoint {
        out.push_str(&format!("  (via {})", sanitize::line(e)));
    }
    out.push('\n');
    match &r.signer {
        Some(c) => out.push_str(&format!(
            "signed as {} · credentials: {}\n",
            sanitize::line(&c.arn),
            sanitize::line(&r.signer_source)
        )),
        None => out.push_str(&format!(
            "signed with credentials from {}\n",
            sanitize::line(&r.signer_source)
        )),
    }
    if let Some(a) = &r.access {
        out.push('\n');
        out.push_str(&crate::present::access::text(a));
    }
    if let Some(a) = &r.function_access {
        out.push('\n');
        out.push_str(&crate::present::access::function_text(a));
    }
    out.push('\n');
    let (unsigned, signed) = (r.unsigned.as_side(), r.signed.as_side());
    let (u_extra, s_extra) = (r.unsigned.details(), r.signed.details());
    if format == OutputFormat::Table {
        out.push_str(&sides::side_by_side(
            ("UNSIGNED", &unsigned, &u_extra),
            ("SIGNED (SigV4)", &signed, &s_extra),
            None,
        ));
    } else {
        out.push_str(&sides::side_block("unsigned", &unsigned, &u_extra, None));
        out.push('\n');
        out.push_str(&sides::side_block(
            "signed (SigV4)",
            &signed,
            &s_extra,
            None,
        ));
    }
    if opts.show_signed {
        out.push('\n');
        out.push_str(&show_signed(r, opts, req));
    }
    out
}

/// The signed request, redacted, and a curl line that signs the same request itself from the
/// environment's credentials (so no secret is ever printed).
fn show_signed(r: &ProbeResult, opts: &ProbeOptions, req: &ProbeRequest) -> String {
    let Some(view) = &r.signed_request else {
        return "signed request: none was made (see the signed side)\n".to_string();
    };
    let mut out = format!(
        "signed request:\n  {} {}\n",
        sanitize::line(&view.method),
        sanitize::line(&view.url)
    );
    for (k, v) in &view.headers {
        out.push_str(&format!("  {}: {}\n", sanitize::line(k), sanitize::line(v)));
    }
    let (url, host_header) = match &r.target.endpoint {
        None => (r.target.url.clone(), None),
        Some(e) => {
            let path = r.target.url.splitn(4, '/').nth(3).unwrap_or_default();
            let host = r.target.url.split('/').nth(2).unwrap_or_default();
            (
                format!("{}/{path}", e.trim_end_matches('/')),
                Some(host.to_string()),
            )
        }
    };
    let mut curl = format!(
        "curl -X {} {} --aws-sigv4 {} --user \"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY\"",
        sh_quote(&view.method),
        sh_quote(&url),
        sh_quote(&format!(
            "aws:amz:{}:{}",
            r.target.region, r.signing_service
        ))
    );
    if view
        .headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("x-amz-security-token"))
    {
        curl.push_str(" -H \"x-amz-security-token: $AWS_SESSION_TOKEN\"");
    }
    if let Some(h) = host_header {
        curl.push_str(&format!(" -H {}", sh_quote(&format!("Host: {h}"))));
    }
    for (k, v) in &req.headers {
        curl.push_str(&format!(" -H {}", sh_quote(&format!("{k}: {v}"))));
    }
    match &opts.data {
        Some(d) if d.starts_with('@') => curl.push_str(&format!(" --data-binary {}", sh_quote(d))),
        Some(d) => curl.push_str(&format!(" --data-binary {}", sh_quote(d))),
        None => {}
    }
    out.push_str(
        "to reproduce it with curl (it signs with the credentials in your environment):\n  ",
    );
    out.push_str(&sanitize::line(&curl));
    out.push('\n');
    out
}

/// Single-quotes a word for POSIX shells.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_parse_and_bad_ones_are_refused() {
        assert_eq!(
            parse_header("X-Trace: a: b").unwrap(),
            ("X-Trace".into(), "a: b".into())
        );
        assert!(parse_header("nocolon").is_err());
        assert!(parse_header("bad name: x").is_err());
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
    }
}
