/**
 * kong/kong.yml (DB-less declarative config) and kong/render-config.sh: the gateway in front of the
 * routers authenticates every consumer, puts it in its group, rate-limits each one, tags requests,
 * answers browsers for the allowed origins and balances the router replicas that docker-compose.yml
 * defines.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  CONSUMER_GROUPS,
  DEFAULT_READ_ONLY_GROUPS,
  DEFAULT_TRUSTED_DOCUMENT_GROUPS,
  KNOWN_CONSUMERS,
} from '../../router/consumers';
import { DEVELOPMENT_CORS_ORIGINS } from '../../router/cors';
import {
  ROUTERS,
  arr,
  listeningPorts,
  loadCompose,
  loadYaml,
  obj,
  readText,
  rootPath,
  str,
  type Obj,
} from './ops-helpers';

const kong = obj(loadYaml('kong/kong.yml'), 'kong.yml');
const compose = loadCompose();

const upstreams = arr(kong.upstreams ?? [], 'upstreams').map((u) => obj(u, 'upstream'));
const kongServices = arr(kong.services ?? [], 'services').map((s) => obj(s, 'service'));
const consumers = arr(kong.consumers ?? [], 'consumers').map((c) => obj(c, 'consumer'));
const globalPlugins = arr(kong.plugins ?? [], 'plugins').map((p) => obj(p, 'plugin'));

const supergraph = kongServices.find((s) => s.name === 'supergraph');
const routers = upstreams.find((u) => u.name === 'routers');

function pluginsOf(entity: Obj | undefined): Obj[] {
  return entity && Array.isArray(entity.plugins) ? entity.plugins.map((p) => obj(p, 'plugin')) : [];
}

/** Plugin on the supergraph service, or global. */
function plugin(name: string): Obj {
  const found = [...pluginsOf(supergraph), ...globalPlugins].find((p) => p.name === name);
  if (!found) throw new Error(`plugin ${name} is not configured on the supergraph service or globally`);
  return found;
}

function config(p: Obj): Obj {
  return obj(p.config, `${String(p.name)} config`);
}

/** Plugins bundled with Kong Gateway OSS 3.x that this file may use. */
const KONG_OSS_PLUGINS = new Set([
  'key-auth',
  'rate-limiting',
  'correlation-id',
  'request-transformer',
  'response-transformer',
  'prometheus',
  'cors',
  'request-size-limiting',
  'ip-restriction',
  'acl',
  'bot-detection',
  'proxy-cache',
]);

/**
 * Fields of Kong 3.x entities and plugin configs (from their schemas): Kong refuses to start on an
 * unknown field, and there is no Kong here to try, so a typo must fail this test instead.
 */
const ENTITY_FIELDS: Record<string, string[]> = {
  upstream: [
    'name',
    'algorithm',
    'slots',
    'healthchecks',
    'targets',
    'hash_on',
    'hash_fallback',
    'hash_on_header',
    'host_header',
    'tags',
    'use_srv_name',
  ],
  target: ['target', 'weight', 'tags'],
  service: [
    'name',
    'host',
    'port',
    'protocol',
    'path',
    'connect_timeout',
    'read_timeout',
    'write_timeout',
    'retries',
    'routes',
    'plugins',
    'tags',
    'enabled',
  ],
  route: [
    'name',
    'paths',
    'strip_path',
    'preserve_host',
    'methods',
    'protocols',
    'hosts',
    'headers',
    'regex_priority',
    'path_handling',
    'https_redirect_status_code',
    'request_buffering',
    'response_buffering',
    'tags',
    'plugins',
  ],
  consumer: ['username', 'custom_id', 'tags', 'keyauth_credentials', 'acls', 'plugins'],
  keyauth_credential: ['key', 'tags', 'ttl'],
  acl: ['group', 'tags'],
  plugin: ['name', 'config', 'enabled', 'tags', 'protocols', 'instance_name'],
};
const PLUGIN_FIELDS: Record<string, string[]> = {
  'key-auth': [
    'key_names',
    'hide_credentials',
    'anonymous',
    'key_in_header',
    'key_in_query',
    'key_in_body',
    'run_on_preflight',
    'realm',
  ],
  'correlation-id': ['header_name', 'generator', 'echo_downstream'],
  acl: ['allow', 'deny', 'hide_groups_header', 'include_consumer_groups', 'always_use_authenticated_groups'],
  'request-transformer': ['http_method', 'remove', 'rename', 'replace', 'add', 'append'],
  cors: [
    'origins',
    'headers',
    'exposed_headers',
    'methods',
    'max_age',
    'credentials',
    'private_network',
    'preflight_continue',
    'allow_origin_absent',
  ],
  'request-size-limiting': ['allowed_payload_size', 'size_unit', 'require_content_length'],
  'rate-limiting': [
    'second',
    'minute',
    'hour',
    'day',
    'month',
    'year',
    'limit_by',
    'header_name',
    'path',
    'policy',
    'fault_tolerant',
    'hide_client_headers',
    'error_code',
    'error_message',
    'sync_rate',
    'redis',
  ],
  prometheus: [
    'per_consumer',
    'status_code_metrics',
    'latency_metrics',
    'bandwidth_metrics',
    'upstream_health_metrics',
    'ai_metrics',
  ],
};
const HEALTHCHECK_FIELDS = {
  active: [
    'type',
    'http_path',
    'timeout',
    'concurrency',
    'https_verify_certificate',
    'https_sni',
    'headers',
    'healthy',
    'unhealthy',
  ],
  activeHealthy: ['interval', 'successes', 'http_statuses'],
  activeUnhealthy: ['interval', 'http_failures', 'tcp_failures', 'timeouts', 'http_statuses'],
  passive: ['type', 'healthy', 'unhealthy'],
  passiveHealthy: ['successes', 'http_statuses'],
  passiveUnhealthy: ['http_failures', 'tcp_failures', 'timeouts', 'http_statuses'],
};

function expectOnlyFields(value: unknown, allowed: string[], where: string): void {
  const unknown = Object.keys(obj(value, where)).filter((k) => !allowed.includes(k));
  expect({ where, unknown }).toEqual({ where, unknown: [] });
}

/** The consumers of the design, each in its group (router/consumers.ts applies the groups' rules). */
const GROUP_OF: Record<string, string> = {
  'web-storefront': 'first-party',
  'mobile-app': 'first-party',
  'pos-terminals': 'first-party',
  partner: 'partner',
  'head-office': 'internal',
  loadtest: 'internal',
};
const CONSUMERS = Object.keys(GROUP_OF);

function groupsOf(c: Obj): string[] {
  return arr(c.acls ?? [], `${String(c.username)} acls`).map((a) => str(obj(a, 'acl').group, 'group'));
}

describe('kong/kong.yml', () => {
  test('is decK / DB-less format 3.0', () => {
    expect(kong._format_version).toBe('3.0');
  });

  test('uses only bundled open-source plugins', () => {
    const all = [...globalPlugins, ...kongServices.flatMap(pluginsOf), ...consumers.flatMap(pluginsOf)];
    for (const p of all) expect(KONG_OSS_PLUGINS).toContain(p.name);
  });

  test('every entity, health check and plugin config uses only fields Kong 3.x knows', () => {
    expectOnlyFields(
      kong,
      ['_format_version', '_transform', 'upstreams', 'services', 'consumers', 'plugins'],
      'kong.yml',
    );
    const checkPlugins = (list: Obj[], where: string) => {
      for (const p of list) {
        expectOnlyFields(p, ENTITY_FIELDS.plugin ?? [], `${where} plugin ${String(p.name)}`);
        expectOnlyFields(p.config ?? {}, PLUGIN_FIELDS[String(p.name)] ?? [], `${where} ${String(p.name)} config`);
      }
    };
    for (const u of upstreams) {
      expectOnlyFields(u, ENTITY_FIELDS.upstream ?? [], `upstream ${String(u.name)}`);
      for (const t of arr(u.targets, 'targets')) expectOnlyFields(t, ENTITY_FIELDS.target ?? [], 'target');
      const hc = obj(u.healthchecks, 'healthchecks');
      expectOnlyFields(hc, ['active', 'passive', 'threshold'], 'healthchecks');
      const active = obj(hc.active, 'active');
      const passive = obj(hc.passive ?? {}, 'passive');
      expectOnlyFields(active, HEALTHCHECK_FIELDS.active, 'active');
      expectOnlyFields(active.healthy ?? {}, HEALTHCHECK_FIELDS.activeHealthy, 'active.healthy');
      expectOnlyFields(active.unhealthy ?? {}, HEALTHCHECK_FIELDS.activeUnhealthy, 'active.unhealthy');
      expectOnlyFields(passive, HEALTHCHECK_FIELDS.passive, 'passive');
      expectOnlyFields(passive.healthy ?? {}, HEALTHCHECK_FIELDS.passiveHealthy, 'passive.healthy');
      expectOnlyFields(passive.unhealthy ?? {}, HEALTHCHECK_FIELDS.passiveUnhealthy, 'passive.unhealthy');
    }
    for (const svc of kongServices) {
      expectOnlyFields(svc, ENTITY_FIELDS.service ?? [], `service ${String(svc.name)}`);
      for (const r of arr(svc.routes ?? [], 'routes')) expectOnlyFields(r, ENTITY_FIELDS.route ?? [], 'route');
      checkPlugins(pluginsOf(svc), `service ${String(svc.name)}`);
    }
    for (const c of consumers) {
      expectOnlyFields(c, ENTITY_FIELDS.consumer ?? [], `consumer ${String(c.username)}`);
      for (const k of arr(c.keyauth_credentials ?? [], 'creds'))
        expectOnlyFields(k, ENTITY_FIELDS.keyauth_credential ?? [], 'key');
      for (const a of arr(c.acls ?? [], 'acls')) expectOnlyFields(a, ENTITY_FIELDS.acl ?? [], 'acl');
      checkPlugins(pluginsOf(c), `consumer ${String(c.username)}`);
    }
    checkPlugins(globalPlugins, 'global');
    const rt = config(plugin('request-transformer'));
    for (const part of ['remove', 'add'])
      expectOnlyFields(rt[part], ['body', 'headers', 'querystring'], `request-transformer ${part}`);
  });

  test('upstream "routers" balances the compose router replicas on their port, with active and passive health checks on /health/ready', () => {
    expect(routers).toBeDefined();
    const targets = arr(routers?.targets, 'targets').map((t) => str(obj(t, 'target').target, 'target'));
    expect(targets.map((t) => t.split(':')[0]).sort()).toEqual([...ROUTERS].sort());
    for (const t of targets) {
      const [host = '', port = ''] = t.split(':');
      const svc = compose.services.get(host);
      expect(svc).toBeDefined();
      if (svc) expect(listeningPorts(svc)).toContain(Number(port));
    }
    const active = obj(obj(routers?.healthchecks, 'healthchecks').active, 'active healthchecks');
    expect(active).toMatchObject({ type: 'http', http_path: '/health/ready' });
    expect(Number(obj(active.healthy, 'healthy').interval)).toBeGreaterThan(0);
    expect(Number(obj(active.unhealthy, 'unhealthy').interval)).toBeGreaterThan(0);
    expect(obj(active.unhealthy, 'unhealthy').http_statuses).toEqual(expect.arrayContaining([500, 503]));
    // Passive: real traffic marks a router down on connection failures and 5xx, between active probes.
    const passive = obj(obj(routers?.healthchecks, 'healthchecks').passive, 'passive healthchecks');
    expect(passive.type).toBe('http');
    const unhealthy = obj(passive.unhealthy, 'passive unhealthy');
    expect(Number(unhealthy.tcp_failures)).toBeGreaterThan(0);
    expect(Number(unhealthy.http_failures)).toBeGreaterThan(0);
    expect(unhealthy.http_statuses).toEqual(expect.arrayContaining([502, 503, 504]));
    // The router answers /health/ready itself (the kit's host), without the gateway secret.
    expect(readText('subgraphs/kit/http.ts')).toMatch(/url\.pathname === '\/health\/ready'/);
  });

  test('service "supergraph" proxies /graphql to the upstream', () => {
    expect(supergraph).toBeDefined();
    expect(supergraph?.host).toBe('routers');
    expect(supergraph?.port).toBe(4000);
    const routes = arr(supergraph?.routes, 'routes').map((r) => obj(r, 'route'));
    expect(routes.some((r) => arr(r.paths, 'paths').includes('/graphql'))).toBe(true);
    // With a prefix route, the upstream path must stay /graphql.
    for (const r of routes) if (r.strip_path !== false) expect(supergraph?.path).toBe('/graphql');
  });

  test('key-auth reads the apikey header and hides it from the router', () => {
    const c = config(plugin('key-auth'));
    expect(c.key_names).toEqual(['apikey']);
    expect(c.hide_credentials).toBe(true);
    expect(c.key_in_query).toBe(false);
    expect(c.anonymous ?? null).toBeNull();
  });

  test('correlation-id runs globally and echoes X-Request-ID on every response', () => {
    const p = globalPlugins.find((g) => g.name === 'correlation-id');
    expect(p).toBeDefined();
    expect(config(p ?? {})).toMatchObject({ header_name: 'X-Request-ID', echo_downstream: true });
    expect(pluginsOf(supergraph).some((x) => x.name === 'correlation-id')).toBe(false);
  });

  test('acl lets only the three groups through and forwards X-Consumer-Groups', () => {
    const c = config(plugin('acl'));
    expect(arr(c.allow, 'allow').map(String).sort()).toEqual([...CONSUMER_GROUPS].sort());
    expect(c.deny ?? null).toBeNull();
    expect(c.hide_groups_header).toBe(false);
    // The groups the router's defaults name exist here.
    for (const g of [...DEFAULT_READ_ONLY_GROUPS, ...DEFAULT_TRUSTED_DOCUMENT_GROUPS])
      expect(CONSUMER_GROUPS).toContain(g);
  });

  test('every consumer is in exactly its group: first-party apps, the partner, internal tools', () => {
    for (const c of consumers) {
      expect({ consumer: c.username, groups: groupsOf(c) }).toEqual({
        consumer: c.username,
        groups: [GROUP_OF[String(c.username)]],
      });
    }
  });

  test('request-transformer replaces any client x-gateway-secret with the KONG_SHARED_SECRET placeholder', () => {
    const c = config(plugin('request-transformer'));
    expect(obj(c.remove, 'remove').headers).toEqual(['x-gateway-secret']);
    expect(obj(c.add, 'add').headers).toEqual(['x-gateway-secret:${KONG_SHARED_SECRET}']);
  });

  test('prometheus runs globally with upstream health metrics', () => {
    const p = globalPlugins.find((g) => g.name === 'prometheus');
    expect(p).toBeDefined();
    expect(config(p ?? {})).toMatchObject({ per_consumer: true, upstream_health_metrics: true });
  });

  test('cors allows the storefronts and the back-office app (npm start, :4100), the apikey header, no credentials', () => {
    const c = config(plugin('cors'));
    const origins = arr(c.origins, 'origins').map((o) => str(o, 'origin'));
    for (const o of origins) expect(o).toMatch(/^https?:\/\/[^*/]+$/);
    expect(origins).toEqual(expect.arrayContaining([...DEVELOPMENT_CORS_ORIGINS, 'https://shop.example.com']));
    expect(c.headers).toEqual(
      expect.arrayContaining(['apikey', 'Authorization', 'Content-Type', 'X-Request-ID', 'apollo-require-preflight']),
    );
    expect(c.methods).toEqual(['GET', 'POST', 'OPTIONS']);
    expect(c.credentials).toBe(false);
    // Preflights carry no apikey: key-auth lets the cors plugin answer them.
    expect(config(plugin('key-auth')).run_on_preflight).toBe(false);
  });

  test('every consumer of the design exists with a unique dev key and its own rate limit', () => {
    expect(consumers.map((c) => c.username).sort()).toEqual([...CONSUMERS].sort());
    // The router's `consumer` metric label knows exactly these names.
    expect([...KNOWN_CONSUMERS].sort()).toEqual([...CONSUMERS].sort());
    const keys: string[] = [];
    for (const c of consumers) {
      const creds = arr(c.keyauth_credentials, `${String(c.username)} keyauth_credentials`).map((k) => obj(k, 'key'));
      expect(creds.length).toBeGreaterThan(0);
      for (const k of creds) keys.push(str(k.key, 'key'));
      const limits = pluginsOf(c).filter((p) => p.name === 'rate-limiting');
      expect({ consumer: c.username, limits: limits.length }).toEqual({ consumer: c.username, limits: 1 });
      const lc = config(limits[0] ?? {});
      expect(['second', 'minute', 'hour', 'day'].some((w) => typeof lc[w] === 'number' && (lc[w] as number) > 0)).toBe(
        true,
      );
      expect(lc.limit_by).toBe('consumer');
    }
    expect(new Set(keys).size).toBe(keys.length);
    // `dev-<consumer>-key`: the form render-config.sh replaces with KONG_API_KEY_<CONSUMER>.
    for (const c of consumers) {
      const creds = arr(c.keyauth_credentials, 'creds').map((k) => str(obj(k, 'key').key, 'key'));
      expect(creds).toEqual([`dev-${String(c.username)}-key`]);
    }
    expect(readText('kong/kong.yml')).toMatch(/DEVELOPMENT KEYS/);
  });

  test('limits rank the channels: load tests and web and mobile highest, then POS, then back-office, partners lowest', () => {
    const perMinute = (username: string): number => {
      const c = consumers.find((x) => x.username === username);
      const limit = pluginsOf(c).find((p) => p.name === 'rate-limiting');
      return Number(config(limit ?? {}).minute);
    };
    expect(perMinute('web-storefront')).toBeGreaterThan(perMinute('pos-terminals'));
    expect(perMinute('mobile-app')).toBeGreaterThan(perMinute('pos-terminals'));
    expect(perMinute('pos-terminals')).toBeGreaterThan(perMinute('head-office'));
    expect(perMinute('head-office')).toBeGreaterThan(perMinute('partner'));
    expect(perMinute('loadtest')).toBeGreaterThanOrEqual(perMinute('web-storefront'));
  });

  test('the k6 scripts default to a key Kong knows', () => {
    const defaults = [...readText('loadtests/k6/lib/config.js').matchAll(/'(dev-[a-z0-9-]+-key)'/g)].map((m) => m[1]);
    const keys = consumers.flatMap((c) => arr(c.keyauth_credentials, 'creds').map((k) => obj(k, 'key').key));
    expect(defaults.length).toBeGreaterThan(0);
    for (const key of defaults) expect(keys).toContain(key);
  });
});

describe('kong in docker-compose.yml', () => {
  const kongSvc = compose.services.get('kong');

  test('runs DB-less from the rendered declarative file, admin on localhost only', () => {
    expect(kongSvc?.env).toMatchObject({ KONG_DATABASE: 'off', KONG_DECLARATIVE_TEMPLATE: '/kong-config/kong.yml' });
    expect(kongSvc?.raw.volumes).toEqual(['./kong:/kong-config:ro']);
    expect(kongSvc?.raw.entrypoint).toEqual(['/bin/sh', '/kong-config/render-config.sh']);
    expect(kongSvc?.ports).toEqual(
      expect.arrayContaining([
        { hostIp: '0.0.0.0', hostPort: 8000, containerPort: 8000 },
        { hostIp: '127.0.0.1', hostPort: 8001, containerPort: 8001 },
      ]),
    );
  });
});

describe('kong/render-config.sh', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kong-render-'));
    // Stand-ins for the kong CLI (`kong config parse`) and the image's entrypoint.
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.writeFileSync(path.join(dir, 'bin', 'kong'), '#!/bin/sh\necho "kong $*" >> "$STUB_LOG"\n', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'entrypoint.sh'), '#!/bin/sh\necho "entrypoint $*" >> "$STUB_LOG"\n', {
      mode: 0o755,
    });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function render(secret: string | undefined, extra: Record<string, string> = {}) {
    const out = path.join(dir, `kong-${Math.random().toString(36).slice(2)}.yml`);
    const log = path.join(dir, 'stub.log');
    fs.writeFileSync(log, '');
    const env: NodeJS.ProcessEnv = {
      PATH: `${path.join(dir, 'bin')}:${process.env.PATH ?? ''}`,
      KONG_DECLARATIVE_TEMPLATE: rootPath('kong/kong.yml'),
      KONG_DECLARATIVE_CONFIG: out,
      KONG_ENTRYPOINT: path.join(dir, 'entrypoint.sh'),
      STUB_LOG: log,
    };
    if (secret !== undefined) env.KONG_SHARED_SECRET = secret;
    Object.assign(env, extra);
    const res = spawnSync('sh', [rootPath('kong/render-config.sh'), 'kong', 'docker-start'], { env, encoding: 'utf8' });
    return { status: res.status, stderr: res.stderr, out, log: fs.readFileSync(log, 'utf8') };
  }

  test('fills in the secret, validates the file and hands over to the entrypoint', () => {
    const secret = 'test-secret-0123456789abcdef';
    const r = render(secret);
    // Every consumer keeps its development key, and the operator is told so.
    expect(r.stderr).toBe(
      `render-config: development API keys (public in the repository) for: ${CONSUMERS.join(' ')}\n`,
    );
    expect(r.status).toBe(0);
    const rendered = obj(parseYaml(fs.readFileSync(r.out, 'utf8')), 'rendered');
    const svc = arr(rendered.services, 'services')
      .map((s) => obj(s, 's'))
      .find((s) => s.name === 'supergraph');
    const rt = pluginsOf(svc).find((p) => p.name === 'request-transformer');
    expect(obj(config(rt ?? {}).add, 'add').headers).toEqual([`x-gateway-secret:${secret}`]);
    expect(fs.readFileSync(r.out, 'utf8')).not.toContain('${');
    expect(r.log).toBe(`kong config parse ${r.out}\nentrypoint kong docker-start\n`);
    expect(fs.statSync(r.out).mode & 0o077).toBe(0);
  });

  test.each([
    ['missing', undefined],
    ['empty', ''],
    ['too short', 'short-secret'],
    ['unsafe characters', 'abc/def&ghi|jkl$mno-pqrstuvwxyz'],
  ])('refuses to start with a %s secret', (_label, secret) => {
    const r = render(secret);
    expect(r.status).toBe(64);
    expect(r.log).toBe('');
    expect(fs.existsSync(r.out)).toBe(false);
  });

  const renderedConsumers = (out: string) =>
    arr(obj(parseYaml(fs.readFileSync(out, 'utf8')), 'rendered').consumers, 'consumers').map((c) => obj(c, 'c'));

  test('replaces a consumer key by KONG_API_KEY_<CONSUMER> and the CORS origins by KONG_CORS_ORIGINS', () => {
    const webKey = 'prod-web-key-0123456789abcdefghij';
    const loadKey = 'prod-load-key-0123456789abcdefghij';
    const r = render('test-secret-0123456789abcdef', {
      KONG_API_KEY_WEB_STOREFRONT: webKey,
      KONG_API_KEY_LOADTEST: loadKey,
      KONG_CORS_ORIGINS: 'https://office.example.com,http://localhost:4100',
    });
    expect(r.status).toBe(0);
    const keys = Object.fromEntries(
      renderedConsumers(r.out).map((c) => [c.username, obj(arr(c.keyauth_credentials, 'k')[0], 'k').key]),
    );
    expect(keys).toMatchObject({ 'web-storefront': webKey, loadtest: loadKey, partner: 'dev-partner-key' });
    expect(r.stderr).toMatch(/development API keys .* for: mobile-app pos-terminals partner head-office\n$/);
    const rendered = obj(parseYaml(fs.readFileSync(r.out, 'utf8')), 'rendered');
    const svc = arr(rendered.services, 'services')
      .map((s) => obj(s, 's'))
      .find((s) => s.name === 'supergraph');
    const cors = pluginsOf(svc).find((p) => p.name === 'cors');
    expect(config(cors ?? {}).origins).toEqual(['https://office.example.com', 'http://localhost:4100']);
  });

  test('KONG_DEV_KEYS=refuse refuses to start while a consumer has its development key', () => {
    const all = Object.fromEntries(
      CONSUMERS.map((c) => [`KONG_API_KEY_${c.toUpperCase().replace(/-/g, '_')}`, `prod-${c}-0123456789abcdefghij`]),
    );
    const refused = render('test-secret-0123456789abcdef', {
      ...all,
      KONG_API_KEY_PARTNER: '',
      KONG_DEV_KEYS: 'refuse',
    });
    expect(refused.status).toBe(64);
    expect(refused.stderr).toMatch(/KONG_DEV_KEYS=refuse .*: partner\n$/);
    expect(fs.existsSync(refused.out)).toBe(false);
    const ok = render('test-secret-0123456789abcdef', { ...all, KONG_DEV_KEYS: 'refuse' });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(fs.readFileSync(ok.out, 'utf8')).not.toMatch(/key: dev-/);
  });

  test.each([
    ['a short key', { KONG_API_KEY_PARTNER: 'short' }],
    ['a key with unsafe characters', { KONG_API_KEY_PARTNER: 'abc/def&ghi|jkl$mno-pqrstuvwxyz' }],
    ['an origin that is not one', { KONG_CORS_ORIGINS: 'https://ok.example.com,javascript:alert(1)' }],
    ['an origin with a path', { KONG_CORS_ORIGINS: 'https://ok.example.com/app' }],
  ])('refuses to start with %s', (_label, extra) => {
    const r = render('test-secret-0123456789abcdef', extra);
    expect(r.status).toBe(64);
    expect(r.log).toBe('');
    expect(fs.existsSync(r.out)).toBe(false);
  });

  test('the compose default secret passes its own checks', () => {
    const secret = compose.services.get('kong')?.env.KONG_SHARED_SECRET;
    expect(render(secret).status).toBe(0);
  });
});
