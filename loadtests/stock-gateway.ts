/**
 * The bench's baseline: a stock Apollo Gateway with its documented defaults, nothing tuned, except
 * that, like everything this project runs, it sends nothing off the machine (router/gateway.ts), and
 * that it forwards the client's Authorization and x-consumer-username headers to the subgraphs the
 * documented way (a context function and a RemoteGraphQLDataSource's willSendRequest), as our
 * router and the bench's Hive Gateway do, so that signed-in requests compare too.
 *
 *   new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl, buildService }) }) + startStandaloneServer
 *
 * The supergraph is the same file our router loads; only its routing URLs are replaced by the
 * running subgraphs' (SUBGRAPH_URLS, a JSON object name -> url), which is how a stock gateway is
 * pointed at other hosts without code. Runs as a process of its own (spawned by loadtests/bench.ts)
 * so it gets its own core, like our router. Sends `{ ready: url }` over IPC once serving.
 *
 * Env: PORT, SUPERGRAPH_FILE (default schema/supergraph.graphql), SUBGRAPH_URLS.
 */
import fs from 'node:fs';
import path from 'node:path';
import { RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { createGateway } from '../router/gateway';

/** The client headers every subgraph receives, as our router forwards them (router/server.ts). */
export const FORWARDED_HEADERS = ['authorization', 'x-consumer-username'] as const;

interface ForwardContext {
  forward: Record<string, string>;
}

/** Replaces the url of each `@join__graph(name: "x", url: "...")` found in `urls`. */
export function withRoutingUrls(supergraphSdl: string, urls: Record<string, string>): string {
  return supergraphSdl.replace(/@join__graph\(name: "([^"]+)", url: "([^"]*)"\)/g, (whole, name: string) => {
    const url = urls[name];
    return url ? `@join__graph(name: "${name}", url: "${url}")` : whole;
  });
}

async function main(): Promise<void> {
  const file = process.env.SUPERGRAPH_FILE || path.join(__dirname, '..', 'schema', 'supergraph.graphql');
  const urls = JSON.parse(process.env.SUBGRAPH_URLS ?? '{}') as Record<string, string>;
  const supergraphSdl = withRoutingUrls(fs.readFileSync(file, 'utf8'), urls);

  const gateway = createGateway({
    supergraphSdl,
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<ForwardContext>({
        url,
        willSendRequest({ request, context }) {
          const forward: Record<string, string> = (context as Partial<ForwardContext>).forward ?? {};
          for (const [name, value] of Object.entries(forward)) request.http?.headers.set(name, value);
        },
      }),
  });
  const server = new ApolloServer<ForwardContext>({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { port: Number(process.env.PORT ?? 0), host: '127.0.0.1' },
    context: async ({ req }) => {
      const forward: Record<string, string> = {};
      for (const name of FORWARDED_HEADERS) {
        const value = req.headers[name];
        if (typeof value === 'string') forward[name] = value;
      }
      return { forward };
    },
  });
  const stop = () => {
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.once('disconnect', stop);
  console.log(`stock gateway ready at ${url}`);
  process.send?.({ ready: url });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
