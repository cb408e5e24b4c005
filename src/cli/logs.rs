//! `cdkx FUNCTION|API logs`: the log lines of a function or a REST API stage (history of a
//! window, or following), one line per event: time, request id (else stream), message;
//! START/END/REPORT summarized; JSON Lines with `-o json`.

use std::io::Write;

use anyhow::{Result, anyhow};

use super::OutputFormat;
use super::args::LogsArgs;
use super::construct::Ctx;
use crate::actions::logs::{self, FollowEvent, LogLine, LogsRequest};
use crate::sanitize;
use crate::time::parse_when;

pub async fn run(ctx: &Ctx<'_>, args: &[String]) -> Result<i32> {
    let args: LogsArgs = ctx.parse(args);
    let now = crate::time::now();
    let since = parse_when(&args.since, now).map_err(|e| anyhow!("--since: {e}"))?;
    let until = match &args.until {
        Some(u) => Some(parse_when(u, now).map_err(|e| anyhow!("--until: {e}"))?),
        None => None,
    };
    if until.is_some_and(|u| u < since) {
        anyhow::bail!("--since is after --until");
    }
    let req = LogsRequest {
        since_ms: (since * 1000.0) as i64,
        until_ms: until.map(|u| (u * 1000.0) as i64),
        filter: args.filter.clone(),
        request_id: args.request_id.clone(),
    };
    let target = match &args.stage {
        Some(stage) if crate::kind::ResourceKind::ApiGatewayRestApi.is(&ctx.subject.cfn_type) => {
            logs::api_log_target(ctx.aws, ctx.subject, Some(stage)).await?
        }
        Some(_) => return Err(super::usage("--stage is for a REST API's logs")),
        None => logs::log_target(ctx.aws, ctx.subject).await?,
    };
    if let Some(note) = &target.note {
        eprintln!("{}", sanitize::line(note));
    }
    let json = ctx.g.output == OutputFormat::Json;
    let stdout = std::io::stdout();
    let print = |line: &LogLine| -> std::io::Result<()> {
        let mut out = stdout.lock();
        if json {
            // C1 and bidi controls escaped too, as in every JSON cdkx writes.
            let text = sanitize::json_line(line).map_err(std::io::Error::other)?;
            writeln!(out, "{text}")?;
        } else {
            writeln!(out, "{}", line.text())?;
        }
        // Following: each line as it comes, not when a buffer fills.
        out.flush()
    };
    if args.follow {
        let groups = target.groups_text();
        let region = target.region.clone();
        let mut follow = logs::follow(ctx.aws.clone(), target, req);
        // Ends when interrupted (or, `| head`, when stdout closes) unless a call fails;
        // dropping `follow` closes the Live Tail session.
        while let Some(ev) = follow.recv().await {
            match ev {
                FollowEvent::Mode { note, .. } => {
                    eprintln!("following {groups} in {region}: {note}; Ctrl-C to stop")
                }
                FollowEvent::Line(line) => {
                    if print(&line).is_err() {
                        return Ok(0);
                    }
                }
                FollowEvent::Note(note) => eprintln!("{note}"),
                FollowEvent::Failed(e) => return Err(e.into()),
            }
        }
        Ok(0)
    } else {
        let read = logs::history(ctx.aws, &target, &req, print).await?;
        for g in &read.missing {
            eprintln!("log group {} does not exist", sanitize::line(g));
        }
        let n = read.lines;
        eprintln!(
            "{n} line{} from {} since {}",
            if n == 1 { "" } else { "s" },
            target.groups_text(),
            crate::time::iso_ms(req.since_ms)
        );
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use crate::actions::logs::{self, LogLine};
    use crate::aws::LogEvent;

    fn line(msg: &str) -> LogLine {
        logs::parse_line(LogEvent {
            timestamp: 1_700_000_000_123,
            message: msg.to_string(),
            event_id: None,
            stream: Some("2026/01/01/[$LATEST]abc".into()),
        })
    }

    #[test]
    fn report_is_summarized() {
        let l = line(
            "REPORT RequestId: 8f5c2d4e-1111-2222-3333-444455556666\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 45 MB\t\n",
        );
        assert_eq!(
            l.text(),
            "2023-11-14T22:13:20.123Z  8f5c2d4e  REPORT  duration 12.34 ms  billed 13 ms  memory 45/128 MB"
        );
    }

    #[test]
    fn runtime_prefix_is_not_repeated() {
        let l =
            line("2026-01-01T00:00:00.000Z\t8f5c2d4e-1111-2222-3333-444455556666\tINFO\thello\n");
        assert_eq!(l.text(), "2023-11-14T22:13:20.123Z  8f5c2d4e  INFO  hello");
    }

    #[test]
    fn stream_when_no_request_id_and_escapes() {
        let l = line("evil \u{1b}[31mred\u{1b}[0m\n");
        let r = l.text();
        assert!(!r.contains('\u{1b}'), "{r}");
        assert!(
            r.ends_with("2026/01/01/[$LATEST]abc  evil \\x1b[31mred\\x1b[0m"),
            "{r}"
        );
    }
}
