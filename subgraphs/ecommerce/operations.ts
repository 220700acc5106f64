/**
 * Ecommerce's client operations, in one place for the e2e test helpers (./test-helpers.ts) and the
 * bench (loadtests/checkout.ts).
 *
 * The documents keep the compact layout of /work/shared/contract/operations.graphql, so CONTRACT can
 * be diffed against the contract line by line; `prettier-ignore` stops prettier from expanding them
 * one field a line.
 */

/** Verbatim from /work/shared/contract/operations.graphql. */
// prettier-ignore
export const CONTRACT = {
  RegisterCustomer: /* GraphQL */ `
    mutation RegisterCustomer($input: RegisterCustomerInput!) {
      registerCustomer(input: $input) {
        token
        customer { id email firstName lastName }
        errors { code field message }
      }
    }
  `,
  Login: /* GraphQL */ `
    mutation Login($input: LoginInput!) {
      login(input: $input) {
        token
        customer { id email }
        errors { code field message }
      }
    }
  `,
  Me: /* GraphQL */ `
    query Me {
      me {
        id email firstName lastName
        addresses { id line1 city postalCode country isDefault }
        cart {
          id itemCount
          subtotal { amount currency }
          lines { id quantity unitPrice { amount currency } lineTotal { amount currency } product { id name stock { available } } }
        }
        orders(first: 10) { edges { node { id number status total { amount currency } createdAt } } }
      }
    }
  `,
  AddToCart: /* GraphQL */ `
    mutation AddToCart($input: AddToCartInput!) {
      addToCart(input: $input) {
        cart { id itemCount subtotal { amount currency } lines { id quantity product { id name } } }
        errors { code field message }
      }
    }
  `,
  Checkout: /* GraphQL */ `
    mutation Checkout($input: CheckoutInput!) {
      checkout(input: $input) {
        order {
          id number status
          total { amount currency }
          lines { product { id name } quantity unitPrice { amount currency } }
          history { status at note }
        }
        errors { code field message }
      }
    }
  `,
  CancelOrder: /* GraphQL */ `
    mutation CancelOrder($input: CancelOrderInput!) {
      cancelOrder(input: $input) {
        order { id status }
        errors { code field message }
      }
    }
  `,
} as const;

/** Ecommerce operations the contract does not list: addresses, cart lines, orders, shipping. */
// prettier-ignore
export const ECOMMERCE_OPS = {
  AddAddress: /* GraphQL */ `
    mutation AddAddress($input: AddAddressInput!) {
      addAddress(input: $input) {
        address { id isDefault country }
        errors { code field message }
      }
    }
  `,
  UpdateAddress: /* GraphQL */ `
    mutation UpdateAddress($input: UpdateAddressInput!) {
      updateAddress(input: $input) {
        address { id city isDefault }
        errors { code field message }
      }
    }
  `,
  RemoveAddress: /* GraphQL */ `
    mutation RemoveAddress($input: RemoveAddressInput!) {
      removeAddress(input: $input) {
        removedAddressId
        addresses { id isDefault }
        errors { code field message }
      }
    }
  `,
  UpdateCartLine: /* GraphQL */ `
    mutation UpdateCartLine($input: UpdateCartLineInput!) {
      updateCartLine(input: $input) {
        cart { id itemCount lines { id quantity unitPrice { amount } } }
        errors { code field message }
      }
    }
  `,
  RemoveCartLine: /* GraphQL */ `
    mutation RemoveCartLine($input: RemoveCartLineInput!) {
      removeCartLine(input: $input) {
        cart { id itemCount lines { id } }
        errors { code field message }
      }
    }
  `,
  Order: /* GraphQL */ `
    query Order($id: ID!) {
      order(id: $id) {
        id number status cancelReason
        total { amount currency }
        lines { product { id } quantity unitPrice { amount } }
        paymentMethod { brand last4 }
        history { status at note }
      }
    }
  `,
  Orders: /* GraphQL */ `
    query Orders($first: Int, $after: String, $status: OrderStatus) {
      orders(first: $first, after: $after, status: $status) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { id number status } }
      }
    }
  `,
  ShipOrder: /* GraphQL */ `
    mutation ShipOrder($input: ShipOrderInput!) {
      shipOrder(input: $input) {
        order { id status }
        errors { code field message }
      }
    }
  `,
  CartLines: /* GraphQL */ `
    query CartLines {
      me {
        cart { id itemCount lines { id quantity product { id } unitPrice { amount } } }
      }
    }
  `,
} as const;
