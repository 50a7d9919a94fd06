// Loads the SDL a running hub serves at /schema.graphql with graphql-js `buildSchema`, no
// options, as code generators and schema viewers do, and checks that it is the schema the hub
// answers introspection with. Exits non-zero on any failure.
import { buildClientSchema, buildSchema, getIntrospectionQuery, printSchema } from "graphql";
import { startHub } from "./hub.mjs";

const hub = await startHub();
let failed = false;
try {
  const response = await fetch(`${hub.url}/schema.graphql`);
  if (!response.ok) throw new Error(`/schema.graphql: HTTP ${response.status}`);
  const schema = buildSchema(await response.text());
  const introspection = await fetch(`${hub.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: getIntrospectionQuery() }),
  }).then((r) => r.json());
  if (introspection.errors) throw new Error(JSON.stringify(introspection.errors));
  const served = buildClientSchema(introspection.data);
  const checks = [
    ["buildSchema loads /schema.graphql", true],
    ["it has Municipality.nameJa", Boolean(schema.getType("Municipality")?.getFields().nameJa)],
    ["it is the schema introspection describes", printSchema(schema) === printSchema(served)],
  ];
  for (const [name, ok] of checks) {
    console.log(`${ok ? "ok" : "FAILED"}: ${name}`);
    if (!ok) failed = true;
  }
} catch (e) {
  console.error(e);
  failed = true;
} finally {
  hub.stop();
}
process.exit(failed ? 1 : 0);
