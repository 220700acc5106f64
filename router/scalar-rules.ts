/**
 * The kit's scalar rules on the router's API schema (ADR 0024).
 *
 * The supergraph knows the custom scalars (Decimal, DateTime, Date) by name only: graphql-js builds
 * them with parse functions that accept any value, so a Decimal "abc" passed the router and was
 * refused by the subgraph (a 200 with a top-level error) while an Int "abc" was a 400 at the router.
 * The gateway's API schema is the one object both of the router's checks use: Apollo Server validates
 * the document against it (a literal goes through parseLiteral) and the gateway coerces the variables
 * against it before planning (parseValue). Putting the kit's own parse functions on its scalars makes
 * both refuse what the subgraphs would refuse, with the same message, before any subgraph is called.
 */
import { isScalarType, isSpecifiedScalarType, type GraphQLSchema } from 'graphql';
import type { ApolloGateway } from '@apollo/gateway';
import { KIT_SCALARS } from '../subgraphs/kit/scalars';
import type { Logger } from '../subgraphs/kit';

export interface ScalarRulesApplied {
  /** Custom scalars of the schema that now parse with the kit's rules. */
  applied: string[];
  /** Custom scalars the kit has no rules for: they still accept any value at the router. */
  unknown: string[];
}

/** Sets the kit's parseValue/parseLiteral on the schema's custom scalars of the same name, in place. */
export function applyKitScalarRules(schema: GraphQLSchema): ScalarRulesApplied {
  const result: ScalarRulesApplied = { applied: [], unknown: [] };
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isScalarType(type) || isSpecifiedScalarType(type) || type.name.startsWith('__')) continue;
    const kit = KIT_SCALARS.get(type.name);
    if (!kit) {
      result.unknown.push(type.name);
      continue;
    }
    // serialize stays as built: the gateway passes on what the subgraphs serialized.
    type.parseValue = kit.parseValue;
    type.parseLiteral = kit.parseLiteral;
    result.applied.push(type.name);
  }
  return result;
}

/**
 * Applies the kit's scalar rules to every API schema the gateway loads (its first load and any
 * update). Registered before Apollo Server starts, so the rules are in place before the first request.
 */
export function useKitScalarRules(gateway: ApolloGateway, log: Logger): () => void {
  return gateway.onSchemaLoadOrUpdate(({ apiSchema }) => {
    const { applied, unknown } = applyKitScalarRules(apiSchema);
    log.debug({ applied }, "kit scalar rules on the router's API schema");
    if (unknown.length) {
      log.warn(
        { unknown },
        'custom scalars without a kit rule (subgraphs/kit/scalars.ts KIT_SCALARS): the router accepts any value for them and leaves the refusal to the subgraph',
      );
    }
  });
}
