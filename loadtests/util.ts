/** Small helpers of the bench (loadtests/bench.ts and its scenarios). */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { Client } from 'pg';

export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${raw}`);
  return n;
}

export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Nearest-rank percentile of an ascending array (0 when empty). */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

export interface GqlResponse {
  status: number;
  // A GraphQL response body: shape depends on the query; callers narrow it.
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
}

export async function gql(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<GqlResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as GqlResponse['body'] };
  } catch {
    return { status: res.status, body: { errors: [{ message: `non-JSON response: ${text.slice(0, 200)}` }] } };
  }
}

let ticksPerSecond: number | null = null;

function clockTicks(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * Which processes of a tree count. Without one, a root and all its descendants count, with the
 * children they reaped (cutime/cstime). With `keep`, only the root's own time and the descendants
 * `keep` accepts (and theirs): e.g. a PostgreSQL server shared with other work, where only the
 * backends of our databases and the server's own processes belong to the measurement.
 */
export interface CpuScope {
  keep: (pid: number) => boolean;
}

/**
 * CPU time (ms, user + system) used so far by each named process together with all its descendants
 * (inventory's workers, PostgreSQL's backends), read from /proc in one pass. Children that exited
 * are still counted, through their parent's cutime/cstime (not for a root with a scope: see CpuScope).
 */
export function cpuSnapshot(
  roots: Record<string, number>,
  scopes: Record<string, CpuScope> = {},
): Record<string, number> {
  const children = new Map<number, number[]>();
  const ticks = new Map<number, { own: number; reaped: number }>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // After "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(entry);
    const ppid = Number(f[1]);
    ticks.set(pid, { own: Number(f[11]) + Number(f[12]), reaped: Number(f[13]) + Number(f[14]) });
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const out: Record<string, number> = {};
  for (const [name, root] of Object.entries(roots)) {
    const scope = scopes[name];
    let total = 0;
    const queue = [root];
    while (queue.length) {
      const pid = queue.pop() as number;
      if (scope && pid !== root && !scope.keep(pid)) continue;
      const t = ticks.get(pid);
      if (t) total += t.own + (scope && pid === root ? 0 : t.reaped);
      queue.push(...(children.get(pid) ?? []));
    }
    out[name] = (total * 1000) / clockTicks();
  }
  return out;
}

/**
 * A PostgreSQL server's processes that belong to a measurement of `databases`: its own background
 * processes (checkpointer, WAL writer, autovacuum...) and the backends connected to those databases;
 * not the backends of other databases (other work on a shared server).
 */
export function postgresScope(databases: readonly string[]): CpuScope {
  const ours = new Set(databases);
  return {
    keep: (pid) => {
      let cmdline: string;
      try {
        cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      } catch {
        return false;
      }
      // A backend: "postgres: [cluster: ]user database host(port) state" (or [local]).
      const backend = /^postgres: (?:\S+: )?\S+ (\S+) (?:\S+\(\d+\)|\[local\])/.exec(cmdline);
      return backend ? ours.has(backend[1] as string) : true;
    },
  };
}

/** Runs `worker` over `items` with at most `concurrency` at a time. */
export async function pool<T, R>(
  items: T[],
  concurrency: number,
  worker: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      results[i] = await worker(items[i] as T, i);
    }
  });
  await Promise.all(runners);
  return results;
}

/**
 * The pid of the process listening on a local TCP port, from /proc/net/tcp{,6} and the processes'
 * socket fds; null when not found (or not visible to this user). Lets the bench attribute CPU time
 * to the processes of a stack it did not start.
 */
export function pidListeningOn(port: number): number | null {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // sl local_address rem_address st ... inode (10th column); st 0A = LISTEN
      if (f.length < 10 || f[3] !== '0A') continue;
      const localPort = parseInt((f[1] ?? '').split(':')[1] ?? '', 16);
      if (localPort === port && f[9]) inodes.add(f[9]);
    }
  }
  if (inodes.size === 0) return null;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = fs.readlinkSync(`/proc/${entry}/fd/${fd}`);
        const m = /^socket:\[(\d+)\]$/.exec(target);
        if (m && inodes.has(m[1] as string)) return Number(entry);
      } catch {
        /* fd closed meanwhile */
      }
    }
  }
  return null;
}

/** Sum of one metric's samples (optionally only those whose labels contain `labelPart`) in a /metrics text. */
export function metricSum(text: string, name: string, labelPart = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    if (labelPart && !line.includes(labelPart)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}

/** The /metrics text of the process serving `graphqlUrl` (its port + `portOffset`: a cluster's primary); '' when it does not answer. */
export async function metricsText(graphqlUrl: string, portOffset = 0): Promise<string> {
  const u = new URL(graphqlUrl);
  if (portOffset) u.port = String(Number(u.port) + portOffset);
  u.pathname = '/metrics';
  try {
    const res = await fetch(u, { signal: AbortSignal.timeout(5000) });
    return res.ok ? await res.text() : '';
  } catch {
    return '';
  }
}

/** fn with a connection of its own to the database at `url`, closed after. */
export async function withDb<T>(url: string, fn: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}
