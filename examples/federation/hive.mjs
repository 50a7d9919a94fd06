// A Hive Gateway over the same two subgraphs. Hive Gateway runs a supergraph it is given rather
// than introspecting subgraphs itself, so this fetches each subgraph's SDL the way Apollo's
// IntrospectAndCompose does (`_service { sdl }`) and composes it with The Guild's
// federation-composition, the library Hive's own tooling composes with.
import { createServer } from "node:http";
import { createGatewayRuntime } from "@graphql-hive/gateway";
import { composeServices } from "@theguild/federation-composition";
import { parse } from "graphql";

async function subgraphSdl(name, url) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: "{ _service { sdl } }" }),
  });
  const body = await response.json();
  const sdl = body.data?._service?.sdl;
  if (!response.ok || body.errors || typeof sdl !== "string") {
    throw new Error(`subgraph ${name} at ${url} gave no SDL: ${JSON.stringify(body)}`);
  }
  return sdl;
}

export async function composeSupergraph(subgraphs) {
  const services = [];
  for (const { name, url } of subgraphs) {
    services.push({ name, url, typeDefs: parse(await subgraphSdl(name, url)) });
  }
  const result = composeServices(services);
  // A composition error throws here, which fails the test as Apollo Gateway's rejection does.
  if (result.errors) {
    throw new Error(`composition failed:\n${result.errors.map((e) => `  ${e.message}`).join("\n")}`);
  }
  return result.supergraphSdl;
}

export async function startHiveGateway(port, hubUrl, budgetUrl) {
  const supergraph = await composeSupergraph([
    { name: "kyodo-hub", url: hubUrl },
    { name: "budget", url: budgetUrl },
  ]);
  const gateway = createGatewayRuntime({ supergraph, logging: "warn" });
  const http = createServer(gateway);
  await new Promise((ok, fail) => {
    http.once("error", fail);
    http.listen(port, "127.0.0.1", ok);
  });
  const server = {
    async stop() {
      const closed = new Promise((ok) => http.close(() => ok()));
      // Keep-alive connections from the test's fetch would otherwise hold close() open.
      http.closeAllConnections();
      await closed;
      await gateway.dispose();
    },
  };
  return { server, url: `http://127.0.0.1:${port}/graphql` };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { url } = await startHiveGateway(
    Number(process.env.PORT ?? 4000),
    process.env.HUB_URL ?? "http://127.0.0.1:8080/graphql",
    process.env.BUDGET_URL ?? "http://127.0.0.1:4002/",
  );
  console.log(`Hive Gateway at ${url}`);
}
