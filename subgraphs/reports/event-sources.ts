import { calleeUrls, cachedServiceToken, postGraphQL } from '../kit/clients';
import type { RetainedEventPage, RetainedEventSource } from './domain/rebuild';
import type { Source } from './domain/types';

/**
 * The producers' retained outbox rows through their SERVICE-only `retainedEvents` query (agreed in
 * docs/events.md, "Retention and rebuild"), called on each producer directly, never through the router
 * (the field is @inaccessible there).
 */
export const RETAINED_EVENTS_QUERY = `query RetainedEvents($after: String, $first: Int!) {
  retainedEvents(after: $after, first: $first) { events endCursor hasNextPage }
}`;

export class RetainedEventsUnavailable extends Error {}

export function graphqlSource(source: Source, url: string, opts: { timeoutMs?: number } = {}): RetainedEventSource {
  return {
    source,
    page: async (after, first): Promise<RetainedEventPage> => {
      const res = await postGraphQL<{ retainedEvents: RetainedEventPage }>(
        url,
        RETAINED_EVENTS_QUERY,
        { after, first },
        { token: cachedServiceToken('reports'), requestId: 'reports-rebuild', timeoutMs: opts.timeoutMs ?? 30_000 },
      );
      const page = res.data?.retainedEvents;
      if (res.errors?.length || !page || !Array.isArray(page.events)) {
        const why = res.errors?.map((e) => e.message).join('; ') ?? 'no data';
        throw new RetainedEventsUnavailable(`${source} (${url}) did not serve retainedEvents: ${why}`);
      }
      return page;
    },
  };
}

/** Every producer at its <NAME>_URL (the first replica's), as `npm start` and compose pass them. */
export function producerSources(env: NodeJS.ProcessEnv = process.env): RetainedEventSource[] {
  return (['ecommerce', 'retail', 'inventory'] as const).map((s) => graphqlSource(s, calleeUrls(s, env)[0]!));
}
