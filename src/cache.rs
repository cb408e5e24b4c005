//! The on-disk cache of physical ids, one JSON file per deployed stack under the XDG cache dir,
//! keyed by account, region and stack name. Writes are atomic (temp file + rename), so two cdkx
//! processes refreshing at once leave a valid file; an unreadable file counts as a miss.

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
}

impl Cache {
    /// `CDKX_CACHE_DIR`, else `$XDG_CACHE_HOME/cdkx` (or the platform's cache dir).
    pub fn default_location() -> Cache {
        let dir = std::env::var_os("CDKX_CACHE_DIR")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| dirs::cache_dir().map(|d| d.join("cdkx")));
        Cache { dir }
    }

    pub fn at(dir: impl Into<PathBuf>) -> Cache {
        Cache {
            dir: Some(dir.into()),
        }
    }

    pub fn disabled() -> Cache {
        Cache { dir: None }
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
        let bytes = fs::read(self.file(key)?).ok()?;
        let entry: CacheEntry = serde_json::from_slice(&bytes).ok()?;
        (entry.format == FORMAT).then_some(entry)
    }

    /// Writes the entry atomically; an error means the cache was skipped, never a broken file.
    pub fn put(&self, key: &CacheKey, entry: &CacheEntry) -> std::io::Result<()> {
        let Some(path) = self.file(key) else {
            return Ok(());
        };
        let dir = path.parent().expect("cache files live in a directory");
        fs::create_dir_all(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        serde_json::to_writer(&mut tmp, entry)?;
        tmp.as_file_mut().flush()?;
        tmp.as_file().sync_all()?;
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(())
    }
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
    fn file_names_are_safe() {
        assert_eq!(file_part("My-Stack_1"), "My-Stack_1");
        assert_eq!(file_part("../x"), "%2E.%2Fx");
        assert_eq!(file_part(""), "%");
    }
}
