// The upload page: a city's editor sends back the observations file, sees the rows that would
// change (importObservations with dryRun), and confirms. Same-origin requests only; the token
// stays in this tab's sessionStorage.
(function () {
  "use strict";
  var KEY = "kyodo-hub.token";
  var IMPORT =
    "mutation Upload($file: Upload!, $dryRun: Boolean!) { importObservations(file: $file, dryRun: $dryRun) { " +
    "created updated unchanged dryRun readAs rows { row municipalityCode municipality { nameJa } " +
    "metric fiscalYear before after kind changed } } }";
  var KINDS = { CREATED: "追加 / new", UPDATED: "変更 / changed", UNCHANGED: "同じ / same" };

  var $ = function (id) { return document.getElementById(id); };
  var token = $("token"), file = $("file"), preview = $("preview"), confirm = $("confirm");
  var previewed = null;

  token.value = sessionStorage.getItem(KEY) || "";
  token.addEventListener("change", function () { sessionStorage.setItem(KEY, token.value.trim()); });
  $("forget").addEventListener("click", function () { sessionStorage.removeItem(KEY); token.value = ""; });
  file.addEventListener("change", function () { previewed = null; confirm.disabled = true; });

  function show(id, on) { $(id).hidden = !on; }
  function text(el, s) { el.textContent = s; return el; }
  function cell(row, s, cls) { var td = document.createElement("td"); text(td, s); if (cls) td.className = cls; row.appendChild(td); }

  function send(dryRun) {
    var chosen = file.files[0];
    var bearer = token.value.trim();
    if (!bearer) return Promise.reject(["トークンを入力してください / Enter your token"]);
    if (!chosen) return Promise.reject(["ファイルを選んでください / Choose a file"]);
    sessionStorage.setItem(KEY, bearer);
    var body = new FormData();
    body.append("operations", JSON.stringify({ query: IMPORT, variables: { file: null, dryRun: dryRun } }));
    body.append("map", JSON.stringify({ "0": ["variables.file"] }));
    body.append("0", chosen, chosen.name);
    return fetch("/graphql", {
      method: "POST",
      headers: { "Authorization": "Bearer " + bearer, "apollo-require-preflight": "true" },
      body: body
    }).then(function (r) { return r.json(); }).then(function (answer) {
      if (answer.errors && answer.errors.length) {
        var lines = [];
        answer.errors.forEach(function (e) {
          // A refused file lists its bad rows after this phrase, separated by " | ".
          var parts = String(e.message).split("nothing was imported: ");
          if (parts.length > 1) {
            lines.push(parts[0] + "nothing was imported / 何も取り込んでいません");
            parts[1].split(" | ").forEach(function (p) { lines.push(p); });
          } else {
            lines.push(e.message + (e.extensions && e.extensions.code ? " (" + e.extensions.code + ")" : ""));
          }
        });
        throw lines;
      }
      return answer.data.importObservations;
    });
  }

  function failed(lines) {
    if (!Array.isArray(lines)) lines = [String(lines)];
    show("result", false);
    var list = $("error-list");
    list.textContent = "";
    text($("error-summary"), lines.length > 1 ? lines[0] : "");
    (lines.length > 1 ? lines.slice(1) : lines).forEach(function (l) {
      list.appendChild(text(document.createElement("li"), l));
    });
    show("errors", true);
    $("errors").scrollIntoView({ block: "start" });
  }

  preview.addEventListener("click", function () {
    show("errors", false); show("done", false); confirm.disabled = true; previewed = null;
    send(true).then(function (r) {
      var changed = r.rows.filter(function (row) { return row.kind !== "UNCHANGED"; });
      text($("summary"),
        "読み取り: " + r.readAs + " ／ 変更 " + r.updated + " 行・追加 " + r.created + " 行・同じ " + r.unchanged + " 行" +
        " — read as " + r.readAs + ": " + r.updated + " changed, " + r.created + " new, " + r.unchanged + " unchanged");
      var body = $("changes").tBodies[0];
      body.textContent = "";
      changed.forEach(function (row) {
        var tr = document.createElement("tr");
        cell(tr, String(row.row), "num");
        cell(tr, (row.municipality ? row.municipality.nameJa + " " : "") + row.municipalityCode);
        cell(tr, row.metric);
        cell(tr, String(row.fiscalYear), "num");
        cell(tr, row.before === null ? "—" : String(row.before), "num");
        cell(tr, String(row.after) + (row.changed.length && row.changed.join() !== "value" ? " (" + row.changed.join(", ") + ")" : ""), "num after");
        cell(tr, KINDS[row.kind] || row.kind);
        body.appendChild(tr);
      });
      show("changes", changed.length > 0);
      previewed = changed.length;
      confirm.disabled = changed.length === 0;
      show("result", true);
      $("result").scrollIntoView({ block: "start" });
    }, failed);
  });

  confirm.addEventListener("click", function () {
    if (!previewed) return;
    confirm.disabled = true;
    send(false).then(function (r) {
      show("result", false);
      var done = $("done");
      text(done, "取り込みました: 変更 " + r.updated + " 行・追加 " + r.created + " 行 / Imported: " +
        r.updated + " changed, " + r.created + " new");
      show("done", true);
    }, failed);
  });
})();
