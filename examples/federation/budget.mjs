// A neighbouring service: collaboration budgets per municipality, joined to kyodo-hub's
// Municipality by its local government code. The figures are made-up example data for the
// federation test, not facts about the cities.
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { buildSubgraphSchema } from "@apollo/subgraph";
import gql from "graphql-tag";

const typeDefs = gql`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])

  type Municipality @key(fields: "code") {
    code: ID!
    "Example data: yen budgeted for collaboration programmes, by fiscal year."
    collaborationBudgets: [Budget!]!
  }

  type Budget {
    fiscalYear: Int!
    amountYen: Int!
  }
`;

const EXAMPLE = {
  "352063": [{ fiscalYear: 2017, amountYen: 1000000 }],
  "272035": [{ fiscalYear: 2023, amountYen: 2000000 }],
};

const resolvers = {
  Municipality: {
    __resolveReference: ({ code }) => ({ code }),
    collaborationBudgets: ({ code }) => EXAMPLE[code] ?? [],
  },
};

export async function startBudget(port) {
  const server = new ApolloServer({ schema: buildSubgraphSchema([{ typeDefs, resolvers }]) });
  const { url } = await startStandaloneServer(server, { listen: { port, host: "127.0.0.1" } });
  return { server, url };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { url } = await startBudget(Number(process.env.PORT ?? 4002));
  console.log(`budget subgraph at ${url}`);
}
