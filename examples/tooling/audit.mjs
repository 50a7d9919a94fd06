// Runs the GraphQL over HTTP specification's audit (graphql-http `auditServer`) against a
// running hub and prints each result. Exits non-zero if any MUST or SHOULD is not ok; a MAY
// may warn.
import { auditServer } from "graphql-http";
import { startHub } from "./hub.mjs";

const hub = await startHub();
let failed = false;
try {
  const results = await auditServer({ url: `${hub.url}/graphql` });
  const counts = {};
  for (const result of results) {
    const level = result.name.split(" ")[0];
    const key = `${level} ${result.status}`;
    counts[key] = (counts[key] ?? 0) + 1;
    if (result.status !== "ok") {
      console.log(`${result.status}: ${result.name}`);
      if (result.status === "error" || level !== "MAY") {
        console.log(`  ${result.reason}`);
        failed ||= level === "MUST" || level === "SHOULD";
      }
    }
  }
  for (const level of ["MUST", "SHOULD", "MAY"]) {
    const of = (status) => counts[`${level} ${status}`] ?? 0;
    console.log(`${level}: ${of("ok")} ok, ${of("warn")} warn, ${of("error")} error`);
  }
} catch (e) {
  console.error(e);
  failed = true;
} finally {
  hub.stop();
}
process.exit(failed ? 1 : 0);
