//! The limits that keep cdkx's work bounded by numbers, not by what a file or a server sends:
//! file sizes, answer bodies, decompressed sizes, pages of a listing and nesting depth. Each limit
//! lives here once, with its reason; README.md ("Limits") lists them for users.

use std::collections::HashSet;
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};

const MIB: u64 = 1024 * 1024;

/// Largest probe request body (`-d @file`) and probe answer: API Gateway REST APIs take and
/// return at most 10 MB, so anything larger is not an API Gateway answer.
pub const PROBE_BODY_MAX: u64 = 10 * MIB;
/// Largest trail log object or file read (S3 GetObject, a file under `--trail-logs`), and the
/// most one may decompress to. CloudTrail delivers files every few minutes and they are a few MB
/// at most; eight are read at once, so this also bounds memory.
pub const TRAIL_LOG_MAX: u64 = 64 * MIB;
/// Largest AWS answer, by its declared length: the largest cdkx asks for is a trail log object
/// (see [`TRAIL_LOG_MAX`]); a Lambda answer is at most 6 MB, a listing page about 1 MB.
pub const AWS_ANSWER_MAX: u64 = 64 * MIB;
/// Largest physical-id cache file: one stack's rows are kilobytes; a larger file is not ours.
pub const CACHE_FILE_MAX: u64 = 16 * MIB;
/// Largest construct-commands file (JSON or YAML) and cdkx.toml.
pub const SETTINGS_FILE_MAX: u64 = 4 * MIB;
/// Deepest `[`/`{` nesting accepted in a commands file: real files nest three levels.
pub const NESTING_MAX: usize = 64;
/// Pages of one listing (ListStackResources, LookupEvents, ListObjectsV2, GetQueryResults, ...)
/// before cdkx stops: 10,000 pages are at least 500,000 items at the smallest page size (50), far
/// more than any listing cdkx makes, and a server whose NextToken never ends cannot keep cdkx
/// busy forever. `CDKX_MAX_PAGES` changes it.
pub const MAX_PAGES: usize = 10_000;

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a regular file (a {kind}); give a file", path.display())]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error("{} is larger than {} (the limit for {what}); it was not read", path.display(), size(*max))]
    TooLarge {
        path: PathBuf,
        max: u64,
        what: &'static str,
    },
}

/// `10 MiB`, `512 KiB`, `300 bytes`.
pub fn size(n: u64) -> String {
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= 1024 && n.is_multiple_of(1024) {
        format!("{} KiB", n / 1024)
    } else {
        format!("{n} bytes")
    }
}

/// Reads a file the user or the cloud named, refusing without blocking what is not a regular
/// file (a FIFO, a socket, a device, a directory) and what is larger than `max`. The file is
/// opened without blocking and checked through its own handle, so a FIFO swapped in after a
/// check cannot hang cdkx, and at most `max` bytes are ever read.
pub fn read_file(path: &Path, max: u64, what: &'static str) -> Result<Vec<u8>, FileError> {
    let mut out = Vec::new();
    read_file_into(path, max, what, &mut out)?;
    Ok(out)
}

/// [`read_file`] into `out` (cleared first), whose memory is reused: a reader of many files
/// (the templates of a cloud assembly) keeps one buffer instead of asking the system for fresh
/// pages for every file. On an error `out` holds nothing meaningful.
pub fn read_file_into(
    path: &Path,
    max: u64,
    what: &'static str,
    out: &mut Vec<u8>,
) -> Result<(), FileError> {
    out.clear();
    let io = |source| FileError::Io {
        path: path.to_path_buf(),
        source,
    };
    // Looked at before the open too: opening a socket fails ("No such device or address"),
    // which would hide what the file is. Checked again once open, for a name swapped between.
    let before = std::fs::metadata(path).map_err(io)?;
    if !before.is_file() {
        return Err(FileError::NotRegular {
            path: path.to_path_buf(),
            kind: kind(&before),
        });
    }
    let file = open_nonblocking(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(FileError::NotRegular {
            path: path.to_path_buf(),
            kind: kind(&meta),
        });
    }
    let too_large = || FileError::TooLarge {
        path: path.to_path_buf(),
        max,
        what,
    };
    if meta.len() > max {
        return Err(too_large());
    }
    out.reserve(meta.len() as usize);
    file.take(max + 1).read_to_end(out).map_err(io)?;
    if out.len() as u64 > max {
        // It grew while being read.
        return Err(too_large());
    }
    Ok(())
}

/// [`read_file`] as UTF-8 text.
pub fn read_text(path: &Path, max: u64, what: &'static str) -> Result<String, FileError> {
    let bytes = read_file(path, max, what)?;
    String::from_utf8(bytes).map_err(|e| FileError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()),
    })
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one.
    std::fs::OpenOptions::new()
        .read(true)
        // O_NOCTTY: a terminal device named as a file never becomes our controlling terminal.
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

fn kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "FIFO";
        }
        if t.is_socket() {
            return "socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "device";
        }
    }
    if meta.is_dir() {
        "directory"
    } else {
        "special file"
    }
}

/// Reads at most `max` bytes from `reader` (a decompressor, a body); more is an error of kind
/// `FileTooLarge` that says `what` was larger than `max`.
pub fn read_capped(reader: impl Read, max: u64, what: &str) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    reader.take(max + 1).read_to_end(&mut out)?;
    if out.len() as u64 > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!("{what} is larger than {}; not read", size(max)),
        ));
    }
    Ok(out)
}

/// The page limit in force: `CDKX_MAX_PAGES` when set to a positive number, else [`MAX_PAGES`].
pub fn max_pages() -> usize {
    std::env::var("CDKX_MAX_PAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or(MAX_PAGES)
}

/// The guard every paginated loop uses: it follows NextTokens, and stops a listing whose token
/// comes back a second time (the service would answer the same pages forever) or that goes on
/// past [`max_pages`].
#[derive(Debug)]
pub struct Pages {
    call: &'static str,
    seen: HashSet<u64>,
    pages: usize,
    max: usize,
}

/// A listing cut off by [`Pages`].
#[derive(Debug, Clone, thiserror::Error)]
#[error("{call}: stopped after {pages} pages: {why}")]
pub struct PageLimit {
    pub call: &'static str,
    pub pages: usize,
    pub why: String,
}

impl Pages {
    pub fn new(call: &'static str) -> Pages {
        Pages {
            call,
            seen: HashSet::new(),
            pages: 0,
            max: max_pages(),
        }
    }

    /// Takes in the token that came with a page: `Ok(Some(token))` to ask for the next page,
    /// `Ok(None)` when the listing is complete, an error when it must stop.
    pub fn next(&mut self, token: Option<String>) -> Result<Option<String>, PageLimit> {
        self.pages += 1;
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        let mut h = std::collections::hash_map::DefaultHasher::new();
        token.hash(&mut h);
        if !self.seen.insert(h.finish()) {
            return Err(self.limit(
                "the service sent a NextToken it had already sent (it would repeat pages forever)"
                    .into(),
            ));
        }
        if self.pages >= self.max {
            return Err(self.limit(format!(
                "the listing did not end within {} pages (the page limit; CDKX_MAX_PAGES changes it)",
                self.max
            )));
        }
        Ok(Some(token))
    }

    /// Pages taken in so far.
    pub fn count(&self) -> usize {
        self.pages
    }

    fn limit(&self, why: String) -> PageLimit {
        PageLimit {
            call: self.call,
            pages: self.pages,
            why,
        }
    }
}

/// Refuses text whose `[`/`{` nesting (outside quoted strings and comments) is deeper than
/// [`NESTING_MAX`], before a YAML or JSON parser spends seconds on it: a scan in one pass.
pub fn check_nesting(text: &str) -> Result<(), String> {
    let mut depth = 0usize;
    let mut line = 1usize;
    let mut quote: Option<u8> = None;
    let mut escaped = false;
    let mut comment = false;
    let mut prev = b'\n';
    for &b in text.as_bytes() {
        if b == b'\n' {
            line += 1;
            comment = false;
        }
        if comment {
            prev = b;
            continue;
        }
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if b == b'\\' && q == b'"' {
                    escaped = true;
                } else if b == q {
                    quote = None;
                }
            }
            None => match b {
                b'"' | b'\'' => quote = Some(b),
                // A YAML comment starts at a line start or after a blank.
                b'#' if prev.is_ascii_whitespace() => comment = true,
                b'[' | b'{' => {
                    depth += 1;
                    if depth > NESTING_MAX {
                        return Err(format!(
                            "nested more than {NESTING_MAX} levels deep (line {line}); a commands file nests three"
                        ));
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        prev = b;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_stop_on_a_repeated_token_and_at_the_limit() {
        let mut p = Pages::new("x:List");
        assert_eq!(p.next(Some("a".into())).unwrap(), Some("a".into()));
        assert_eq!(p.next(Some("b".into())).unwrap(), Some("b".into()));
        let e = p.next(Some("a".into())).unwrap_err();
        assert!(
            e.to_string().contains("x:List: stopped after 3 pages"),
            "{e}"
        );
        let mut p = Pages::new("x:List");
        assert_eq!(p.next(Some(String::new())).unwrap(), None);
        let mut p = Pages {
            max: 3,
            ..Pages::new("x:List")
        };
        p.next(Some("1".into())).unwrap();
        p.next(Some("2".into())).unwrap();
        assert!(
            p.next(Some("3".into()))
                .unwrap_err()
                .why
                .contains("3 pages")
        );
    }

    #[test]
    fn nesting_is_measured_outside_strings_and_comments() {
        assert!(check_nesting(r#"{"a": {"b": {"exec": "echo [[[[ {{{{"}}}"#).is_ok());
        let deep = "[".repeat(200_000);
        let e = check_nesting(&deep).unwrap_err();
        assert!(e.contains("64 levels"), "{e}");
        assert!(check_nesting(&format!("# {deep}\na: 1")).is_ok());
        assert!(check_nesting(&format!("a: '{deep}'")).is_ok());
        assert!(check_nesting(&format!("a: {}", "[".repeat(65))).is_err());
    }

    #[test]
    fn special_files_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = read_file(&fifo, 10, "a test").unwrap_err();
        assert!(e.to_string().contains("not a regular file (a FIFO)"), "{e}");
        let e = read_file(dir.path(), 10, "a test").unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let big = dir.path().join("big");
        std::fs::write(&big, [0u8; 11]).unwrap();
        let e = read_file(&big, 10, "a test").unwrap_err();
        assert!(
            e.to_string()
                .contains("larger than 10 bytes (the limit for a test)"),
            "{e}"
        );
        assert_eq!(read_file(&big, 11, "a test").unwrap().len(), 11);
        assert!(read_capped(&[0u8; 11][..], 10, "it").is_err());
    }

    #[test]
    fn a_reused_buffer_holds_only_the_last_file() {
        let dir = tempfile::tempdir().unwrap();
        let (long, short) = (dir.path().join("long"), dir.path().join("short"));
        std::fs::write(&long, "a longer file").unwrap();
        std::fs::write(&short, "short").unwrap();
        let mut buf = Vec::new();
        read_file_into(&long, 100, "a test", &mut buf).unwrap();
        assert_eq!(buf, b"a longer file");
        read_file_into(&short, 100, "a test", &mut buf).unwrap();
        assert_eq!(buf, b"short");
        // The limit holds for a reused buffer as for a new one.
        assert!(read_file_into(&long, 5, "a test", &mut buf).is_err());
    }
}
