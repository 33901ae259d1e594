"""The web view in a real browser, one user story a test."""

from playwright.sync_api import expect


def type_and_run(page, text):
    """Replaces the editor's text (CodeMirror) and presses Ctrl+Enter."""
    page.evaluate("text => document.querySelector('#work .CodeMirror').CodeMirror.setValue(text)", text)
    page.click("#work .CodeMirror")
    page.keyboard.press("Control+Enter")


def test_a_query_is_answered_as_a_table(page, screenshot):
    type_and_run(page, "?- mediates(M, T).")
    table = page.locator("#output .reply").first.locator("table.answers")
    expect(table.locator("th")).to_have_text(["M", "T"])
    expect(table.locator("tbody tr").first).to_be_visible()
    expect(table.locator("tbody tr", has_text="istanbul_talks").first).to_be_visible()
    expect(page.locator("#output .count").first).to_contain_text("rows")
    # The editor highlights the language.
    expect(page.locator(".CodeMirror .cm-variable-2").first).to_have_text("M")
    expect(page.locator(".CodeMirror .cm-def").first).to_have_text("mediates")


def test_an_answer_shows_its_derivation_and_the_quote_in_the_article(page, screenshot):
    type_and_run(page, "?- failed_mediated_talks(T).")
    row = page.locator("#output table.answers tbody tr", has_text="istanbul_talks").first
    row.click()
    tree = page.locator("#tree")
    expect(tree.locator("summary").first).to_contain_text("failed_mediated_talks")
    expect(tree).to_contain_text("mediates(")
    expect(tree).to_contain_text("outcome(istanbul_talks, no_agreement)")
    # The cited sentence is marked in the article, in view.
    evidence = page.locator("#article-view mark.evidence").first
    expect(evidence).to_be_visible()
    expect(evidence).to_be_in_viewport()
    screenshot(page, "why")
    # The tree is collapsible.
    first_child = tree.locator("details details").first
    first_child.locator("summary").first.click()
    expect(first_child).not_to_have_attribute("open", "")
    # The same derivation as a graph drawn in the page.
    page.click("#reasons .tabs button[data-tab=graph]")
    expect(page.locator("#graph canvas").first).to_be_visible()
    n_nodes = page.evaluate("() => window.wirelogGraphNodes()")
    assert n_nodes >= 4
    screenshot(page, "graph")


def test_an_error_shows_line_column_and_the_marked_span(page, screenshot):
    type_and_run(page, "likes(ann, bob).\nfriend(X) :- likes(ann, _).")
    diagnostic = page.locator("#output .diagnostic").first
    expect(diagnostic).to_contain_text("E202")
    expect(diagnostic).to_contain_text("line 2, column 8")
    expect(page.locator("#output pre.rendered").first).to_contain_text("friend(X) :- likes(ann, _).")
    expect(page.locator(".CodeMirror .cm-error-span")).to_have_text("X")
    screenshot(page, "error")
    # The rejected input changed nothing: `likes` is still unknown.
    type_and_run(page, "?- likes(A, B).")
    expect(page.locator("#output .reply").first.locator(".diagnostic")).to_contain_text("W001")


def test_a_runaway_program_ends_with_a_limit_error(page, screenshot):
    type_and_run(page, "n(0).\nn(Y) :- n(X), Y = X + 1.")
    diagnostic = page.locator("#output .diagnostic.limit").first
    expect(diagnostic).to_contain_text("E309", timeout=30_000)
    expect(diagnostic).to_contain_text("time limit")
    expect(page.locator("#status")).to_contain_text("unchanged")
    # The session goes on.
    type_and_run(page, "?- closed(torkham, D).")
    expect(page.locator("#output .reply").first.locator("table.answers")).to_be_visible()


def test_two_sessions_are_isolated(browser, server):
    first = browser.new_page()
    second = browser.new_page()
    for tab in (first, second):
        tab.goto(server)
        tab.wait_for_selector("#article-list li")
    type_and_run(first, "visited(kabul).")
    expect(first.locator("#output .info").first).to_contain_text("added 1 clause")
    type_and_run(first, "?- visited(X).")
    expect(first.locator("#output .reply").first.locator("td")).to_have_text(["kabul"])
    type_and_run(second, "?- visited(X).")
    expect(second.locator("#output .reply").first.locator(".diagnostic")).to_contain_text("W001")
    first.close()
    second.close()


def test_why_not_explains_an_answer_that_does_not_hold(page, screenshot):
    type_and_run(page, "?- failed_mediated_talks(doha_talks).")
    reply = page.locator("#output .reply").first
    expect(reply.locator("td")).to_have_text(["no"])
    reply.get_by_role("button", name="Why not?").click()
    expect(page.locator("#whynot-output pre")).to_contain_text("failed_mediated_talks(doha_talks)")
    screenshot(page, "whynot")


def test_articles_and_lessons_can_be_read(page, screenshot):
    page.locator("#article-list li").nth(2).click()
    expect(page.locator("#article-view h3")).to_be_visible()
    expect(page.locator("#article-view mark.cited").first).to_be_visible()
    expect(page.locator("#article-view .meta")).to_contain_text("cited passages")
    expect(page.locator("#article-view")).not_to_contain_text("null")
    screenshot(page, "article")
    page.click("#sources .tabs button[data-tab=schema]")
    expect(page.locator("#schema-view")).to_contain_text("mediates(")
    page.fill("#schema-filter", "closed")
    expect(page.locator("#schema-view .schema-item").first).to_contain_text("closed")
    page.click("#sources .tabs button[data-tab=lessons]")
    page.locator("#lesson-list li").first.click()
    expect(page.locator("#lesson-view pre.lesson-text")).to_contain_text("Lesson 1")
    page.get_by_role("button", name="Run this lesson").click()
    expect(page.locator("#output .reply").first.locator("table.answers").first).to_be_visible()
    screenshot(page, "lesson")


def test_why_typed_in_the_editor_shows_the_tree_and_the_evidence(page):
    type_and_run(page, ":why failed_mediated_talks(istanbul_talks)")
    expect(page.locator("#tree summary").first).to_contain_text("failed_mediated_talks(istanbul_talks)")
    expect(page.locator("#article-view mark.evidence").first).to_be_visible()
    # A quote clicked in the tree is marked in its article.
    page.locator("#tree .quote", has_text="002").first.click()
    expect(page.locator("#article-view .meta")).to_contain_text("002")
    expect(page.locator("#article-view mark.evidence").first).to_be_in_viewport()


def answer_exercise(page, exercise_id, text):
    """Types an answer into an exercise's box (CodeMirror) and presses Check."""
    page.evaluate(
        "([id, text]) => document.querySelector(`.exercise[data-exercise=\"${id}\"] .CodeMirror`).CodeMirror.setValue(text)",
        [exercise_id, text])
    page.locator(f'.exercise[data-exercise="{exercise_id}"]').get_by_role("button", name="Check").click()


def test_an_exercise_is_answered_wrongly_then_rightly(page, screenshot):
    page.click("#sources .tabs button[data-tab=lessons]")
    page.locator("#lesson-list li", has_text="Lesson 3").click()
    exercise = page.locator('.exercise[data-exercise="3.1"]')
    expect(exercise.locator(".question")).to_contain_text("Which places lie inside Pakistan")
    expect(exercise.locator(".asks")).to_contain_text("columns: Place")
    # The lesson's text does not give the expected answers away.
    expect(page.locator("#lesson-view pre.lesson-text")).to_contain_text("Lesson 3")
    expect(page.locator("#lesson-view pre.lesson-text")).not_to_contain_text("expect:")
    # A wrong answer: not yet, the rows missing and extra, a hint on request.
    answer_exercise(page, "3.1", "w(P) :- within(P, pakistan), P != chaman.\nw(kabul).\n?- w(P).")
    verdict = exercise.locator(".verdict-box")
    expect(verdict).to_contain_text("not yet (3.1)")
    expect(verdict).to_have_attribute("data-correct", "false")
    expect(verdict.locator(".rows.missing td")).to_have_text(["chaman"])
    expect(verdict.locator(".rows.extra td")).to_have_text(["kabul"])
    expect(verdict.locator(".hint")).to_be_hidden()
    verdict.get_by_role("button", name="Hint").click()
    expect(verdict.locator(".hint")).to_contain_text("recursive closure of located_in/2")
    exercise.evaluate("node => node.scrollIntoView({ block: 'start' })")
    screenshot(page, "exercise")
    # An answer that is not Datalog shows its diagnostic there.
    answer_exercise(page, "3.1", "?- within(P pakistan).")
    expect(exercise.locator(".verdict .diagnostic").first).to_contain_text("error[")
    # The right answer.
    answer_exercise(page, "3.1", "?- within(Place, pakistan).")
    expect(verdict).to_contain_text("right (3.1)")
    expect(verdict).to_have_attribute("data-correct", "true")
    expect(verdict.locator(".rows")).to_have_count(0)
    # The check ran aside: the editor's session has no w/1.
    type_and_run(page, "?- w(P).")
    expect(page.locator("#output .reply").first.locator(".diagnostic")).to_contain_text("W001")


def test_check_typed_in_the_editor_shows_the_verdict(page):
    type_and_run(page, ":check 3.1 ?- located_in(P, pakistan).")
    verdict = page.locator("#output .reply").first.locator(".verdict-box")
    expect(verdict).to_contain_text("not yet (3.1)")
    expect(verdict.locator(".rows.missing td")).to_have_text(["chaman"])
