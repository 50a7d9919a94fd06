// Turns the statements PostGraphile v4 sent for one request, as PostgreSQL logged them
// (log_statement = 'all'), into a pgbench script and its variables, so run.sh can replay
// exactly that SQL with `pgbench -M prepared`.
//
//   node pgbench/capture.mjs LOG_EXCERPT DBNAME STATEMENTS OUT_PREFIX
//
// LOG_EXCERPT is the part of the server log written while the requests ran; the first
// STATEMENTS `execute` entries of database DBNAME are taken (one request's worth). Writes
// OUT_PREFIX.sql (the statements, each ending with `;`, parameters as pgbench variables
// `:s<statement>_<n>`) and OUT_PREFIX.vars (one `name=value` a line, for `pgbench -D`).
// Parameters stay parameters, as PostGraphile sends them, rather than being pasted in as
// literals: the server plans the same prepared statement either way.
//
// The log lines are Debian's default prefix, `%m [%p] %q%u@%d `: an entry starts with a
// timestamp, its continuation lines with a tab.
import { readFileSync, writeFileSync } from "node:fs";

const [excerpt, dbname, countArg, outPrefix] = process.argv.slice(2);
const wanted = Number(countArg);
if (!excerpt || !dbname || !outPrefix || !Number.isInteger(wanted) || wanted < 1) {
  console.error("usage: capture.mjs LOG_EXCERPT DBNAME STATEMENTS OUT_PREFIX");
  process.exit(2);
}

const header = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[\d+\] (\S*)@(\S+) (LOG|DETAIL):  (.*)$/;
const entries = [];
let current = null;
for (const line of readFileSync(excerpt, "utf8").split("\n")) {
  const m = header.exec(line);
  if (m) {
    current = m[2] === dbname ? { kind: m[3], text: m[4] } : null;
    if (current) entries.push(current);
  } else if (current && line.startsWith("\t")) {
    current.text += "\n" + line.slice(1);
  } else {
    current = null;
  }
}

// `$1 = 'a''b', $2 = NULL`: literals as PostgreSQL writes them in the log.
function parseParameters(text) {
  const values = new Map();
  const re = /\$(\d+) = (NULL|'((?:[^']|'')*)')(?:, |$)/gy;
  let m;
  while ((m = re.exec(text)) !== null) {
    values.set(Number(m[1]), m[2] === "NULL" ? null : m[3].replaceAll("''", "'"));
    if (re.lastIndex >= text.length) break;
  }
  return values;
}

const statements = [];
for (let i = 0; i < entries.length && statements.length < wanted; i++) {
  const e = entries[i];
  if (e.kind !== "LOG") continue;
  const m = /^(?:execute [^:]*|statement): ([\s\S]*)$/.exec(e.text);
  if (!m) continue;
  const next = entries[i + 1];
  const params =
    next && next.kind === "DETAIL" && next.text.startsWith("parameters: ")
      ? parseParameters(next.text.slice("parameters: ".length))
      : new Map();
  statements.push({ sql: m[1].trimEnd(), params });
}
if (statements.length < wanted) {
  console.error(`capture.mjs: found ${statements.length} statements of ${dbname}, wanted ${wanted}`);
  process.exit(1);
}

const vars = [];
const script = statements.map((s, k) => {
  const sql = s.sql.replace(/\$(\d+)/g, (_, n) => {
    const value = s.params.get(Number(n));
    if (value === undefined) throw new Error(`statement ${k + 1}: no value logged for $${n}`);
    if (value === null) return "NULL";
    if (value.includes("\n")) throw new Error(`statement ${k + 1}: $${n} spans lines; pgbench -D cannot carry it`);
    const name = `s${k + 1}_${n}`;
    vars.push(`${name}=${value}`);
    return `:${name}`;
  });
  // pgbench ends a command at a `;` that ends a line; the statements hold none of their own.
  return sql.replace(/;\s*$/, "") + ";\n";
});
writeFileSync(`${outPrefix}.sql`, script.join("\n"));
writeFileSync(`${outPrefix}.vars`, [...new Set(vars)].join("\n") + (vars.length ? "\n" : ""));
console.log(`${outPrefix}.sql: ${statements.length} statement(s), ${new Set(vars).size} variable(s)`);
