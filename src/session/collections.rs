//! Article collections: folders of articles read for `--articles` and
//! `#articles`, the set of articles a session's citations are checked
//! against, and the facts that describe them (`article/2`, `article_date/2`,
//! `article_title/2`, `article_outlet/2`, `article_url/2`).
//!
//! Owns reading a folder (its `*.txt` files, sorted; each an article, its id
//! the file name without `.txt`; other files and sub-folders ignored), the
//! rule that two different articles may not share an id (`E405`, never a
//! silent pick), and the generated source `<articles>` holding the
//! metadata facts with their `%%` documentation, so `:schema` lists them
//! and `:why` can point at them. The bundled collection is always there;
//! `--articles` folders join it for the whole session; an `#articles`
//! folder belongs to the input that named it and leaves with it on `:undo`.
//! The article folders under `examples/` are bundled too, for the course's
//! lessons: an `#articles` of a bundled text reads them from the binary
//! ([`read_bundled_collection`]), so a lesson loads from any folder.

use super::{Session, Unit};
use crate::analysis::ir;
use crate::articles::{ARTICLE_EXTENSION, Article, Articles, CitedFact, Resolution};
use crate::diagnostic::{Code, Diagnostic};
use crate::span::{SourceId, Span};
use crate::syntax::ast::{self, Item};
use crate::syntax::{ParseOptions, parse_program_with};
use crate::table::FactTable;
use crate::value::write_quoted;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The name diagnostics and explanations give the metadata facts' source.
pub const METADATA_SOURCE: &str = "<articles>";

include!(concat!(env!("OUT_DIR"), "/bundled_lesson_articles.rs"));

/// What stands for the folder of a bundled collection, which has none on
/// disk: `<bundled>/examples/riverside/articles`.
const BUNDLED_FOLDER: &str = "<bundled>";

/// A folder of articles, read once.
#[derive(Clone, Debug)]
pub struct Collection {
    /// The folder, canonical: what makes two mentions the same collection.
    pub folder: PathBuf,
    /// The folder as it was named, as article locations show it.
    pub name: String,
    /// Its articles, by file name.
    pub articles: Vec<Article>,
    /// The `#articles` directive that named it (`None` for `--articles`).
    pub span: Option<Span>,
}

/// Reads the articles of `folder` (named `name`), reporting at `span`.
pub(super) fn read_collection(
    folder: &Path,
    name: &str,
    span: Option<Span>,
) -> Result<Collection, Vec<Diagnostic>> {
    let located = |code: Code, message: String| match span {
        Some(span) => Diagnostic::error(code, message, span),
        None => Diagnostic::error_without_span(code, message),
    };
    let canonical = std::fs::canonicalize(folder).map_err(|error| {
        vec![located(
            Code::E407,
            format!(
                "cannot read the article folder `{name}`: {}",
                reason(&error)
            ),
        )]
    })?;
    let entries = std::fs::read_dir(&canonical).map_err(|error| {
        vec![located(
            Code::E407,
            format!(
                "cannot read the article folder `{name}`: {}",
                reason(&error)
            ),
        )]
    })?;
    let mut files: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_file())
        .filter_map(|entry| {
            let file_name = entry.file_name().to_str()?.to_string();
            let is_article = Path::new(&file_name)
                .extension()
                .is_some_and(|extension| extension == ARTICLE_EXTENSION);
            is_article.then(|| (file_name, entry.path()))
        })
        .collect();
    files.sort();
    let mut articles = Vec::with_capacity(files.len());
    let mut problems = Vec::new();
    for (file_name, path) in files {
        let shown = format!("{name}/{file_name}");
        let text = match std::fs::read(&path).map(String::from_utf8) {
            Ok(Ok(text)) => text,
            Ok(Err(error)) => {
                problems.push(located(
                    Code::E407,
                    format!(
                        "the article `{shown}` is not UTF-8 text (first bad byte at offset {})",
                        error.utf8_error().valid_up_to()
                    ),
                ));
                continue;
            }
            Err(error) => {
                problems.push(located(
                    Code::E407,
                    format!("cannot read the article `{shown}`: {}", reason(&error)),
                ));
                continue;
            }
        };
        match Article::parse(name.to_string(), file_name, &text) {
            Ok(article) => articles.push(article),
            Err(error) => problems.push(
                located(
                    Code::E406,
                    format!("the header of `{shown}` (line {}): {}", error.line, error.message),
                )
                .with_note(
                    "an article may start with a header: a line `---`, lines `title: …`, `outlet: …`, `url: …`, `date: YYYY-MM-DD`, and a line `---`",
                ),
            ),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Collection {
        folder: canonical,
        name: name.trim_end_matches('/').to_string(),
        articles,
        span,
    })
}

/// Reads the articles of the bundled folder `folder` (e.g.
/// `examples/riverside/articles`, as a bundled lesson's `#articles` names
/// it from its own folder), reporting at `span`. The collection is named as
/// the folder on disk would be, so a lesson shows the same locations
/// whether it is read from the binary or from `examples/`.
pub(super) fn read_bundled_collection(
    folder: &Path,
    span: Option<Span>,
) -> Result<Collection, Vec<Diagnostic>> {
    let name = normal_path(folder);
    let mut articles = Vec::new();
    let mut problems = Vec::new();
    for &(path, text) in BUNDLED_LESSON_ARTICLES {
        let Some((parent, file_name)) = path.rsplit_once('/') else {
            continue;
        };
        if parent != name {
            continue;
        }
        match Article::parse(name.clone(), file_name, text) {
            Ok(article) => articles.push(article),
            Err(error) => problems.push(Diagnostic::error_without_span(
                Code::E406,
                format!(
                    "the header of `{path}` (line {}): {}",
                    error.line, error.message
                ),
            )),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if articles.is_empty() {
        let message =
            format!("cannot read the article folder `{name}`: it is not bundled with the lessons");
        let diagnostic = match span {
            Some(span) => Diagnostic::error(Code::E407, message, span),
            None => Diagnostic::error_without_span(Code::E407, message),
        };
        return Err(vec![diagnostic.with_note(
            "a lesson read from the binary finds only the article folders under `examples/` bundled with it; run the lesson from its file to read other folders",
        )]);
    }
    Ok(Collection {
        folder: Path::new(BUNDLED_FOLDER).join(&name),
        name,
        articles,
        span,
    })
}

/// True when `folder` (e.g. `examples/riverside/articles`) is one of the
/// article folders bundled with the lessons.
pub(super) fn is_bundled_folder(folder: &Path) -> bool {
    let name = normal_path(folder);
    BUNDLED_LESSON_ARTICLES.iter().any(|(path, _)| {
        path.rsplit_once('/')
            .is_some_and(|(parent, _)| parent == name)
    })
}

/// `examples/./riverside/articles/` as `examples/riverside/articles`: the
/// path's names joined by `/`, `.` left out and `..` taking one back.
fn normal_path(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if parts.last().is_some_and(|last| last != "..") {
                    parts.pop();
                } else {
                    parts.push("..".into());
                }
            }
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    parts.join("/")
}

fn reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such folder".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => error.to_string(),
    }
}

/// Adds the articles of `collection` to `articles`; a different article
/// with an id already known is `E405`, at the directive that named the folder.
pub(super) fn add_collection(
    articles: &mut Articles,
    collection: &Collection,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for article in &collection.articles {
        if let Err(conflict) = articles.add(article.clone()) {
            let message = format!(
                "two articles have the id `{}`: `{}` and `{}`",
                conflict.id, conflict.first, conflict.second
            );
            let diagnostic = match collection.span {
                Some(span) => Diagnostic::error(Code::E405, message, span),
                None => Diagnostic::error_without_span(Code::E405, message),
            };
            diagnostics.push(diagnostic.with_note(
                "a citation names an article by its id, so ids must differ across the loaded collections: rename one file, or load one of the folders only",
            ));
        }
    }
}

/// What decides a session's articles: the folders, in the order loaded.
pub(super) fn collection_key<'u>(
    base: &[Collection],
    units: impl Iterator<Item = &'u Unit>,
) -> Vec<PathBuf> {
    base.iter()
        .map(|collection| collection.folder.clone())
        .chain(units.flat_map(|unit| unit.collections.iter().map(|c| c.folder.clone())))
        .collect()
}

impl Session {
    /// Adds the articles of `folder` for the rest of the session, as
    /// `--articles` does; returns how many there are. A folder that cannot
    /// be read, an article whose header is wrong, or an id already taken by
    /// another article rejects the folder and changes nothing.
    pub fn add_articles_folder(&mut self, folder: &Path) -> Result<usize, super::Rejected> {
        let name = folder.display().to_string();
        let collection = read_collection(folder, &name, None)
            .map_err(|diagnostics| super::Rejected { diagnostics })?;
        if self
            .base_collections
            .iter()
            .any(|known| known.folder == collection.folder)
        {
            return Ok(collection.articles.len());
        }
        let mut articles = self.base_articles.clone();
        let mut diagnostics = Vec::new();
        add_collection(&mut articles, &collection, &mut diagnostics);
        // Folders named by loaded inputs must still fit beside it.
        let mut all = articles.clone();
        for unit in &self.units {
            for named in &unit.collections {
                add_collection(&mut all, named, &mut diagnostics);
            }
        }
        if !diagnostics.is_empty() {
            return Err(super::Rejected { diagnostics });
        }
        let n_articles = collection.articles.len();
        self.base_articles = articles;
        self.base_collections.push(collection);
        Ok(n_articles)
    }
}

impl Session {
    /// Every article citations may name, in id order, with how many loaded
    /// facts cite it (`:articles`).
    pub fn articles_cited(&self) -> Vec<(&Article, usize)> {
        let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for (_, citation) in self.citations() {
            if let Ok(article) = self.articles.resolve(&citation.article.value) {
                *counts.entry(article.id.as_str()).or_default() += 1;
            }
        }
        self.articles
            .iter()
            .map(|article| {
                (
                    article,
                    counts.get(article.id.as_str()).copied().unwrap_or(0),
                )
            })
            .collect()
    }

    /// The article `reference` names (an id or an unambiguous prefix) and
    /// the loaded facts citing it (`:article`); E401 or E402 otherwise.
    pub fn article_citations(
        &self,
        reference: &str,
    ) -> Result<(&Article, Vec<CitedFact>), super::Rejected> {
        let article = self.articles.resolve(reference).map_err(|resolution| {
            let diagnostic = match resolution {
                Resolution::Unknown => Diagnostic::error_without_span(
                    Code::E401,
                    format!("unknown article `{reference}`"),
                )
                .with_note("help: `:articles` lists them"),
                Resolution::Ambiguous(ids) => Diagnostic::error_without_span(
                    Code::E402,
                    format!(
                        "`{reference}` starts several articles: {}",
                        ids.iter()
                            .map(|id| format!("`{id}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
            };
            super::Rejected::one(diagnostic)
        })?;
        let cited = self
            .citations()
            .filter(|(_, citation)| {
                self.articles
                    .resolve(&citation.article.value)
                    .is_ok_and(|found| found.id == article.id)
            })
            .map(|(fact, citation)| {
                let (line, _) = self.sources.line_column(fact.span.source, fact.span.start);
                CitedFact {
                    fact: self.fact_text(fact),
                    quote: citation.quote.value.clone(),
                    location: format!("{}:{line}", self.sources.name(fact.span.source)),
                }
            })
            .collect();
        Ok((article, cited))
    }

    /// A fact as Datalog, `mediates(qatar, istanbul_talks)`.
    fn fact_text(&self, fact: &ir::Fact) -> String {
        let name = self.model.as_ref().map_or("?", |model| {
            model.program.predicate(fact.predicate).name.as_str()
        });
        let values: Vec<String> = fact.values.iter().map(ToString::to_string).collect();
        format!("{name}({})", values.join(", "))
    }

    /// Every citation of the loaded facts, with its fact.
    fn citations(&self) -> impl Iterator<Item = (&ir::Fact, &ast::Citation)> {
        self.model
            .iter()
            .flat_map(|model| &model.program.facts)
            .flat_map(|fact| fact.citations.iter().map(move |citation| (fact, citation)))
    }
}

/// The articles of the bundled collection, the `--articles` folders and
/// the folders `units` name, with the conflicts found.
pub(super) fn collect_articles<'u>(
    base: &Articles,
    units: impl Iterator<Item = &'u Unit>,
) -> (Articles, Vec<Diagnostic>) {
    let mut articles = base.clone();
    let mut diagnostics = Vec::new();
    for unit in units {
        for collection in &unit.collections {
            add_collection(&mut articles, collection, &mut diagnostics);
        }
    }
    (articles, diagnostics)
}

/// The metadata predicates, with their documentation, in the order generated.
const METADATA: &[(&str, &str, &str)] = &[
    (
        "article",
        "article(Id: string, File: string)",
        "An article citations may quote: Id is its file name without `.txt` (what\n\
         `@ A` binds), File where it is (`seeds/…` for the bundled articles).",
    ),
    (
        "article_date",
        "article_date(Id: string, Date: date)",
        "The article's dateline: ` date YYYY-MM-DD` at the start of its first line,\n\
         or `date:` in its header. Undated articles have none.",
    ),
    (
        "article_title",
        "article_title(Id: string, Title: string)",
        "The title the article's header gives (`title:`).",
    ),
    (
        "article_outlet",
        "article_outlet(Id: string, Outlet: string)",
        "The outlet that published the article, as its header gives it (`outlet:`).",
    ),
    (
        "article_url",
        "article_url(Id: string, Url: string)",
        "Where the article was published, as its header gives it (`url:`).",
    ),
];

/// The generated source `<articles>`: each metadata predicate documented,
/// then its facts, one per article that has the attribute.
pub(super) fn metadata_text(articles: &Articles) -> String {
    let mut text =
        String::from("% Facts about the loaded articles, generated from their collections.\n");
    for (name, signature, description) in METADATA {
        let _ = writeln!(text, "\n%% {signature}");
        for line in description.lines() {
            let _ = writeln!(text, "%% {}", line.trim_start());
        }
        for article in articles.iter() {
            let value = match *name {
                "article" => Some(Quoted(&article.location()).to_string()),
                "article_date" => article.metadata.date.map(|date| date.to_string()),
                "article_title" => article
                    .metadata
                    .title
                    .as_deref()
                    .map(|t| Quoted(t).to_string()),
                "article_outlet" => article
                    .metadata
                    .outlet
                    .as_deref()
                    .map(|t| Quoted(t).to_string()),
                _ => article
                    .metadata
                    .url
                    .as_deref()
                    .map(|t| Quoted(t).to_string()),
            };
            if let Some(value) = value {
                let _ = writeln!(text, "{name}({}, {value}).", Quoted(&article.id));
            }
        }
    }
    text
}

/// A string literal, for the generated source.
struct Quoted<'t>(&'t str);

impl std::fmt::Display for Quoted<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write_quoted(formatter, self.0)
    }
}

/// Parses the generated source; a predicate no article has a value for
/// gets an empty run of facts, so it is documented and known all the same.
pub(super) fn metadata_program(source: SourceId, text: &str) -> ast::Program {
    let (mut program, _) = parse_program_with(
        source,
        text,
        &ParseOptions {
            compact_facts: true,
        },
    );
    let mut items = Vec::with_capacity(program.items.len() + METADATA.len());
    let mut pending: Option<(Span, &str)> = None;
    for item in program.items.drain(..) {
        if let Some((span, name)) = pending.take()
            && !matches!(item, Item::Facts(_))
        {
            items.push(empty_run(source, span, name));
        }
        if let Item::Doc(block) = &item {
            let first = block.lines.first().map(String::as_str).unwrap_or("");
            if let Some((name, _, _)) = METADATA
                .iter()
                .find(|(_, signature, _)| *signature == first)
            {
                pending = Some((block.span, name));
            }
        }
        items.push(item);
    }
    if let Some((span, name)) = pending {
        items.push(empty_run(source, span, name));
    }
    program.items = items;
    program
}

fn empty_run(source: SourceId, span: Span, name: &str) -> Item {
    Item::Facts(ast::FactRun {
        table: Arc::new(FactTable::in_source(name, 2, source)),
        rows: 0..0,
        span,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;

    #[test]
    fn the_lessons_article_folders_are_bundled_under_their_names() {
        let collection =
            read_bundled_collection(Path::new("examples/./riverside/x/../articles/"), None)
                .unwrap();
        assert_eq!(collection.name, "examples/riverside/articles");
        let ids: Vec<&str> = collection.articles.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["2026-04-library", "2026-05-library-sundays"]);
        assert_eq!(
            collection.articles[0].location(),
            "examples/riverside/articles/2026-04-library.txt"
        );
        let missing = read_bundled_collection(Path::new("examples/elsewhere"), None).unwrap_err();
        assert!(
            missing[0].message.contains("`examples/elsewhere`"),
            "{:?}",
            missing[0]
        );
    }

    #[test]
    fn paths_are_normalised_by_their_names() {
        assert_eq!(normal_path(Path::new("a/./b/../c/")), "a/c");
        assert_eq!(normal_path(Path::new("../../a")), "../../a");
        assert_eq!(normal_path(Path::new("a/../../b")), "../b");
    }

    #[test]
    fn metadata_facts_are_documented_and_generated_for_every_article() {
        let mut articles = Articles::bundled();
        let mut mine = Article::parse(
            "local",
            "2026_bridge.txt",
            "---\ntitle: The \"bridge\"\nurl: https://example.org/b\n---\nText.",
        )
        .expect("header");
        mine.metadata.date = None;
        articles.add(mine).expect("new id");
        let text = metadata_text(&articles);
        assert!(
            text.contains("article(\"002_ce86d074e4b97803\", \"seeds/002_ce86d074e4b97803.txt\")."),
            "{text}"
        );
        assert!(
            text.contains("article_date(\"004_085ef165130b3512\", 2025-11-09)."),
            "{text}"
        );
        assert!(
            text.contains("article_title(\"2026_bridge\", \"The \\\"bridge\\\"\")."),
            "{text}"
        );
        let program = metadata_program(SourceId(0), &text);
        let analysis = analyze(&[&program]);
        assert!(
            analysis.diagnostics.is_empty(),
            "{:#?}",
            analysis.diagnostics
        );
        let documented: Vec<&str> = analysis
            .program
            .predicates
            .iter()
            .filter(|predicate| predicate.doc.is_some() && predicate.defined)
            .map(|predicate| predicate.name.as_str())
            .collect();
        assert_eq!(
            documented,
            [
                "article",
                "article_date",
                "article_title",
                "article_outlet",
                "article_url"
            ]
        );
        assert_eq!(analysis.program.n_all_facts(), 6 + 2 + 1 + 1);
    }
}
