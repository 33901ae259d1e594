// wirelog's language for the editor: CodeMirror 5's simple mode, with the
// token classes of the terminal's highlighter (comments, strings, dates,
// numbers, variables, predicates, keywords, directives).
CodeMirror.defineSimpleMode("wirelog", {
  start: [
    { regex: /:[a-z]+!?/, token: "builtin", sol: true },
    { regex: /%.*/, token: "comment" },
    { regex: /"(?:[^\\"]|\\.)*"?/, token: "string" },
    { regex: /#(?:include|articles|import|export)\b/, token: "meta" },
    { regex: /<news>/, token: "string-2" },
    { regex: /\d{4}-\d{2}-\d{2}\b/, token: "number date" },
    { regex: /-?\d+(?:\.\d+)?\b/, token: "number" },
    { regex: /\?-|:-/, token: "keyword" },
    { regex: /\b(?:not|count|sum|min|max|avg|mod|as)\b(?!\s*\()/, token: "keyword" },
    { regex: /[A-Z_][A-Za-z0-9_]*/, token: "variable-2" },
    { regex: /[a-z][A-Za-z0-9_]*(?=\s*\()/, token: "def" },
    { regex: /[a-z][A-Za-z0-9_]*/, token: "atom" },
    { regex: /@/, token: "meta" },
    { regex: /!=|<=|>=|[=<>+\-*\/]/, token: "operator" },
  ],
  meta: { lineComment: "%" },
});
