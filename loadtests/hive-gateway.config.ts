/**
 * The bench's Hive Gateway (`@graphql-hive/gateway`), started by loadtests/hive-gateway.ts for the
 * `hive` and `hive-rust` targets of the gateway comparison (loadtests/gateways.ts). Its documented
 * defaults, with one addition: the client's Authorization and x-consumer-username headers are
 * propagated to every subgraph (its documented `propagateHeaders.fromClientToSubgraphs`), as our
 * router and the bench's stock @apollo/gateway forward them, so that signed-in requests compare too.
 *
 * Nothing here configures usage reporting, tracing, OpenTelemetry, a CDN or GraphOS supergraph
 * source, or persisted documents: the gateway sends nothing off the machine. The launcher also
 * starts it with an environment that holds none of the variables that would turn those on.
 * The supergraph is a file given on the command line; the Rust query planner (hive-rust) is chosen
 * by the documented HIVE_ROUTER_RUNTIME=true, not here.
 */
import { defineConfig } from '@graphql-hive/gateway';

/** The client headers every subgraph receives, as our router forwards them (router/server.ts). */
export const PROPAGATED_HEADERS = ['authorization', 'x-consumer-username'] as const;

export const gatewayConfig = defineConfig({
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      const headers: Record<string, string> = {};
      for (const name of PROPAGATED_HEADERS) {
        const value = request.headers.get(name);
        if (value !== null) headers[name] = value;
      }
      return headers;
    },
  },
});
