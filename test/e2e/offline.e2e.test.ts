/**
 * Nothing this project runs sends traffic off the machine unless the operator opts in: the
 * router's @apollo/gateway telemetry (cloud metadata probes, usage export) and Apollo Server's
 * reporting to Apollo Studio. Each refusal is shown next to a control proving the guard would see
 * the traffic if it were there.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { createGateway, TELEMETRY_OPT_IN } from '../../router/gateway';
import { loadSupergraphSdl } from '../../router/server';
import { guardNetwork, type NetworkGuard } from '../helpers/network-guard';
import { startStack } from '../helpers/stack';
import { postGraphQL, waitFor } from '../helpers/toolkit';

const ROOT = path.join(__dirname, '..', '..');
const STUDIO_ENV = {
  APOLLO_KEY: 'service:retail-test:not-a-real-key',
  APOLLO_GRAPH_REF: 'retail-test@current',
  APOLLO_SCHEMA_REPORTING: 'true',
};

describe('nothing leaves the machine by default', () => {
  let guard: NetworkGuard;
  const saved = { ...process.env };
  beforeEach(() => {
    guard = guardNetwork();
  });
  afterEach(() => {
    guard.restore();
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it('control: an opted-in gateway probes the cloud metadata addresses, which the guard sees', async () => {
    process.env[TELEMETRY_OPT_IN] = '1';
    delete process.env.APOLLO_TELEMETRY_DISABLED;
    const gateway = createGateway({ supergraphSdl: loadSupergraphSdl() });
    await waitFor('an attempt beyond loopback', () => guard.attempts.length > 0, 5_000);
    expect(guard.attempts.some((a) => a.startsWith('169.254.169.254'))).toBe(true);
    await gateway.stop().catch(() => undefined);
  });

  it('a gateway constructed by default turns the exporter off first, whatever the environment said', async () => {
    delete process.env[TELEMETRY_OPT_IN];
    process.env.APOLLO_TELEMETRY_DISABLED = 'false';
    const gateway = createGateway({ supergraphSdl: loadSupergraphSdl() });
    expect(process.env.APOLLO_TELEMETRY_DISABLED).toBe('1');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(guard.attempts).toEqual([]);
    await gateway.stop().catch(() => undefined);
  });

  it('no code constructs an ApolloGateway except through router/gateway.ts', () => {
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
    })
      .split('\n')
      .filter((f) => f && f !== 'router/gateway.ts' && fs.existsSync(path.join(ROOT, f)));
    const code = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    const offenders = files.filter((f) => /new\s+ApolloGateway\s*\(/.test(code(f)));
    expect(offenders).toEqual([]);
  });

  it('control: a plain Apollo Server with an Apollo key reports usage, which the guard sees', async () => {
    Object.assign(process.env, STUDIO_ENV);
    const server = new ApolloServer({
      typeDefs: 'type Query { hello: String }',
      resolvers: { Query: { hello: () => 'hi' } },
    });
    const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
    expect((await postGraphQL(url, '{ hello }')).body.data).toEqual({ hello: 'hi' });
    await server.stop();
    await waitFor('an attempt beyond loopback', () => guard.attempts.length > 0, 5_000);
    expect(guard.attempts.join(' ')).toMatch(/apollographql\.com/);
  });

  it('the router and the subgraphs report nothing to Apollo Studio even with an Apollo key set', async () => {
    const stack = await startStack({ services: ['products', 'inventory'], seed: true, env: STUDIO_ENV });
    try {
      const { status, body } = await stack.gql(
        'query Names { products(first: 3) { edges { node { id stock { available } } } } }',
      );
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
    } finally {
      // A server that tries to report to Studio retries on stop; bounded so the test fails on the
      // attempts below rather than timing out.
      await Promise.race([stack.stop(), new Promise((r) => setTimeout(r, 10_000))]);
    }
    await new Promise((r) => setTimeout(r, 1_000));
    expect(guard.attempts).toEqual([]);
  });
});
