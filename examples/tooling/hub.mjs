// Starts `kyodo-hub serve` (HUB_BIN, resolved against the directory the command was run from)
// on a fresh SQLite file in a temporary directory, and stops it again.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export async function startHub(args = []) {
  if (!process.env.HUB_BIN) {
    console.error("set HUB_BIN to the kyodo-hub binary (e.g. ../../target/debug/kyodo-hub)");
    process.exit(2);
  }
  const bin = resolve(process.env.HUB_BIN);
  // Below Linux's ephemeral range (32768 and up), where an outgoing connection may hold the port.
  const port = 20000 + Math.floor(Math.random() * 12000);
  const work = mkdtempSync(join(tmpdir(), "kyodo-tooling-"));
  const child = spawn(bin, ["serve", "--addr", `127.0.0.1:${port}`, ...args], {
    cwd: work,
    env: { ...process.env, RUST_LOG: "warn" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = () => {
    child.kill("SIGTERM");
    rmSync(work, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {}
    if (i > 240 || child.exitCode !== null) {
      stop();
      throw new Error("kyodo-hub did not start");
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, stop };
}
