//! A CloudTrail management event ([`AuditRow`]) as the cells of a table row: the CLI's audit
//! table and text output and the TUI's audit view show the same columns, said the same way.

use crate::actions::audit::AuditRow;

/// The columns of an audit row, in the order of [`cells`].
pub const HEADERS: [&str; 8] = [
    "TIME",
    "EVENT",
    "SOURCE",
    "PRINCIPAL",
    "ACCOUNT",
    "SOURCE IP",
    "RO",
    "USER AGENT",
];

/// The row's cells in the order of [`HEADERS`], sanitized: `-` for what the event does not
/// say, the event source without `.amazonaws.com`, read-only as `yes`/`no`.
pub fn cells(r: &AuditRow) -> [String; 8] {
    let safe = |s: &str| crate::sanitize::line(s).into_owned();
    let opt = |o: &Option<String>| safe(o.as_deref().unwrap_or("-"));
    [
        safe(&r.time),
        safe(&r.event_name),
        safe(r.event_source.trim_end_matches(".amazonaws.com")),
        safe(&r.principal),
        opt(&r.caller_account),
        opt(&r.source_ip),
        match r.read_only {
            Some(true) => "yes".into(),
            Some(false) => "no".into(),
            None => "-".into(),
        },
        opt(&r.user_agent),
    ]
}
