/**
 * Shared helpers of the *.ops.test.ts files: loading the ops files (docker-compose.yml, Kong,
 * Prometheus, Grafana) as plain data, resolving compose variable interpolation, and pulling metric
 * names out of PromQL.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

export const ROOT = path.resolve(__dirname, '..', '..');

export function rootPath(...parts: string[]): string {
  return path.join(ROOT, ...parts);
}

export function readText(relative: string): string {
  return fs.readFileSync(rootPath(relative), 'utf8');
}

/** YAML with anchors and `<<` merge keys resolved (docker compose supports both). */
export function loadYaml(relative: string): unknown {
  return parseYaml(readText(relative), { merge: true, maxAliasCount: 1000 });
}

export type Obj = Record<string, unknown>;

export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function obj(value: unknown, what: string): Obj {
  if (!isObj(value)) throw new Error(`${what} is not a mapping`);
  return value;
}

export function arr(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${what} is not a list`);
  return value;
}

export function str(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Error(`${what} is not a string`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// docker compose
// ---------------------------------------------------------------------------------------------

/**
 * Resolves compose interpolation with an empty environment, i.e. what `docker compose up` does on
 * a machine without a .env file: `${VAR:-default}` / `${VAR-default}` give the default, `$$` is a
 * literal `$`. `${VAR}` without a default and `${VAR:?msg}` throw: the topology must start as is.
 */
export function interpolate(value: string, env: Record<string, string> = {}): string {
  let out = '';
  let i = 0;
  while (i < value.length) {
    const ch = value[i];
    if (ch !== '$') {
      out += ch;
      i++;
      continue;
    }
    const next = value[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next !== '{') throw new Error(`unbraced or stray $ in "${value}"`);
    const end = value.indexOf('}', i);
    if (end < 0) throw new Error(`unterminated \${ in "${value}"`);
    const inner = value.slice(i + 2, end);
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])(.*))?$/.exec(inner);
    if (!m) throw new Error(`bad interpolation \${${inner}}`);
    const [, name = '', op, arg = ''] = m;
    const set = env[name];
    if (op === ':-' || op === '-') out += set !== undefined && (op === '-' || set !== '') ? set : arg;
    else if (set !== undefined) out += set;
    else throw new Error(`\${${inner}} has no default: docker compose up would need ${name} set`);
    i = end + 1;
  }
  return out;
}

export interface ComposeService {
  name: string;
  raw: Obj;
  /** environment with interpolation resolved */
  env: Record<string, string>;
  dependsOn: Record<string, string>;
  /** published ports as [hostIp, hostPort, containerPort] */
  ports: { hostIp: string; hostPort: number; containerPort: number }[];
  healthcheck: Obj | null;
}

function parseEnv(raw: unknown, where: string): Record<string, string> {
  const env: Record<string, string> = {};
  if (raw === undefined) return env;
  if (Array.isArray(raw)) {
    for (const item of raw) {
      const s = str(item, `${where} environment entry`);
      const eq = s.indexOf('=');
      env[eq < 0 ? s : s.slice(0, eq)] = eq < 0 ? '' : interpolate(s.slice(eq + 1));
    }
    return env;
  }
  for (const [k, v] of Object.entries(obj(raw, `${where} environment`))) {
    env[k] = v === null ? '' : interpolate(String(v));
  }
  return env;
}

function parsePort(raw: unknown, where: string): ComposeService['ports'][number] {
  const s = String(raw);
  const parts = s.split(':');
  if (parts.length === 3) {
    return { hostIp: parts[0] ?? '', hostPort: Number(parts[1]), containerPort: Number(parts[2]) };
  }
  if (parts.length === 2) return { hostIp: '0.0.0.0', hostPort: Number(parts[0]), containerPort: Number(parts[1]) };
  throw new Error(`${where}: port "${s}" must publish explicitly as [ip:]host:container`);
}

export interface Compose {
  raw: Obj;
  services: Map<string, ComposeService>;
  volumes: Obj;
}

export function loadCompose(): Compose {
  const raw = obj(loadYaml('docker-compose.yml'), 'docker-compose.yml');
  const services = new Map<string, ComposeService>();
  for (const [name, value] of Object.entries(obj(raw.services, 'services'))) {
    const svc = obj(value, `service ${name}`);
    const dependsOn: Record<string, string> = {};
    if (Array.isArray(svc.depends_on)) {
      for (const d of svc.depends_on) dependsOn[str(d, `${name} depends_on`)] = 'service_started';
    } else if (svc.depends_on !== undefined) {
      for (const [dep, cond] of Object.entries(obj(svc.depends_on, `${name} depends_on`))) {
        dependsOn[dep] = isObj(cond) ? String(cond.condition ?? 'service_started') : 'service_started';
      }
    }
    services.set(name, {
      name,
      raw: svc,
      env: parseEnv(svc.environment, name),
      dependsOn,
      ports: svc.ports === undefined ? [] : arr(svc.ports, `${name} ports`).map((p) => parsePort(p, name)),
      healthcheck: isObj(svc.healthcheck) ? svc.healthcheck : null,
    });
  }
  return { raw, services, volumes: isObj(raw.volumes) ? raw.volumes : {} };
}

/** The subgraphs (subgraphs/registry.ts, docs/architecture.md) and their compose services. */
export const SUBGRAPHS = ['products', 'inventory', 'ecommerce', 'retail', 'reports'] as const;
export type Subgraph = (typeof SUBGRAPHS)[number];
export const ROUTERS = ['router-1', 'router-2'] as const;
export const INVENTORY_REPLICAS = ['inventory-1', 'inventory-2', 'inventory-3'] as const;

export function subgraphServices(subgraph: Subgraph): string[] {
  return subgraph === 'inventory' ? [...INVENTORY_REPLICAS] : [subgraph];
}

/** Node services of the image: the routers and every subgraph container. */
export function appServices(): string[] {
  return [...ROUTERS, ...SUBGRAPHS.flatMap(subgraphServices)];
}

/** The port a compose service listens on inside the network, for scrape and URL checks. */
export function listeningPorts(svc: ComposeService): number[] {
  const ports = new Set<number>();
  if (svc.env.PORT) ports.add(Number(svc.env.PORT));
  for (const key of ['KONG_PROXY_LISTEN', 'KONG_ADMIN_LISTEN', 'KONG_STATUS_LISTEN']) {
    const listen = svc.env[key];
    if (!listen) continue;
    for (const part of listen.split(',')) {
      const m = /:(\d+)/.exec(part.trim().split(/\s+/)[0] ?? '');
      if (m?.[1]) ports.add(Number(m[1]));
    }
  }
  for (const p of svc.ports) ports.add(p.containerPort);
  // Well-known ports of the third-party images used here (not configured through env).
  const image = typeof svc.raw.image === 'string' ? svc.raw.image : '';
  const known: [RegExp, number][] = [
    [/^postgres:/, 5432],
    [/^redis:/, 6379],
    [/^prom\/prometheus:/, 9090],
    [/^prom\/blackbox-exporter:/, 9115],
    [/^oliver006\/redis_exporter:/, 9121],
    [/^grafana\/grafana:/, 3000],
  ];
  for (const [re, port] of known) if (re.test(image)) ports.add(port);
  return [...ports];
}

// ---------------------------------------------------------------------------------------------
// PromQL
// ---------------------------------------------------------------------------------------------

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'and',
  'or',
  'unless',
  'inf',
  'nan',
]);

/**
 * Metric names used by a PromQL expression (Grafana variables like $__rate_interval allowed).
 * Strings, label matchers, range selectors and grouping label lists are removed first, then every
 * identifier that is not a function call or a keyword is a metric name.
 */
export function promqlMetricNames(expr: string): string[] {
  let s = expr;
  s = s.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  s = s.replace(/\{[^}]*\}/g, ' ');
  s = s.replace(/\[[^\]]*\]/g, ' ');
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  s = s.replace(/\$\{[^}]*\}|\$\w+/g, ' ');
  const names = new Set<string>();
  for (const m of s.matchAll(/(?<![\w.:$])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const name = m[1] ?? '';
    if (m[2]) continue;
    if (PROMQL_WORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

/** Checks (), [] and {} nesting, ignoring string contents. Returns an error or null. */
export function bracketError(expr: string): string | null {
  const s = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (const ch of s) {
    if (ch === '(' || ch === '[' || ch === '{') stack.push(ch);
    else if (ch === ')' || ch === ']' || ch === '}') {
      if (stack.pop() !== pairs[ch]) return `unbalanced "${ch}"`;
    }
  }
  return stack.length ? `unclosed "${stack[stack.length - 1]}"` : null;
}

/** A histogram's series names map back to the name registered in code. */
export function baseMetricName(name: string): string {
  return name.replace(/_(bucket|count|sum)$/, '');
}

// ---------------------------------------------------------------------------------------------
// .dockerignore
// ---------------------------------------------------------------------------------------------

/** One .dockerignore pattern as a regular expression over a context-relative path (`/` separators). */
function dockerPatternRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i] as string;
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` is zero or more folders; a trailing `**` is anything.
      if (pattern[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${pattern.slice(i + 1, end)}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < pattern.length) {
      i += 1;
      re += (pattern[i] as string).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * Whether Docker leaves a file out of the build context, as .dockerignore says: patterns are
 * relative to the context root (a leading `/` changes nothing, `*.log` is only the root's), `*` and
 * `?` stay within a folder, `**` crosses folders, a pattern that matches a folder leaves out all it
 * holds, `!` takes a path back in, and the last pattern that matches wins.
 */
export function dockerIgnored(dockerignore: string): (file: string) => boolean {
  const rules = dockerignore
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const exclusion = l.startsWith('!');
      const cleaned = path.posix.normalize((exclusion ? l.slice(1) : l).trim()).replace(/^\/+|\/+$/g, '');
      return { exclusion, re: dockerPatternRegExp(cleaned) };
    });
  return (file: string) => {
    const parts = file.split('/');
    // The file itself and each folder it sits in (a, a/b, ...): a match on any of them counts.
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const rule of rules) {
      if (candidates.some((c) => rule.re.test(c))) ignored = !rule.exclusion;
    }
    return ignored;
  };
}

/** The repository's tracked files (what a clean checkout sends as the build context). */
export function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\0')
    .filter(Boolean);
}

// ---------------------------------------------------------------------------------------------
// Source search
// ---------------------------------------------------------------------------------------------

const SOURCE_DIRS = ['subgraphs', 'router', 'scripts', 'schema'];

/** Non-test TypeScript sources of the project (where metrics are registered). */
export function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) && !/\.d\.ts$/.test(entry.name)) {
        out.push(full);
      }
    }
  };
  for (const d of SOURCE_DIRS) walk(rootPath(d));
  return out;
}

/**
 * True when the metric name appears as a quoted string in a non-test source file, which is how
 * prom-client metrics are registered (`new Counter({ name: 'graphql_errors_total', ... })`).
 */
export function metricInCode(name: string, files: string[] = sourceFiles()): boolean {
  const quoted = [`'${name}'`, `"${name}"`, `\`${name}\``];
  return files.some((file) => {
    const text = fs.readFileSync(file, 'utf8');
    return quoted.some((q) => text.includes(q));
  });
}
