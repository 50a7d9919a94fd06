// Starts kyodo-hub (HUB_BIN, on a fresh SQLite file), the budget subgraph and two gateways
// composed over them, Apollo Gateway and Hive Gateway, and asks each the same question, which
// needs both subgraphs. Exits non-zero on any failure, composition errors included.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startBudget } from "./budget.mjs";
import { startGateway } from "./gateway.mjs";
import { startHiveGateway } from "./hive.mjs";

if (!process.env.HUB_BIN) {
  console.error("set HUB_BIN to the kyodo-hub binary (e.g. ../../target/debug/kyodo-hub)");
  process.exit(2);
}
// The hub runs in a scratch directory, so a path relative to where the command was typed
// (README's `HUB_BIN=../../target/debug/kyodo-hub`) is made absolute first.
const hubBin = resolve(process.env.HUB_BIN);
// Below Linux's ephemeral range (32768 and up), where an outgoing connection may hold the port.
const base = 20000 + Math.floor(Math.random() * 12000);
const work = mkdtempSync(join(tmpdir(), "kyodo-federation-"));
const hub = spawn(hubBin, ["serve", "--addr", `127.0.0.1:${base}`], {
  cwd: work,
  env: { ...process.env, RUST_LOG: "warn" },
  stdio: ["ignore", "inherit", "inherit"],
});

const gateways = [
  ["Apollo Gateway", startGateway],
  ["Hive Gateway", startHiveGateway],
];
// 防府市 has no plan in the dataset, so its programmes give the gateways a list to carry too.
const hubFields = "nameJa population plans { title } programs(first: 3) { totalCount nodes { title } }";
const query = `{ municipality(slug: "hofu") { ${hubFields} collaborationBudgets { fiscalYear amountYen } } }`;

async function ask(url, query) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  return { ok: response.ok, body: await response.json() };
}

let budget, failed = false;
const running = [];
try {
  const hubUrl = `http://127.0.0.1:${base}/graphql`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${base}/readyz`)).ok) break;
    } catch {}
    if (i > 120) throw new Error("kyodo-hub did not start");
    await new Promise((r) => setTimeout(r, 250));
  }
  budget = await startBudget(base + 1);
  // The hub's own answer to its part of the question, for the gateways' answers to match.
  const direct = await ask(hubUrl, `{ municipality(slug: "hofu") { ${hubFields} } }`);
  if (!direct.ok || direct.body.errors) throw new Error(`kyodo-hub: ${JSON.stringify(direct.body)}`);
  const { nameJa, population, plans, programs } = direct.body.data.municipality;
  if (!(programs.nodes.length > 0)) throw new Error("kyodo-hub lists no programme for hofu");
  const hubAnswer = JSON.stringify({ nameJa, population, plans, programs });

  for (const [i, [label, start]] of gateways.entries()) {
    // One gateway failing to compose or answer is reported, and the other still runs.
    try {
      const gateway = await start(base + 2 + i, hubUrl, budget.url);
      running.push(gateway);
      const { ok: httpOk, body } = await ask(gateway.url, query);
      const m = body.data?.municipality;
      const checks = [
        ["no errors", httpOk && !body.errors],
        ["a hub field (nameJa)", m?.nameJa === "防府市"],
        ["a hub field (population)", m?.population === 113979],
        [
          "the hub's fields as the hub answers them",
          JSON.stringify({
            nameJa: m?.nameJa,
            population: m?.population,
            plans: m?.plans,
            programs: m?.programs,
          }) === hubAnswer,
        ],
        ["a budget field joined by code", m?.collaborationBudgets?.[0]?.amountYen === 1000000],
      ];
      let gatewayFailed = false;
      for (const [name, ok] of checks) {
        console.log(`${ok ? "ok" : "FAILED"}: ${label}: ${name}`);
        if (!ok) gatewayFailed = true;
      }
      if (gatewayFailed) console.error(JSON.stringify(body, null, 2));
      const passed = checks.filter(([, ok]) => ok).length;
      console.log(`federation (${label}): ${passed} passed, ${checks.length - passed} failed`);
      failed ||= gatewayFailed;
    } catch (e) {
      console.error(`FAILED: ${label}:`, e);
      failed = true;
    }
  }
} catch (e) {
  console.error(e);
  failed = true;
} finally {
  for (const gateway of running) await gateway.server.stop().catch(() => {});
  await budget?.server.stop().catch(() => {});
  hub.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
