//! The files the page is made of (`web/assets/`) and the lessons
//! (`examples/*.dl`), embedded in the binary at build time so the page
//! works from any folder and with no network.
//!
//! Owns the lookup of an embedded file and its content type. It must not
//! read the disk at run time: `rust-embed` with `debug-embed` embeds in
//! debug builds too.

use rust_embed::RustEmbed;
use std::borrow::Cow;

#[derive(RustEmbed)]
#[folder = "web/assets/"]
struct PageAssets;

#[derive(RustEmbed)]
#[folder = "examples/"]
struct Lessons;

/// An embedded file of the page and its content type, e.g. `app.js`.
pub(super) fn page_asset(path: &str) -> Option<(Cow<'static, [u8]>, &'static str)> {
    let file = PageAssets::get(path)?;
    Some((file.data, content_type(path)))
}

/// One lesson: its file name and text.
pub(super) struct Lesson {
    pub(super) file_name: String,
    pub(super) text: String,
}

/// Every lesson, in file-name order (the lessons are numbered).
pub(super) fn lessons() -> Vec<Lesson> {
    let mut names: Vec<String> = Lessons::iter()
        .map(Cow::into_owned)
        .filter(|name| name.ends_with(".dl") && !name.contains('/'))
        .collect();
    names.sort();
    names
        .into_iter()
        .filter_map(|file_name| {
            let file = Lessons::get(&file_name)?;
            let text = String::from_utf8(file.data.into_owned()).ok()?;
            Some(Lesson { file_name, text })
        })
        .collect()
}

/// The content type of a page file, by its extension.
fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "json" => "application/json",
        _ => "text/plain; charset=utf-8",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_and_the_lessons_are_embedded() {
        let (index, content_type) = page_asset("index.html").expect("index.html embedded");
        assert!(content_type.starts_with("text/html"));
        assert!(String::from_utf8_lossy(&index).contains("<html"));
        assert!(page_asset("../Cargo.toml").is_none());
        let lessons = lessons();
        assert!(lessons.len() >= 8, "{}", lessons.len());
        assert!(lessons[0].file_name.starts_with("01_"));
    }
}
