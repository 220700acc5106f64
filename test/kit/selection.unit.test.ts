import { Kind, parse, type FieldNode, type OperationDefinitionNode } from 'graphql';
import { asksOnlyKey } from '../../subgraphs/kit';

/** The `category` field nodes of a document's first operation's first field. */
function categoryNodes(document: string): FieldNode[] {
  const op = parse(document).definitions[0] as OperationDefinitionNode;
  const product = op.selectionSet.selections[0] as FieldNode;
  return (product.selectionSet?.selections ?? []).filter(
    (s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === 'category',
  );
}

describe('asksOnlyKey: a reference answers a selection of its key alone, with no read', () => {
  it('is true for `id` and `__typename` only, also spread over several nodes of the field', () => {
    expect(asksOnlyKey({ fieldNodes: categoryNodes('{ product { category { id } } }') })).toBe(true);
    expect(asksOnlyKey({ fieldNodes: categoryNodes('{ product { category { __typename id } } }') })).toBe(true);
    expect(asksOnlyKey({ fieldNodes: categoryNodes('{ product { category { id } category { ... { id } } } }') })).toBe(
      true,
    );
  });

  it('is false as soon as any other field, a fragment or a nested selection is asked for', () => {
    expect(asksOnlyKey({ fieldNodes: categoryNodes('{ product { category { id name } } }') })).toBe(false);
    expect(asksOnlyKey({ fieldNodes: categoryNodes('{ product { category { id } category { slug } } }') })).toBe(false);
    expect(
      asksOnlyKey({ fieldNodes: categoryNodes('{ product { category { ...F } } } fragment F on Category { id }') }),
    ).toBe(false);
    expect(asksOnlyKey({ fieldNodes: categoryNodes('{ product { category { ... on Category { id } } } }') })).toBe(
      false,
    );
    expect(asksOnlyKey({ fieldNodes: categoryNodes('{ product { category { parent { id } } } }') })).toBe(false);
  });
});
