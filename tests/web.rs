//! The web view's HTTP API, as a page (or `curl`) uses it: status codes,
//! JSON shapes, limits, isolation between sessions, bad requests; and the
//! `serve` command itself (prints its URL, answers, stops on Ctrl-C).
//! The page in a real browser is tested by `tests/browser/run.sh`.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value as Json, json};
use std::time::Duration;
use tower::ServiceExt;
use wirelog::eval::Limits;
use wirelog::session::ProgramSource;
use wirelog::web::{ServeOptions, router};

fn app() -> Router {
    router(ServeOptions::default()).expect("the news loads")
}

/// Sends one request; returns the status, the JSON body (or the text as a
/// JSON string when it is not JSON) and the headers.
async fn send(app: &Router, request: Request<Body>) -> (StatusCode, Json, header::HeaderMap) {
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Json::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, body, headers)
}

async fn new_session(app: &Router) -> String {
    let (status, body, headers) = send(
        app,
        Request::post("/api/session")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["session"].as_str().expect("an id").to_string();
    assert_eq!(id.len(), 32);
    let cookie = headers
        .get(header::SET_COOKIE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    assert!(
        cookie.contains(&id) && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    id
}

async fn post(app: &Router, session: &str, path: &str, body: Json) -> (StatusCode, Json) {
    let (status, body, _) = send(
        app,
        Request::post(path)
            .header("x-wirelog-session", session)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request"),
    )
    .await;
    (status, body)
}

async fn get(app: &Router, session: Option<&str>, path: &str) -> (StatusCode, Json) {
    let mut request = Request::get(path);
    if let Some(session) = session {
        request = request.header("x-wirelog-session", session);
    }
    let (status, body, _) = send(app, request.body(Body::empty()).expect("request")).await;
    (status, body)
}

async fn input(app: &Router, session: &str, text: &str) -> (StatusCode, Json) {
    post(app, session, "/api/input", json!({ "text": text })).await
}

/// The rows of the first answers event of a reply.
fn rows(body: &Json) -> Json {
    body["events"]
        .as_array()
        .and_then(|events| events.iter().find(|event| event["kind"] == "answers"))
        .map(|event| event["answers"][0]["rows"].clone())
        .unwrap_or(Json::Null)
}

/// The codes of every diagnostic in a reply.
fn codes(body: &Json) -> Vec<String> {
    body["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|event| event["kind"] == "diagnostics")
        .flat_map(|event| event["diagnostics"].as_array().cloned().unwrap_or_default())
        .filter_map(|diagnostic| diagnostic["code"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn a_query_is_answered_as_a_table_of_json_values() {
    let app = app();
    let session = new_session(&app).await;
    let (status, body) = input(&app, &session, "?- failed_mediated_talks(T).").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["ok"], json!(true));
    let answers = &body["events"][0];
    assert_eq!(answers["kind"], "answers");
    assert_eq!(answers["answers"][0]["columns"], json!(["T"]));
    assert_eq!(
        answers["answers"][0]["query"],
        "?- failed_mediated_talks(T)."
    );
    assert_eq!(
        rows(&body),
        json!([["istanbul_talks"], ["istanbul_talks_nov"]])
    );
    assert!(answers["elapsed_ms"].is_number());
}

#[tokio::test]
async fn a_rejected_input_reports_line_and_column_and_changes_nothing() {
    let app = app();
    let session = new_session(&app).await;
    let (status, body) = input(&app, &session, "p(a).\nbad(X) :- p(_).").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["ok"], json!(false));
    let event = &body["events"][0];
    assert_eq!(event["kind"], "diagnostics");
    let diagnostic = &event["diagnostics"][0];
    assert_eq!(diagnostic["code"], "E202");
    assert_eq!(diagnostic["line"], 2);
    assert_eq!(diagnostic["column"], 5);
    assert!(
        diagnostic["file"]
            .as_str()
            .is_some_and(|file| file.starts_with("<repl:"))
    );
    // The terminal's rendering, with the marked span.
    let text = event["text"].as_str().unwrap_or_default();
    assert!(
        text.contains("bad(X) :- p(_).") && text.contains('┬'),
        "{text}"
    );
    // `p(a)` came with the rejected input, so it is not there.
    let (status, body) = input(&app, &session, "?- p(X).").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rows(&body), json!([]));
}

#[tokio::test]
async fn sessions_are_isolated() {
    let app = app();
    let first = new_session(&app).await;
    let second = new_session(&app).await;
    assert_ne!(first, second);
    let (status, _) = input(&app, &first, "visited(kabul).").await;
    assert_eq!(status, StatusCode::OK);
    let (_, body) = input(&app, &first, "?- visited(X).").await;
    assert_eq!(rows(&body), json!([["kabul"]]));
    let (_, body) = input(&app, &second, "?- visited(X).").await;
    assert_eq!(rows(&body), json!([]), "{body}");
}

#[tokio::test]
async fn requests_without_a_live_session_are_refused() {
    let app = app();
    let (status, body, _) = send(
        &app,
        Request::post("/api/input")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"text": "?- p(X)."}"#))
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "session_missing");
    let (status, body) = input(&app, "0123456789abcdef0123456789abcdef", "?- p(X).").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "session_unknown");
    // A cookie works as well as the header.
    let session = new_session(&app).await;
    let (status, body, _) = send(
        &app,
        Request::post("/api/input")
            .header(
                header::COOKIE,
                format!("other=1; wirelog_session={session}"),
            )
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"text": "?- closed(torkham, D)."}"#))
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn bad_requests_get_json_errors() {
    let app = app();
    let session = new_session(&app).await;
    for body in ["not json", r#"{"txt": "?- p(X)."}"#, r#"{"text": 3}"#] {
        let (status, reply, _) = send(
            &app,
            Request::post("/api/input")
                .header("x-wirelog-session", &session)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .expect("request"),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {reply}");
        assert_eq!(reply["error"]["code"], "bad_request");
    }
    let (status, reply) = get(&app, None, "/api/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(reply["error"]["code"], "not_found");
}

#[tokio::test]
async fn a_body_too_large_is_refused_with_413() {
    let app = router(ServeOptions {
        max_body_bytes: 1024,
        ..ServeOptions::default()
    })
    .expect("the news loads");
    let session = new_session(&app).await;
    let text = format!("% {}\n?- p(X).", "x".repeat(4096));
    let (status, _) = input(&app, &session, &text).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // The session still answers.
    let (status, _) = input(&app, &session, "?- closed(C, D).").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_runaway_program_stops_at_the_tuple_limit() {
    let app = router(ServeOptions {
        limits: Limits {
            max_tuples: 10_000,
            max_rounds: Some(1_000_000),
            ..Limits::default()
        },
        ..ServeOptions::default()
    })
    .expect("the news loads");
    let session = new_session(&app).await;
    let (status, body) = input(&app, &session, "n(0).\nn(Y) :- n(X), Y = X + 1.").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(codes(&body), vec!["E302"]);
    let (_, body) = input(&app, &session, "?- n(X).").await;
    assert_eq!(codes(&body), vec!["W001"], "nothing of the runaway stayed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runaway_program_stops_at_the_time_limit_while_others_are_served() {
    let app = router(ServeOptions {
        limits: Limits {
            max_tuples: usize::MAX,
            max_rounds: Some(usize::MAX),
            ..Limits::default()
        },
        max_time: Duration::from_secs(2),
        ..ServeOptions::default()
    })
    .expect("the news loads");
    let runaway_session = new_session(&app).await;
    let other_session = new_session(&app).await;
    let runaway = {
        let app = app.clone();
        tokio::spawn(async move {
            input(
                &app,
                &runaway_session,
                "n(0).\nn(Y) :- n(X), Y = X + 1, Y < 1000000000.",
            )
            .await
        })
    };
    // Another session answers while the runaway evaluates.
    let (status, body) = input(&app, &other_session, "?- failed_mediated_talks(T).").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        !runaway.is_finished(),
        "the other session was answered before the runaway ended"
    );
    let (status, body) = runaway.await.expect("the runaway request ends");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(codes(&body), vec!["E309"], "{body}");
    let text = body["events"][0]["text"].as_str().unwrap_or_default();
    assert!(text.contains("time limit of 2 s"), "{text}");
}

#[tokio::test]
async fn why_explains_a_fact_and_locates_its_quotes() {
    let app = app();
    let session = new_session(&app).await;
    let (status, body) = post(
        &app,
        &session,
        "/api/why",
        json!({ "fact": "failed_mediated_talks(istanbul_talks)" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let derivation = &body["events"][0]["derivation"];
    assert_eq!(derivation["fact"], "failed_mediated_talks(istanbul_talks)");
    assert_eq!(derivation["support"]["kind"], "rule");
    let citations = body["citations"].as_array().expect("citations");
    assert!(!citations.is_empty());
    for citation in citations {
        let ranges = citation["ranges"].as_array().expect("ranges");
        assert!(!ranges.is_empty(), "{citation}");
        assert!(ranges[0]["start"].as_u64() < ranges[0]["end"].as_u64());
    }
    let (status, body) = post(&app, &session, "/api/why", json!({ "fact": "agreed(x)" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!codes(&body).is_empty());
}

#[tokio::test]
async fn why_not_says_which_rule_fails() {
    let app = app();
    let session = new_session(&app).await;
    let (status, body) = post(
        &app,
        &session,
        "/api/whynot",
        json!({ "fact": "failed_mediated_talks(doha_talks)" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let event = &body["events"][0];
    assert_eq!(event["kind"], "why_not");
    assert!(event["why_not"].is_object());
    assert!(
        event["text"]
            .as_str()
            .is_some_and(|text| text.contains("failed_mediated_talks")),
        "{event}"
    );
}

#[tokio::test]
async fn an_answer_row_is_explained_with_the_quotes_in_their_article() {
    let app = app();
    let session = new_session(&app).await;
    let (status, body) = post(
        &app,
        &session,
        "/api/explain",
        json!({ "query": "?- mediates(M, istanbul_talks).", "row": ["qatar"] }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["row"], json!(["qatar"]));
    assert_eq!(body["step"]["rule"], "?- mediates(M, istanbul_talks).");
    assert_eq!(body["step"]["children"][0]["support"]["kind"], "fact");
    let citation = &body["citations"][0];
    let file = citation["article"].as_str().expect("a file name");
    let (status, article) = get(&app, Some(&session), &format!("/api/articles/{file}")).await;
    assert_eq!(status, StatusCode::OK);
    let text = article["text"].as_str().expect("text");
    let range = &citation["ranges"][0];
    let (start, end) = (
        range["start"].as_u64().unwrap_or(0) as usize,
        range["end"].as_u64().unwrap_or(0) as usize,
    );
    let quoted = text.get(start..end).expect("byte range inside the text");
    assert_eq!(
        wirelog::articles::normalise(quoted),
        wirelog::articles::normalise(citation["quote"].as_str().unwrap_or_default())
    );
    // A row that is not an answer is refused.
    let (status, _) = post(
        &app,
        &session,
        "/api/explain",
        json!({ "query": "?- mediates(M, istanbul_talks).", "row": ["nobody"] }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn articles_come_with_their_cited_passages() {
    let app = app();
    let (status, list) = get(&app, None, "/api/articles").await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_array().expect("a list");
    assert_eq!(list.len(), 5);
    assert_eq!(list[0]["id"], "000");
    assert_eq!(list[0]["date"], "2025-10-29");
    let (status, article) = get(&app, None, "/api/articles/002").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        article["file_name"]
            .as_str()
            .is_some_and(|name| name.starts_with("002_"))
    );
    let cited = article["cited"].as_array().expect("cited passages");
    assert!(!cited.is_empty());
    assert!(cited.iter().all(|passage| {
        passage["facts"]
            .as_array()
            .is_some_and(|facts| !facts.is_empty())
            && passage["ranges"].as_array().is_some_and(|r| !r.is_empty())
    }));
    let (status, body) = get(&app, None, "/api/articles/999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "article_unknown");
    // A fact typed in a session cites its passage there, and only there.
    let session = new_session(&app).await;
    let (status, body) = input(
        &app,
        &session,
        "said(tarar, broken_down) @ \"003\": \"Negotiations for a lasting truce\".",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, article) = get(&app, Some(&session), "/api/articles/003").await;
    let has_it = |article: &Json| {
        article["cited"].as_array().is_some_and(|cited| {
            cited
                .iter()
                .any(|passage| passage["facts"][0] == "said(tarar, broken_down)")
        })
    };
    assert!(has_it(&article), "{article}");
    let (_, article) = get(&app, None, "/api/articles/003").await;
    assert!(!has_it(&article));
}

#[tokio::test]
async fn lessons_and_the_schema_are_listed() {
    let app = app();
    let (status, lessons) = get(&app, None, "/api/lessons").await;
    assert_eq!(status, StatusCode::OK);
    let lessons = lessons.as_array().expect("a list");
    assert!(lessons.len() >= 8);
    assert_eq!(lessons[0]["name"], "01_facts.dl");
    assert!(
        lessons[0]["title"]
            .as_str()
            .is_some_and(|title| title.starts_with("Lesson 1"))
    );
    assert!(
        lessons[0]["text"]
            .as_str()
            .is_some_and(|text| text.contains("?-"))
    );
    let (status, schema) = get(&app, None, "/api/schema").await;
    assert_eq!(status, StatusCode::OK);
    let mediates = schema["predicates"]
        .as_array()
        .and_then(|predicates| predicates.iter().find(|p| p["name"] == "mediates"))
        .cloned()
        .expect("mediates is documented");
    assert_eq!(mediates["arity"], 2);
    assert_eq!(mediates["kind"], "base");
    assert!(
        mediates["signature"]
            .as_str()
            .is_some_and(|s| s.starts_with("mediates("))
    );
}

#[tokio::test]
async fn the_page_reads_and_writes_no_files() {
    let app = app();
    let session = new_session(&app).await;
    let (status, body) = input(&app, &session, ":load /etc/passwd").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(codes(&body), vec!["E610"]);
    let (_, body) = input(&app, &session, ":save /tmp/wirelog-web-test.dl").await;
    assert_eq!(codes(&body), vec!["E610"]);
    let (status, body) = input(&app, &session, "#include \"/etc/hostname\".").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(codes(&body), vec!["E440"]);
    // The bundled knowledge base may be included, and other commands work.
    let (status, body) = input(&app, &session, "#include <news>.").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = input(&app, &session, ":schema mediates").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["events"][0]["kind"], "info");
}

/// A scratch folder of this test process, emptied first.
fn scratch_folder(name: &str) -> std::path::PathBuf {
    let folder = std::env::temp_dir().join(format!("wirelog-web-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).expect("scratch folder");
    folder
}

/// The text of every event of a reply, diagnostics and errors included.
fn reply_text(body: &Json) -> String {
    body["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|event| event["text"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn typed_directives_neither_read_nor_write_files() {
    let app = app();
    let session = new_session(&app).await;
    // `/etc/passwd` is refused before it is opened: only E440, no import error.
    let (status, body) = input(&app, &session, "#import \"/etc/passwd\" as p(string).").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(codes(&body), vec!["E440"]);
    assert!(!reply_text(&body).contains("root:"), "{body}");
    // A file that would import cleanly is not read either: nothing of it stays.
    let folder = scratch_folder("sandbox");
    let data = folder.join("secret.csv");
    std::fs::write(&data, "s3cret\n").expect("data file");
    let text = format!("#import \"{}\" as secret(string).", data.display());
    let (status, body) = input(&app, &session, &text).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(codes(&body), vec!["E440"]);
    let (_, body) = input(&app, &session, "?- secret(X).").await;
    assert_eq!(codes(&body), vec!["W001"], "{body}");
    assert!(!body.to_string().contains("s3cret"));
    // `#articles` reads no folder.
    let articles = folder.join("articles");
    std::fs::create_dir_all(&articles).expect("articles folder");
    std::fs::write(articles.join("leak.txt"), "Private words.").expect("article");
    let text = format!(
        "#articles \"{}\".\nsaid(x) @ \"leak\": \"Private words\".",
        articles.display()
    );
    let (status, body) = input(&app, &session, &text).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(codes(&body).contains(&"E440".to_string()), "{body}");
    let (_, list) = get(&app, Some(&session), "/api/articles").await;
    assert_eq!(list.as_array().map(Vec::len), Some(5), "{list}");
    // `#export` and `:export` write nothing.
    let written = folder.join("out.csv");
    let text = format!("#export mediates \"{}\".", written.display());
    let (status, body) = input(&app, &session, &text).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(codes(&body), vec!["E440"]);
    let (status, body) = input(
        &app,
        &session,
        &format!(":export mediates {}", written.display()),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(codes(&body), vec!["E610"]);
    assert!(!written.exists(), "nothing was written");
    // An answer given to `:check` is typed text too.
    let (status, body) = input(
        &app,
        &session,
        &format!(
            ":check 1.1 #import \"{}\" as secret(string). ?- secret(X).",
            data.display()
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(!body.to_string().contains("s3cret"));
    assert!(reply_text(&body).contains("E440"), "{body}");
    // The session is as it was: the news still answers.
    let (status, body) = input(&app, &session, "?- mediates(M, istanbul_talks).").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let _ = std::fs::remove_dir_all(&folder);
}

#[tokio::test]
async fn the_page_shows_and_cites_the_article_folders_the_server_was_given() {
    let folder = scratch_folder("collection");
    std::fs::write(
        folder.join("riverside.txt"),
        "---\ntitle: Library opens on Sundays\ndate: 2026-05-03\n---\nThe council said the library will open on Sundays.",
    )
    .expect("article");
    let app = router(ServeOptions {
        articles: vec![folder.clone()],
        ..ServeOptions::default()
    })
    .expect("the news and the folder load");
    let session = new_session(&app).await;
    let (_, list) = get(&app, Some(&session), "/api/articles").await;
    let list = list.as_array().expect("a list");
    assert_eq!(list.len(), 6, "{list:?}");
    let mine = list
        .iter()
        .find(|article| article["file_name"] == "riverside.txt")
        .expect("the folder's article");
    assert_eq!(mine["title"], "Library opens on Sundays");
    assert_eq!(mine["date"], "2026-05-03");
    let (status, body) = input(
        &app,
        &session,
        "opens(library, sundays) @ \"riverside\": \"will open on Sundays\".",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = post(
        &app,
        &session,
        "/api/why",
        json!({ "fact": "opens(library, sundays)" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, article) = get(&app, Some(&session), "/api/articles/riverside").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        article["cited"][0]["quote"], "will open on Sundays",
        "{article}"
    );
    let _ = std::fs::remove_dir_all(&folder);
}

#[tokio::test]
async fn every_lesson_runs_as_typed_in_the_page() {
    let app = app();
    let (status, lessons) = get(&app, None, "/api/lessons").await;
    assert_eq!(status, StatusCode::OK);
    let lessons = lessons.as_array().expect("a list");
    assert!(lessons.len() >= 11, "{lessons:?}");
    for lesson in lessons {
        // "Run this lesson": its text as one input of a fresh page session.
        let session = new_session(&app).await;
        let text = lesson["text"].as_str().expect("text");
        let (status, body) = input(&app, &session, text).await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", lesson["name"]);
    }
    // Lesson 11's `#articles` folder is bundled: read from the binary.
    let session = new_session(&app).await;
    let (status, body) = input(&app, &session, "#articles \"riverside/articles\".").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, list) = get(&app, Some(&session), "/api/articles").await;
    assert_eq!(list.as_array().map(Vec::len), Some(7), "{list}");
}

#[tokio::test]
async fn a_query_reading_citations_is_explained_with_its_quote() {
    let app = app();
    let session = new_session(&app).await;
    let query = "?- mediates(M, istanbul_talks) @ A : Q.";
    let (status, body) = input(&app, &session, query).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let row = rows(&body)[0].clone();
    assert_eq!(row.as_array().map(Vec::len), Some(3), "{body}");
    let (status, body) = post(
        &app,
        &session,
        "/api/explain",
        json!({ "query": query, "row": row }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["row"], row);
    // The same query before anything read the citation relation, in a new session.
    let fresh = new_session(&app).await;
    let (status, body) = post(
        &app,
        &fresh,
        "/api/explain",
        json!({ "query": query, "row": row }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["row"], row);
}

#[tokio::test]
async fn the_page_and_its_files_are_served_from_the_binary() {
    let app = app();
    let (status, body, headers) =
        send(&app, Request::get("/").body(Body::empty()).expect("r")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/html"))
    );
    assert!(
        body.as_str()
            .is_some_and(|html| html.contains("/assets/app.js"))
    );
    for path in [
        "/assets/app.js",
        "/assets/style.css",
        "/assets/vendor/cytoscape/cytoscape.min.js",
        "/assets/vendor/codemirror/codemirror.js",
    ] {
        let (status, _, _) = send(&app, Request::get(path).body(Body::empty()).expect("r")).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
    let (status, _, _) = send(
        &app,
        Request::get("/assets/../Cargo.toml")
            .body(Body::empty())
            .expect("r"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[test]
fn a_rejected_start_up_file_stops_the_server_before_it_serves() {
    let path = std::env::temp_dir().join(format!("wirelog-web-bad-{}.dl", std::process::id()));
    std::fs::write(&path, "p(X) :- q(Y).\n").expect("temp file");
    let error = router(ServeOptions {
        program: vec![ProgramSource::File(path.clone())],
        ..ServeOptions::default()
    })
    .expect_err("rejected");
    let _ = std::fs::remove_file(&path);
    assert!(error.rendered.contains("E202"), "{}", error.rendered);
}

/// `wirelog serve --port 0` prints its URL, answers over HTTP, and stops on Ctrl-C.
#[test]
fn serve_prints_its_url_answers_and_stops_on_ctrl_c() {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_wirelog"))
        .args(["serve", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("wirelog starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("a line");
    let url = line
        .split_whitespace()
        .find(|word| word.starts_with("http://127.0.0.1:"))
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_string();
    assert!(!url.is_empty(), "{line}");
    let address = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).expect("connects");
    write!(
        stream,
        "POST /api/session HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .expect("request sent");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");
    assert!(response.contains("\"session\""), "{response}");
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(interrupted.success());
    let status = child.wait().expect("the server exits");
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    let _ = stdout.read_to_string(&mut rest);
    assert!(rest.contains("stopping"), "{rest}");
}

#[tokio::test]
async fn why_typed_as_a_command_carries_its_located_quotes() {
    let app = app();
    let session = new_session(&app).await;
    let (status, body) = input(&app, &session, ":why mediates(qatar, istanbul_talks)").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let event = &body["events"][0];
    assert_eq!(event["kind"], "derivation");
    assert!(
        event["citations"]
            .as_array()
            .is_some_and(|citations| citations.len() >= 2),
        "{event}"
    );
}

/// The verdict beside a check's events.
async fn check(app: &Router, session: &str, id: &str, answer: &str) -> (StatusCode, Json) {
    post(
        app,
        session,
        &format!("/api/exercises/{id}/check"),
        json!({ "answer": answer }),
    )
    .await
}

#[tokio::test]
async fn exercises_are_listed_by_lesson_without_their_answers() {
    let app = app();
    let (status, body) = get(&app, None, "/api/exercises").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let lessons = body.as_array().expect("a list of lessons");
    let course = wirelog::course::Course::bundled().expect("the course");
    let n_exercises: usize = course.lessons().iter().map(|l| l.exercises.len()).sum();
    let listed: usize = lessons
        .iter()
        .map(|lesson| lesson["exercises"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(listed, n_exercises);
    let third = lessons
        .iter()
        .find(|lesson| lesson["lesson"] == 3)
        .expect("lesson 3");
    assert_eq!(third["name"], "03_recursion.dl");
    assert!(
        third["title"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Lesson 3")
    );
    let first = &third["exercises"][0];
    assert_eq!(first["id"], "3.1");
    assert_eq!(first["lesson"], 3);
    assert_eq!(
        first["question"],
        "Which places lie inside Pakistan, at any level?"
    );
    assert_eq!(first["columns"], json!(["Place"]));
    assert_eq!(first["yes_no"], json!(false));
    assert_eq!(first["has_hint"], json!(true));
    let yes_no = third["exercises"]
        .as_array()
        .and_then(|exercises| exercises.iter().find(|e| e["id"] == "3.6"))
        .expect("3.6");
    assert_eq!(yes_no["yes_no"], json!(true));
    assert_eq!(yes_no["columns"], json!([]));
    // Neither the expected rows, nor the reference query, nor the hint.
    let text = body.to_string();
    assert!(!text.contains("balochistan"), "{text}");
    assert!(!text.contains("within(P, pakistan)"), "{text}");
    assert!(!text.contains("recursive closure"), "{text}");
    for key in ["expected", "expect", "reference", "check", "hint"] {
        assert!(first.get(key).is_none(), "{key} in {first}");
    }
}

#[tokio::test]
async fn an_answer_is_checked_right_or_wrong_with_its_missing_and_extra_rows() {
    let app = app();
    let session = new_session(&app).await;
    let (status, body) = check(&app, &session, "3.1", "?- within(P, pakistan).").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["ok"], json!(true));
    assert_eq!(body["events"][0]["kind"], "verdict");
    assert_eq!(body["events"][0]["verdict"], body["verdict"]);
    let verdict = &body["verdict"];
    assert_eq!(verdict["exercise"], "3.1");
    assert_eq!(verdict["correct"], json!(true));
    assert_eq!(verdict["diagnosis"]["kind"], "right");
    assert_eq!(verdict["hint"], Json::Null);
    assert!(
        body["events"][0]["text"]
            .as_str()
            .unwrap_or_default()
            .starts_with("right (3.1)"),
        "{body}"
    );
    // A bare conjunction is an answer too.
    let (status, body) = check(&app, &session, "3.1", "within(P, pakistan)").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["verdict"]["correct"], json!(true));
    // A wrong answer, with rules of the student's own: 200 (the answer ran),
    // not correct, the rows missing and extra, and the hint.
    let (status, body) = check(
        &app,
        &session,
        "3.1",
        "w(P) :- within(P, pakistan), P != chaman.\nw(kabul).\n?- w(P).",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let verdict = &body["verdict"];
    assert_eq!(verdict["correct"], json!(false), "{body}");
    assert_eq!(verdict["diagnosis"]["kind"], "rows");
    assert_eq!(verdict["missing"], json!([["chaman"]]));
    assert_eq!(verdict["extra"], json!([["kabul"]]));
    assert_eq!(verdict["n_missing"], 1);
    assert_eq!(verdict["n_extra"], 1);
    assert_eq!(
        verdict["hint"],
        "within/2 is the recursive closure of located_in/2"
    );
    assert!(
        body["events"][0]["text"]
            .as_str()
            .unwrap_or_default()
            .starts_with("not yet (3.1)"),
        "{body}"
    );
    // The check ran aside: the student's rule did not join the page session.
    let (_, body) = input(&app, &session, "?- w(P).").await;
    assert_eq!(codes(&body), vec!["W001"], "{body}");
    // A yes/no question.
    let (status, body) = check(
        &app,
        &session,
        "3.6",
        "?- precedes(doha_ceasefire, istanbul_talks_nov).",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["verdict"]["correct"], json!(true), "{body}");
}

#[tokio::test]
async fn bad_checks_are_refused_with_their_codes() {
    let app = app();
    let session = new_session(&app).await;
    // An unknown exercise: 404 with E630 and the closest id.
    let (status, body) = check(&app, &session, "13.1", "?- p(X).").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "E630");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("13.1"),
        "{body}"
    );
    let (status, body) = check(&app, &session, "nonsense", "?- p(X).").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "E630");
    // An answer that is not Datalog: 422 with its diagnostics, pointing into the answer.
    let (status, body) = check(&app, &session, "3.1", "?- within(P pakistan).").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["ok"], json!(false));
    assert_eq!(body["events"][0]["kind"], "diagnostics");
    assert_eq!(body["events"][0]["exercise"], "3.1");
    assert!(!codes(&body).is_empty(), "{body}");
    assert_eq!(
        body["events"][0]["diagnostics"][0]["file"], "<answer>",
        "{body}"
    );
    assert!(body.get("verdict").is_none(), "{body}");
    // No answer, two queries, no session, a body without `answer`.
    let (status, body) = check(&app, &session, "3.1", "  ").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(codes(&body), vec!["E603"]);
    let (status, body) = check(&app, &session, "3.1", "?- within(P, pakistan). ?- p(X).").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(codes(&body), vec!["E412"]);
    let (status, body, _) = send(
        &app,
        Request::post("/api/exercises/3.1/check")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json!({ "answer": "?- p." }).to_string()))
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "session_missing");
    let (status, body) = post(
        &app,
        &session,
        "/api/exercises/3.1/check",
        json!({ "text": "?- p." }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "bad_request");
    // The answer is sandboxed: it reaches no file.
    let (status, body) = check(
        &app,
        &session,
        "1.1",
        "#import \"/etc/passwd\" as p(string). ?- p(X).",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(codes(&body).contains(&"E440".to_string()), "{body}");
    assert!(!body.to_string().contains("root:"));
}

#[tokio::test]
async fn a_check_body_too_large_is_refused_with_413() {
    let app = router(ServeOptions {
        max_body_bytes: 1024,
        ..ServeOptions::default()
    })
    .expect("the news loads");
    let session = new_session(&app).await;
    let answer = format!("?- within(P, pakistan). % {}", "x".repeat(4096));
    let (status, body) = check(&app, &session, "3.1", &answer).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"]["code"], "body_too_large");
}

/// An answer whose own rule counts up for ever (bounded far beyond what
/// 2 s reach, so no value limit comes first).
const RUNAWAY_ANSWER: &str =
    "n(0). n(Y) :- n(X), Y = X + 1, Y < 1000000000. ?- within(P, pakistan), n(_).";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runaway_answer_stops_at_the_time_limit_while_others_are_served() {
    let app = router(ServeOptions {
        limits: Limits {
            max_tuples: usize::MAX,
            max_rounds: Some(usize::MAX),
            ..Limits::default()
        },
        max_time: Duration::from_secs(2),
        ..ServeOptions::default()
    })
    .expect("the news loads");
    let runaway_session = new_session(&app).await;
    let other_session = new_session(&app).await;
    let started = std::time::Instant::now();
    let runaway = {
        let app = app.clone();
        let session = runaway_session.clone();
        tokio::spawn(async move { check(&app, &session, "3.1", RUNAWAY_ANSWER).await })
    };
    // Another session is answered, and checks, while the runaway evaluates.
    let (status, body) = input(&app, &other_session, "?- failed_mediated_talks(T).").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = check(&app, &other_session, "3.1", "?- within(P, pakistan).").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        !runaway.is_finished(),
        "the other session was served before the runaway ended"
    );
    let (status, body) = runaway.await.expect("the runaway request ends");
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(codes(&body), vec!["E309"], "{body}");
    assert!(reply_text(&body).contains("time limit of 2 s"), "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "stopped by the evaluation's time limit, not the HTTP one"
    );
    // The same answer typed as `:check` in the editor stops the same way.
    let (status, body) = input(
        &app,
        &runaway_session,
        &format!(":check 3.1 {RUNAWAY_ANSWER}"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(codes(&body), vec!["E309"], "{body}");
    // The session goes on: the next check is answered at once.
    let (status, body) = check(&app, &runaway_session, "3.1", "within(P, pakistan)").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["verdict"]["correct"], json!(true));
}

#[tokio::test]
async fn the_dataflow_engine_answers_and_explains_as_the_default_one() {
    // `serve --engine dataflow --workers 2`: each request evaluates once on
    // differential dataflow; answers and explanations are the same.
    let app = router(ServeOptions {
        engine: wirelog::session::Engine::Dataflow(wirelog::session::DataflowSettings {
            workers: 2,
            cluster: None,
            live: false,
        }),
        ..ServeOptions::default()
    })
    .expect("the news loads on the dataflow engine");
    let session = new_session(&app).await;
    let (status, body) = input(&app, &session, "?- failed_mediated_talks(T).").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        rows(&body),
        json!([["istanbul_talks"], ["istanbul_talks_nov"]])
    );
    let (status, body) = input(&app, &session, "extra(1).\n?- extra(X).").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = post(
        &app,
        &session,
        "/api/why",
        json!({ "fact": "failed_mediated_talks(istanbul_talks)" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["events"][0]["derivation"]["support"]["kind"], "rule");
}
