import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { errorCode } from './errors';
import type { Metrics } from './metrics';

/**
 * Records operation latency by operation name and errors by code. The name is taken only after
 * the operation resolved against the schema, so arbitrary client strings cannot explode label
 * cardinality through invalid documents.
 */
export function metricsPlugin<T extends BaseContext>(metrics: Metrics): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      let operation = 'invalid';
      let type = 'unknown';
      return {
        async didResolveOperation(rc) {
          operation = rc.operationName ?? 'anonymous';
          type = rc.operation?.operation ?? 'unknown';
        },
        async didEncounterErrors(rc) {
          for (const err of rc.errors) {
            metrics.errors.inc({ code: errorCode(err) });
          }
        },
        async willSendResponse() {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          metrics.operationDuration.observe({ operation, type }, seconds);
        },
      };
    },
  };
}

/**
 * Apollo Server's reporting to Apollo Studio, off in every server this project builds (router and
 * subgraphs): Apollo Server installs usage reporting by itself when APOLLO_KEY and APOLLO_GRAPH_REF
 * are in the environment, and schema reporting with APOLLO_SCHEMA_REPORTING; an explicitly
 * disabled plugin stops both, so nothing leaves the machine whatever the environment holds. Inline
 * traces (ftv1) are computed per request for a gateway that reports them: off too, for the CPU.
 */
export function noVendorReporting<T extends BaseContext>(): ApolloServerPlugin<T>[] {
  return [
    ApolloServerPluginUsageReportingDisabled(),
    ApolloServerPluginSchemaReportingDisabled(),
    ApolloServerPluginInlineTraceDisabled(),
  ];
}
