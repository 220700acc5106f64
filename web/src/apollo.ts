/**
 * The app's Apollo Client: the normalised cache, the signed-in person's token and Kong's key on every
 * request, persisted operations (persisted.ts), and one place that notices a session the router no
 * longer accepts.
 */
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { ErrorLink } from '@apollo/client/link/error';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import type { WebConfig } from './config';
import { canHash, persistedId } from './persisted';
import { problemOf } from './errors';

export interface ClientHooks {
  /** The token to send, read at each request (it changes on sign-in and sign-out). */
  token: () => string | null;
  /** The router refused the token (expired, revoked): the session is over. */
  onUnauthenticated: () => void;
}

export function createCache(): InMemoryCache {
  return new InMemoryCache({
    typePolicies: {
      // Several screens select different fields of a product's stock (no id of its own): merge them.
      ProductStock: { merge: true },
      // Today's figures are one object per key ("chain" or a store id), refreshed by polling.
      Dashboard: { keyFields: ['id'] },
    },
  });
}

export function createClient(config: WebConfig, hooks: ClientHooks): ApolloClient {
  const headers = new SetContextLink((previous) => {
    const token = hooks.token();
    return {
      headers: {
        ...(previous.headers as Record<string, string> | undefined),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(config.apiKey ? { apikey: config.apiKey } : {}),
      },
    };
  });
  const sessionEnd = new ErrorLink(({ error }) => {
    if (problemOf(error).kind === 'unauthenticated' && hooks.token()) hooks.onUnauthenticated();
  });
  const persisted = config.persistedQueries && canHash() ? [new PersistedQueryLink({ generateHash: persistedId })] : [];
  return new ApolloClient({
    cache: createCache(),
    link: ApolloLink.from([sessionEnd, headers, ...persisted, new HttpLink({ uri: config.routerUrl })]),
  });
}
