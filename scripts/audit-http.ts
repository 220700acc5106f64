/**
 * `npm run audit:http [-- <url>]`: graphql-http's GraphQL-over-HTTP server audit against the router.
 * With a URL (e.g. http://127.0.0.1:4000/graphql of `npm start`) it audits that server; without one
 * it starts a router in this process from the committed supergraph (the audits only ask for
 * `__typename`, which the router answers without calling a subgraph). Prints every result; exits 1
 * when an audit that the spec makes a MUST fails. docs/graphql-over-http.md explains each warning.
 */
import { auditServer, type AuditResult } from 'graphql-http';
import { startRouter } from '../router/server';
import { runMain } from './cli';

export interface AuditSummary {
  ok: number;
  warn: AuditResult[];
  error: AuditResult[];
}

export async function auditRouter(url?: string): Promise<AuditSummary> {
  const router = url ? null : await startRouter({ port: 0, host: '127.0.0.1', gatewaySecret: null });
  try {
    const results = await auditServer({ url: url ?? router!.url });
    return {
      ok: results.filter((r) => r.status === 'ok').length,
      warn: results.filter((r) => r.status === 'warn'),
      error: results.filter((r) => r.status === 'error'),
    };
  } finally {
    await router?.stop();
  }
}

async function main(): Promise<number> {
  const url = process.argv.slice(2).find((a) => !a.startsWith('--'));
  const summary = await auditRouter(url);
  for (const r of [...summary.error, ...summary.warn]) {
    console.log(`${r.status.toUpperCase()} ${r.id} ${r.name}`);
    if (r.status !== 'ok') console.log(`      ${r.reason}`);
  }
  console.log(`audit:http: ${summary.ok} ok, ${summary.warn.length} warn, ${summary.error.length} error`);
  return summary.error.length ? 1 : 0;
}

runMain(module, main);
