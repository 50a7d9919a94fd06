// PostGraphile v4 over the hub's PostgreSQL database, for run.sh.
//
//   node postgraphile/server.js   (env DATABASE_URL, PORT, POOL_SIZE)
//
// Read-only: no mutations, no GraphiQL, no query log. The pool has as many connections as the
// hub's (16), so both servers may hold the same number of PostgreSQL backends busy. One Node.js
// process: PostGraphile runs its JavaScript on one core, the hub on every core.
const http = require("http");
const { Pool } = require("pg");
const { postgraphile, makeJSONPgSmartTagsPlugin } = require("postgraphile");
const PgSimplifyInflectorPlugin = require("@graphile-contrib/pg-simplify-inflector");
const ConnectionFilterPlugin = require("postgraphile-plugin-connection-filter");

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error("DATABASE_URL is required");
  process.exit(2);
}
const port = Number(process.env.PORT || 5000);
// The hub's schema states these in unique indexes and in code; PostGraphile v4 reads only
// constraints, so they are declared here as smart tags. The database is not changed.
// region_members.member_code has no foreign key on purpose (a region lists members not yet in
// the hub); the tag lets a member reach its municipality, null when it is not in the hub.
const SmartTags = makeJSONPgSmartTagsPlugin({
  version: 1,
  config: {
    class: {
      municipalities: { tags: { unique: "slug" } },
      regions: { tags: { unique: "slug" } },
      region_members: { tags: { foreignKey: "(member_code) references municipalities (code)" } },
    },
  },
});

const pool = new Pool({ connectionString: databaseUrl, max: Number(process.env.POOL_SIZE || 16) });

const middleware = postgraphile(pool, "public", {
  appendPlugins: [SmartTags, PgSimplifyInflectorPlugin, ConnectionFilterPlugin],
  // Relations as plain lists (municipality.plans, plan.policies, …) like the hub's nested
  // lists, and as connections (`searchDocumentsConnection`) where a count and pages are wanted.
  simpleCollections: "both",
  graphileBuildOptions: {
    pgOmitListSuffix: true,
    connectionFilterRelations: true,
    connectionFilterUseListInflectors: true,
    connectionFilterAllowNullInput: false,
  },
  disableDefaultMutations: true,
  graphiql: false,
  disableQueryLog: true,
  ignoreRBAC: true,
  dynamicJson: true,
  setofFunctionsContainNulls: false,
  retryOnInitFail: false,
  extendedErrors: ["hint", "detail", "errcode"],
});

const server = http.createServer(middleware);
server.keepAliveTimeout = 65_000;
server.listen(port, "127.0.0.1", () => {
  console.log(`postgraphile listening on http://127.0.0.1:${port}/graphql`);
});

function stop() {
  server.close(() => pool.end().then(() => process.exit(0)));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
