// capture.mjs on log excerpts written as PostgreSQL 15 writes them (Debian's log_line_prefix).
//
//   node --test examples/load/pgbench/
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const capture = new URL("capture.mjs", import.meta.url).pathname;

function run(log, db, count) {
  const dir = mkdtempSync(join(tmpdir(), "capture-"));
  writeFileSync(join(dir, "log.txt"), log);
  execFileSync("node", [capture, join(dir, "log.txt"), db, String(count), join(dir, "out")], { stdio: "pipe" });
  return { sql: readFileSync(join(dir, "out.sql"), "utf8"), vars: readFileSync(join(dir, "out.vars"), "utf8") };
}

const at = (pid, db, rest) => `2026-11-30 05:37:34.200 UTC [${pid}] root@${db} ${rest}`;

test("one request's statements, parameters as variables, other databases left out", () => {
  const log = [
    at(1, "kyodo_load_5", 'LOG:  execute abc=: select to_json(x."name") as "name"'),
    "\tfrom \"public\".\"metrics\" as x",
    "\twhere (x.\"code\" = $1) and (x.\"unit\" = $2)",
    at(1, "kyodo_load_5", "DETAIL:  parameters: $1 = 'it''s', $2 = NULL"),
    at(2, "other", "LOG:  execute z: select 1"),
    "\tfrom elsewhere",
    at(1, "kyodo_load_5", "LOG:  execute def=: select count(*) from t where a ILIKE $1 or b ILIKE $2"),
    at(1, "kyodo_load_5", "DETAIL:  parameters: $1 = '%防災%', $2 = '%防災%'"),
    at(1, "kyodo_load_5", "LOG:  execute abc=: select 'the next request'"),
    "",
  ].join("\n");
  const { sql, vars } = run(log, "kyodo_load_5", 2);
  assert.equal(
    sql,
    'select to_json(x."name") as "name"\nfrom "public"."metrics" as x\nwhere (x."code" = :s1_1) and (x."unit" = NULL);\n' +
      "\nselect count(*) from t where a ILIKE :s2_1 or b ILIKE :s2_2;\n",
  );
  assert.equal(vars, "s1_1=it's\ns2_1=%防災%\ns2_2=%防災%\n");
});

test("fewer statements than asked for is an error", () => {
  const log = at(1, "kyodo_load_5", "LOG:  execute abc=: select 1") + "\n";
  assert.throws(() => run(log, "kyodo_load_5", 2), /found 1 statements/);
});
