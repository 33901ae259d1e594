//! Writing files from the REPL (`:save`, `:why --dot`): atomically, so a
//! crash leaves either the old file or the new one, never half of it; a
//! replaced file keeps its permissions; a link is written through, never
//! replaced by a plain file.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Writes `contents` to `path` atomically: a temporary file in the same
/// folder, flushed to disk, then renamed over `path`. When `path` is a
/// symbolic link the file it points to is written (the link stays); when
/// the file exists its permissions are kept. Returns the file written.
pub fn write_atomically(path: &Path, contents: &str) -> std::io::Result<PathBuf> {
    let target = resolve_link(path)?;
    let folder = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Some(file_name) = target.file_name() else {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a file name",
        ));
    };
    let permissions = std::fs::metadata(&target)
        .ok()
        .map(|metadata| metadata.permissions());
    let temporary = folder.join(format!(
        ".{}.{}.tmp",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let written = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(contents.as_bytes())?;
        if let Some(permissions) = permissions {
            file.set_permissions(permissions)?;
        }
        file.sync_all()?;
        std::fs::rename(&temporary, &target)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.map(|()| target)
}

/// The file a write to `path` should replace: `path` itself, or the file a
/// symbolic link at `path` points to (through any chain of links).
pub(super) fn resolve_link(path: &Path) -> std::io::Result<PathBuf> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|metadata| metadata.is_symlink());
    if !is_link {
        return Ok(path.to_path_buf());
    }
    std::fs::canonicalize(path).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "it is a link to a file that does not exist",
        )
    })
}

/// Why a file cannot be replaced, in words for a message; `None` when it
/// can (or does not exist yet).
pub(super) fn unwritable(path: &Path) -> Option<String> {
    let metadata = std::fs::metadata(path).ok()?;
    if metadata.is_dir() {
        return Some("it is a folder".to_string());
    }
    if metadata.permissions().readonly() {
        return Some("it is read-only".to_string());
    }
    None
}

/// `to` as a path relative to the folder `from` (both absolute), or `to`
/// itself when they share no root. Components are joined with `/`, the
/// separator `#include` paths use everywhere.
pub(super) fn relative_path(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to_components: Vec<_> = to.components().collect();
    let common = from
        .iter()
        .zip(&to_components)
        .take_while(|(left, right)| left == right)
        .count();
    if common == 0 {
        return to.display().to_string();
    }
    let mut parts: Vec<String> = vec!["..".to_string(); from.len() - common];
    parts.extend(
        to_components[common..]
            .iter()
            .map(|component| component.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_then_descend() {
        let cases: &[(&str, &str, &str)] = &[
            ("/a/b", "/a/b/c.dl", "c.dl"),
            ("/a/b", "/a/c/d.dl", "../c/d.dl"),
            ("/a/b/c", "/a/x.dl", "../../x.dl"),
            ("/", "/x.dl", "x.dl"),
        ];
        for (from, to, expected) in cases {
            assert_eq!(
                relative_path(Path::new(from), Path::new(to)),
                *expected,
                "{from} → {to}"
            );
        }
    }
}
