// Starts kyodo-hub (HUB_BIN, on a fresh SQLite file), the budget subgraph and the gateway, and
// asks the gateway one question that needs both subgraphs. Exits non-zero on any failure,
// composition errors included.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startBudget } from "./budget.mjs";
import { startGateway } from "./gateway.mjs";

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

let budget, gateway, failed = false;
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
  gateway = await startGateway(base + 2, hubUrl, budget.url);

  const query = `{ municipality(slug: "hofu") { nameJa population plans { title } collaborationBudgets { fiscalYear amountYen } } }`;
  const response = await fetch(gateway.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  const body = await response.json();
  const m = body.data?.municipality;
  const checks = [
    ["no errors", !body.errors],
    ["a hub field (nameJa)", m?.nameJa === "防府市"],
    ["a hub field (population)", m?.population === 113979],
    ["a budget field joined by code", m?.collaborationBudgets?.[0]?.amountYen === 1000000],
  ];
  for (const [name, ok] of checks) {
    console.log(`${ok ? "ok" : "FAILED"}: ${name}`);
    if (!ok) failed = true;
  }
  if (failed) console.error(JSON.stringify(body, null, 2));
  const passed = checks.filter(([, ok]) => ok).length;
  console.log(`federation: ${passed} passed, ${checks.length - passed} failed`);
} catch (e) {
  console.error(e);
  failed = true;
} finally {
  await gateway?.server.stop().catch(() => {});
  await budget?.server.stop().catch(() => {});
  hub.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
