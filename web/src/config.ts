/**
 * What the app learns at run time from the server that serves it (web/server.ts, /config.json), so
 * one build serves every environment: where the router (or Kong) is, and Kong's API key when the app
 * goes through Kong.
 */
export interface WebConfig {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql (npm start) or Kong's /graphql. */
  routerUrl: string;
  /** Kong's key for the back office (sent as the `apikey` header); null when calling the router directly. */
  apiKey: string | null;
  /** How often the dashboard refreshes itself, in milliseconds. */
  dashboardRefreshMs: number;
  /** Send persisted operations (ids) rather than full documents; on unless the server says otherwise. */
  persistedQueries: boolean;
}

export async function loadConfig(): Promise<WebConfig> {
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`/config.json answered HTTP ${res.status}`);
  const raw = (await res.json()) as Partial<WebConfig>;
  if (typeof raw.routerUrl !== 'string') throw new Error('/config.json has no routerUrl');
  return {
    routerUrl: raw.routerUrl,
    apiKey: typeof raw.apiKey === 'string' && raw.apiKey ? raw.apiKey : null,
    dashboardRefreshMs:
      typeof raw.dashboardRefreshMs === 'number' && raw.dashboardRefreshMs > 0 ? raw.dashboardRefreshMs : 30_000,
    persistedQueries: raw.persistedQueries !== false,
  };
}
