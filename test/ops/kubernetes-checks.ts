/**
 * Checks of rendered Kubernetes manifests (deploy/kubernetes): each object against the Kubernetes
 * schemas (kubernetes-models' validators, plus fields the schema does not know, which the API server
 * would drop), and the whole against the code, as test/ops/compose.ops.test.ts does for compose:
 * selectors, ports, probes, environment, migrations, Kong. Every check returns problems as sentences
 * instead of failing at once, so a test can break a copy of the manifests and see the problem named.
 */
import fs from 'node:fs';
import { Namespace, Service, ConfigMap, Secret } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { envVarForSubgraph, gatewaySecretFromEnv, resolveSubgraphUrls } from '../../router/server';
import { jwtSecret, PORTS, redisUrlFromEnv, subgraphDatabaseUrl, type ServiceName } from '../../subgraphs/kit';
import { calleeUrls } from '../../subgraphs/kit/clients';
import { configFromEnv as ecommerceConfig } from '../../subgraphs/ecommerce/config';
import { configFromEnv as reportsConfig } from '../../subgraphs/reports/config';
import { configFromEnv as retailConfig } from '../../subgraphs/retail/config';
import { SUBGRAPH_LIST } from '../../subgraphs/registry';
import { parse as parseYaml } from 'yaml';
import { podSpecOf, type K8sObject } from './kustomize';
import { isObj, loadCompose, loadYaml, readText, rootPath, sourceFiles, type Obj } from './ops-helpers';

/** The image the Dockerfile builds, as the manifests name it before an overlay's `images`. */
export const APP_IMAGE = 'retail-supergraph';
export const SECRET_NAME = 'retail-secrets';

// ---------------------------------------------------------------------------------------------
// Schema validation
// ---------------------------------------------------------------------------------------------

interface Validating {
  prototype: { validate(): void };
  new (data: never): { validate(): void };
}

// The kubernetes-models classes take their own typed data; the manifests are plain parsed YAML.
const MODELS: Record<string, Validating> = {
  'v1/Namespace': Namespace as unknown as Validating,
  'v1/Service': Service as unknown as Validating,
  'v1/ConfigMap': ConfigMap as unknown as Validating,
  'v1/Secret': Secret as unknown as Validating,
  'apps/v1/Deployment': Deployment as unknown as Validating,
  'batch/v1/Job': Job as unknown as Validating,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler as unknown as Validating,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as unknown as Validating,
  'networking.k8s.io/v1/Ingress': Ingress as unknown as Validating,
};

interface Reads {
  keys: string[];
  read: Set<string>;
  /** Iterated as a whole: a map whose keys are data (labels, resources, ConfigMap data). */
  iterated: boolean;
}

/** A view of `value` that records which keys the validator looks at, object by object. */
function tracked(value: unknown, at: string, seen: Map<string, Reads>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const reads: Reads = { keys: Array.isArray(value) ? [] : Object.keys(value), read: new Set(), iterated: false };
  seen.set(at, reads);
  return new Proxy(value, {
    get(target, key) {
      const child: unknown = Reflect.get(target, key);
      if (typeof key !== 'string') return child;
      reads.read.add(key);
      return tracked(child, `${at}/${key}`, seen);
    },
    has(target, key) {
      if (typeof key === 'string') reads.read.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      reads.iterated = true;
      return Reflect.ownKeys(target);
    },
  });
}

/**
 * Schema problems of one object: what kubernetes-models' validator refuses, then every field it never
 * looked at. The generated validators read each property their schema declares and iterate the maps
 * whose keys are free, so a field they never touch is one the schema does not have (a misspelt
 * `readinessprobe` the API server would drop without a word).
 */
export function schemaProblems(o: K8sObject): string[] {
  const where = `${o.kind}/${o.metadata?.name}`;
  const Model = MODELS[`${o.apiVersion}/${o.kind}`];
  if (!Model) return [`${where}: no schema here for ${o.apiVersion} ${o.kind} (add it to MODELS)`];
  try {
    new Model(o as never).validate();
  } catch (err) {
    return [`${where}: ${(err as Error).message}`];
  }
  const seen = new Map<string, Reads>();
  Model.prototype.validate.call(tracked(JSON.parse(JSON.stringify(o)), '', seen));
  const unknown: string[] = [];
  for (const [at, reads] of seen) {
    if (reads.iterated) continue;
    for (const key of reads.keys) if (!reads.read.has(key)) unknown.push(`${at}/${key}`);
  }
  return unknown.map((field) => `${where}: ${field} is not a field of ${o.kind}`);
}

// ---------------------------------------------------------------------------------------------
// What the code, the Dockerfile, compose and Kong say
// ---------------------------------------------------------------------------------------------

export interface Facts {
  /** Paths the kit's HTTP host answers itself (subgraphs/kit/http.ts), every process of the image. */
  servedPaths: string[];
  /** SERVICE values the Dockerfile's CMD starts. */
  dockerServices: string[];
  /** The example Secret's keys and placeholder values. */
  secret: Record<string, string>;
  kongYml: string;
  renderScript: string;
  /** Kong's image in docker-compose.yml. */
  kongImage: string;
  /**
   * What docker-compose.yml sets for each Deployment's counterpart (router-1 for the router,
   * inventory-1 for inventory): each variable's value, and whether it is fixed in the file (not the
   * operator's `${...}` setting).
   */
  composeEnv: Record<string, Record<string, { value: string; fixed: boolean }>>;
  /** Environment names that production code, the Dockerfile or the migration entry read. */
  sourceText: string;
}

/** Deployment name -> its compose service's environment. */
function composeEnvironments(): Facts['composeEnv'] {
  const services = loadCompose().services;
  const counterpart: Record<string, string> = { router: 'router-1', inventory: 'inventory-1' };
  const out: Facts['composeEnv'] = {};
  for (const name of ['kong', 'router', ...SUBGRAPH_LIST.map((e) => e.name)]) {
    const svc = services.get(counterpart[name] ?? name);
    if (!svc) continue;
    const raw = isObj(svc.raw.environment) ? svc.raw.environment : {};
    out[name] = Object.fromEntries(
      Object.entries(svc.env).map(([k, value]) => [k, { value, fixed: !String(raw[k] ?? '').includes('${') }]),
    );
  }
  return out;
}

export function loadFacts(): Facts {
  const http = readText('subgraphs/kit/http.ts');
  const servedPaths = [...http.matchAll(/url\.pathname === '(\/[^']*)'/g)].map((m) => m[1] ?? '');
  const dockerfile = readText('Dockerfile');
  const cmd = dockerfile.split('\n').find((l) => l.startsWith('CMD ')) ?? '';
  const dockerServices = [...cmd.matchAll(/(?:^|[ "(|])([a-z]+(?:\|[a-z]+)*)\)/g)].flatMap((m) =>
    (m[1] ?? '').split('|'),
  );
  const example = loadYaml('deploy/kubernetes/secret.example.yaml');
  const stringData = isObj(example) && isObj(example.stringData) ? example.stringData : {};
  const secret = Object.fromEntries(Object.entries(stringData).map(([k, v]) => [k, String(v)]));
  const kong = loadCompose().services.get('kong');
  return {
    servedPaths,
    dockerServices,
    secret,
    kongYml: readText('kong/kong.yml'),
    renderScript: readText('kong/render-config.sh'),
    kongImage: typeof kong?.raw.image === 'string' ? kong.raw.image : '',
    composeEnv: composeEnvironments(),
    sourceText: [...sourceFiles(), rootPath('Dockerfile')].map((f) => fs.readFileSync(f, 'utf8')).join('\n'),
  };
}

// ---------------------------------------------------------------------------------------------
// Cross-checks
// ---------------------------------------------------------------------------------------------

type Container = Obj & { name: string };

function list(value: unknown): Obj[] {
  return Array.isArray(value) ? value.filter(isObj) : [];
}

function labelsOf(o: K8sObject): Record<string, string> {
  const template = isObj(o.spec) && isObj(o.spec.template) ? o.spec.template : {};
  const meta = isObj(template.metadata) ? template.metadata : {};
  return isObj(meta.labels) ? (meta.labels as Record<string, string>) : {};
}

function containers(o: K8sObject, which: 'containers' | 'initContainers' = 'containers'): Container[] {
  return list(podSpecOf(o)?.[which]) as Container[];
}

function selects(selector: Record<string, unknown>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

function imageName(image: unknown): string {
  const s = String(image ?? '');
  const noDigest = s.split('@')[0] ?? '';
  const colon = noDigest.lastIndexOf(':');
  return colon > noDigest.lastIndexOf('/') ? noDigest.slice(0, colon) : noDigest;
}

/** The container port a Service or probe port (a name or a number) reaches in these containers. */
function containerPort(cs: Container[], port: unknown): number | null {
  for (const c of cs)
    for (const p of list(c.ports)) {
      if (typeof port === 'string' && p.name === port) return Number(p.containerPort);
      if (typeof port === 'number' && p.containerPort === port) return port;
    }
  return null;
}

interface Env {
  values: Record<string, string>;
  /** Secret keys by variable (a subgraph must get only its own database URL). */
  secretKeys: Record<string, string>;
  problems: string[];
}

function resolveEnv(o: K8sObject, c: Container, objects: K8sObject[], facts: Facts): Env {
  const where = `${o.kind}/${o.metadata.name} ${c.name}`;
  const env: Env = { values: {}, secretKeys: {}, problems: [] };
  const configMap = (name: unknown) =>
    objects.find((x) => x.kind === 'ConfigMap' && x.metadata.name === name) as (K8sObject & { data?: Obj }) | undefined;
  const secretValue = (ref: Obj): string | undefined => {
    if (ref.name !== SECRET_NAME) {
      env.problems.push(`${where}: reads the Secret ${String(ref.name)}, not ${SECRET_NAME}`);
      return undefined;
    }
    const value = facts.secret[String(ref.key)];
    if (value === undefined)
      env.problems.push(`${where}: key ${String(ref.key)} is not in deploy/kubernetes/secret.example.yaml`);
    return value;
  };
  for (const from of list(c.envFrom)) {
    if (isObj(from.configMapRef)) {
      const cm = configMap(from.configMapRef.name);
      if (!cm) env.problems.push(`${where}: envFrom ConfigMap ${String(from.configMapRef.name)} does not exist`);
      for (const [k, v] of Object.entries(cm?.data ?? {})) env.values[k] = String(v);
    } else env.problems.push(`${where}: envFrom other than a ConfigMap`);
  }
  for (const e of list(c.env)) {
    const name = String(e.name);
    if (typeof e.value === 'string') env.values[name] = e.value;
    else if (isObj(e.valueFrom) && isObj(e.valueFrom.secretKeyRef)) {
      const value = secretValue(e.valueFrom.secretKeyRef);
      if (value !== undefined) env.values[name] = value;
      env.secretKeys[name] = String(e.valueFrom.secretKeyRef.key);
    } else if (isObj(e.valueFrom) && isObj(e.valueFrom.configMapKeyRef)) {
      const ref = e.valueFrom.configMapKeyRef;
      const value = configMap(ref.name)?.data?.[String(ref.key)];
      if (value === undefined) env.problems.push(`${where}: ${name} from ConfigMap ${String(ref.name)} has no value`);
      else env.values[name] = String(value);
    } else env.problems.push(`${where}: ${name} has no value`);
  }
  return env;
}

/** Runs code that reads process.env with exactly this environment. */
function withEnv<T>(values: Record<string, string>, fn: () => T): T {
  const saved = process.env;
  process.env = { ...values };
  try {
    return fn();
  } finally {
    process.env = saved;
  }
}

function attempt(problems: string[], where: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    problems.push(`${where}: ${(err as Error).message}`);
  }
}

const CONFIGS: Partial<Record<ServiceName, (env: NodeJS.ProcessEnv) => unknown>> = {
  ecommerce: ecommerceConfig,
  retail: retailConfig,
  reports: reportsConfig,
};

/** Placeholders kong/render-config.sh fills from the environment (${NAME}), and env vault references. */
export function kongEnvNames(kongYml: string): string[] {
  const names = new Set<string>();
  const body = kongYml
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('\n');
  for (const m of body.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) names.add(m[1] ?? '');
  for (const m of body.matchAll(/\{vault:\/\/env\/([A-Za-z0-9_-]+)/g))
    names.add((m[1] ?? '').toUpperCase().replace(/-/g, '_'));
  return [...names];
}

/** host:port of every place Kong sends requests: upstream targets, and services not on an upstream. */
export function kongDestinations(kongYml: string): { host: string; port: number }[] {
  const config = loadYamlText(kongYml);
  const upstreams = list(config.upstreams);
  const names = new Set(upstreams.map((u) => String(u.name)));
  const out: { host: string; port: number }[] = [];
  for (const u of upstreams)
    for (const t of list(u.targets)) {
      const [host = '', port = '80'] = String(t.target).split(':');
      out.push({ host, port: Number(port) });
    }
  for (const s of list(config.services))
    if (!names.has(String(s.host))) out.push({ host: String(s.host), port: Number(s.port ?? 80) });
  return out;
}

function loadYamlText(text: string): Obj {
  const value: unknown = parseYaml(text);
  return isObj(value) ? value : {};
}

function listenPort(listen: string | undefined): number | null {
  const m = /:(\d+)/.exec((listen ?? '').split(',')[0]?.trim().split(/\s+/)[0] ?? '');
  return m?.[1] ? Number(m[1]) : null;
}

/**
 * Every way the manifests disagree with each other or with the code. Empty when they agree.
 */
export function crossCheck(objects: K8sObject[], facts: Facts): string[] {
  const problems: string[] = [];
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  const jobs = objects.filter((o) => o.kind === 'Job');
  const services = objects.filter((o) => o.kind === 'Service');
  const byName = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
  const specOf = (o: K8sObject): Obj => (isObj(o.spec) ? o.spec : {});
  const hpaFor = (d: K8sObject) =>
    objects.find(
      (o) =>
        o.kind === 'HorizontalPodAutoscaler' &&
        isObj(specOf(o).scaleTargetRef) &&
        (specOf(o).scaleTargetRef as Obj).kind === 'Deployment' &&
        (specOf(o).scaleTargetRef as Obj).name === d.metadata.name,
    );

  // Namespace: one, and everything namespaced is in it.
  const namespaces = objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
  if (namespaces.length !== 1) problems.push(`expected one Namespace, found ${namespaces.length}`);
  for (const o of objects)
    if (o.kind !== 'Namespace' && o.metadata.namespace !== namespaces[0])
      problems.push(`${o.kind}/${o.metadata.name}: namespace ${String(o.metadata.namespace)}, not ${namespaces[0]}`);

  // No real secret is rendered: the Secret comes from the operator (secret.example.yaml).
  for (const o of objects.filter((x) => x.kind === 'Secret'))
    problems.push(`Secret/${o.metadata.name} is in the manifests: secrets are applied separately`);

  // Workloads: selectors, resources, images, a writable /tmp.
  for (const o of [...deployments, ...jobs]) {
    const where = `${o.kind}/${o.metadata.name}`;
    const labels = labelsOf(o);
    if (o.kind === 'Deployment') {
      const selector = isObj(specOf(o).selector) ? (specOf(o).selector as Obj) : {};
      const match = isObj(selector.matchLabels) ? selector.matchLabels : {};
      if (!selects(match, labels))
        problems.push(`${where}: selector ${JSON.stringify(match)} does not match its pod labels`);
    }
    const pod = podSpecOf(o) ?? {};
    const volumes = list(pod.volumes);
    for (const c of [...containers(o, 'initContainers'), ...containers(o)]) {
      const resources = isObj(c.resources) ? c.resources : {};
      const requests = isObj(resources.requests) ? resources.requests : {};
      const limits = isObj(resources.limits) ? resources.limits : {};
      if (requests.cpu === undefined || requests.memory === undefined || limits.memory === undefined)
        problems.push(`${where} ${c.name}: needs cpu and memory requests and a memory limit`);
      const image = String(c.image ?? '');
      if (!/:[^/]+$|@sha256:/.test(image) || image.endsWith(':latest'))
        problems.push(`${where} ${c.name}: image ${image} is not pinned to a tag`);
      const sc = isObj(c.securityContext) ? c.securityContext : {};
      if (sc.readOnlyRootFilesystem === true && imageName(image).endsWith(APP_IMAGE)) {
        const tmp = list(c.volumeMounts).find((m) => m.mountPath === '/tmp');
        const volume = volumes.find((v) => v.name === tmp?.name);
        if (!volume || !isObj(volume.emptyDir))
          problems.push(`${where} ${c.name}: read-only root without an emptyDir on /tmp (tsx writes its cache there)`);
      }
    }
  }

  // Services select the pods of one Deployment, and their ports reach a container port.
  const podsOf = (selector: Obj) => ({
    deployments: deployments.filter((d) => selects(selector, labelsOf(d))),
    jobs: jobs.filter((j) => selects(selector, labelsOf(j))),
  });
  const serviceTarget = (s: K8sObject) => {
    const selector = isObj(specOf(s).selector) ? (specOf(s).selector as Obj) : {};
    const { deployments: ds } = podsOf(selector);
    return ds.length === 1 ? ds[0] : undefined;
  };
  for (const s of services) {
    const where = `Service/${s.metadata.name}`;
    const selector = isObj(specOf(s).selector) ? (specOf(s).selector as Obj) : {};
    const { deployments: ds, jobs: js } = podsOf(selector);
    if (ds.length !== 1)
      problems.push(
        `${where}: selector ${JSON.stringify(selector)} selects ${ds.length === 0 ? 'no' : ds.length} Deployment's pods`,
      );
    if (js.length) problems.push(`${where}: selector also selects the pods of ${js.map((j) => j.metadata.name)}`);
    for (const d of ds)
      for (const p of list(specOf(s).ports)) {
        const target = p.targetPort ?? p.port;
        if (containerPort(containers(d), target) === null)
          problems.push(
            `${where}: port ${String(p.port)} targets ${String(target)}, which no container of Deployment/${d.metadata.name} has`,
          );
      }
  }

  /** A URL the code will call must reach `deployment`'s pods through a Service, on /graphql. */
  const urlProblem = (where: string, url: string, deployment: string) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      problems.push(`${where}: ${url} is not a URL`);
      return;
    }
    const s = byName('Service', u.hostname);
    if (!s) return problems.push(`${where}: ${url}: no Service ${u.hostname}`);
    if (serviceTarget(s)?.metadata.name !== deployment)
      return problems.push(`${where}: ${url}: Service ${u.hostname} does not select Deployment/${deployment}`);
    if (!list(specOf(s).ports).some((p) => Number(p.port) === Number(u.port || 80)))
      problems.push(`${where}: ${url}: Service ${u.hostname} has no port ${u.port || 80}`);
    if (u.pathname !== '/graphql') problems.push(`${where}: ${url} is not the /graphql endpoint`);
  };

  // PodDisruptionBudgets: select one Deployment and leave a drain room to proceed.
  for (const pdb of objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
    const where = `PodDisruptionBudget/${pdb.metadata.name}`;
    const selector = isObj(specOf(pdb).selector) ? (specOf(pdb).selector as Obj) : {};
    const match = isObj(selector.matchLabels) ? selector.matchLabels : {};
    const { deployments: ds } = podsOf(match);
    if (ds.length !== 1) {
      problems.push(`${where}: selector ${JSON.stringify(match)} selects ${ds.length} Deployments' pods`);
      continue;
    }
    const d = ds[0] as K8sObject;
    const hpa = hpaFor(d);
    const replicas = Number(hpa ? specOf(hpa).minReplicas : (specOf(d).replicas ?? 1));
    const min = specOf(pdb).minAvailable;
    if (min !== undefined && Number(min) >= replicas)
      problems.push(`${where}: minAvailable ${String(min)} of ${replicas} replicas blocks every drain`);
  }

  // Autoscalers: a Deployment that leaves its count to them, with CPU requests to measure against.
  for (const hpa of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
    const where = `HorizontalPodAutoscaler/${hpa.metadata.name}`;
    const ref = isObj(specOf(hpa).scaleTargetRef) ? (specOf(hpa).scaleTargetRef as Obj) : {};
    const d = ref.kind === 'Deployment' ? byName('Deployment', String(ref.name)) : undefined;
    if (!d) {
      problems.push(`${where}: scales ${String(ref.kind)}/${String(ref.name)}, which does not exist`);
      continue;
    }
    if (specOf(d).replicas !== undefined)
      problems.push(`${where}: Deployment/${d.metadata.name} sets replicas, which every apply would reset`);
    if (Number(specOf(hpa).minReplicas ?? 1) < 2) problems.push(`${where}: fewer than 2 replicas at the minimum`);
    if (Number(specOf(hpa).minReplicas ?? 1) > Number(specOf(hpa).maxReplicas))
      problems.push(`${where}: minReplicas above maxReplicas`);
  }

  // Probes reach a container port, on a path the process serves.
  for (const d of deployments) {
    const cs = containers(d);
    for (const c of cs) {
      const app = imageName(c.image).endsWith(APP_IMAGE);
      const served = app ? facts.servedPaths : ['/status', '/status/ready'];
      for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
        const probe = c[kind];
        const where = `Deployment/${d.metadata.name} ${c.name} ${kind}`;
        if (probe === undefined) {
          if (kind !== 'startupProbe') problems.push(`${where}: missing`);
          continue;
        }
        const get = isObj(probe) && isObj(probe.httpGet) ? probe.httpGet : null;
        if (!get) {
          problems.push(`${where}: not an HTTP probe`);
          continue;
        }
        if (containerPort(cs, get.port) === null)
          problems.push(`${where}: port ${String(get.port)} is not a port of the container`);
        if (!served.includes(String(get.path)))
          problems.push(`${where}: ${String(get.path)} is not served (${served.join(', ')})`);
        if (app && kind === 'readinessProbe' && get.path !== '/health/ready')
          problems.push(`${where}: readiness is /health/ready (database reachable, migrations run)`);
        if (app && kind === 'livenessProbe' && get.path !== '/health/live')
          problems.push(`${where}: liveness is /health/live (a database outage must not restart the pod)`);
      }
    }
  }

  // The processes of the image: what they listen on and what the code reads.
  const kong = byName('Deployment', 'kong');
  const kongContainer = kong ? containers(kong)[0] : undefined;
  const kongEnv = kong && kongContainer ? resolveEnv(kong, kongContainer, objects, facts) : undefined;
  const subgraphNames = SUBGRAPH_LIST.map((e) => e.name as string);
  // Names the code builds from a subgraph's name rather than spells out (router/server.ts,
  // kit/clients calleeUrls, kit/env.ts subgraphDatabaseUrl); the checks below read them through it.
  const computedNames = new Set(
    subgraphNames.flatMap((n) => [envVarForSubgraph(n), `${n.toUpperCase()}_DATABASE_URL`]),
  );
  for (const d of deployments) {
    for (const c of containers(d).filter((x) => imageName(x.image).endsWith(APP_IMAGE))) {
      const where = `Deployment/${d.metadata.name} ${c.name}`;
      const env = resolveEnv(d, c, objects, facts);
      problems.push(...env.problems);
      const service = env.values.SERVICE ?? '';
      if (!facts.dockerServices.includes(service)) {
        problems.push(`${where}: SERVICE=${service} is not a process the image's CMD starts`);
        continue;
      }
      const expectedPort = PORTS[service as keyof typeof PORTS];
      const port = containerPort([c], 'http');
      if (port !== expectedPort || Number(env.values.PORT) !== expectedPort)
        problems.push(
          `${where}: listens on PORT ${String(env.values.PORT)}, container port ${String(port)}; the code's port for ${service} is ${expectedPort}`,
        );
      const annotations = templateAnnotations(d);
      if (annotations['prometheus.io/port'] !== undefined && Number(annotations['prometheus.io/port']) !== port)
        problems.push(`${where}: Prometheus scrapes port ${annotations['prometheus.io/port']}, /metrics is on ${port}`);
      for (const [k, v] of Object.entries({ NODE_ENV: 'production', APOLLO_TELEMETRY_DISABLED: '1' }))
        if (env.values[k] !== v) problems.push(`${where}: ${k} must be ${v}`);
      attempt(problems, where, () => withEnv(env.values, () => jwtSecret()));
      if (!redisUrlFromEnv(env.values)) problems.push(`${where}: REDIS_URL is not set`);
      for (const name of Object.keys(env.values))
        if (!computedNames.has(name) && !new RegExp(`\\b${name}\\b`).test(facts.sourceText))
          problems.push(`${where}: ${name} is read by no code (a misspelt setting?)`);

      if (service === 'router') {
        if (env.values.ROUTER_HOST !== '0.0.0.0') problems.push(`${where}: ROUTER_HOST must be 0.0.0.0`);
        for (const name of subgraphNames)
          attempt(problems, where, () => {
            for (const url of resolveSubgraphUrls(name, undefined, undefined, env.values)) urlProblem(where, url, name);
          });
        attempt(problems, where, () => {
          const secret = gatewaySecretFromEnv(env.values);
          if (!secret || secret !== kongEnv?.values.KONG_SHARED_SECRET)
            problems.push(`${where}: KONG_SHARED_SECRET is not the one Kong adds`);
        });
        continue;
      }

      const name = service as ServiceName;
      const entry = SUBGRAPH_LIST.find((e) => e.name === name);
      if (env.values.HOST !== '0.0.0.0')
        problems.push(`${where}: HOST must be 0.0.0.0 (the code's default is loopback)`);
      const dbVar = `${name.toUpperCase()}_DATABASE_URL`;
      attempt(problems, where, () => {
        const url = withEnv(env.values, () => subgraphDatabaseUrl(name));
        if (url !== facts.secret[dbVar]) problems.push(`${where}: its database URL is not ${dbVar} of the Secret`);
      });
      for (const other of Object.keys(env.values).filter((k) => /(^|_)DATABASE_URL$/.test(k) && k !== dbVar))
        problems.push(`${where}: is handed ${other}, another database than its own`);
      for (const callee of entry?.calls ?? [])
        attempt(problems, where, () => {
          for (const url of calleeUrls(callee, env.values)) urlProblem(where, url, callee);
        });
      const config = CONFIGS[name];
      if (config) attempt(problems, `${where} configFromEnv`, () => config(env.values));
      if (name === 'inventory' && env.values.INVENTORY_REPLICAS !== '1')
        problems.push(`${where}: INVENTORY_REPLICAS must be 1: pods are the replicas`);
    }
  }

  // Every variable compose gives a process, its Deployment gives too (demo data aside: none here).
  for (const [name, env] of Object.entries(facts.composeEnv)) {
    const d = byName('Deployment', name);
    const c = d ? containers(d)[0] : undefined;
    if (!d || !c) continue;
    const names = new Set([
      ...list(c.env).map((e) => String(e.name)),
      ...list(c.envFrom).flatMap((from) => {
        const cm = isObj(from.configMapRef) ? byName('ConfigMap', String(from.configMapRef.name)) : undefined;
        return Object.keys(isObj(cm?.data) ? cm.data : {});
      }),
    ]);
    for (const variable of Object.keys(env))
      if (variable !== 'SEED_DEMO' && !names.has(variable))
        problems.push(`Deployment/${name} ${c.name}: compose sets ${variable}, Kubernetes does not`);
  }

  // Migrations: a Job per subgraph, and an init container in its Deployment that waits for it.
  for (const name of subgraphNames) {
    const d = byName('Deployment', name);
    if (!d) {
      problems.push(`no Deployment for the subgraph ${name}`);
      continue;
    }
    const main = containers(d)[0];
    const dbVar = `${name.toUpperCase()}_DATABASE_URL`;
    const run = ['node', '--import', 'tsx', 'subgraphs/migrate.ts', name];
    const job = jobs.find((j) => containers(j).some((c) => JSON.stringify(c.command) === JSON.stringify(run)));
    if (!job) problems.push(`no Job runs ${run.join(' ')}`);
    const waiter = containers(d, 'initContainers').find(
      (c) => JSON.stringify(c.command) === JSON.stringify([...run, '--wait']),
    );
    if (!waiter) problems.push(`Deployment/${name}: no init container waits for its migrations`);
    for (const [o, c] of [
      [job, job ? containers(job)[0] : undefined],
      [d, waiter],
    ] as const) {
      if (!o || !c) continue;
      const env = resolveEnv(o, c, objects, facts);
      problems.push(...env.problems);
      if (c.image !== main?.image)
        problems.push(`${o.kind}/${o.metadata.name} ${c.name}: image ${String(c.image)}, not the subgraph's`);
      if (env.secretKeys[dbVar] !== dbVar)
        problems.push(`${o.kind}/${o.metadata.name} ${c.name}: needs ${dbVar} from the Secret`);
      for (const other of Object.keys(env.values).filter((k) => /DATABASE_URL$/.test(k) && k !== dbVar))
        problems.push(`${o.kind}/${o.metadata.name} ${c.name}: is handed ${other}`);
    }
  }

  // Kong: the same kong.yml and render script as compose, its placeholders set, its upstreams here.
  if (!kong || !kongContainer || !kongEnv) problems.push('no Deployment kong');
  else {
    const where = `Deployment/kong ${kongContainer.name}`;
    problems.push(...kongEnv.problems);
    if (kongContainer.image !== facts.kongImage)
      problems.push(`${where}: image ${String(kongContainer.image)}, compose runs ${facts.kongImage}`);
    for (const [k, v] of Object.entries({ KONG_DATABASE: 'off', KONG_ANONYMOUS_REPORTS: 'off' }))
      if (kongEnv.values[k] !== v) problems.push(`${where}: ${k} must be ${v}`);
    // Kong is configured as in compose: what compose fixes is the same here, except where the admin
    // API listens (compose publishes it on the host's loopback; here it stays inside the pod).
    for (const [k, { value, fixed }] of Object.entries(facts.composeEnv.kong ?? {}))
      if (fixed && k !== 'KONG_ADMIN_LISTEN' && kongEnv.values[k] !== undefined && kongEnv.values[k] !== value)
        problems.push(`${where}: compose sets ${k} to ${value}, Kubernetes to ${kongEnv.values[k]}`);
    // render-config.sh replaces each consumer's development key `dev-<consumer>-key` with
    // KONG_API_KEY_<CONSUMER>; with KONG_DEV_KEYS=refuse a key left out stops Kong at start.
    for (const m of facts.kongYml.matchAll(/^ *- key: dev-([a-z0-9-]*)-key$/gm)) {
      const variable = `KONG_API_KEY_${(m[1] ?? '').toUpperCase().replace(/-/g, '_')}`;
      if (!/^[A-Za-z0-9._~-]{24,}$/.test(kongEnv.values[variable] ?? ''))
        problems.push(`${where}: ${variable} (the ${m[1]} consumer's key) is not set from the Secret`);
    }
    if (kongEnv.values.KONG_DEV_KEYS !== 'refuse')
      problems.push(`${where}: KONG_DEV_KEYS must be refuse: a development key is public`);
    for (const origin of (kongEnv.values.KONG_CORS_ORIGINS ?? '').split(',').filter(Boolean))
      if (!/^https?:\/\/[A-Za-z0-9.-]+(:[0-9]+)?$/.test(origin))
        problems.push(`${where}: KONG_CORS_ORIGINS: ${origin} is not an origin render-config.sh accepts`);
    const template = kongEnv.values.KONG_DECLARATIVE_TEMPLATE ?? '';
    const mount = list(kongContainer.volumeMounts).find((m) => template.startsWith(`${String(m.mountPath)}/`));
    const volume = list(podSpecOf(kong)?.volumes).find((v) => v.name === mount?.name);
    const cm = isObj(volume?.configMap)
      ? (byName('ConfigMap', String(volume.configMap.name)) as (K8sObject & { data?: Obj }) | undefined)
      : undefined;
    if (!cm) problems.push(`${where}: ${template || 'KONG_DECLARATIVE_TEMPLATE'} is not in a mounted ConfigMap`);
    else {
      if (cm.data?.['kong.yml'] !== facts.kongYml) problems.push(`${where}: its kong.yml is not kong/kong.yml`);
      if (cm.data?.['render-config.sh'] !== facts.renderScript)
        problems.push(`${where}: its render-config.sh is not kong/render-config.sh`);
      const script = `${String(mount?.mountPath)}/render-config.sh`;
      if (!JSON.stringify(kongContainer.command ?? []).includes(script))
        problems.push(`${where}: does not start through ${script}`);
    }
    for (const name of kongEnvNames(facts.kongYml))
      if (!kongEnv.values[name]) problems.push(`${where}: kong.yml needs ${name}, which is not set`);
    const shared = kongEnv.values.KONG_SHARED_SECRET ?? '';
    if (!/^[A-Za-z0-9._~-]{24,}$/.test(shared))
      problems.push(`${where}: KONG_SHARED_SECRET would be refused by render-config.sh`);
    const proxy = listenPort(kongEnv.values.KONG_PROXY_LISTEN);
    const status = listenPort(kongEnv.values.KONG_STATUS_LISTEN);
    if (proxy === null || containerPort([kongContainer], 'proxy') !== proxy)
      problems.push(`${where}: the proxy listens on ${String(proxy)}, not its container port "proxy"`);
    if (status === null || containerPort([kongContainer], 'status') !== status)
      problems.push(`${where}: the status API listens on ${String(status)}, not its container port "status"`);
    const admin = kongEnv.values.KONG_ADMIN_LISTEN ?? '';
    if (admin !== 'off' && !admin.startsWith('127.0.0.1:'))
      problems.push(`${where}: the admin API (which replaces the whole configuration) must stay on loopback`);
    for (const probe of ['readinessProbe', 'livenessProbe'])
      if (isObj(kongContainer[probe]) && containerPort([kongContainer], 'status') !== status)
        problems.push(`${where}: ${probe} is not on the status listener`);
    const router = byName('Deployment', 'router');
    for (const { host, port } of kongDestinations(facts.kongYml)) {
      const s = byName('Service', host);
      if (!s) problems.push(`kong/kong.yml sends to ${host}:${port}: no Service ${host}`);
      else if (serviceTarget(s) !== router)
        problems.push(`kong/kong.yml sends to ${host}:${port}: Service ${host} does not select the router`);
      else if (!list(specOf(s).ports).some((p) => Number(p.port) === port))
        problems.push(`kong/kong.yml sends to ${host}:${port}: Service ${host} has no port ${port}`);
    }
  }

  // Ingress backends are Services, on ports they have.
  for (const ing of objects.filter((o) => o.kind === 'Ingress'))
    for (const rule of list(specOf(ing).rules))
      for (const p of list(isObj(rule.http) ? rule.http.paths : [])) {
        const backend = isObj(p.backend) && isObj(p.backend.service) ? p.backend.service : {};
        const s = byName('Service', String(backend.name));
        const port = isObj(backend.port) ? (backend.port.name ?? backend.port.number) : undefined;
        if (!s) problems.push(`Ingress/${ing.metadata.name}: no Service ${String(backend.name)}`);
        else if (!list(specOf(s).ports).some((sp) => sp.name === port || sp.port === port))
          problems.push(`Ingress/${ing.metadata.name}: Service ${String(backend.name)} has no port ${String(port)}`);
      }

  return problems;
}

function templateAnnotations(o: K8sObject): Record<string, string> {
  const template = isObj(o.spec) && isObj(o.spec.template) ? o.spec.template : {};
  const meta = isObj(template.metadata) ? template.metadata : {};
  return isObj(meta.annotations) ? (meta.annotations as Record<string, string>) : {};
}
