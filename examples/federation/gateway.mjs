// An Apollo Gateway composing kyodo-hub and the budget subgraph into one supergraph.
import { ApolloGateway, IntrospectAndCompose } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";

export async function startGateway(port, hubUrl, budgetUrl) {
  const gateway = new ApolloGateway({
    supergraphSdl: new IntrospectAndCompose({
      subgraphs: [
        { name: "kyodo-hub", url: hubUrl },
        { name: "budget", url: budgetUrl },
      ],
    }),
  });
  // Composition errors reject here, which fails the test.
  const server = new ApolloServer({ gateway });
  const { url } = await startStandaloneServer(server, { listen: { port, host: "127.0.0.1" } });
  return { server, url };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { url } = await startGateway(
    Number(process.env.PORT ?? 4000),
    process.env.HUB_URL ?? "http://127.0.0.1:8080/graphql",
    process.env.BUDGET_URL ?? "http://127.0.0.1:4002/",
  );
  console.log(`gateway at ${url}`);
}
