/** The contract's operations, verbatim or trimmed where a field belongs to a subgraph not yet built. */
export const OPERATIONS = {
  CatalogPage: /* GraphQL */ `
    query CatalogPage($first: Int!, $after: String, $filter: ProductFilter) {
      products(first: $first, after: $after, filter: $filter) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          cursor
          node {
            id
            sku
            name
            price {
              amount
              currency
            }
            category {
              id
              name
            }
            stock {
              available
            }
          }
        }
      }
    }
  `,
  /** The contract's ProductDetail without salesStats (reports adds it later). */
  ProductDetail: /* GraphQL */ `
    query ProductDetail($id: ID!) {
      product(id: $id) {
        id
        sku
        name
        description
        active
        price {
          amount
          currency
        }
        category {
          id
          name
          parent {
            id
            name
          }
        }
        stock {
          onHand
          reserved
          available
          levels {
            location {
              id
              name
              kind
            }
            onHand
            reserved
            available
            reorderPoint
          }
        }
      }
    }
  `,
  CreateProduct: /* GraphQL */ `
    mutation CreateProduct($input: CreateProductInput!) {
      createProduct(input: $input) {
        product {
          id
          sku
          name
          price {
            amount
            currency
          }
          category {
            id
          }
        }
        errors {
          code
          field
          message
        }
      }
    }
  `,
} as const;
