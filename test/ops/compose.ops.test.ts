/**
 * docker-compose.yml, Dockerfile and .dockerignore: the production-shaped topology is complete and
 * consistent (no Docker engine needed: the files are parsed and cross-checked).
 */
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { PORTS } from '../../subgraphs/kit/env';
import { SUBGRAPH_LIST } from '../../subgraphs/registry';
import { DEFAULT_WEB_PORT } from '../../web/server';
import {
  INVENTORY_REPLICAS,
  ROUTERS,
  SUBGRAPHS,
  appServices,
  arr,
  dockerIgnored,
  interpolate,
  isObj,
  listeningPorts,
  loadCompose,
  readText,
  rootPath,
  str,
  subgraphServices,
  trackedFiles,
  type ComposeService,
} from './ops-helpers';

const compose = loadCompose();
const services = compose.services;

function service(name: string): ComposeService {
  const svc = services.get(name);
  if (!svc) throw new Error(`compose has no service ${name}`);
  return svc;
}

/** host:port of a URL that must point at a compose service listening on that port. */
function expectUrlOnService(url: string, expectedService?: string): URL {
  const u = new URL(url);
  const target = services.get(u.hostname);
  expect({ url, serviceExists: target !== undefined }).toEqual({ url, serviceExists: true });
  if (expectedService) expect(u.hostname).toBe(expectedService);
  if (target)
    expect({ url, listening: listeningPorts(target) }).toEqual({
      url,
      listening: expect.arrayContaining([Number(u.port)]),
    });
  return u;
}

describe('docker-compose.yml: services and dependencies', () => {
  test('has the whole topology of the design', () => {
    const expected = [
      'kong',
      ...ROUTERS,
      ...SUBGRAPHS.flatMap(subgraphServices),
      ...SUBGRAPHS.map((s) => `postgres-${s}`),
      'redis',
      'prometheus',
      'grafana',
      'web',
    ];
    expect([...services.keys()]).toEqual(expect.arrayContaining(expected));
  });

  test('every depends_on target exists, with a known condition', () => {
    for (const svc of services.values()) {
      for (const [dep, condition] of Object.entries(svc.dependsOn)) {
        expect({ from: svc.name, dep, exists: services.has(dep) }).toEqual({ from: svc.name, dep, exists: true });
        expect(['service_started', 'service_healthy', 'service_completed_successfully']).toContain(condition);
      }
    }
  });

  test('service_healthy dependencies have a healthcheck, and every service has one', () => {
    for (const svc of services.values()) {
      expect({ service: svc.name, healthcheck: svc.healthcheck !== null }).toEqual({
        service: svc.name,
        healthcheck: true,
      });
      const test = svc.healthcheck?.test;
      expect(Array.isArray(test) || typeof test === 'string').toBe(true);
      for (const [dep, condition] of Object.entries(svc.dependsOn)) {
        if (condition === 'service_healthy') expect(service(dep).healthcheck).not.toBeNull();
      }
    }
  });

  test('the dependency graph has no cycle', () => {
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (name: string, trail: string[]) => {
      if (state.get(name) === 'done') return;
      if (state.get(name) === 'visiting') throw new Error(`depends_on cycle: ${[...trail, name].join(' -> ')}`);
      state.set(name, 'visiting');
      for (const dep of Object.keys(service(name).dependsOn)) visit(dep, [...trail, name]);
      state.set(name, 'done');
    };
    for (const name of services.keys()) visit(name, []);
  });

  test('node services wait for their database and Redis to be healthy; routers wait for every subgraph; Kong for the routers', () => {
    for (const subgraph of SUBGRAPHS) {
      for (const name of subgraphServices(subgraph)) {
        expect(service(name).dependsOn).toMatchObject({
          [`postgres-${subgraph}`]: 'service_healthy',
          redis: 'service_healthy',
        });
      }
    }
    // Every subgraph container starts by default (none is parked in a compose profile), and the
    // routers wait for all of them.
    const subgraphContainers = SUBGRAPHS.flatMap(subgraphServices);
    expect(subgraphContainers.filter((name) => service(name).raw.profiles !== undefined)).toEqual([]);
    for (const router of ROUTERS) {
      for (const name of subgraphContainers) {
        expect(service(router).dependsOn[name]).toBe('service_healthy');
      }
    }
    for (const router of ROUTERS) expect(service('kong').dependsOn[router]).toBe('service_healthy');
  });

  test('node services check /health/ready on their own PORT', () => {
    for (const name of appServices()) {
      const svc = service(name);
      expect(JSON.stringify(svc.healthcheck?.test)).toContain('/health/ready');
      expect(JSON.stringify(svc.healthcheck?.test)).toContain('process.env.PORT');
      expect(svc.env.PORT).toMatch(/^\d+$/);
    }
  });
});

describe('docker-compose.yml: only keys compose knows (no docker here to run `docker compose config`)', () => {
  const SERVICE_KEYS = [
    'build',
    'image',
    'init',
    'restart',
    'stop_grace_period',
    'security_opt',
    'logging',
    'healthcheck',
    'environment',
    'depends_on',
    'ports',
    'volumes',
    'command',
    'entrypoint',
    'shm_size',
    'networks',
    'deploy',
    'expose',
    'user',
    'read_only',
    'tmpfs',
    'ulimits',
    'cap_drop',
    'cap_add',
    'labels',
    'env_file',
    'working_dir',
    'pull_policy',
    'profiles',
  ];

  test('top level, services, healthchecks, depends_on and logging use valid keys', () => {
    for (const key of Object.keys(compose.raw)) {
      expect({
        key,
        valid: ['name', 'services', 'volumes', 'networks', 'configs', 'secrets'].includes(key) || key.startsWith('x-'),
      }).toEqual({ key, valid: true });
    }
    for (const svc of services.values()) {
      for (const key of Object.keys(svc.raw))
        expect({ service: svc.name, key, valid: SERVICE_KEYS.includes(key) }).toEqual({
          service: svc.name,
          key,
          valid: true,
        });
      for (const key of Object.keys(svc.healthcheck ?? {})) {
        expect(['test', 'interval', 'timeout', 'retries', 'start_period', 'start_interval', 'disable']).toContain(key);
      }
      for (const key of ['interval', 'timeout', 'start_period']) {
        const v = svc.healthcheck?.[key];
        if (v !== undefined) expect(String(v)).toMatch(/^\d+(ms|s|m|h)$/);
      }
      const dependsOn = svc.raw.depends_on;
      if (isObj(dependsOn)) {
        for (const cond of Object.values(dependsOn))
          for (const key of Object.keys(isObj(cond) ? cond : {}))
            expect(['condition', 'restart', 'required']).toContain(key);
      }
      if (isObj(svc.raw.logging))
        for (const key of Object.keys(svc.raw.logging)) expect(['driver', 'options']).toContain(key);
      if (isObj(svc.raw.build))
        for (const key of Object.keys(svc.raw.build))
          expect(['context', 'dockerfile', 'args', 'target']).toContain(key);
      expect(['no', 'always', 'on-failure', 'unless-stopped', undefined]).toContain(svc.raw.restart);
      // Environment values are strings after YAML parsing (compose rejects nested values).
      if (isObj(svc.raw.environment)) {
        for (const [k, v] of Object.entries(svc.raw.environment))
          expect({ k, type: typeof v }).toEqual({ k, type: 'string' });
      }
    }
  });
});

describe('docker-compose.yml: router configuration', () => {
  const urlVars: Record<string, string[]> = {
    PRODUCTS_URL: ['products'],
    INVENTORY_URL: [...INVENTORY_REPLICAS],
    ECOMMERCE_URL: ['ecommerce'],
    RETAIL_URL: ['retail'],
    REPORTS_URL: ['reports'],
  };

  test.each(ROUTERS)('%s: every subgraph URL points at a compose service on its port', (router) => {
    const env = service(router).env;
    for (const [name, hosts] of Object.entries(urlVars)) {
      const value = env[name];
      expect({ router, name, set: typeof value === 'string' && value.length > 0 }).toEqual({ router, name, set: true });
      const urls = (value ?? '').split(',').map((u) => u.trim());
      expect(urls.map((u) => new URL(u).hostname)).toEqual(hosts);
      for (const u of urls) {
        const parsed = expectUrlOnService(u);
        expect(parsed.pathname).toBe('/graphql');
      }
    }
  });

  test.each(ROUTERS)('%s: production mode, reachable inside the network, behind Kong', (router) => {
    const env = service(router).env;
    expect(env).toMatchObject({
      SERVICE: 'router',
      NODE_ENV: 'production',
      ROUTER_HOST: '0.0.0.0',
      PORT: String(PORTS.router),
    });
    expect(env.KONG_SHARED_SECRET).toBe(service('kong').env.KONG_SHARED_SECRET);
    expect((env.KONG_SHARED_SECRET ?? '').length).toBeGreaterThanOrEqual(24);
    expect((env.JWT_SECRET ?? '').length).toBeGreaterThanOrEqual(32);
    // Only Kong is published: nobody reaches a router around it.
    expect(service(router).ports).toEqual([]);
  });

  test('subgraph URLs handed to subgraphs (saga calls) match the routers', () => {
    const routerEnv = service('router-1').env;
    for (const name of SUBGRAPHS.flatMap(subgraphServices)) {
      for (const key of Object.keys(urlVars)) expect(service(name).env[key]).toBe(routerEnv[key]);
    }
  });
});

describe('docker-compose.yml: subgraphs and their databases', () => {
  test.each([...SUBGRAPHS])('%s has its own PostgreSQL', (subgraph) => {
    const pgName = `postgres-${subgraph}`;
    const pg = service(pgName);
    expect(pg.raw.image).toBe('postgres:15');
    const volumes = arr(pg.raw.volumes, `${pgName} volumes`).map((v) => str(v, 'volume'));
    expect(volumes.some((v) => v.endsWith(':/var/lib/postgresql/data'))).toBe(true);
    for (const v of volumes) {
      const source = v.split(':')[0] ?? '';
      expect(Object.keys(compose.volumes)).toContain(source);
    }
    for (const name of subgraphServices(subgraph)) {
      const env = service(name).env;
      const key = `${subgraph.toUpperCase()}_DATABASE_URL`;
      const url = new URL(env[key] ?? 'missing://');
      expect({ name, host: url.hostname }).toEqual({ name, host: pgName });
      expect(url.pathname).toBe(`/${pg.env.POSTGRES_DB}`);
      expect(decodeURIComponent(url.username)).toBe(pg.env.POSTGRES_USER);
      expect(decodeURIComponent(url.password)).toBe(pg.env.POSTGRES_PASSWORD);
      expect(Number(url.port || 5432)).toBe(5432);
      // No subgraph is handed another subgraph's database.
      for (const other of SUBGRAPHS) {
        if (other !== subgraph) expect(env[`${other.toUpperCase()}_DATABASE_URL`]).toBeUndefined();
      }
      expect(env.DATABASE_URL).toBeUndefined();
    }
  });

  test('no two subgraphs share a database container or a data volume', () => {
    const hosts = SUBGRAPHS.map(
      (s) => new URL(service(subgraphServices(s)[0] ?? s).env[`${s.toUpperCase()}_DATABASE_URL`] ?? '').hostname,
    );
    expect(new Set(hosts).size).toBe(SUBGRAPHS.length);
    const volumes = SUBGRAPHS.map((s) => JSON.stringify(service(`postgres-${s}`).raw.volumes));
    expect(new Set(volumes).size).toBe(SUBGRAPHS.length);
  });

  test.each([...SUBGRAPHS])('%s: HOST, PORT, JWT_SECRET, REDIS_URL and SERVICE are set', (subgraph) => {
    for (const name of subgraphServices(subgraph)) {
      const env = service(name).env;
      expect(env).toMatchObject({
        SERVICE: subgraph,
        HOST: '0.0.0.0',
        PORT: String(PORTS[subgraph]),
        NODE_ENV: 'production',
      });
      expect(env.JWT_SECRET).toBe(service('router-1').env.JWT_SECRET);
      expectUrlOnService(env.REDIS_URL ?? '', 'redis');
      expect(service(name).ports).toEqual([]);
    }
  });

  test('inventory runs as three single-process containers on one database', () => {
    const urls = INVENTORY_REPLICAS.map((n) => service(n).env.INVENTORY_DATABASE_URL);
    expect(new Set(urls).size).toBe(1);
    for (const n of INVENTORY_REPLICAS) expect(service(n).env.INVENTORY_REPLICAS).toBe('1');
    // Replicas 2 and 3 start once replica 1 has migrated, so they never race it on the schema.
    expect(service('inventory-2').dependsOn['inventory-1']).toBe('service_healthy');
    expect(service('inventory-3').dependsOn['inventory-1']).toBe('service_healthy');
    expect(service('inventory-1').dependsOn['inventory-1']).toBeUndefined();
  });
});

describe('docker-compose.yml and Dockerfile: the back office', () => {
  const web = () => service('web');

  test('the image builds web/dist in a stage with the dev dependencies and keeps only the build', () => {
    const dockerfile = readText('Dockerfile').replace(/\\\n/g, ' ');
    expect(dockerfile).toMatch(/^FROM \$\{NODE_IMAGE\} AS web$/m);
    expect(dockerfile).toMatch(/^RUN node --import tsx web\/build\.ts\b/m);
    expect(dockerfile).toMatch(/^COPY --from=web \/app\/web\/dist \.\/web\/dist$/m);
    // The runtime stage installs production dependencies only: Vite and React stay in the build stage.
    expect(dockerfile).toMatch(/^RUN .*npm ci --omit=dev$/m);
  });

  test('web serves on its port, published on 127.0.0.1 only, from the one image, with no secret', () => {
    const svc = web();
    expect(svc.env).toMatchObject({
      SERVICE: 'web',
      PORT: String(DEFAULT_WEB_PORT),
      WEB_PORT: String(DEFAULT_WEB_PORT),
      APOLLO_TELEMETRY_DISABLED: '1',
    });
    expect(svc.ports).toEqual([{ hostIp: '127.0.0.1', hostPort: DEFAULT_WEB_PORT, containerPort: DEFAULT_WEB_PORT }]);
    expect(svc.raw.image).toBe(service('router-1').raw.image);
    expect(JSON.stringify(svc.healthcheck?.test)).toContain('/health/ready');
    // Static files and the API's address: nothing the browser must not see.
    for (const key of Object.keys(svc.env)) expect(key).not.toMatch(/SECRET|PASSWORD|DATABASE_URL|REDIS_URL/);
  });

  test("the browser calls Kong's published port with a consumer's key, from an origin Kong's cors plugin allows", () => {
    const env = web().env;
    const api = new URL(env.WEB_ROUTER_URL ?? 'missing://');
    expect(api.pathname).toBe('/graphql');
    expect(service('kong').ports.map((p) => p.hostPort)).toContain(Number(api.port));
    const kongYml = readText('kong/kong.yml');
    expect(kongYml).toContain(`- key: ${env.WEB_API_KEY}`);
    expect(kongYml).toContain(`- http://localhost:${DEFAULT_WEB_PORT}`);
  });
});

describe('docker-compose.yml: ports, volumes, secrets', () => {
  test('published host ports do not collide; only the Kong proxy listens on every interface', () => {
    const published = [...services.values()].flatMap((s) => s.ports.map((p) => ({ service: s.name, ...p })));
    const hostPorts = published.map((p) => p.hostPort);
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
    const public_ = published.filter((p) => p.hostIp !== '127.0.0.1');
    expect(public_.map((p) => `${p.service}:${p.hostPort}`)).toEqual(['kong:8000']);
    expect(published).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ service: 'kong', hostIp: '127.0.0.1', hostPort: 8001, containerPort: 8001 }),
      ]),
    );
  });

  test('node services listen on the design ports (subgraphs/kit/env.ts)', () => {
    for (const router of ROUTERS) expect(Number(service(router).env.PORT)).toBe(PORTS.router);
    for (const s of SUBGRAPHS) for (const n of subgraphServices(s)) expect(Number(service(n).env.PORT)).toBe(PORTS[s]);
  });

  test('bind-mounted files exist and named volumes are declared', () => {
    for (const svc of services.values()) {
      if (svc.raw.volumes === undefined) continue;
      for (const v of arr(svc.raw.volumes, `${svc.name} volumes`)) {
        const source = str(v, 'volume').split(':')[0] ?? '';
        if (source.startsWith('.') || source.startsWith('/')) {
          expect({ service: svc.name, source, exists: fs.existsSync(rootPath(source)) }).toEqual({
            service: svc.name,
            source,
            exists: true,
          });
        } else {
          expect(Object.keys(compose.volumes)).toContain(source);
        }
      }
    }
  });

  test('docker compose up needs no environment: every ${VAR} has a default', () => {
    const walk = (value: unknown, where: string): void => {
      if (typeof value === 'string') expect(() => interpolate(value)).not.toThrow();
      else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${where}[${i}]`));
      else if (isObj(value)) for (const [k, v] of Object.entries(value)) walk(v, `${where}.${k}`);
    };
    walk(compose.raw, 'compose');
  });

  test('development secret defaults say so', () => {
    const text = readText('docker-compose.yml');
    for (const name of ['JWT_SECRET', 'KONG_SHARED_SECRET', 'POSTGRES_PASSWORD', 'GRAFANA_ADMIN_PASSWORD']) {
      const defaults = [...text.matchAll(new RegExp(`\\$\\{${name}:-([^}]*)\\}`, 'g'))].map((m) => m[1] ?? '');
      expect(defaults.length).toBeGreaterThan(0);
      for (const d of defaults) expect(d).toMatch(/^dev-only-/);
    }
  });

  test('nothing phones home: no gateway telemetry, no Kong anonymous reports, no Grafana analytics or update checks', () => {
    for (const name of appServices()) {
      expect({ service: name, telemetry: service(name).env.APOLLO_TELEMETRY_DISABLED }).toEqual({
        service: name,
        telemetry: '1',
      });
    }
    expect(service('kong').env.KONG_ANONYMOUS_REPORTS).toBe('off');
    const grafana = service('grafana').env;
    for (const key of [
      'GF_ANALYTICS_REPORTING_ENABLED',
      'GF_ANALYTICS_CHECK_FOR_UPDATES',
      'GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES',
    ])
      expect({ key, value: grafana[key] }).toEqual({ key, value: 'false' });
  });
});

describe('Dockerfile and .dockerignore', () => {
  const dockerfile = readText('Dockerfile');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  test('the image keeps @apollo/gateway telemetry off whatever compose or Kubernetes set', () => {
    expect(instructions.some((l) => /^ENV .*\bAPOLLO_TELEMETRY_DISABLED=1\b/.test(l))).toBe(true);
  });

  test('builds on node:20-slim with npm ci from the lockfile, runs as a non-root user', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-slim$/m);
    const froms = instructions.filter((l) => /^FROM /i.test(l));
    expect(froms.length).toBeGreaterThan(0);
    for (const f of froms) expect(f).toMatch(/^FROM \$\{NODE_IMAGE\}|^FROM node:20-slim/);
    expect(instructions.some((l) => /^RUN .*npm ci\b/.test(l))).toBe(true);
    expect(instructions.some((l) => /^COPY package\.json package-lock\.json/.test(l))).toBe(true);
    const users = instructions.filter((l) => /^USER /i.test(l));
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^USER\s+(root|0)(:|$)/);
    expect(instructions.some((l) => /^HEALTHCHECK /.test(l) && l.includes('/health/ready'))).toBe(true);
  });

  test('CMD starts every SERVICE the compose file uses, from an entry file that exists', () => {
    const cmd = instructions.find((l) => /^CMD /.test(l)) ?? '';
    const used = new Set([...services.values()].map((s) => s.env.SERVICE).filter((s): s is string => Boolean(s)));
    expect([...used].sort()).toEqual(['router', ...SUBGRAPHS, 'web'].sort());
    for (const s of used) expect(cmd).toMatch(new RegExp(`(^|[ "(|])${s}[|)]`));
    expect(cmd).toContain('exec node --import tsx router/index.ts');
    expect(cmd).toContain('exec node --import tsx \\"subgraphs/$SERVICE/index.ts\\"');
    expect(cmd).toContain('exec node --import tsx web/server.ts');
    expect(fs.existsSync(rootPath('router/index.ts'))).toBe(true);
    expect(fs.existsSync(rootPath('web/server.ts'))).toBe(true);
    for (const s of SUBGRAPHS)
      expect({ s, exists: fs.existsSync(rootPath(`subgraphs/${s}/index.ts`)) }).toEqual({ s, exists: true });
    // tsx is a production dependency, so `npm ci --omit=dev` keeps it.
    const pkg = JSON.parse(readText('package.json')) as { dependencies?: Record<string, string> };
    expect(pkg.dependencies?.tsx).toBeDefined();
  });

  test("EXPOSE lists the router's port, every subgraph's (kit PORTS) and the back office's", () => {
    const exposed = instructions
      .filter((l) => /^EXPOSE /i.test(l))
      .flatMap((l) => l.split(/\s+/).slice(1))
      .map((p) => Number(p.split('/')[0]))
      .sort((a, b) => a - b);
    expect(exposed).toEqual([...Object.values(PORTS), DEFAULT_WEB_PORT].sort((a, b) => a - b));
  });

  test('all node services are built from this Dockerfile as one image', () => {
    const images = new Set<string>();
    for (const name of appServices()) {
      const raw = service(name).raw;
      expect(isObj(raw.build) ? raw.build.dockerfile : raw.build).toBe(isObj(raw.build) ? 'Dockerfile' : '.');
      images.add(String(raw.image));
    }
    expect(images.size).toBe(1);
  });

  test('.dockerignore keeps local installs, data, git and secrets out of the build context', () => {
    const ignored = readText('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.data', '.git', '.env', '.env.*']));
    // What the image needs must not be ignored.
    for (const needed of ['package.json', 'package-lock.json', 'tsconfig.json', 'subgraphs', 'router', 'schema']) {
      expect(ignored).not.toContain(needed);
    }
  });

  test('what the image runs loads only production dependencies and files the image has', () => {
    const pkg = JSON.parse(readText('package.json')) as { dependencies?: Record<string, string> };
    const runtime = new Set(Object.keys(pkg.dependencies ?? {}));
    const builtins = new Set(builtinModules);
    const entries = ['router/index.ts', ...SUBGRAPH_LIST.map((e) => e.entry), 'web/server.ts'];
    const { packages, files } = runtimePackages(entries);
    // The walk must really have followed the imports (kit, servers, resolvers...).
    expect(files.length).toBeGreaterThan(40);
    expect(packages.get('@apollo/gateway')).toBeDefined();
    const ignored = readText('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /^[a-z]+$/.test(l));
    expect(ignored).toEqual(expect.arrayContaining(['scripts', 'test', 'loadtests']));
    expect(files.filter((f) => ignored.includes(f.split('/')[0] ?? ''))).toEqual([]);
    const outside = [...packages]
      .filter(([name]) => !runtime.has(name) && !builtins.has(name) && !name.startsWith('node:'))
      .map(([name, from]) => `${name} (imported by ${from})`);
    expect(outside).toEqual([]);
  });
});

describe('the image holds no test code', () => {
  const ignored = dockerIgnored(readText('.dockerignore'));
  /** What `docker build .` sends from a clean checkout: every tracked file .dockerignore lets through. */
  const image = trackedFiles().filter((f) => !ignored(f));
  const isTestFile = (f: string) =>
    /\.(test|spec)\.[cm]?[jt]sx?$|\.snap$|(^|\/)test-helpers?\.[cm]?[jt]s$|(^|\/)__(snapshots|tests|mocks)__\//.test(f);
  const inTestFolder = (f: string) => ['test', 'loadtests'].includes(f.split('/')[0] ?? '');

  test('.dockerignore leaves out test/ and loadtests/, and keeps **/*.test.ts as a guard', () => {
    const lines = readText('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    expect(lines).toEqual(expect.arrayContaining(['test', 'loadtests', '**/*.test.ts']));
  });

  test('the image receives the production code and none of test/ or loadtests/', () => {
    expect(image).toEqual(
      expect.arrayContaining([
        'package.json',
        'router/index.ts',
        'subgraphs/kit/index.ts',
        'schema/supergraph.graphql',
      ]),
    );
    expect(image.filter(inTestFolder)).toEqual([]);
  });

  test('no file the image receives is a test file, a snapshot or a test helper', () => {
    expect(image.filter(isTestFile)).toEqual([]);
  });

  test('no file the image receives imports test/, loadtests/ or a test framework', () => {
    const violations: string[] = [];
    for (const file of image.filter((f) => /\.[cm]?[jt]sx?$/.test(f))) {
      const text = fs.readFileSync(rootPath(file), 'utf8');
      const specs = [
        ...text.matchAll(/^\s*(?:import|export)\s+(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm),
        ...text.matchAll(/\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g),
      ].map((m) => m[1] ?? '');
      for (const spec of specs) {
        if (spec === 'jest' || spec.startsWith('@jest/') || spec === '@swc/jest') {
          violations.push(`${file} imports ${spec}`);
          continue;
        }
        if (!spec.startsWith('.')) continue;
        const target = path
          .relative(rootPath(''), path.resolve(path.dirname(rootPath(file)), spec))
          .split(path.sep)
          .join('/');
        if (inTestFolder(target) || ignored(target))
          violations.push(`${file} imports ${spec} (${target}, not in the image)`);
      }
    }
    expect(violations).toEqual([]);
  });

  test('the .dockerignore matcher reads patterns as Docker does', () => {
    const probe = dockerIgnored(['test', '**/*.test.ts', '*.log', 'docs', '!docs/keep.md', '/dist/'].join('\n'));
    expect(probe('test/helpers/db.ts')).toBe(true);
    expect(probe('test')).toBe(true);
    expect(probe('subgraphs/retail/sales.subgraph.test.ts')).toBe(true);
    expect(probe('sales.unit.test.ts')).toBe(true);
    expect(probe('app.log')).toBe(true);
    expect(probe('logs/app.log')).toBe(false);
    expect(probe('docs/adr/0001.md')).toBe(true);
    expect(probe('docs/keep.md')).toBe(false);
    expect(probe('dist/index.js')).toBe(true);
    expect(probe('subgraphs/test/x.ts')).toBe(false);
    expect(probe('subgraphs/retail/test-helpers.ts')).toBe(false);
    expect(isTestFile('subgraphs/retail/test-helpers.ts')).toBe(true);
    expect(isTestFile('schema/__snapshots__/query-plans.unit.test.ts.snap')).toBe(true);
    expect(isTestFile('subgraphs/retail/server.ts')).toBe(false);
  });
});

/**
 * npm packages loaded at run time from `entries`: follows relative imports (`import`, `export from`,
 * `require`, literal `import()`), skipping type-only ones, which are erased before anything runs.
 */
function runtimePackages(entries: string[]): { packages: Map<string, string>; files: string[] } {
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const resolve = (from: string, spec: string): string | null => {
    const base = path.resolve(path.dirname(from), spec);
    for (const candidate of [base, `${base}.ts`, path.join(base, 'index.ts')]) {
      if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
    }
    return null;
  };
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = fs.readFileSync(file, 'utf8');
    const specs = [
      ...text.matchAll(/^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm),
      ...text.matchAll(/\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g),
    ].map((m) => m[1] ?? '');
    for (const spec of specs) {
      if (spec.startsWith('.')) {
        const target = resolve(file, spec);
        if (target?.endsWith('.ts')) visit(target);
        continue;
      }
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec);
      if (!packages.has(name)) packages.set(name, path.relative(rootPath(''), file));
    }
  };
  for (const entry of entries) visit(rootPath(entry));
  return { packages, files: [...seen].map((f) => path.relative(rootPath(''), f)) };
}
