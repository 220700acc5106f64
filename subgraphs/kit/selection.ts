import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

const KEY_ONLY = new Set(['id', '__typename']);

function keyOnly(set: SelectionSetNode | undefined): boolean {
  if (!set) return false;
  return set.selections.every((s) =>
    s.kind === Kind.FIELD
      ? KEY_ONLY.has(s.name.value) && !s.selectionSet
      : // A fragment spread names fields elsewhere: not worth resolving here, so not key-only.
        s.kind === Kind.INLINE_FRAGMENT && !s.typeCondition && keyOnly(s.selectionSet),
  );
}

/**
 * Whether the field's selection asks for nothing but the object's `id` (and `__typename`): then a
 * reference the parent already holds answers it, with no read. A key that points nowhere is the
 * caller's to rule out (a foreign key does).
 */
export function asksOnlyKey(info: Pick<GraphQLResolveInfo, 'fieldNodes'>): boolean {
  return info.fieldNodes.every((node) => keyOnly(node.selectionSet));
}
