/**
 * The local topology and how to run it: the router and every subgraph of subgraphs/registry.ts,
 * on which ports, from which entry files, in which order. Shared by `npm start` (scripts/start.ts),
 * `npm run bench` (loadtests/bench.ts) and the start-up test, so there is one list of services.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { jwtSecret } from '../subgraphs/kit/auth';
import { REDIS_INSTALL_HINT, redisServerInstalled, startLocalRedis } from './redis-server';
import { databaseUrl, ensureDatabase } from '../subgraphs/kit/db';
import { PORTS, type ServiceName } from '../subgraphs/kit/env';
import { SUBGRAPH_LIST } from '../subgraphs/registry';

export const ROOT = path.resolve(__dirname, '..');

export interface ServiceSpec {
  name: ServiceName | 'router';
  /** Port relative to the base port (the router's): products +1, inventory +2, ... */
  portOffset: number;
  /** Entry file relative to the repository root. */
  entry: string;
  /** Env variable through which the router (and the subgraphs that call this one) learn its URL. */
  urlEnv?: string;
  /** Subgraphs this one calls directly: `npm start` has them ready before it starts this one. */
  calls: readonly ServiceName[];
  /** Cluster workers of the process (told through <NAME>_REPLICAS). */
  replicas: number;
}

/** Every registered subgraph (subgraphs/registry.ts), in the registry's order. */
export const SUBGRAPHS: readonly ServiceSpec[] = SUBGRAPH_LIST.map((e) => ({
  name: e.name,
  portOffset: e.port - PORTS.router,
  entry: e.entry,
  urlEnv: `${e.name.toUpperCase()}_URL`,
  calls: e.calls,
  replicas: e.replicas,
}));

const ROUTER: ServiceSpec = { name: 'router', portOffset: 0, entry: 'router/index.ts', calls: [], replicas: 1 };

const DEFAULT_BASE_PORT = PORTS.router;
const DEFAULT_EMBEDDED_PG_PORT = 5433;
/**
 * The JWT secret every process of a local stack shares: JWT_SECRET, else the kit's development
 * secret (the one `npm run token` signs with too). Undefined under NODE_ENV=production without
 * JWT_SECRET, so that each service refuses to start with its own clear error.
 */
function stackJwtSecret(): string | undefined {
  try {
    return jwtSecret();
  } catch {
    return undefined;
  }
}

/**
 * Start waves: each wave holds the subgraphs whose callees (among `subgraphs`) are all in earlier
 * waves, so a saga caller never starts against a subgraph that is not serving yet, while
 * independent subgraphs still start side by side. The test stack uses the same order.
 */
export function startWaves<T extends { name: string; calls: readonly string[] }>(subgraphs: readonly T[]): T[][] {
  const present = new Set(subgraphs.map((s) => s.name));
  const started = new Set<string>();
  const waves: T[][] = [];
  let left = [...subgraphs];
  while (left.length > 0) {
    const wave = left.filter((s) => s.calls.every((c) => started.has(c) || !present.has(c)));
    if (wave.length === 0) {
      throw new Error(`subgraphs call each other in a cycle: ${left.map((s) => s.name).join(', ')}`);
    }
    for (const s of wave) started.add(s.name);
    waves.push(wave);
    left = left.filter((s) => !started.has(s.name));
  }
  return waves;
}

function serviceUrl(basePort: number, spec: ServiceSpec, host = '127.0.0.1'): string {
  return `http://${host}:${basePort + spec.portOffset}/graphql`;
}

// ---------------------------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------------------------

export type LineSink = (service: string, stream: 'stdout' | 'stderr', line: string) => void;

const COLORS = [36, 33, 35, 32, 34, 31, 96, 93];
const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/**
 * Prefixes each line with the service name. pino JSON lines are shown compactly
 * (time, level, message, other fields); LOG_FORMAT=json passes them through untouched.
 */
export function prefixedSink(
  out: NodeJS.WritableStream = process.stdout,
  raw = process.env.LOG_FORMAT === 'json',
): LineSink {
  const color = new Map<string, number>();
  const tty = (out as { isTTY?: boolean }).isTTY === true && !process.env.NO_COLOR;
  const width = 9;
  return (service, _stream, line) => {
    if (!color.has(service)) color.set(service, COLORS[color.size % COLORS.length] ?? 37);
    const label = service.padEnd(width);
    const prefix = tty ? `\x1b[${color.get(service)}m${label}|\x1b[0m ` : `${label}| `;
    const text = raw ? line : formatLogLine(line);
    // A multi-line message (stack trace, gateway banner) keeps the prefix on every line.
    out.write(
      text
        .split('\n')
        .map((l) => prefix + l)
        .join('\n') + '\n',
    );
  };
}

function formatLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const rec = JSON.parse(line) as Record<string, unknown>;
    if (typeof rec.msg !== 'string' && typeof rec.level !== 'number') return line;
    const { time, level, msg, service: _s, pid: _p, hostname: _h, ...rest } = rec;
    const t = typeof time === 'string' ? time.slice(11, 19) : '';
    const lvl = typeof level === 'number' ? (LEVELS[level] ?? String(level)) : '';
    const extra = Object.keys(rest).length ? ' ' + JSON.stringify(rest) : '';
    return `${t} ${lvl} ${String(msg ?? '')}${extra}`;
  } catch {
    return line;
  }
}

export const quietSink: LineSink = () => undefined;

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited: () => boolean;
  /** Last lines the process wrote on stderr (falls back to stdout when stderr was silent). */
  tail: () => string;
  /** SIGTERM to the process, then to its process group, SIGKILL after `graceMs`. */
  stop: (graceMs?: number) => Promise<void>;
}

const TAIL_LINES = 40;

/** Whether a process (pid) or a whole process group (-pgid) still runs; a zombie counts as gone. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (pid < 0) return true;
  try {
    // A zombie has exited; only its parent has not reaped it yet.
    return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    // Without /proc (macOS) the signal test is all there is; or it was reaped a moment ago.
    return !fs.existsSync('/proc/self');
  }
}

function groupAlive(pgid: number): boolean {
  return processAlive(-pgid);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A timeout for Promise.race that does not keep the process alive once the race is decided. */
function timeout(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Spawns a process in its own process group (detached), so that a Ctrl-C in the terminal reaches
 * only the supervisor, which then stops the services in order (router, subgraphs, PostgreSQL).
 * Its group also holds its own children (inventory's cluster workers, PostgreSQL's backends), so
 * nothing it started outlives it.
 */
export function spawnService(
  name: string,
  command: string,
  args: string[],
  opts: { env: NodeJS.ProcessEnv; cwd?: string; sink: LineSink; ipc?: boolean },
): ManagedProcess {
  const child = spawn(command, args, {
    cwd: opts.cwd ?? ROOT,
    // Nothing a started process runs may send traffic off the machine unless the operator opted in
    // (router/gateway.ts applies the same default before constructing a gateway).
    env: { APOLLO_TELEMETRY_DISABLED: '1', ...opts.env },
    detached: true,
    stdio: opts.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not spawn ${name} (${command})`);
  const pid = child.pid;
  liveGroups.add(pid);
  const stderrTail: string[] = [];
  const stdoutTail: string[] = [];
  const keep = (buf: string[], line: string) => {
    buf.push(line);
    if (buf.length > TAIL_LINES) buf.shift();
  };
  // stdout and stderr are read to their end before `exited` resolves, so the tail is complete.
  const streamsDone = (['stdout', 'stderr'] as const).map(
    (stream) =>
      new Promise<void>((resolve) => {
        const source = child[stream];
        if (!source) return resolve();
        const rl = readline.createInterface({ input: source, crlfDelay: Infinity });
        rl.on('line', (line) => {
          keep(stream === 'stderr' ? stderrTail : stdoutTail, line);
          opts.sink(name, stream, line);
        });
        rl.on('close', () => resolve());
      }),
  );
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exitedRaw = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
    child.once('error', (err) => {
      keep(stderrTail, String(err));
      exitInfo = { code: 127, signal: null };
      resolve(exitInfo);
    });
  });
  const exited = exitedRaw.then(async (info) => {
    // A grandchild may still hold the pipes open; do not wait for it forever.
    await Promise.race([Promise.all(streamsDone), timeout(1000)]);
    return info;
  });

  let stopping: Promise<void> | null = null;
  const stop = (graceMs = 15_000): Promise<void> => {
    stopping ??= (async () => {
      if (!exitInfo) {
        try {
          child.kill('SIGTERM');
        } catch {
          /* already gone */
        }
        const timedOut = await Promise.race([exitedRaw.then(() => false), timeout(graceMs).then(() => true)]);
        if (timedOut) {
          opts.sink(name, 'stderr', `did not stop within ${graceMs} ms: killing it`);
          killGroup(pid, 'SIGKILL');
          await Promise.race([exitedRaw, timeout(2000)]);
        }
      }
      // Anything it left behind in its group (e.g. a cluster worker): ask, then insist.
      if (groupAlive(pid)) {
        killGroup(pid, 'SIGTERM');
        for (let i = 0; i < 50 && groupAlive(pid); i++) await delay(100);
        if (groupAlive(pid)) killGroup(pid, 'SIGKILL');
      }
      liveGroups.delete(pid);
      await exited;
    })();
    return stopping;
  };

  return {
    name,
    child,
    pid,
    exited,
    hasExited: () => exitInfo !== null,
    tail: () => (stderrTail.length ? stderrTail : stdoutTail).join('\n'),
    stop,
  };
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* group already empty */
  }
}

/** Process groups still running; killed synchronously if the supervisor exits abruptly. */
const liveGroups = new Set<number>();
process.once('exit', () => {
  for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
});

// ---------------------------------------------------------------------------------------------
// Waiting
// ---------------------------------------------------------------------------------------------

export class StartupError extends Error {
  constructor(
    message: string,
    readonly service: string,
    readonly tail: string,
  ) {
    super(message);
  }
}

/** Polls `url` until it answers 200; fails as soon as `proc` exits, or after `timeoutMs`. */
async function waitForHttpOk(
  url: string,
  proc: ManagedProcess | null,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (signal?.aborted) throw new AbortedError('start-up aborted');
    if (proc?.hasExited()) {
      const info = await proc.exited;
      throw new StartupError(
        `${proc.name} exited during start-up (${info.signal ?? `code ${info.code}`})`,
        proc.name,
        proc.tail(),
      );
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await delay(250);
  }
  const name = proc?.name ?? url;
  throw new StartupError(`${name} not ready after ${timeoutMs} ms (${url}: ${last})`, name, proc?.tail() ?? '');
}

export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

// ---------------------------------------------------------------------------------------------
// The whole stack
// ---------------------------------------------------------------------------------------------

export interface StackOptions {
  /** PostgreSQL server URL (any database name); unset: embedded PostgreSQL in `embeddedDir`. */
  databaseUrl?: string;
  embeddedDir?: string;
  embeddedPort?: number;
  /** Prefix of every subgraph's database name, e.g. "bench_" -> bench_products. */
  dbPrefix?: string;
  /** The router's port; subgraphs use base+1.. (the default PORTS of subgraphs/kit/env.ts when 4000). */
  basePort?: number;
  seed?: boolean;
  jwtSecret?: string;
  /** Where child output lines go. */
  sink?: LineSink;
  /** Progress messages of the supervisor itself. */
  say?: (message: string) => void;
  startTimeoutMs?: number;
  /** Aborting stops whatever has started and rejects with an AbortedError. */
  signal?: AbortSignal;
  /** Redis URL (REDIS_URL); unset: a local redis-server on a free port, when one is installed. */
  redisUrl?: string;
}

export class AbortedError extends Error {}

export interface RunningStack {
  routerUrl: string;
  /** Subgraph name -> its /graphql URL. */
  subgraphUrls: Record<string, string>;
  databaseServerUrl: string;
  databaseNames: Record<string, string>;
  redisUrl: string;
  embedded: boolean;
  processes: ManagedProcess[];
  /** Resolves with the first service to exit on its own after start-up. */
  crashed: Promise<{ name: string; code: number | null; signal: NodeJS.Signals | null; tail: string }>;
  /** Router, then subgraphs, then PostgreSQL. Idempotent. */
  stop: () => Promise<void>;
}

function envNumber(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`not a port number: ${value}`);
  return n;
}

/** Reads StackOptions from the environment (DATABASE_URL, DB_PREFIX, BASE_PORT, EMBEDDED_PG_*, SEED_DEMO...). */
export function stackOptionsFromEnv(env = process.env): StackOptions {
  const prefix = env.DB_PREFIX ?? '';
  if (!/^[a-z0-9_]*$/.test(prefix)) throw new Error(`DB_PREFIX may hold only a-z, 0-9 and _: ${prefix}`);
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    embeddedDir: env.EMBEDDED_PG_DIR || path.join(ROOT, '.data', 'pg'),
    embeddedPort: envNumber(env.EMBEDDED_PG_PORT, DEFAULT_EMBEDDED_PG_PORT),
    dbPrefix: prefix,
    basePort: envNumber(env.BASE_PORT, DEFAULT_BASE_PORT),
    seed: env.SEED_DEMO !== '0',
    jwtSecret: env === process.env ? stackJwtSecret() : env.JWT_SECRET,
    startTimeoutMs: envNumber(env.START_TIMEOUT_MS, 180_000),
  };
}

const TSX_ARGS = ['--import', 'tsx'];

/**
 * Embedded PostgreSQL in a child process of its own (scripts/embedded-pg-child.ts: see there why).
 * Resolves with the server URL once it accepts connections; `proc.stop()` shuts it down.
 */
export async function startEmbeddedChild(
  dir: string,
  port: number,
  sink: LineSink,
  timeoutMs = 120_000,
  options: { ephemeral?: boolean } = {},
): Promise<{ proc: ManagedProcess; url: string }> {
  if (!(await isPortFree(port))) {
    throw new StartupError(
      `port ${port} is taken: embedded PostgreSQL cannot start (set EMBEDDED_PG_PORT, or DATABASE_URL to use a running server)`,
      'postgres',
      '',
    );
  }
  const proc = spawnService('postgres', process.execPath, [...TSX_ARGS, 'scripts/embedded-pg-child.ts'], {
    env: {
      ...process.env,
      EMBEDDED_PG_DIR: dir,
      EMBEDDED_PG_PORT: String(port),
      EMBEDDED_PG_EPHEMERAL: options.ephemeral ? '1' : '0',
    },
    sink,
    ipc: true,
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new StartupError(`embedded PostgreSQL not ready after ${timeoutMs} ms`, 'postgres', proc.tail())),
      timeoutMs,
    );
    proc.child.on('message', (msg: { ready?: string }) => {
      if (msg.ready) {
        clearTimeout(timer);
        resolve(msg.ready);
      }
    });
    void proc.exited.then((info) => {
      clearTimeout(timer);
      reject(
        new StartupError(
          `embedded PostgreSQL exited during start-up (${info.signal ?? `code ${info.code}`})`,
          'postgres',
          proc.tail(),
        ),
      );
    });
  });
  return { proc, url };
}

/**
 * Starts PostgreSQL (unless given), the databases, every registered subgraph (in start waves: see
 * startWaves) and the router, waiting for each /health/ready. On any start-up failure everything
 * already started is stopped and a StartupError names the service and carries its stderr tail.
 */
export async function startStack(options: StackOptions = {}): Promise<RunningStack> {
  const opts = { ...stackOptionsFromEnv(), ...options };
  const sink = opts.sink ?? prefixedSink();
  const say = opts.say ?? ((m: string) => sink('start', 'stdout', m));
  const basePort = opts.basePort ?? DEFAULT_BASE_PORT;
  const timeoutMs = opts.startTimeoutMs ?? 180_000;
  const subgraphs = SUBGRAPHS;

  let pg: ManagedProcess | null = null;
  let localRedis: { stop: () => Promise<void> } | null = null;
  const services: ManagedProcess[] = [];
  let routerProc: ManagedProcess | null = null;
  let stopped: Promise<void> | null = null;
  let starting = true;

  const stop = () => {
    stopped ??= (async () => {
      if (routerProc) await routerProc.stop();
      await Promise.all(services.map((p) => p.stop()));
      if (localRedis) await localRedis.stop();
      if (pg) await pg.stop(30_000);
    })();
    return stopped;
  };

  try {
    for (const spec of [ROUTER, ...subgraphs]) {
      const port = basePort + spec.portOffset;
      if (!(await isPortFree(port))) {
        throw new StartupError(
          `port ${port} is already in use: is a stack already running? (set BASE_PORT to move this one)`,
          'start',
          '',
        );
      }
    }

    const checkAborted = () => {
      if (opts.signal?.aborted) throw new AbortedError('start-up aborted');
    };
    let serverUrl: string;
    if (opts.databaseUrl) {
      serverUrl = opts.databaseUrl;
      say(`PostgreSQL: ${redactUrl(serverUrl)} (DATABASE_URL)`);
    } else {
      const dir = opts.embeddedDir ?? path.join(ROOT, '.data', 'pg');
      say(
        `PostgreSQL: starting embedded server on port ${opts.embeddedPort}, data in ${path.relative(ROOT, dir) || dir}`,
      );
      const started = await startEmbeddedChild(dir, opts.embeddedPort ?? DEFAULT_EMBEDDED_PG_PORT, sink, timeoutMs);
      pg = started.proc;
      serverUrl = started.url;
    }
    checkAborted();

    let redisUrl: string;
    if (opts.redisUrl) {
      redisUrl = opts.redisUrl;
      say(`Redis: ${redactUrl(redisUrl)} (REDIS_URL)`);
    } else {
      if (!redisServerInstalled()) throw new StartupError(REDIS_INSTALL_HINT, 'start', '');
      let port = 6380;
      while (!(await isPortFree(port))) port++;
      // Persisted beside the embedded PostgreSQL's data (one directory per DB_PREFIX, like the databases).
      const dir = path.join(
        path.dirname(opts.embeddedDir ?? path.join(ROOT, '.data', 'pg')),
        opts.dbPrefix ? `redis-${opts.dbPrefix}` : 'redis',
      );
      const started = await startLocalRedis(port, 10_000, { dir });
      localRedis = started;
      redisUrl = started.url;
      say(
        `Redis: started a local redis-server on port ${port}, data in ${path.relative(ROOT, dir) || dir} (set REDIS_URL to use another)`,
      );
    }
    checkAborted();

    const databaseNames: Record<string, string> = {};
    for (const s of subgraphs) {
      const db = `${opts.dbPrefix ?? ''}${s.name}`;
      await ensureDatabase(serverUrl, db);
      databaseNames[s.name] = db;
    }
    checkAborted();

    // Every process learns every subgraph's URL up front: the ports are fixed, so a caller is told
    // where its callees will be even before they are up (the waves make sure they are by then).
    const subgraphUrls: Record<string, string> = {};
    for (const s of subgraphs) subgraphUrls[s.name] = serviceUrl(basePort, s);
    const common: NodeJS.ProcessEnv = {
      ...process.env,
      ...(opts.jwtSecret ? { JWT_SECRET: opts.jwtSecret } : {}),
      REDIS_URL: redisUrl,
      ...Object.fromEntries(subgraphs.map((s) => [s.urlEnv ?? `${s.name.toUpperCase()}_URL`, subgraphUrls[s.name]])),
    };
    // The supervisor's own DATABASE_URL names a server; each child gets only its own database.
    delete common.DATABASE_URL;

    for (const wave of startWaves(subgraphs)) {
      const procs = wave.map((s) => {
        const replicasVar = `${s.name.toUpperCase()}_REPLICAS`;
        const env: NodeJS.ProcessEnv = {
          ...common,
          PORT: String(basePort + s.portOffset),
          [`${s.name.toUpperCase()}_DATABASE_URL`]: databaseUrl(serverUrl, databaseNames[s.name] ?? s.name),
          SEED_DEMO: opts.seed === false ? '0' : '1',
          ...(s.replicas > 1 && !common[replicasVar] ? { [replicasVar]: String(s.replicas) } : {}),
        };
        const proc = spawnService(s.name, process.execPath, [...TSX_ARGS, s.entry], { env, sink });
        services.push(proc);
        return proc;
      });
      say(`starting ${wave.map((s) => `${s.name} :${basePort + s.portOffset}`).join(', ')}`);
      // Each migrates and seeds its own database, so a wave starts together and is ready in any order.
      await Promise.all(
        procs.map((p, i) => waitForHttpOk(healthUrl(basePort, wave[i] as ServiceSpec), p, timeoutMs, opts.signal)),
      );
    }

    routerProc = spawnService('router', process.execPath, [...TSX_ARGS, ROUTER.entry], {
      env: { ...common, PORT: String(basePort + ROUTER.portOffset) },
      sink,
    });
    await waitForHttpOk(healthUrl(basePort, ROUTER), routerProc, timeoutMs, opts.signal);
    checkAborted();
    starting = false;

    const all = [...(pg ? [pg] : []), ...services, routerProc];
    const crashed = new Promise<{ name: string; code: number | null; signal: NodeJS.Signals | null; tail: string }>(
      (resolve) => {
        for (const p of all) {
          void p.exited.then((info) => {
            if (!stopped && !starting) resolve({ name: p.name, ...info, tail: p.tail() });
          });
        }
      },
    );

    return {
      routerUrl: serviceUrl(basePort, ROUTER),
      subgraphUrls,
      databaseServerUrl: serverUrl,
      databaseNames,
      redisUrl,
      embedded: pg !== null,
      processes: all,
      crashed,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function healthUrl(basePort: number, spec: ServiceSpec): string {
  return `http://127.0.0.1:${basePort + spec.portOffset}/health/ready`;
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
