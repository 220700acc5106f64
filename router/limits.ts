import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

export const DEFAULT_MAX_DEPTH = 15;

/**
 * Refuses operations nested deeper than `max` fields (Category.parent.parent... or
 * children.children... can otherwise be used to make the router and subgraphs do unbounded work).
 * Introspection fields (`__schema`, `__type`) are not counted, so Sandbox keeps working.
 * Validation runs once per distinct document (Apollo Server caches validated documents), so this
 * costs nothing on the hot path.
 */
export function depthLimitRule(max: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions) {
      if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    }
    const depthOf = (set: SelectionSetNode, visiting: Set<string>): number => {
      let deepest = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          if (sel.name.value.startsWith('__')) continue;
          const below = sel.selectionSet ? depthOf(sel.selectionSet, visiting) : 0;
          deepest = Math.max(deepest, 1 + below);
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(sel.selectionSet, visiting));
        } else {
          const name = sel.name.value;
          const frag = fragments.get(name);
          // Unknown or cyclic fragments are reported by graphql's own rules.
          if (!frag || visiting.has(name)) continue;
          visiting.add(name);
          deepest = Math.max(deepest, depthOf(frag.selectionSet, visiting));
          visiting.delete(name);
        }
        if (deepest > max) return deepest;
      }
      return deepest;
    };
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, new Set());
        if (depth > max) {
          context.reportError(
            new GraphQLError(`Operation is nested ${depth} levels deep; the limit is ${max}`, {
              nodes: [node],
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
            }),
          );
        }
      },
    };
  };
}
