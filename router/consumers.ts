/**
 * Who calls, as Kong says (kong/kong.yml): key-auth sets `X-Consumer-Username` to the consumer whose
 * API key was sent, and the acl plugin sets `X-Consumer-Groups` to that consumer's groups. The router
 * trusts both only because nothing reaches it around Kong: Kong adds the shared secret the router
 * checks (KONG_SHARED_SECRET). Without Kong (`npm start`, tests) a request carries neither header and
 * is `anonymous`, with no group (ADR 0027).
 */
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The consumers of kong/kong.yml (test/ops/kong.ops.test.ts keeps the two lists equal). They are the
 * values of the `consumer` label of the router's metrics, so that label stays bounded: any other name
 * is `other`, and a request without the header is `anonymous`.
 */
export const KNOWN_CONSUMERS = [
  'web-storefront',
  'mobile-app',
  'pos-terminals',
  'partner',
  'head-office',
  'loadtest',
] as const;

export type ConsumerLabel = (typeof KNOWN_CONSUMERS)[number] | 'anonymous' | 'other';

const KNOWN = new Set<string>(KNOWN_CONSUMERS);

/** The consumer groups of kong/kong.yml (the acl plugin's `allow`). */
export const CONSUMER_GROUPS = ['first-party', 'partner', 'internal'] as const;

export interface EdgeCaller {
  /** Kong's consumer name as sent, or null without one (never a metric label: see `label`). */
  username: string | null;
  /** The bounded name for metrics and logs. */
  label: ConsumerLabel;
  /** Kong's groups of the consumer (lower case), none without Kong. */
  groups: ReadonlySet<string>;
}

export interface ConsumerPolicy {
  /** Groups whose consumers may not run mutations (FORBIDDEN, nothing run). */
  readOnlyGroups: ReadonlySet<string>;
  /** Groups whose consumers may send only trusted documents when enforcement is on. */
  trustedDocumentGroups: ReadonlySet<string>;
}

export const DEFAULT_READ_ONLY_GROUPS = ['partner'];
export const DEFAULT_TRUSTED_DOCUMENT_GROUPS = ['first-party'];

function single(value: string | string[] | undefined): string | null {
  const text = Array.isArray(value) ? value.join(',') : value;
  const trimmed = text?.trim();
  return trimmed ? trimmed : null;
}

/** A comma-separated list (Kong joins groups with ", "), trimmed, lower-cased, without empties. */
export function groupList(value: string | string[] | undefined | null): string[] {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return text
    .split(',')
    .map((g) => g.trim().toLowerCase())
    .filter((g) => g.length > 0);
}

export function consumerLabel(username: string | null): ConsumerLabel {
  if (username === null) return 'anonymous';
  return KNOWN.has(username) ? (username as ConsumerLabel) : 'other';
}

export function edgeCallerOf(headers: IncomingHttpHeaders): EdgeCaller {
  const username = single(headers['x-consumer-username']);
  return { username, label: consumerLabel(username), groups: new Set(groupList(headers['x-consumer-groups'])) };
}

/**
 * ROUTER_READ_ONLY_GROUPS (default `partner`) and ROUTER_TRUSTED_DOCUMENT_GROUPS (default
 * `first-party`), comma-separated; an empty value means no group.
 */
export function consumerPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): ConsumerPolicy {
  const list = (name: string, fallback: string[]) => new Set(env[name] === undefined ? fallback : groupList(env[name]));
  return {
    readOnlyGroups: list('ROUTER_READ_ONLY_GROUPS', DEFAULT_READ_ONLY_GROUPS),
    trustedDocumentGroups: list('ROUTER_TRUSTED_DOCUMENT_GROUPS', DEFAULT_TRUSTED_DOCUMENT_GROUPS),
  };
}

export function inAnyGroup(caller: EdgeCaller, groups: ReadonlySet<string>): boolean {
  for (const g of caller.groups) if (groups.has(g)) return true;
  return false;
}
