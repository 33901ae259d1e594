// The page: talks to wirelog's JSON API (docs/web.md) and draws what it
// answers. Nothing here decides what an input means: the server runs the
// same shell as the terminal; this file only renders its replies.
"use strict";

const state = {
  session: sessionStorage.getItem("wirelog-session"),
  articles: [],
  currentArticle: null,
  evidence: [],        // citations of the explained answer: {article, quote, ranges}
  cy: null,
  lastTree: null,
  errorMarks: [],
  exercises: new Map(), // lesson file name → its exercises (GET /api/exercises)
};

const $ = (selector) => document.querySelector(selector);
const el = (tag, attributes = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
};

function setStatus(text) { $("#status").textContent = text; }

// ---- the API ----------------------------------------------------------------

async function newSession() {
  const response = await fetch("/api/session", { method: "POST" });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
  state.session = body.session;
  sessionStorage.setItem("wirelog-session", state.session);
  const limits = body.limits;
  setStatus(`session ready · limits: ${limits.max_tuples.toLocaleString()} tuples, ` +
    `${limits.max_rounds.toLocaleString()} rounds, ${limits.max_seconds} s`);
}

// Calls the API with the session; a session the server no longer knows
// (restarted, expired) is replaced once.
async function api(method, path, body, retried = false) {
  if (!state.session) await newSession();
  const options = { method, headers: { "x-wirelog-session": state.session } };
  if (body !== undefined) {
    options.headers["content-type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  let json;
  try { json = await response.json(); } catch { json = { error: { message: response.statusText } }; }
  if (response.status === 404 && json.error && json.error.code === "session_unknown" && !retried) {
    state.session = null;
    setStatus("the session expired: a new one was started (typed clauses are gone)");
    return api(method, path, body, true);
  }
  return { status: response.status, body: json };
}

// ---- tabs -------------------------------------------------------------------

function setupTabs() {
  for (const nav of document.querySelectorAll(".tabs")) {
    const panel = nav.parentElement;
    for (const button of nav.querySelectorAll("button")) {
      button.addEventListener("click", () => showTab(panel, button.dataset.tab));
    }
  }
}

function showTab(panel, name) {
  for (const button of panel.querySelectorAll(":scope > .tabs button")) {
    button.classList.toggle("active", button.dataset.tab === name);
  }
  for (const pane of panel.querySelectorAll(":scope > .pane")) {
    pane.classList.toggle("active", pane.dataset.pane === name);
  }
  if (name === "graph" && state.cy) { state.cy.resize(); state.cy.fit(undefined, 20); }
  if (name === "schema") loadSchema();
}

// ---- the editor and replies -------------------------------------------------

let editor;

function setupEditor() {
  editor = CodeMirror.fromTextArea($("#editor"), {
    mode: "wirelog", lineNumbers: true, lineWrapping: true,
    extraKeys: { "Ctrl-Enter": run, "Cmd-Enter": run },
  });
  editor.on("change", clearErrorMarks);
  $("#run").addEventListener("click", run);
  $("#undo").addEventListener("click", () => submit(":undo"));
  $("#clear-output").addEventListener("click", () => { $("#output").replaceChildren(); });
}

function clearErrorMarks() {
  for (const mark of state.errorMarks) mark.clear();
  state.errorMarks = [];
}

async function run() { await submit(editor.getValue(), true); }

async function submit(text, fromEditor = false) {
  const button = $("#run");
  button.disabled = true;
  setStatus("running…");
  const started = performance.now();
  try {
    const { status, body } = await api("POST", "/api/input", { text });
    clearErrorMarks();
    const reply = renderReply(text, body, fromEditor);
    $("#output").prepend(reply);
    setStatus(`${status === 200 ? "done" : "rejected: the session is unchanged"} ` +
      `(${Math.round(performance.now() - started)} ms)`);
    schemaLoaded = false;
  } catch (error) {
    setStatus(`the server cannot be reached: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

function renderReply(text, body, fromEditor) {
  const box = el("div", { class: "reply" }, el("div", { class: "input" }, text.trim()));
  if (body.error) {
    box.append(el("div", { class: "diagnostic" }, el("div", { class: "headline" }, body.error.message)));
    return box;
  }
  for (const event of body.events || []) {
    switch (event.kind) {
      case "info": {
        const long = event.text.includes("\n");
        const node = el("div", { class: long ? "info long" : "info" }, event.text.trimEnd());
        const whynot = /`:whynot ([^`]+)`/.exec(event.text);
        if (whynot && !whynot[1].includes("ATOM")) {
          node.append(" ", el("button", { onclick: () => whyNot(whynot[1]) }, "Why not?"));
        }
        box.append(node);
        break;
      }
      case "answers":
        for (const answer of event.answers) box.append(renderAnswer(answer, event.elapsed_ms));
        break;
      case "diagnostics":
        for (const diagnostic of event.diagnostics) box.append(renderDiagnostic(diagnostic, fromEditor));
        box.append(el("pre", { class: "rendered" }, event.text));
        break;
      case "derivation":
        showDerivationTree(event.derivation, event.derivation.fact);
        showEvidence(event.citations);
        box.append(el("div", { class: "info" }, "the derivation is shown on the right"));
        break;
      case "why_not":
        box.append(el("pre", { class: "why-not" }, event.text));
        break;
      case "verdict":
        box.append(renderVerdict(event.verdict, event.text));
        break;
      case "error":
        box.append(el("div", { class: "error-line" }, event.text));
        break;
    }
  }
  return box;
}

function renderDiagnostic(diagnostic, fromEditor) {
  const isLimit = ["E302", "E303", "E309"].includes(diagnostic.code);
  const classes = ["diagnostic", diagnostic.severity, isLimit ? "limit" : ""].join(" ");
  const where = diagnostic.line
    ? `${diagnostic.file}, line ${diagnostic.line}, column ${diagnostic.column}`
    : "";
  const node = el("div", { class: classes, "data-code": diagnostic.code },
    el("div", { class: "headline" }, `${diagnostic.severity}[${diagnostic.code}]: ${diagnostic.message}`),
    where ? el("div", { class: "where" }, where) : null,
    ...diagnostic.notes.map((note) => el("div", { class: "where" }, note)));
  // The editor's text was the input: mark the span where it is.
  if (fromEditor && diagnostic.line && String(diagnostic.file).startsWith("<repl:")) {
    for (const label of diagnostic.labels.length ? diagnostic.labels : [diagnostic]) {
      if (!label.line) continue;
      const from = { line: label.line - 1, ch: label.column - 1 };
      let to = { line: label.end_line - 1, ch: label.end_column - 1 };
      if (to.line === from.line && to.ch <= from.ch) to = { line: from.line, ch: from.ch + 1 };
      state.errorMarks.push(editor.markText(from, to, { className: "cm-error-span", title: label.message || diagnostic.message }));
    }
  }
  return node;
}

function renderAnswer(answer, elapsed) {
  const wrapper = el("div", { class: "answer" });
  wrapper.append(el("div", { class: "query" }, answer.query));
  const table = el("table", { class: "answers" });
  if (answer.columns.length === 0) {
    const yes = answer.rows.length > 0;
    table.append(el("tbody", {}, el("tr", { title: yes ? "click to see why" : "" },
      el("td", {}, yes ? "yes" : "no"))));
    if (yes) table.querySelector("tr").addEventListener("click", (event) => explainRow(answer, [], event.currentTarget));
  } else {
    table.append(el("thead", {}, el("tr", {}, answer.columns.map((column) => el("th", {}, column)))));
    const tbody = el("tbody");
    for (const row of answer.rows) {
      const tr = el("tr", { title: "click to see why" }, row.map((value) => el("td", {}, formatValue(value))));
      tr.addEventListener("click", () => explainRow(answer, row, tr));
      tbody.append(tr);
    }
    table.append(tbody);
  }
  wrapper.append(table);
  const n = answer.columns.length === 0 ? null : answer.rows.length;
  const time = elapsed === null || elapsed === undefined ? "" : ` (${elapsed < 1 ? elapsed.toFixed(2) : elapsed.toFixed(1)} ms)`;
  wrapper.append(el("div", { class: "count" }, n === null ? time.trim() : `${n} ${n === 1 ? "row" : "rows"}${time}`));
  return wrapper;
}

function formatValue(value) { return typeof value === "string" ? value : JSON.stringify(value); }

// ---- why: tree, graph, evidence ----------------------------------------------

async function explainRow(answer, row, tr) {
  for (const selected of document.querySelectorAll("tr.selected")) selected.classList.remove("selected");
  if (tr) tr.classList.add("selected");
  $("#explain-title").textContent = "explaining…";
  const { body } = await api("POST", "/api/explain", { query: answer.query, row });
  if (!body.ok) {
    $("#explain-title").textContent = "no explanation: " +
      ((body.events || []).flatMap((e) => e.diagnostics || []).map((d) => d.message).join("; ") ||
        (body.error && body.error.message) || "unknown");
    return;
  }
  const label = answer.columns.length
    ? answer.columns.map((column, index) => `${column} = ${formatValue(row[index])}`).join(", ")
    : "yes";
  showStep(body.step, `${answer.query}  →  ${label}`);
  showEvidence(body.citations);
}

function showDerivationTree(derivation, title) {
  $("#explain-title").textContent = title;
  const tree = $("#tree");
  tree.replaceChildren(renderDerivation(derivation, 0));
  drawGraph({ kind: "derivation", derivation });
}

function showStep(step, title) {
  $("#explain-title").textContent = title;
  const tree = $("#tree");
  const root = el("details", { open: "" }, el("summary", {}, step.rule, el("span", { class: "kind" }, "query")));
  appendStepBody(root, step, 0, false);
  tree.replaceChildren(root);
  drawGraph({ kind: "step", step, title });
}

function renderDerivation(derivation, depth) {
  const support = derivation.support;
  const kinds = { fact: "fact", rule: "derived", see_above: "shown above", cut: "cut at the depth limit", unexplained: "unexplained" };
  const node = el("details", depth < 3 ? { open: "" } : {},
    el("summary", {}, derivation.fact, el("span", { class: "kind" }, kinds[support.kind] || support.kind)));
  if (support.kind === "fact") {
    for (const citation of support.citations) {
      node.append(el("div", {
        class: "quote", title: "show it in the article",
        onclick: () => openArticle(citation.article, [citation.quote]),
      }, el("span", { class: "art" }, citation.article), ": “", citation.quote, "”"));
    }
    for (const place of support.stated_at) node.append(el("div", { class: "note" }, `stated at ${place.file}:${place.line}`));
  } else if (support.kind === "rule") {
    appendStepBody(node, support, depth);
  } else if (support.kind === "cut") {
    node.append(el("div", { class: "note" }, `${support.at_least ? "at least " : ""}${support.hidden_levels} more levels not shown`));
  } else if (support.kind === "unexplained") {
    node.append(el("div", { class: "note" }, support.reason));
  }
  return node;
}

function appendStepBody(node, step, depth, showRule = true) {
  if (showRule) node.append(el("div", { class: "rule" }, step.rule), el("div", { class: "note" }, `${step.file}:${step.line}`));
  if (step.bindings.length) {
    node.append(el("div", { class: "note" }, step.bindings.map((b) => `${b.variable} = ${formatValue(b.value)}`).join(", ")));
  }
  for (const child of step.children) node.append(renderDerivation(child, depth + 1));
  for (const text of step.negations) node.append(el("div", { class: "note" }, text));
  for (const text of step.comparisons) node.append(el("div", { class: "note" }, text));
  for (const aggregate of step.aggregates) {
    node.append(el("div", { class: "note" }, `${aggregate.text}: ${aggregate.result} (${aggregate.n_matches} matches)`));
  }
}

// The derivation as a graph: facts and rules as nodes, the quotes they rest on as leaves.
function drawGraph(what) {
  const elements = [];
  const seen = new Set();
  const add = (id, label, kind) => {
    if (seen.has(id)) return;
    seen.add(id);
    elements.push({ data: { id, label, kind } });
  };
  let edgeCount = 0;
  const edge = (source, target) => elements.push({ data: { id: `e${edgeCount++}`, source, target } });
  const visit = (derivation) => {
    const id = `f:${derivation.fact}`;
    const support = derivation.support;
    add(id, derivation.fact, support.kind === "fact" ? "fact" : "derived");
    if (support.kind === "fact") {
      for (const citation of support.citations) {
        const quoteId = `q:${citation.article}:${citation.quote}`;
        const short = citation.quote.length > 40 ? citation.quote.slice(0, 38) + "…" : citation.quote;
        add(quoteId, `${citation.article}: “${short}”`, "quote");
        edge(quoteId, id);
      }
    } else if (support.kind === "rule") {
      for (const child of support.children) { visit(child); edge(`f:${child.fact}`, id); }
    }
  };
  if (what.kind === "step") {
    add("root", what.step.rule, "query");
    for (const child of what.step.children) { visit(child); edge(`f:${child.fact}`, "root"); }
  } else {
    visit(what.derivation);
  }
  if (state.cy) state.cy.destroy();
  state.cy = cytoscape({
    container: $("#graph"),
    elements,
    style: [
      { selector: "node", style: {
        label: "data(label)", "font-size": 10, "text-wrap": "wrap", "text-max-width": 130,
        "text-valign": "center", "text-halign": "center", shape: "round-rectangle",
        width: "label", height: "label", padding: 6, "background-color": "#dbeafe",
        "border-width": 1, "border-color": "#0b5cad" } },
      { selector: "node[kind = 'fact']", style: { "background-color": "#e6f4ea", "border-color": "#116329" } },
      { selector: "node[kind = 'quote']", style: { "background-color": "#fff2b3", "border-color": "#e07b00", shape: "rectangle" } },
      { selector: "node[kind = 'query']", style: { "background-color": "#14233c", color: "#fff" } },
      { selector: "edge", style: { width: 1.5, "line-color": "#8c959f", "target-arrow-color": "#8c959f",
        "target-arrow-shape": "triangle", "curve-style": "bezier" } },
    ],
    layout: { name: "dagre", rankDir: "LR", nodeSep: 8, rankSep: 30 },
  });
  state.cy.on("tap", "node[kind = 'quote']", (event) => {
    const [, article, ...quote] = event.target.id().split(":");
    openArticle(article, [quote.join(":")]);
  });
}

// Marks the quotes an explanation rests on in their article, scrolled into view.
function showEvidence(citations) {
  state.evidence = citations || [];
  const articles = [...new Set(state.evidence.map((citation) => citation.article))];
  if (articles.length === 0) return;
  showTab($("#sources"), "articles");
  openArticle(articles[0]);
}

async function openArticle(reference, extraQuotes = []) {
  showTab($("#sources"), "articles");
  const { status, body } = await api("GET", `/api/articles/${encodeURIComponent(reference)}`);
  if (status !== 200) return;
  state.currentArticle = body;
  for (const item of document.querySelectorAll("#article-list li")) {
    item.classList.toggle("active", item.dataset.file === body.file_name);
  }
  const evidenceRanges = state.evidence
    .filter((citation) => citation.article === body.file_name)
    .flatMap((citation) => citation.ranges);
  // A quote clicked in the tree is evidence too, found among the article's cited passages.
  for (const quote of extraQuotes) {
    for (const cited of body.cited) if (cited.quote === quote) evidenceRanges.push(...cited.ranges);
  }
  const citedRanges = body.cited.flatMap((cited) => cited.ranges.map((range) => ({ ...range, facts: cited.facts })));
  const view = $("#article-view");
  const evidenceArticles = [...new Set(state.evidence.map((citation) => citation.article))];
  view.replaceChildren(...[
    el("h3", {}, body.title),
    el("div", { class: "meta" }, `${body.id} · ${body.collection}/${body.file_name}${body.date ? " · " + body.date : ""} · ` +
      `${body.cited.length} cited passages`),
    evidenceArticles.length > 1 ? el("div", { class: "chips" }, "cited in:", evidenceArticles.map((file) =>
      el("span", { class: file === body.file_name ? "chip active" : "chip", onclick: () => openArticle(file) }, file.split("_")[0]))) : null,
    markedText(body.text, citedRanges, evidenceRanges)].filter((child) => child !== null));
  const first = view.querySelector("mark.evidence");
  if (first) first.scrollIntoView({ block: "center", behavior: "smooth" });
}

// The article's text with cited passages marked, the explained answer's evidence marked strongest.
function markedText(text, citedRanges, evidenceRanges) {
  const points = new Set([0, text.length]);
  for (const range of [...citedRanges, ...evidenceRanges]) { points.add(range.utf16_start); points.add(range.utf16_end); }
  const sorted = [...points].sort((a, b) => a - b);
  const container = el("div", { class: "article-text" });
  for (let i = 0; i + 1 < sorted.length; i++) {
    const [start, end] = [sorted[i], sorted[i + 1]];
    const piece = text.slice(start, end);
    const inside = (range) => range.utf16_start <= start && end <= range.utf16_end;
    const evidence = evidenceRanges.some(inside);
    const cited = citedRanges.filter(inside);
    if (evidence || cited.length) {
      const facts = [...new Set(cited.flatMap((range) => range.facts))];
      container.append(el("mark", { class: evidence ? "evidence" : "cited", title: facts.join("\n") }, piece));
    } else {
      container.append(piece);
    }
  }
  return container;
}

// ---- why not ------------------------------------------------------------------

async function whyNot(fact) {
  $("#whynot-fact").value = fact;
  const { body } = await api("POST", "/api/whynot", { fact });
  const output = $("#whynot-output");
  output.replaceChildren();
  for (const event of body.events || []) {
    if (event.kind === "why_not") output.append(el("pre", {}, event.text));
    if (event.kind === "diagnostics") {
      for (const diagnostic of event.diagnostics) output.append(renderDiagnostic(diagnostic, false));
    }
  }
  if (body.error) output.append(el("div", { class: "error-line" }, body.error.message));
}

// ---- articles, lessons, schema ----------------------------------------------

async function loadArticles() {
  const { body } = await api("GET", "/api/articles");
  state.articles = body;
  $("#article-list").replaceChildren(...body.map((article) =>
    el("li", { "data-file": article.file_name, onclick: () => openArticle(article.file_name) },
      el("span", { class: "id" }, article.id), article.title,
      article.date ? el("span", { class: "date" }, article.date) : null)));
}

async function loadLessons() {
  const [lessons, exercises] = await Promise.all([
    fetch("/api/lessons").then((response) => response.json()),
    fetch("/api/exercises").then((response) => (response.ok ? response.json() : [])),
  ]);
  state.exercises = new Map(exercises.map((lesson) => [lesson.name, lesson.exercises]));
  $("#lesson-list").replaceChildren(...lessons.map((lesson) => {
    const n = (state.exercises.get(lesson.name) || []).length;
    return el("li", { "data-lesson": lesson.name, onclick: (event) => showLesson(lesson, event.currentTarget) },
      lesson.title, n ? el("span", { class: "date" }, `${n} exercises`) : null);
  }));
}

// A lesson's text without its exercise block (the `% Exercises` comments at
// its end, which hold the expected answers): the page asks the questions below.
function lessonBody(text) {
  const match = /^% Exercises[ \t]*$/m.exec(text);
  if (!match) return text;
  const rest = text.slice(match.index).split("\n");
  const onlyComments = rest.every((line) => line.trim() === "" || line.trim().startsWith("%"));
  return onlyComments ? text.slice(0, match.index).trimEnd() + "\n" : text;
}

function showLesson(lesson, item) {
  for (const other of document.querySelectorAll("#lesson-list li")) other.classList.toggle("active", other === item);
  const body = lessonBody(lesson.text);
  const exercises = state.exercises.get(lesson.name) || [];
  const section = exercises.length
    ? el("section", { class: "exercises", id: "exercises" },
      el("h3", {}, "Exercises"),
      el("p", { class: "note" }, "Answer with one query (after rules of your own if you like); the columns are asked for in order. " +
        "Each answer is checked in a fresh session of the lesson: what you typed in the editor does not count."),
      exercises.map(renderExercise))
    : null;
  $("#lesson-view").replaceChildren(...[
    el("div", { class: "buttons" },
      el("button", { class: "primary", onclick: () => { editor.setValue(body); run(); } }, "Run this lesson"),
      el("button", { onclick: () => editor.setValue(body) }, "Copy into the editor"),
      exercises.length ? el("button", { onclick: () => $("#exercises").scrollIntoView({ block: "start" }) },
        `Exercises (${exercises.length}) ↓`) : null),
    el("pre", { class: "lesson-text" }, body),
    section].filter((child) => child !== null));
  for (const box of document.querySelectorAll("#lesson-view .exercise")) box.answerEditor.refresh();
}

// ---- exercises --------------------------------------------------------------

function renderExercise(exercise) {
  const asks = exercise.yes_no ? "a yes/no question" : `columns: ${exercise.columns.join(", ")}`;
  const verdict = el("div", { class: "verdict", "aria-live": "polite" });
  const button = el("button", { class: "primary check" }, "Check");
  const answer = el("textarea", { class: "answer", spellcheck: "false", "aria-label": `answer to ${exercise.id}` });
  const box = el("div", { class: "exercise", "data-exercise": exercise.id },
    el("div", { class: "question" }, el("span", { class: "id" }, exercise.id), exercise.question),
    el("div", { class: "asks" }, asks),
    answer,
    el("div", { class: "buttons" }, button),
    verdict);
  // The answer box is a small editor with the language's highlighting.
  const check = () => checkAnswer(exercise, box.answerEditor.getValue(), verdict, button);
  box.answerEditor = CodeMirror.fromTextArea(answer, {
    mode: "wirelog", lineWrapping: true, viewportMargin: Infinity,
    extraKeys: { "Ctrl-Enter": check, "Cmd-Enter": check },
  });
  button.addEventListener("click", check);
  return box;
}

async function checkAnswer(exercise, answer, output, button) {
  button.disabled = true;
  setStatus(`checking ${exercise.id}…`);
  const started = performance.now();
  try {
    const { status, body } = await api("POST", `/api/exercises/${encodeURIComponent(exercise.id)}/check`, { answer });
    output.replaceChildren();
    if (body.verdict) {
      const event = (body.events || []).find((e) => e.kind === "verdict");
      output.append(renderVerdict(body.verdict, event ? event.text : ""));
    } else if (body.error) {
      output.append(el("div", { class: "diagnostic" }, el("div", { class: "headline" }, body.error.message)));
    } else {
      for (const event of body.events || []) {
        if (event.kind !== "diagnostics") continue;
        for (const diagnostic of event.diagnostics) output.append(renderDiagnostic(diagnostic, false));
        output.append(el("pre", { class: "rendered" }, event.text));
      }
    }
    setStatus(`${status === 200 ? "checked" : "not checked: the answer was rejected"} ` +
      `(${Math.round(performance.now() - started)} ms)`);
  } catch (error) {
    setStatus(`the server cannot be reached: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

// A verdict: right or not yet, the rows missing and extra, the hint on request.
function renderVerdict(verdict, text) {
  const headline = (text || "").split("\n")[0] || (verdict.correct ? "right" : "not yet");
  const node = el("div", { class: verdict.correct ? "verdict-box right" : "verdict-box wrong", "data-correct": String(verdict.correct) },
    el("div", { class: "headline" }, verdict.correct ? "✓ " : "✗ ", headline));
  const rows = (label, list, total) => {
    if (!total) return null;
    const columns = verdict.expected_columns.length ? verdict.expected_columns : (list[0] || []).map((_, i) => `#${i + 1}`);
    return el("div", { class: `rows ${label}` },
      el("div", { class: "label" }, `${label} (${total})`),
      el("table", { class: "answers" },
        el("thead", {}, el("tr", {}, columns.map((column) => el("th", {}, column)))),
        el("tbody", {}, list.map((row) => el("tr", {}, row.map((value) => el("td", {}, formatValue(value))))))),
      total > list.length ? el("div", { class: "count" }, `… and ${total - list.length} more`) : null);
  };
  node.append(...[rows("missing", verdict.missing, verdict.n_missing), rows("extra", verdict.extra, verdict.n_extra)]
    .filter((child) => child !== null));
  if (verdict.hint) {
    const hint = el("div", { class: "hint", hidden: "" }, `hint: ${verdict.hint}`);
    node.append(el("button", { class: "hint-button", onclick: (event) => { hint.hidden = false; event.currentTarget.remove(); } }, "Hint"), hint);
  }
  return node;
}

let schemaLoaded = false;
async function loadSchema() {
  if (schemaLoaded) return;
  const { body } = await api("GET", "/api/schema");
  schemaLoaded = true;
  const filter = $("#schema-filter").value.toLowerCase();
  const items = body.predicates
    .filter((predicate) => !filter || predicate.name.includes(filter) || (predicate.description || "").toLowerCase().includes(filter))
    .map((predicate) => el("div", { class: "schema-item" },
      el("code", {}, predicate.signature || `${predicate.name}/${predicate.arity}`),
      ` ${predicate.kind}${predicate.tuples === null ? "" : `, ${predicate.tuples} tuples`}`,
      predicate.description ? el("div", { class: "desc" }, predicate.description) : null));
  $("#schema-view").replaceChildren(...items);
}

// ---- start ----------------------------------------------------------------------

async function start() {
  if (window.cytoscapeDagre) cytoscape.use(window.cytoscapeDagre);
  setupTabs();
  setupEditor();
  $("#whynot-form").addEventListener("submit", (event) => { event.preventDefault(); whyNot($("#whynot-fact").value); });
  $("#schema-filter").addEventListener("input", () => { schemaLoaded = false; loadSchema(); });
  try {
    if (!state.session) await newSession();
    else setStatus("session resumed");
    await Promise.all([loadArticles(), loadLessons()]);
  } catch (error) {
    setStatus(`the server cannot be reached: ${error.message}`);
  }
}

// For the browser tests: how many nodes the graph shows.
window.wirelogGraphNodes = () => (state.cy ? state.cy.nodes().length : 0);

start();
