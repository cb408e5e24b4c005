//! The on-disk cache of physical ids, one JSON file per deployed stack under the XDG cache dir,
//! keyed by account, region and stack name. Writes are atomic (temp file + rename), so two cdkx
//! processes refreshing at once leave a valid file; an unreadable file counts as a miss. A cache
//! directory that another user could write (not ours, or group/world-writable) is not trusted,
//! and what a killed writer left behind is removed by the next write.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::aws::StackResourceRow;

/// Bumped whenever the file layout changes; older files are then misses.
const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    pub account: String,
    pub region: String,
    pub stack: String,
}

/// What is remembered of one deployed top-level stack and its nested stacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheEntry {
    pub format: u32,
    pub stack_id: String,
    /// LastUpdatedTime (else CreationTime) when the rows were read; a change invalidates them.
    pub last_changed: String,
    /// Rows per stack: the top-level stack under its construct path, nested stacks under theirs.
    pub stacks: Vec<CachedStack>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedStack {
    pub path: String,
    pub stack_id: String,
    pub resources: Vec<StackResourceRow>,
}

impl CacheEntry {
    pub fn new(stack_id: String, last_changed: String, stacks: Vec<CachedStack>) -> CacheEntry {
        CacheEntry {
            format: FORMAT,
            stack_id,
            last_changed,
            stacks,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Cache {
    dir: Option<PathBuf>,
    /// Why the configured directory is not used, to be shown once.
    refused: Option<String>,
}

/// Temporary files of a write in progress: `.cdkx-tmp-PID-XXXXXX`.
const TMP_PREFIX: &str = ".cdkx-tmp-";
/// A temporary file this old is a leftover even if its writer's pid was reused.
const TMP_STALE: std::time::Duration = std::time::Duration::from_secs(600);

impl Cache {
    /// `CDKX_CACHE_DIR`, else `$XDG_CACHE_HOME/cdkx` (or the platform's cache dir); disabled,
    /// with a [`warning`](Cache::warning), when another user could write that directory.
    pub fn default_location() -> Cache {
        let dir = std::env::var_os("CDKX_CACHE_DIR")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| dirs::cache_dir().map(|d| d.join("cdkx")));
        match dir {
            Some(d) => Cache::at(d),
            None => Cache::disabled(),
        }
    }

    /// The cache in `dir`, unless another user could write there (then disabled, with a warning).
    pub fn at(dir: impl Into<PathBuf>) -> Cache {
        let dir = dir.into();
        match untrusted(&dir) {
            Some(why) => Cache {
                dir: None,
                refused: Some(format!(
                    "the cache directory {} is not trusted ({why}); running without the physical-id cache",
                    dir.display()
                )),
            },
            None => Cache {
                dir: Some(dir),
                refused: None,
            },
        }
    }

    pub fn disabled() -> Cache {
        Cache {
            dir: None,
            refused: None,
        }
    }

    /// Why the configured cache directory is not used, if it is not.
    pub fn warning(&self) -> Option<&str> {
        self.refused.as_deref()
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    fn file(&self, key: &CacheKey) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        Some(
            dir.join("physical-ids")
                .join(file_part(&key.account))
                .join(file_part(&key.region))
                .join(format!("{}.json", file_part(&key.stack))),
        )
    }

    /// The entry for `key`, if a readable one of the current format exists.
    pub fn get(&self, key: &CacheKey) -> Option<CacheEntry> {
        self.lookup(key).ok().flatten()
    }

    /// The entry for `key`: `Ok(None)` on a miss (no file, another format, a corrupt file), an
    /// error to warn about when the file is there but is not one cdkx would write (not a regular
    /// file, larger than [`CACHE_FILE_MAX`](crate::bounds::CACHE_FILE_MAX), not the user's).
    pub fn lookup(&self, key: &CacheKey) -> Result<Option<CacheEntry>, String> {
        let Some(path) = self.file(key) else {
            return Ok(None);
        };
        if fs::symlink_metadata(&path).is_err() {
            return Ok(None);
        }
        if let Some(why) = untrusted(&path) {
            return Err(format!("ignored the cache file {} ({why})", path.display()));
        }
        let bytes = crate::bounds::read_file(
            &path,
            crate::bounds::CACHE_FILE_MAX,
            "a physical-id cache file",
        )
        .map_err(|e| format!("ignored a cache file: {e}"))?;
        let Ok(entry) = serde_json::from_slice::<CacheEntry>(&bytes) else {
            return Ok(None);
        };
        Ok((entry.format == FORMAT).then_some(entry))
    }

    /// Writes the entry atomically; an error means the cache was skipped, never a broken file.
    pub fn put(&self, key: &CacheKey, entry: &CacheEntry) -> std::io::Result<()> {
        let Some(path) = self.file(key) else {
            return Ok(());
        };
        let dir = path.parent().expect("cache files live in a directory");
        create_private_dir(dir)?;
        remove_leftovers(dir);
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!("{TMP_PREFIX}{}-", std::process::id()))
            .tempfile_in(dir)?;
        serde_json::to_writer(&mut tmp, entry)?;
        tmp.as_file_mut().flush()?;
        tmp.as_file().sync_all()?;
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(())
    }
}

/// Why another user could change what is at `path` (owned by someone else, or writable by the
/// group or the world); `None` when it is safe to trust, or does not exist yet.
#[cfg(unix)]
fn untrusted(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let meta = fs::metadata(path).ok()?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return Some(format!(
            "owned by uid {}, not by you (uid {me})",
            meta.uid()
        ));
    }
    if meta.mode() & 0o022 != 0 {
        return Some(format!(
            "writable by others (mode {:o})",
            meta.mode() & 0o7777
        ));
    }
    None
}

#[cfg(not(unix))]
fn untrusted(_path: &Path) -> Option<String> {
    None
}

/// Creates `dir` and its missing parents readable by the user only.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Removes temporary files whose writer is gone (killed before it could rename its file), and
/// those older than [`TMP_STALE`] whatever their pid says. Another live writer's file is kept.
fn remove_leftovers(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(rest) = name.strip_prefix(TMP_PREFIX) else {
            continue;
        };
        let pid: Option<u32> = rest.split('-').next().and_then(|p| p.parse().ok());
        let stale = e
            .metadata()
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > TMP_STALE);
        let writer_gone = pid.is_some_and(|p| p != std::process::id() && !alive(p));
        if stale || writer_gone || pid.is_none() {
            let _ = fs::remove_file(e.path());
        }
    }
}

#[cfg(unix)]
fn alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists; nothing is sent.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

#[cfg(not(unix))]
fn alive(_pid: u32) -> bool {
    true
}

/// A file-name-safe form of an id: ASCII letters, digits, `-`, `_` and `.` stay, the rest is
/// percent-encoded, so a hostile stack name cannot leave the cache directory.
fn file_part(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_') || (b == b'.' && !out.is_empty()) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.is_empty() { "%".to_string() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CacheKey {
        CacheKey {
            account: "123456789012".into(),
            region: "us-east-1".into(),
            stack: "../../etc/x".into(),
        }
    }

    #[test]
    fn round_trip_and_corrupt_files_are_misses() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path());
        assert_eq!(cache.get(&key()), None);
        let entry = CacheEntry::new("arn:stack".into(), "2026-01-01T00:00:00Z".into(), vec![]);
        cache.put(&key(), &entry).unwrap();
        assert_eq!(cache.get(&key()), Some(entry.clone()));
        let file = cache.file(&key()).unwrap();
        assert!(
            file.starts_with(dir.path()),
            "stays inside the cache dir: {file:?}"
        );
        fs::write(&file, b"{ truncated").unwrap();
        assert_eq!(cache.get(&key()), None);
        cache.put(&key(), &entry).unwrap();
        assert_eq!(cache.get(&key()), Some(entry));
    }

    #[test]
    fn leftovers_are_removed_and_untrusted_places_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path());
        let entry = CacheEntry::new("arn:stack".into(), "t".into(), vec![]);
        cache.put(&key(), &entry).unwrap();
        let sub = cache.file(&key()).unwrap().parent().unwrap().to_path_buf();
        // pid 0x7fffffff does not exist: its writer was killed.
        let dead = sub.join(format!("{TMP_PREFIX}2147483647-abc"));
        let live = sub.join(format!("{TMP_PREFIX}{}-abc", std::process::id()));
        fs::write(&dead, b"half").unwrap();
        fs::write(&live, b"half").unwrap();
        cache.put(&key(), &entry).unwrap();
        assert!(!dead.exists() && live.exists());

        let big = cache.file(&key()).unwrap();
        fs::write(&big, vec![b' '; crate::bounds::CACHE_FILE_MAX as usize + 1]).unwrap();
        assert!(cache.lookup(&key()).unwrap_err().contains("larger than"));

        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
        let open = Cache::at(dir.path());
        assert!(open.warning().unwrap().contains("writable by others"));
        assert_eq!(open.get(&key()), None);
        assert!(open.put(&key(), &entry).is_ok() && open.dir().is_none());
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_part("My-Stack_1"), "My-Stack_1");
        assert_eq!(file_part("../x"), "%2E.%2Fx");
        assert_eq!(file_part(""), "%");
    }
}
