//! Where each `${PLACEHOLDER}` of an `exec` template stands, as `sh` would read the template.
//!
//! Values never enter the script text: a placeholder becomes a reference to its `CDKX_<NAME>`
//! environment variable (`"${CDKX_NAME}"` in a plain word, `${CDKX_NAME}` inside double quotes),
//! which the shell expands exactly once and never reads again as code. That is only true in two
//! places, so those are the only ones accepted: an argument word of a simple command, and directly
//! inside `"..."`, both outside any substitution. Anything else (single quotes, `$'...'`, after a
//! backslash, here-documents, `$(...)`, backticks, arithmetic, inside another `${...}`, the
//! command name, a template that runs a shell or `eval`) is refused when the file is loaded. The
//! scanner is deliberately small: what it does not understand, it refuses.

use std::fmt;

/// Where a placeholder stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// An argument word: becomes `"${CDKX_NAME}"`.
    Word,
    /// Directly inside `"..."`: becomes `${CDKX_NAME}`.
    DoubleQuoted,
    SingleQuoted,
    AnsiC,
    Escaped,
    HereDoc,
    CommandSubst,
    Arithmetic,
    ParamExpansion,
    /// `${STACK_NAME:-x}`: a placeholder with a shell operator.
    WithOperator,
    CommandName,
    /// In a template that runs a command whose name is computed (`$CMD`, `f() { $1; }`).
    ComputedCommand,
    /// The template runs this word (a shell, `eval`, ...), which would read values as code.
    Interpreter(String),
    /// After something the scanner does not follow (a `case` inside `$(...)`).
    Unchecked,
    /// Inside a quote or substitution that the template never closes.
    Unterminated,
}

/// A placeholder the template may not use where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub name: String,
    pub place: Place,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = &self.name;
        let p = format!("${{{n}}}");
        let var = format!("\"$CDKX_{n}\"");
        match &self.place {
            Place::Word | Place::DoubleQuoted => write!(f, "{p} is accepted"),
            Place::SingleQuoted => write!(
                f,
                "{p} is inside single quotes, where the shell would not expand it; end the quotes around it: 'text'\"{p}\"'more text'"
            ),
            Place::AnsiC => write!(
                f,
                "{p} is inside $'...'; write it outside the quotes: $'text'\"{p}\""
            ),
            Place::Escaped => write!(
                f,
                "{p} follows a backslash, which would keep its value from being quoted; write \"{p}\""
            ),
            Place::HereDoc => write!(
                f,
                "{p} is in a here-document, whose text is often read as code; in it, use the environment variable $CDKX_{n} (set for every command), or pass the value as an argument: printf '%s\\n' \"{p}\""
            ),
            Place::CommandSubst => write!(
                f,
                "{p} is inside a command substitution ($(...) or backticks); there, use the environment variable: $(printf '%s' {var})"
            ),
            Place::Arithmetic => write!(
                f,
                "{p} is in an arithmetic expression, which bash evaluates as code; placeholders are not allowed in $((...)), $[...] or ((...))"
            ),
            Place::ParamExpansion => write!(
                f,
                "{p} is inside another ${{...}} expansion; use the environment variable there: \"${{FOO:-$CDKX_{n}}}\""
            ),
            Place::WithOperator => write!(
                f,
                "${{{n}...}}: a placeholder takes no shell operator; use the environment variable: \"${{CDKX_{n}:-default}}\""
            ),
            Place::CommandName => write!(
                f,
                "{p} is the command name; a value may not choose the program that runs"
            ),
            Place::ComputedCommand => write!(
                f,
                "the template runs a command whose name is computed ($VAR, \"$@\" or $(...)), so cdkx cannot tell what would run the value of {p}; name the program"
            ),
            Place::Interpreter(w) => write!(
                f,
                "the template runs `{w}`, which reads its arguments or input as shell code, so the value of {p} could run; hand values to it through the environment instead: sh -c 'printf \"%s\\n\" {var}'"
            ),
            Place::Unchecked => write!(
                f,
                "{p} follows a `case` inside $(...), which cdkx cannot check; use the environment variable: {var}"
            ),
            Place::Unterminated => write!(
                f,
                "{p} is inside a quote or substitution that the template never closes"
            ),
        }
    }
}

/// One `${NAME}` of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub start: usize,
    pub end: usize,
    pub name: String,
    pub place: Place,
}

/// What the scanner learnt of a template.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    pub occurrences: Vec<Occurrence>,
    /// `$@`, `$*`, `$#` or a positional parameter appears where the shell expands it.
    pub uses_args: bool,
    /// `"$@"` can be appended to the last line as more arguments of its last command.
    pub appendable: bool,
}

impl Analysis {
    /// The first placeholder that stands where it may not.
    pub fn refusal(&self) -> Option<Refusal> {
        self.occurrences
            .iter()
            .find(|o| !matches!(o.place, Place::Word | Place::DoubleQuoted))
            .map(|o| Refusal {
                name: o.name.clone(),
                place: o.place.clone(),
            })
    }
}

/// Commands that read their arguments or their input as shell code (or arithmetic).
const INTERPRETERS: [&str; 21] = [
    "eval", "sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "yash", "posh", "busybox", "fish",
    "csh", "tcsh", "ssh", "su", "trap", "alias", "let", "declare", "typeset",
];

/// Commands that run their first argument (after options, assignments and numbers) as a program.
const WRAPPERS: [&str; 16] = [
    "exec", "command", "builtin", "env", "nohup", "nice", "time", "timeout", "sudo", "doas",
    "setsid", "stdbuf", "chroot", "ionice", "taskset", "xargs",
];

/// A wrapper's own argument, before the program: `-n`, `--signal=KILL`, `A=b`, `30`, `1.5s`.
fn is_wrapper_option(word: &Word) -> bool {
    let lit = word.literal.as_str();
    if word.expands_before_eq {
        return lit.starts_with('-');
    }
    lit.starts_with('-')
        || is_assignment(lit)
        || (lit.starts_with(|c: char| c.is_ascii_digit())
            && lit
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | 's' | 'm' | 'h' | 'd')))
}

/// `/usr/bin/sh` → `sh`; other words as they are.
fn basename(lit: &str) -> &str {
    if lit.starts_with('/') || lit.starts_with('.') {
        lit.rsplit('/').next().unwrap_or(lit)
    } else {
        lit
    }
}

/// Reserved words after which the next word is again a command name.
const KEEP_COMMAND: [&str; 13] = [
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "esac",
];

/// Reserved words whose next words are not commands (`case WORD in`, `for NAME in ...`).
const NOT_COMMAND: [&str; 5] = ["case", "for", "select", "in", "function"];

/// A placeholder name as the catalogue writes it: `[A-Z_][A-Z0-9_]*`.
fn is_placeholder_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit()
}

/// `${NAME}` at `i`: its end and name.
pub fn placeholder_at(t: &str, i: usize) -> Option<(usize, &str)> {
    let rest = t.get(i..)?.strip_prefix("${")?;
    let close = rest.find('}')?;
    let name = &rest[..close];
    is_placeholder_name(name).then_some((i + 3 + close, name))
}

/// `${NAME` followed by something other than `}`, with NAME a known placeholder.
fn placeholder_with_operator<'a>(t: &'a str, i: usize, known: &[&str]) -> Option<&'a str> {
    let rest = t.get(i..)?.strip_prefix("${")?;
    let len = rest
        .bytes()
        .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
        .count();
    let name = &rest[..len];
    (len > 0 && rest.as_bytes().get(len) != Some(&b'}') && known.contains(&name)).then_some(name)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Eof,
    /// The `)` of `$(`, `<(` or `>(`.
    Paren,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last {
    Nothing,
    Word,
    /// A reserved word in command position (`fi`, `done`, `}`).
    Reserved,
    Other,
}

struct Scanner<'a> {
    t: &'a str,
    b: &'a [u8],
    i: usize,
    known: &'a [&'a str],
    out: Analysis,
    /// Here-documents whose bodies start at the next newline: (delimiter, strip tabs, quoted).
    pending: Vec<(String, bool, bool)>,
    /// Set once the scanner meets something it does not follow; later placeholders are refused.
    unchecked: bool,
    interpreter: Option<String>,
    /// The template runs a command whose name is computed.
    computed_command: bool,
    /// The last top-level token, to know whether `"$@"` can be appended.
    last: Last,
    unterminated: bool,
    /// Whether the here-document delimiter being read has quotes (its body does not expand).
    heredoc_quoted: bool,
}

/// The state of the simple command being read.
#[derive(Default)]
struct Simple {
    /// The next word is the command name (or an assignment, or a reserved word).
    command_pos: bool,
    /// The next word is the target of a redirection.
    redirect_target: bool,
    /// `Some(strip tabs)` when the next word is a here-document delimiter.
    heredoc_delim: Option<bool>,
    /// The command is a wrapper (`exec`, `env`, `timeout`...) whose program is still to come.
    wrapper: bool,
}

/// The word being read, as the script scanner sees it.
#[derive(Default)]
struct Word {
    started: bool,
    /// The text with quotes removed, if it has no expansion.
    literal: String,
    expands: bool,
    /// An expansion comes before any `=` (so it is no `NAME=value` assignment).
    expands_before_eq: bool,
    /// Placeholders of this word whose place depends on whether it is the command name.
    pending: Vec<usize>,
}

impl<'a> Scanner<'a> {
    fn peek(&self, k: usize) -> Option<u8> {
        self.b.get(self.i + k).copied()
    }

    fn record(&mut self, start: usize, end: usize, name: &str, place: Place) -> usize {
        let place = if self.unchecked && matches!(place, Place::Word | Place::DoubleQuoted) {
            Place::Unchecked
        } else {
            place
        };
        self.out.occurrences.push(Occurrence {
            start,
            end,
            name: name.to_string(),
            place,
        });
        self.out.occurrences.len() - 1
    }

    /// Records every placeholder in `start..end` as standing in `place` (quoted text, bodies).
    fn record_all(&mut self, start: usize, end: usize, place: Place) {
        let mut j = start;
        while j < end {
            if let Some((e, name)) = placeholder_at(self.t, j)
                && e <= end
            {
                let name = name.to_string();
                self.record(j, e, &name, place.clone());
                j = e;
            } else {
                j += 1;
            }
        }
    }

    /// Skips one character (UTF-8 aware).
    fn skip_char(&mut self) {
        self.i += 1;
        while self.i < self.b.len() && (self.b[self.i] & 0xC0) == 0x80 {
            self.i += 1;
        }
    }

    /// A script: top level, or the inside of `$(...)` (`nested`: every placeholder is refused
    /// with that place).
    fn script(&mut self, end: End, nested: Option<Place>) {
        let top = nested.is_none();
        let mut st = Simple {
            command_pos: true,
            ..Simple::default()
        };
        let mut depth = 0usize;
        let mut w = Word::default();

        while let Some(c) = self.peek(0) {
            match c {
                b' ' | b'\t' => {
                    self.finish_word(&mut st, &mut w, top);
                    self.i += 1;
                }
                b'\n' => {
                    self.boundary(&mut st, &mut w, top);
                    self.i += 1;
                    if !self.pending.is_empty() {
                        self.heredoc_bodies(top);
                    }
                }
                b'#' if !w.started => {
                    while let Some(c) = self.peek(0) {
                        if c == b'\n' {
                            break;
                        }
                        self.i += 1;
                    }
                    if top {
                        self.last = Last::Other;
                    }
                }
                b'\\' => {
                    w.started = true;
                    if st.heredoc_delim.is_some() {
                        self.heredoc_quoted = true;
                    }
                    if self.peek(1) == Some(b'\n') {
                        self.i += 2;
                        continue;
                    }
                    if self.peek(1).is_none() {
                        self.i += 1;
                        continue;
                    }
                    self.i += 1;
                    if let Some((e, name)) = placeholder_at(self.t, self.i) {
                        let name = name.to_string();
                        self.record(self.i, e, &name, nested.clone().unwrap_or(Place::Escaped));
                        w.literal.push_str(&self.t[self.i..e]);
                        self.i = e;
                    } else {
                        let s = self.i;
                        self.skip_char();
                        w.literal.push_str(&self.t[s..self.i]);
                    }
                }
                b'\'' => {
                    w.started = true;
                    if st.heredoc_delim.is_some() {
                        self.heredoc_quoted = true;
                    }
                    let s = self.i + 1;
                    match self.t[s..].find('\'') {
                        Some(k) => {
                            self.record_all(
                                s,
                                s + k,
                                nested.clone().unwrap_or(Place::SingleQuoted),
                            );
                            w.literal.push_str(&self.t[s..s + k]);
                            self.i = s + k + 1;
                        }
                        None => {
                            self.record_all(s, self.b.len(), Place::SingleQuoted);
                            self.unterminated = true;
                            self.i = self.b.len();
                        }
                    }
                }
                b'"' => {
                    w.started = true;
                    if st.heredoc_delim.is_some() {
                        self.heredoc_quoted = true;
                    }
                    self.i += 1;
                    let (lit, expands, pending) = self.double(nested.clone());
                    w.literal.push_str(&lit);
                    w.expands |= expands;
                    if expands && !w.literal.contains('=') {
                        w.expands_before_eq = true;
                    }
                    w.pending.extend(pending);
                }
                b'`' => {
                    w.started = true;
                    w.expands = true;
                    if !w.literal.contains('=') {
                        w.expands_before_eq = true;
                    }
                    self.i += 1;
                    self.backtick();
                }
                b'$' => {
                    w.started = true;
                    let before = self.out.occurrences.len();
                    let expands = self.dollar(nested.clone().unwrap_or(Place::Word), true);
                    if expands {
                        w.expands = true;
                        if !w.literal.contains('=') {
                            w.expands_before_eq = true;
                        }
                    }
                    for k in before..self.out.occurrences.len() {
                        if matches!(
                            self.out.occurrences[k].place,
                            Place::Word | Place::DoubleQuoted
                        ) {
                            w.pending.push(k);
                        }
                    }
                    if !expands {
                        w.literal.push('$');
                    }
                }
                b';' | b'&' | b'|' => {
                    self.boundary(&mut st, &mut w, top);
                    self.i += 1;
                }
                b'(' => {
                    if st.command_pos && !w.started && self.peek(1) == Some(b'(') {
                        self.finish_word(&mut st, &mut w, top);
                        self.i += 2;
                        self.arithmetic(2);
                        self.boundary(&mut st, &mut w, top);
                        continue;
                    }
                    self.boundary(&mut st, &mut w, top);
                    depth += 1;
                    self.i += 1;
                }
                b')' => {
                    self.boundary(&mut st, &mut w, top);
                    self.i += 1;
                    if end == End::Paren {
                        if depth == 0 {
                            return;
                        }
                        depth -= 1;
                    }
                }
                b'<' | b'>' => {
                    self.finish_word(&mut st, &mut w, top);
                    if matches!(self.peek(1), Some(b'(')) {
                        // Process substitution (bash): a nested script.
                        self.i += 2;
                        self.script(End::Paren, Some(Place::CommandSubst));
                        continue;
                    }
                    if c == b'<' && self.peek(1) == Some(b'<') && self.peek(2) != Some(b'<') {
                        self.i += 2;
                        let strip = self.peek(0) == Some(b'-');
                        if strip {
                            self.i += 1;
                        }
                        st.heredoc_delim = Some(strip);
                        self.heredoc_quoted = false;
                        continue;
                    }
                    self.i += 1;
                    while matches!(self.peek(0), Some(b'<' | b'>' | b'&' | b'|' | b'-')) {
                        self.i += 1;
                    }
                    st.redirect_target = true;
                }
                _ => {
                    w.started = true;
                    let s = self.i;
                    self.skip_char();
                    w.literal.push_str(&self.t[s..self.i]);
                }
            }
        }
        self.finish_word(&mut st, &mut w, top);
        if end == End::Paren {
            self.unterminated = true;
        }
    }

    fn finish_word(&mut self, st: &mut Simple, w: &mut Word, top: bool) {
        if !w.started {
            return;
        }
        let word = std::mem::take(w);
        let mut last = Last::Word;
        if let Some(strip) = st.heredoc_delim.take() {
            self.pending
                .push((word.literal.clone(), strip, self.heredoc_quoted));
            self.heredoc_quoted = false;
            for k in &word.pending {
                self.out.occurrences[*k].place = Place::HereDoc;
            }
            last = Last::Other;
        } else if st.redirect_target {
            st.redirect_target = false;
        } else if st.command_pos {
            let lit = word.literal.as_str();
            if !word.expands_before_eq && is_assignment(lit) {
                // `NAME=value cmd`: the command name is still to come.
            } else if !word.expands && KEEP_COMMAND.contains(&lit) {
                last = Last::Reserved;
            } else if !word.expands && NOT_COMMAND.contains(&lit) {
                st.command_pos = false;
                last = Last::Reserved;
                if lit == "case" && !top {
                    self.unchecked = true;
                }
            } else {
                st.command_pos = false;
                if word.expands {
                    self.computed_command = true;
                }
                self.program_word(st, &word);
            }
        } else if st.wrapper && !is_wrapper_option(&word) {
            self.program_word(st, &word);
        } else {
            self.note_interpreter(&word, false);
        }
        if top {
            self.last = last;
        }
    }

    /// The word that names the program a simple command runs (after any wrapper such as
    /// `exec`, `env` or `timeout 5`): a placeholder there would let a value choose it.
    fn program_word(&mut self, st: &mut Simple, word: &Word) {
        if word.expands && word.pending.is_empty() {
            self.computed_command = true;
        }
        for k in &word.pending {
            self.out.occurrences[*k].place = Place::CommandName;
        }
        st.wrapper = !word.expands && WRAPPERS.contains(&basename(&word.literal));
        self.note_interpreter(word, true);
    }

    /// The end of a simple command (`;`, `&`, `|`, a newline, a parenthesis).
    fn boundary(&mut self, st: &mut Simple, w: &mut Word, top: bool) {
        self.finish_word(st, w, top);
        *st = Simple {
            command_pos: true,
            ..Simple::default()
        };
        if top {
            self.last = Last::Other;
        }
    }

    fn note_interpreter(&mut self, word: &Word, command: bool) {
        if word.expands || self.interpreter.is_some() {
            return;
        }
        let lit = word.literal.as_str();
        let base = basename(lit);
        // `. FILE` and `source FILE` run a file as code.
        let sources = command && matches!(lit, "." | "source");
        if INTERPRETERS.contains(&base) || base == "[[" || sources {
            self.interpreter = Some(base.to_string());
        }
    }

    /// Reads the bodies of the pending here-documents, after a newline.
    fn heredoc_bodies(&mut self, top: bool) {
        for (delim, strip, quoted) in std::mem::take(&mut self.pending) {
            let start = self.i;
            let mut body_end = self.b.len();
            let mut next = self.b.len();
            let mut j = start;
            while j < self.b.len() {
                let line_end = self.t[j..].find('\n').map_or(self.b.len(), |k| j + k);
                let mut line = &self.t[j..line_end];
                if strip {
                    line = line.trim_start_matches('\t');
                }
                if line == delim {
                    body_end = j;
                    next = (line_end + 1).min(self.b.len());
                    break;
                }
                j = line_end + 1;
            }
            self.record_all(start, body_end, Place::HereDoc);
            if !quoted && uses_args(&self.t[start..body_end]) {
                self.out.uses_args = true;
            }
            self.i = next;
            if top {
                self.last = Last::Other;
            }
        }
    }

    /// Inside `"..."`, after the opening quote. Returns the literal text, whether it expands,
    /// and the placeholders whose place is decided by the word (none: in quotes it is fixed).
    fn double(&mut self, nested: Option<Place>) -> (String, bool, Vec<usize>) {
        let mut lit = String::new();
        let mut expands = false;
        let before = self.out.occurrences.len();
        let word_level = |s: &Self| -> Vec<usize> {
            (before..s.out.occurrences.len())
                .filter(|k| s.out.occurrences[*k].place == Place::DoubleQuoted)
                .collect()
        };
        while let Some(c) = self.peek(0) {
            match c {
                b'"' => {
                    self.i += 1;
                    return (lit, expands, word_level(self));
                }
                b'\\' => {
                    self.i += 1;
                    if let Some((e, name)) = placeholder_at(self.t, self.i) {
                        let name = name.to_string();
                        self.record(self.i, e, &name, nested.clone().unwrap_or(Place::Escaped));
                        self.i = e;
                    } else if self.i < self.b.len() {
                        let s = self.i;
                        self.skip_char();
                        lit.push_str(&self.t[s..self.i]);
                    }
                }
                b'`' => {
                    expands = true;
                    self.i += 1;
                    self.backtick();
                }
                b'$' => {
                    let e = self.dollar(nested.clone().unwrap_or(Place::DoubleQuoted), false);
                    expands |= e;
                    if !e {
                        lit.push('$');
                    }
                }
                _ => {
                    let s = self.i;
                    self.skip_char();
                    lit.push_str(&self.t[s..self.i]);
                }
            }
        }
        self.unterminated = true;
        (lit, expands, word_level(self))
    }

    /// Inside backticks, after the opening one: every placeholder is refused.
    fn backtick(&mut self) {
        let start = self.i;
        while let Some(c) = self.peek(0) {
            match c {
                b'\\' => self.i += 2,
                b'`' => {
                    self.record_all(start, self.i, Place::CommandSubst);
                    if uses_args(&self.t[start..self.i]) {
                        self.out.uses_args = true;
                    }
                    self.i += 1;
                    return;
                }
                _ => self.i += 1,
            }
        }
        self.i = self.i.min(self.b.len());
        self.record_all(start, self.b.len(), Place::CommandSubst);
        self.unterminated = true;
    }

    /// Inside `$((` or `((`, after them: up to the matching `))`.
    fn arithmetic(&mut self, open: usize) {
        let start = self.i;
        let mut depth = open;
        while let Some(c) = self.peek(0) {
            match c {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        self.record_all(start, self.i, Place::Arithmetic);
                        if uses_args(&self.t[start..self.i]) {
                            self.out.uses_args = true;
                        }
                        self.i += 1;
                        return;
                    }
                }
                _ => {}
            }
            self.i += 1;
        }
        self.record_all(start, self.b.len(), Place::Arithmetic);
        self.unterminated = true;
    }

    /// At a `$`. `place`: where a placeholder here stands. Returns whether it starts an
    /// expansion (else the `$` is a literal character, and is consumed).
    fn dollar(&mut self, place: Place, unquoted: bool) -> bool {
        let at = self.i;
        if let Some((e, name)) = placeholder_at(self.t, at) {
            let name = name.to_string();
            self.record(at, e, &name, place);
            self.i = e;
            return true;
        }
        match self.peek(1) {
            Some(b'{') => {
                if let Some(name) = placeholder_with_operator(self.t, at, self.known) {
                    let name = name.to_string();
                    self.record(at, at + 2 + name.len(), &name, Place::WithOperator);
                }
                if matches!(self.peek(2), Some(b'@' | b'*' | b'1'..=b'9'))
                    || self.t[at..].starts_with("${#}")
                {
                    self.out.uses_args = true;
                }
                self.i += 2;
                self.braces();
                true
            }
            Some(b'[') => {
                // `$[...]`: bash's old arithmetic.
                self.i += 2;
                let start = self.i;
                let end = self.t[start..]
                    .find(']')
                    .map_or(self.b.len(), |k| start + k);
                self.record_all(start, end, Place::Arithmetic);
                if end >= self.b.len() {
                    self.unterminated = true;
                }
                self.i = (end + 1).min(self.b.len());
                true
            }
            Some(b'(') if self.peek(2) == Some(b'(') => {
                self.i += 3;
                self.arithmetic(2);
                true
            }
            Some(b'(') => {
                self.i += 2;
                self.script(End::Paren, Some(Place::CommandSubst));
                true
            }
            Some(b'\'') if unquoted => {
                // $'...': backslash escapes are processed, so a \' does not end it.
                self.i += 2;
                let start = self.i;
                while let Some(c) = self.peek(0) {
                    match c {
                        b'\\' => self.i += 2,
                        b'\'' => break,
                        _ => self.i += 1,
                    }
                }
                let end = self.i.min(self.b.len());
                self.record_all(start, end, Place::AnsiC);
                if end >= self.b.len() {
                    self.unterminated = true;
                }
                self.i = (end + 1).min(self.b.len());
                true
            }
            Some(b'@' | b'*' | b'#' | b'1'..=b'9') => {
                self.out.uses_args = true;
                self.i += 2;
                true
            }
            Some(b'0' | b'?' | b'$' | b'!' | b'-') => {
                self.i += 2;
                true
            }
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                self.i += 1;
                while matches!(self.peek(0), Some(c) if c.is_ascii_alphanumeric() || c == b'_') {
                    self.i += 1;
                }
                true
            }
            _ => {
                self.i += 1;
                false
            }
        }
    }

    /// Inside `${...}` that is not a placeholder, after `${`: to the matching `}`; every
    /// placeholder inside is refused.
    fn braces(&mut self) {
        let start = self.i;
        let mut depth = 1usize;
        while let Some(c) = self.peek(0) {
            match c {
                b'\\' => self.i += 1,
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        self.record_braced(start, self.i);
                        self.i += 1;
                        return;
                    }
                }
                _ => {}
            }
            self.i += 1;
        }
        self.record_braced(start, self.b.len());
        self.i = self.b.len();
        self.unterminated = true;
    }

    fn record_braced(&mut self, start: usize, end: usize) {
        let end = end.min(self.b.len());
        self.record_all(start, end, Place::ParamExpansion);
    }
}

/// `NAME=...`.
fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                && !name.as_bytes()[0].is_ascii_digit()
        }
        None => false,
    }
}

/// Whether text (where `$` expands) refers to the arguments.
fn uses_args(text: &str) -> bool {
    let b = text.as_bytes();
    (0..b.len()).any(|i| {
        b[i] == b'$'
            && (matches!(b.get(i + 1), Some(b'@' | b'*' | b'#' | b'1'..=b'9'))
                || (b.get(i + 1) == Some(&b'{')
                    && matches!(b.get(i + 2), Some(b'@' | b'*' | b'#' | b'1'..=b'9'))))
    })
}

/// Finds where each placeholder of `template` stands. `known`: the placeholder names.
pub fn analyse(template: &str, known: &[&str]) -> Analysis {
    let mut s = Scanner {
        t: template,
        b: template.as_bytes(),
        i: 0,
        known,
        out: Analysis::default(),
        pending: Vec::new(),
        unchecked: false,
        interpreter: None,
        computed_command: false,
        last: Last::Nothing,
        unterminated: false,
        heredoc_quoted: false,
    };
    s.script(End::Eof, None);
    let pending_heredoc = !s.pending.is_empty();
    let mut out = s.out;
    if let Some(w) = s.interpreter {
        for o in &mut out.occurrences {
            if matches!(o.place, Place::Word | Place::DoubleQuoted) {
                o.place = Place::Interpreter(w.clone());
            }
        }
    }
    if s.computed_command {
        for o in &mut out.occurrences {
            if matches!(o.place, Place::Word | Place::DoubleQuoted) {
                o.place = Place::ComputedCommand;
            }
        }
    }
    if s.unterminated {
        for o in &mut out.occurrences {
            if matches!(o.place, Place::Word | Place::DoubleQuoted) {
                o.place = Place::Unterminated;
            }
        }
    }
    out.occurrences.sort_by_key(|o| o.start);
    out.appendable = s.last == Last::Word && !pending_heredoc && !s.unterminated;
    out
}
