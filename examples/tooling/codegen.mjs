// Runs graphql-codegen (typescript + typescript-operations) against the schema a running hub
// serves at /schema.graphql and every operation in examples/queries/, writing TypeScript types
// into a temporary directory. Exits non-zero on any error: an operation that does not
// validate against the served schema fails it.
import { generate } from "@graphql-codegen/cli";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startHub } from "./hub.mjs";

const queries = join(dirname(fileURLToPath(import.meta.url)), "..", "queries");
const operations = readdirSync(queries).filter((f) => f.endsWith(".graphql"));
const hub = await startHub();
const out = mkdtempSync(join(tmpdir(), "kyodo-codegen-"));
let failed = false;
try {
  const target = join(out, "graphql.ts");
  await generate(
    {
      schema: `${hub.url}/schema.graphql`,
      documents: operations.map((f) => join(queries, f)),
      generates: {
        [target]: {
          plugins: ["typescript", "typescript-operations"],
          config: {
            scalars: { FiscalYear: "number", Date: "string", DateTime: "string", JSON: "unknown" },
          },
        },
      },
      errorsOnly: false,
      silent: true,
    },
    true,
  );
  const size = statSync(target).size;
  console.log(`ok: ${operations.length} operations of examples/queries typed (${size} bytes of TypeScript)`);
} catch (e) {
  console.error(e?.errors ?? e);
  console.error("FAILED: graphql-codegen");
  failed = true;
} finally {
  hub.stop();
  rmSync(out, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
