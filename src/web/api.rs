//! The routes: the page's files and the JSON API (docs/web.md).
//!
//! Owns turning requests into the same `Shell` and `Session` calls the
//! terminal makes, and their results into responses with status codes.
//! Request-wide limits are tower-http layers (body size, a request time
//! limit above the evaluation's own); evaluation runs on a blocking thread
//! under `Sessions::run`. It must not render answers or diagnostics itself
//! (`json` and `present` do) nor decide what an input means (`Shell` does).

use super::assets;
use super::json;
use super::sessions::{PageSession, ServeOptions, SessionError, Sessions, StartUpError};
use crate::course::Course;
use crate::diagnostic::{Code, Diagnostic};
use crate::provenance::ExplainOptions;
use crate::repl::{Command, Event, Reply, check_exercise, is_command, parse_command};
use crate::session::Session;
use crate::value::Answer;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value as Json, json};
use std::sync::Arc;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

/// The header that carries a page session's id.
const SESSION_HEADER: &str = "x-wirelog-session";

/// The cookie that carries it for clients that prefer cookies.
const SESSION_COOKIE: &str = "wirelog_session";

/// Room the HTTP time limit leaves after the evaluation's own, so that the
/// evaluation limit (a clear `E309`) always comes first.
const HTTP_TIME_MARGIN: Duration = Duration::from_secs(30);

type Shared = Arc<Sessions>;

/// The application: the page, its files and the API, with their limits.
/// Fails when the start-up program is rejected.
pub fn router(options: ServeOptions) -> Result<Router, StartUpError> {
    let max_body_bytes = options.max_body_bytes;
    let http_time = options.max_time + HTTP_TIME_MARGIN;
    let sessions = Arc::new(Sessions::new(options)?);
    Ok(Router::new()
        .route("/", get(index))
        .route("/assets/{*path}", get(asset))
        .route("/api/session", post(create_session))
        .route("/api/input", post(input))
        .route("/api/why", post(why))
        .route("/api/whynot", post(why_not))
        .route("/api/explain", post(explain))
        .route("/api/articles", get(articles))
        .route("/api/articles/{id}", get(article))
        .route("/api/lessons", get(lessons))
        .route("/api/exercises", get(exercises))
        .route("/api/exercises/{id}/check", post(check))
        .route("/api/schema", get(schema))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(RequestBodyLimitLayer::new(max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            http_time,
        ))
        .with_state(sessions))
}

/// An error response: `{"error": {"code": …, "message": …}}`.
struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            axum::Json(json!({ "error": { "code": self.code, "message": self.message } })),
        )
            .into_response()
    }
}

impl From<SessionError> for ApiError {
    fn from(error: SessionError) -> ApiError {
        match error {
            SessionError::Missing => ApiError::new(
                StatusCode::BAD_REQUEST,
                "session_missing",
                format!(
                    "no session: POST /api/session first and send its id in `{SESSION_HEADER}`"
                ),
            ),
            SessionError::Unknown => ApiError::new(
                StatusCode::NOT_FOUND,
                "session_unknown",
                "no such session (it may have expired): POST /api/session starts a new one",
            ),
            SessionError::Full(n_sessions) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "sessions_full",
                format!("the server already holds {n_sessions} sessions; try again later"),
            ),
            SessionError::Failed => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "session_failed",
                "the session could not run this request and was closed; start a new one",
            ),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        let status = rejection.status();
        let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "body_too_large"
        } else {
            "bad_request"
        };
        let status = if status == StatusCode::PAYLOAD_TOO_LARGE {
            status
        } else {
            StatusCode::BAD_REQUEST
        };
        ApiError::new(status, code, rejection.body_text())
    }
}

/// The session id of a request: the header, else the cookie.
fn session_id(headers: &HeaderMap) -> Option<String> {
    if let Some(value) = headers.get(SESSION_HEADER) {
        return value.to_str().ok().map(str::to_string);
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .find_map(|cookie| {
            let (name, value) = cookie.trim().split_once('=')?;
            (name == SESSION_COOKIE).then(|| value.to_string())
        })
}

/// A JSON body with the status of a reply: 200 when it holds no error, 422 when it does.
fn reply_response(reply: &Reply, session: &Session, extra: Option<(&str, Json)>) -> Response {
    let mut body = json::reply_to_json(reply, session.sources(), session.articles());
    if let (Some((key, value)), Some(object)) = (extra, body.as_object_mut()) {
        object.insert(key.to_string(), value);
    }
    let status = if reply.failed() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (status, axum::Json(body)).into_response()
}

/// The page has no Ctrl-C: an interrupted evaluation was stopped by the
/// request time limit, and says so.
fn mark_time_limit(reply: &mut Reply, max_time: Duration) {
    for event in &mut reply.events {
        let diagnostics = match event {
            Event::Diagnostics(diagnostics) => diagnostics,
            // An answer to an exercise is checked under the same limit.
            Event::AnswerRejected(rejected) => &mut rejected.diagnostics,
            _ => continue,
        };
        for diagnostic in diagnostics.iter_mut() {
            if diagnostic.code == Code::E304 {
                diagnostic.code = Code::E309;
                diagnostic.message = format!(
                    "evaluation stopped after the time limit of {} s",
                    max_time.as_secs_f64()
                );
                diagnostic.notes = vec![
                    "help: a rule that keeps making new values (such as `n(Y) :- n(X), Y = X + 1.`) never ends; bound it with a comparison".to_string(),
                ];
            }
        }
    }
    for event in &mut reply.events {
        if let Event::Error(text) = event
            && text.contains("as it was before")
        {
            *text = "the session is as it was before this input".to_string();
        }
    }
}

/// Commands that would read or write files other than the start-up
/// program, or leave: the page does not offer them.
fn refused_command(command: &Command) -> Option<&'static str> {
    match command {
        Command::Load(_) => Some(":load"),
        Command::Save { .. } => Some(":save"),
        Command::Export { .. } => Some(":export"),
        Command::Why(argument) if argument.trim_start().starts_with("--dot") => Some(":why --dot"),
        Command::Quit => Some(":quit"),
        _ => None,
    }
}

async fn index() -> Response {
    asset(Path("index.html".to_string())).await
}

async fn asset(Path(path): Path<String>) -> Response {
    match assets::page_asset(&path) {
        Some((bytes, content_type)) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            ],
            bytes.into_owned(),
        )
            .into_response(),
        None => not_found().await,
    }
}

async fn not_found() -> Response {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such page or API route",
    )
    .into_response()
}

async fn create_session(State(sessions): State<Shared>) -> Result<Response, ApiError> {
    let id = sessions.create()?;
    let options = sessions.options();
    let body = json!({
        "session": id,
        "limits": {
            "max_tuples": options.limits.max_tuples,
            "max_rounds": options.limits.max_rounds,
            "max_seconds": options.max_time.as_secs_f64(),
            "max_body_bytes": options.max_body_bytes,
        },
        "sessions": sessions.len(),
    });
    let cookie = format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict");
    let mut response = (StatusCode::CREATED, axum::Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

#[derive(Deserialize)]
struct InputRequest {
    text: String,
}

/// Runs typed text or a `:command`, exactly as at the prompt.
async fn input(
    State(sessions): State<Shared>,
    headers: HeaderMap,
    body: Result<axum::Json<InputRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let axum::Json(request) = body?;
    let max_time = sessions.options().max_time;
    let finished = sessions
        .run(
            session_id(&headers).as_deref(),
            move |page: &mut PageSession| {
                let refused = is_command(&request.text)
                    .then(|| parse_command(&request.text).ok())
                    .flatten()
                    .as_ref()
                    .and_then(refused_command);
                let mut reply = match refused {
                    Some(name) => Reply::diagnostic(
                        Diagnostic::error_without_span(
                            Code::E610,
                            format!("`{name}` is not available in the web view"),
                        )
                        .with_note("the page reads and writes no files; `wirelog repl` offers it"),
                    ),
                    None => page.shell.run(&mut page.session, &request.text),
                };
                mark_time_limit(&mut reply, max_time);
                reply_response(&reply, &page.session, None)
            },
        )
        .await?;
    Ok(finished)
}

#[derive(Deserialize)]
struct FactRequest {
    fact: String,
}

/// `:why FACT`, with the cited passages located in their articles.
async fn why(
    State(sessions): State<Shared>,
    headers: HeaderMap,
    body: Result<axum::Json<FactRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let axum::Json(request) = body?;
    let max_time = sessions.options().max_time;
    let finished = sessions
        .run(
            session_id(&headers).as_deref(),
            move |page: &mut PageSession| {
                let session = &mut page.session;
                let mut reply = match session.why(&request.fact) {
                    Ok(derivation) => Reply::of(Event::Derivation(Box::new(derivation))),
                    Err(rejected) => Reply::diagnostics(rejected.diagnostics),
                };
                mark_time_limit(&mut reply, max_time);
                let citations = reply.events.iter().find_map(|event| match event {
                    Event::Derivation(derivation) => Some(json::citations_to_json(
                        session.articles(),
                        &json::derivation_citations(derivation),
                    )),
                    _ => None,
                });
                reply_response(&reply, session, citations.map(|c| ("citations", c)))
            },
        )
        .await?;
    Ok(finished)
}

/// `:whynot FACT-OR-PATTERN`.
async fn why_not(
    State(sessions): State<Shared>,
    headers: HeaderMap,
    body: Result<axum::Json<FactRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let axum::Json(request) = body?;
    let max_time = sessions.options().max_time;
    let finished = sessions
        .run(
            session_id(&headers).as_deref(),
            move |page: &mut PageSession| {
                let session = &mut page.session;
                let mut reply = match session.why_not(&request.fact) {
                    Ok(why_not) => Reply::of(Event::WhyNot(Box::new(why_not))),
                    Err(rejected) => Reply::diagnostics(rejected.diagnostics),
                };
                mark_time_limit(&mut reply, max_time);
                reply_response(&reply, session, None)
            },
        )
        .await?;
    Ok(finished)
}

#[derive(Deserialize)]
struct ExplainRequest {
    /// The query as typed, e.g. `?- mediates(M, T).`
    query: String,
    /// The answer row, as the API gave it (`answers[i].rows[j]`).
    row: Vec<Json>,
}

/// Why one answer row of a query holds: the query body with the row's
/// values, each matched fact's derivation, and the cited passages.
async fn explain(
    State(sessions): State<Shared>,
    headers: HeaderMap,
    body: Result<axum::Json<ExplainRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let axum::Json(request) = body?;
    let max_time = sessions.options().max_time;
    let finished = sessions
        .run(
            session_id(&headers).as_deref(),
            move |page: &mut PageSession| {
                let session = &mut page.session;
                let result = explain_row(session, &request.query, &request.row);
                match result {
                    Ok(body) => (StatusCode::OK, axum::Json(body)).into_response(),
                    Err(mut reply) => {
                        mark_time_limit(&mut reply, max_time);
                        reply_response(&reply, session, None)
                    }
                }
            },
        )
        .await?;
    Ok(finished)
}

/// Answers `query` again, finds `row` among its rows and explains it.
fn explain_row(session: &mut Session, query: &str, row: &[Json]) -> Result<Json, Reply> {
    let is_wanted = |values: &[crate::value::Value]| {
        values.len() == row.len()
            && values
                .iter()
                .zip(row)
                .all(|(value, wanted)| value.to_json() == *wanted)
    };
    let (answers, explanations) = session
        .explain_query(query, is_wanted, &ExplainOptions::default())
        .map_err(|rejected| Reply::diagnostics(rejected.diagnostics))?;
    let not_found = || {
        Reply::diagnostic(Diagnostic::error_without_span(
            Code::E504,
            "that row is not an answer of the query (any more)",
        ))
    };
    let (Some(answer), Some(explanation)) = (answers.first(), explanations.first()) else {
        return Err(not_found());
    };
    let row_explanation = explanation.rows.first().ok_or_else(not_found)?;
    let step = row_explanation.step.as_ref().ok_or_else(not_found)?;
    let one_row = Answer {
        query: answer.query.clone(),
        columns: answer.columns.clone(),
        rows: vec![row_explanation.row.clone()],
    };
    let one_explanation = crate::provenance::QueryExplanation {
        query: explanation.query.clone(),
        rows: vec![row_explanation.clone()],
        n_rows_not_explained: 0,
    };
    let citations = json::citations_to_json(session.articles(), &json::step_citations(step));
    Ok(json!({
        "ok": true,
        "query": answer.query,
        "columns": answer.columns,
        "row": row_explanation.row.iter().map(|value| value.to_json()).collect::<Vec<_>>(),
        "step": serde_json::to_value(step).unwrap_or(Json::Null),
        "text": crate::present::explain::render_explanations_text(&one_row, &one_explanation),
        "citations": citations,
    }))
}

async fn articles(
    State(sessions): State<Shared>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let body = read_session(&sessions, &headers, |session| {
        json::articles_to_json(session.articles())
    })
    .await?;
    Ok(axum::Json(body).into_response())
}

async fn article(
    State(sessions): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let body = read_session(&sessions, &headers, move |session| {
        json::article_to_json(session, &id)
    })
    .await?;
    match body {
        Some(body) => Ok(axum::Json(body).into_response()),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "article_unknown",
            "no article has that name, or the prefix names several",
        )),
    }
}

async fn lessons() -> Response {
    axum::Json(json::lessons_to_json(&assets::lessons())).into_response()
}

/// The bundled course, or a 500 naming why it cannot be read (a lesson
/// with a malformed exercise block; the tests keep that from shipping).
fn bundled_course() -> Result<Course, ApiError> {
    Course::bundled().map_err(|error| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Code::E630.as_str(),
            error.to_string(),
        )
    })
}

/// Every exercise, by lesson, without the expected answers.
async fn exercises() -> Result<Response, ApiError> {
    Ok(axum::Json(json::exercises_to_json(&bundled_course()?)).into_response())
}

#[derive(Deserialize)]
struct CheckRequest {
    /// The student's answer: a query, after rules of their own if any.
    answer: String,
}

/// `:check ID ANSWER`: the answer is checked in a fresh session of the
/// exercise's lesson, sandboxed, under the page session's limits and time
/// limit; a reply with a `verdict` event (also as `verdict` beside the
/// events), or the diagnostics of a rejected answer (422).
async fn check(
    State(sessions): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<axum::Json<CheckRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let course = bundled_course()?;
    let id = match course.exercise(&id) {
        Ok((_, exercise)) => exercise.id.clone(),
        Err(error) => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                Code::E630.as_str(),
                error.to_string(),
            ));
        }
    };
    let axum::Json(request) = body?;
    let max_time = sessions.options().max_time;
    let finished = sessions
        .run(
            session_id(&headers).as_deref(),
            move |page: &mut PageSession| {
                let mut reply = check_exercise(&page.session, &id, &request.answer);
                mark_time_limit(&mut reply, max_time);
                let verdict = reply.events.iter().find_map(|event| match event {
                    Event::Verdict(verdict) => serde_json::to_value(verdict).ok(),
                    _ => None,
                });
                reply_response(&reply, &page.session, verdict.map(|v| ("verdict", v)))
            },
        )
        .await?;
    Ok(finished)
}

async fn schema(State(sessions): State<Shared>, headers: HeaderMap) -> Result<Response, ApiError> {
    let body = read_session(&sessions, &headers, json::schema_to_json).await?;
    Ok(axum::Json(body).into_response())
}

/// Reads the request's session, or, without a session id, a fresh one
/// holding only the start-up program (articles and schema need no session).
async fn read_session<T: Send + 'static>(
    sessions: &Shared,
    headers: &HeaderMap,
    read: impl FnOnce(&Session) -> T + Send + 'static,
) -> Result<T, ApiError> {
    match session_id(headers) {
        Some(id) => Ok(sessions
            .run(Some(&id), move |page: &mut PageSession| read(&page.session))
            .await?),
        None => {
            let sessions = Arc::clone(sessions);
            tokio::task::spawn_blocking(move || {
                sessions
                    .scratch()
                    .map(|page| read(&page.session))
                    .map_err(|_| SessionError::Failed)
            })
            .await
            .map_err(|_| ApiError::from(SessionError::Failed))?
            .map_err(ApiError::from)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_of_a_query_is_explained_down_to_its_citations() {
        let mut session = Session::default();
        session.load_news().expect("news loads");
        let body = explain_row(
            &mut session,
            "?- failed_mediated_talks(T).",
            &[json!("istanbul_talks")],
        )
        .map_err(|reply| format!("{reply:?}"))
        .expect("explained");
        assert_eq!(body["row"], json!(["istanbul_talks"]));
        assert!(
            body["citations"].as_array().is_some_and(|c| !c.is_empty()),
            "{body}"
        );
    }
}
