/**
 * deploy/kubernetes (ADR 0026): the kustomize base and the production overlay render, every object
 * validates against the Kubernetes schemas, and the manifests agree with each other and with the code
 * (selectors, ports, probes, environment, migrations, Kong), as compose.ops.test.ts checks compose.
 * No cluster is needed: the manifests are rendered here (test/ops/kustomize.ts), and compared with
 * `kubectl kustomize` where kubectl is installed.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trustedDocumentsModeFromEnv } from '../../router/edge';
import { SUBGRAPH_LIST } from '../../subgraphs/registry';
import { configMapHash, kustomizeBuild, objectKey, parseManifests, podSpecOf, type K8sObject } from './kustomize';
import { crossCheck, loadFacts, schemaProblems, SECRET_NAME, type Facts } from './kubernetes-checks';
import { dockerIgnored, isObj, loadYaml, readText, rootPath, type Obj } from './ops-helpers';

const DIRS = {
  base: 'deploy/kubernetes/base',
  production: 'deploy/kubernetes/overlays/production',
} as const;
type Variant = keyof typeof DIRS;
const VARIANTS = Object.keys(DIRS) as Variant[];

const facts = loadFacts();
const rendered: Record<Variant, K8sObject[]> = {
  base: kustomizeBuild(rootPath(DIRS.base)),
  production: kustomizeBuild(rootPath(DIRS.production)),
};

const copy = (objects: K8sObject[]): K8sObject[] => JSON.parse(JSON.stringify(objects)) as K8sObject[];
const find = (objects: K8sObject[], kind: string, name: string): K8sObject => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name}`);
  return found;
};
const spec = (o: K8sObject): Obj => o.spec as Obj;
const pod = (o: K8sObject): Obj => podSpecOf(o) as Obj;
const container = (o: K8sObject, index = 0): Obj => (pod(o).containers as Obj[])[index] as Obj;
const templateLabels = (o: K8sObject): Record<string, string> =>
  ((spec(o).template as Obj).metadata as Obj).labels as Record<string, string>;

function kubectl(): string | null {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return 'kubectl';
  } catch {
    return null;
  }
}
const KUBECTL = kubectl();

describe('rendering the kustomizations', () => {
  (KUBECTL ? test : test.skip).each(VARIANTS)(
    '%s: this renderer gives exactly what `kubectl kustomize` gives',
    (variant) => {
      const theirs = parseManifests(
        execFileSync(KUBECTL ?? 'kubectl', ['kustomize', rootPath(DIRS[variant])], { encoding: 'utf8' }),
      );
      const byKey = (objects: K8sObject[]) => new Map(objects.map((o) => [objectKey(o), o]));
      const mine = byKey(copy(rendered[variant]));
      expect([...mine.keys()].sort()).toEqual([...byKey(theirs).keys()].sort());
      for (const o of theirs) expect(mine.get(objectKey(o))).toEqual(o);
    },
  );
  if (!KUBECTL) test('kubectl is not installed: the comparison with `kubectl kustomize` is skipped', () => {});

  test("the ConfigMap name suffix is kustomize's content hash", () => {
    // Printed by `kubectl kustomize` (kustomize v5.5.0) for `literals: [X=1]` and for a value with < > &.
    expect(configMapHash({ X: '1' })).toBe('4f64tg9ch6');
    const config = find(rendered.base, 'ConfigMap', 'kong-config-' + configMapHash(kongConfigData()));
    expect(config.metadata.name).toMatch(/^kong-config-[a-z0-9]{10}$/);
  });

  test("kustomize's load restrictor: a file outside the kustomization's folder is refused", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kustomize-'));
    try {
      fs.mkdirSync(path.join(dir, 'k'));
      fs.writeFileSync(path.join(dir, 'outside.yml'), 'a: 1\n');
      fs.writeFileSync(
        path.join(dir, 'k', 'kustomization.yaml'),
        'configMapGenerator:\n  - name: c\n    files: [../outside.yml]\n',
      );
      expect(() => kustomizeBuild(path.join(dir, 'k'))).toThrow(/load restrictor/);
      if (KUBECTL)
        expect(() =>
          execFileSync(KUBECTL, ['kustomize', path.join(dir, 'k')], { stdio: 'pipe', encoding: 'utf8' }),
        ).toThrow(/not in or below/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('Kong gets kong/kong.yml through kong/kustomization.yaml, inside that folder', () => {
    const kustomization = loadYaml('kong/kustomization.yaml') as Obj;
    const generators = kustomization.configMapGenerator as Obj[];
    expect(generators).toEqual([{ name: 'kong-config', files: ['kong.yml', 'render-config.sh'] }]);
    expect((loadYaml(`${DIRS.base}/kustomization.yaml`) as Obj).resources).toContain('../../../kong');
  });
});

function kongConfigData(): Record<string, string> {
  return { 'kong.yml': readText('kong/kong.yml'), 'render-config.sh': readText('kong/render-config.sh') };
}

describe.each(VARIANTS)('%s: every object against the Kubernetes schemas', (variant) => {
  test('kubernetes-models validates each, and no field is one the schema lacks', () => {
    expect(rendered[variant].flatMap(schemaProblems)).toEqual([]);
  });

  test('holds the whole topology', () => {
    const names = (kind: string) =>
      rendered[variant]
        .filter((o) => o.kind === kind)
        .map((o) => o.metadata.name)
        .sort();
    const subgraphs = SUBGRAPH_LIST.map((e) => e.name);
    expect(names('Deployment')).toEqual(['kong', 'router', ...subgraphs].sort());
    expect(names('Service')).toEqual(expect.arrayContaining(['kong-proxy', 'router', ...subgraphs]));
    expect(names('Job')).toEqual(subgraphs.map((s) => `${s}-migrations`).sort());
    expect(names('HorizontalPodAutoscaler')).toEqual(['router']);
    expect(names('PodDisruptionBudget')).toEqual(expect.arrayContaining(['inventory']));
    expect(names('Secret')).toEqual([]);
  });
});

describe.each(VARIANTS)('%s: cross-checked with the code, compose and Kong', (variant) => {
  test('selectors, ports, probes, environment, migrations and Kong agree', () => {
    expect(crossCheck(rendered[variant], facts)).toEqual([]);
  });

  test('inventory: three replicas, and a PodDisruptionBudget over exactly its pods keeps two', () => {
    const objects = rendered[variant];
    const inventory = find(objects, 'Deployment', 'inventory');
    expect(spec(inventory).replicas).toBe(3);
    const pdb = find(objects, 'PodDisruptionBudget', 'inventory');
    const selector = (spec(pdb).selector as Obj).matchLabels as Record<string, string>;
    const selected = objects.filter(
      (o) => podSpecOf(o) && Object.entries(selector).every(([k, v]) => templateLabels(o)[k] === v),
    );
    expect(selected.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Deployment/inventory']);
    expect(spec(pdb).minAvailable).toBe(2);
  });

  test('the router scales on CPU between its bounds and leaves its count to the autoscaler', () => {
    const hpa = find(rendered[variant], 'HorizontalPodAutoscaler', 'router');
    expect(spec(hpa).scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'router' });
    expect(spec(hpa).metrics).toEqual([
      expect.objectContaining({ type: 'Resource', resource: expect.objectContaining({ name: 'cpu' }) }),
    ]);
    expect(spec(find(rendered[variant], 'Deployment', 'router')).replicas).toBeUndefined();
  });
});

describe('production overlay', () => {
  const objects = rendered.production;

  test('runs the release image from the registry, pinned, in every workload', () => {
    const images = objects
      .flatMap((o) => {
        const p = podSpecOf(o);
        return p ? [...((p.initContainers ?? []) as Obj[]), ...((p.containers ?? []) as Obj[])] : [];
      })
      .map((c) => String(c.image));
    const app = images.filter((i) => !i.startsWith('kong:'));
    expect(app.length).toBeGreaterThan(10);
    for (const image of app) expect(image).toMatch(/^registry\.example\.com\/retail\/retail-supergraph:\d+\.\d+\.\d+$/);
    expect(images.filter((i) => i.startsWith('kong:'))).toEqual([facts.kongImage]);
  });

  test('two or more of every pod, more for the router, and more resources than the base', () => {
    for (const d of objects.filter((o) => o.kind === 'Deployment' && o.metadata.name !== 'router'))
      expect({ deployment: d.metadata.name, atLeastTwo: Number(spec(d).replicas) >= 2 }).toEqual({
        deployment: d.metadata.name,
        atLeastTwo: true,
      });
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'router');
    expect(spec(hpa).minReplicas).toBeGreaterThan(
      spec(find(rendered.base, 'HorizontalPodAutoscaler', 'router')).minReplicas as number,
    );
    const cpu = (variant: Variant) =>
      ((container(find(rendered[variant], 'Deployment', 'router')).resources as Obj).requests as Obj).cpu;
    expect([cpu('base'), cpu('production')]).toEqual(['500m', '1']);
  });

  test('enforces trusted documents at the router (the base only logs) and sets the web origins at Kong', () => {
    const env = (variant: Variant, deployment: string): Record<string, string> =>
      Object.fromEntries(
        (container(find(rendered[variant], 'Deployment', deployment)).env as Obj[])
          .filter((e) => typeof e.value === 'string')
          .map((e) => [String(e.name), String(e.value)]),
      );
    // Read as the router reads it, so a value it would refuse at start fails here.
    expect(trustedDocumentsModeFromEnv(env('production', 'router'))).toBe('enforce');
    expect(trustedDocumentsModeFromEnv(env('base', 'router'))).toBe('log');
    expect(env('base', 'kong').KONG_CORS_ORIGINS).toBe('');
    expect(env('production', 'kong').KONG_CORS_ORIGINS?.split(',')).toEqual([
      'https://shop.retail.example.com',
      'https://office.retail.example.com',
    ]);
  });

  test('an Ingress with TLS sends /graphql to Kong, which listens where the Service points', () => {
    const ingress = find(objects, 'Ingress', 'kong');
    expect((spec(ingress).tls as Obj[]).length).toBe(1);
    const paths = ((spec(ingress).rules as Obj[])[0]?.http as Obj).paths as Obj[];
    expect(paths).toEqual([
      expect.objectContaining({
        path: '/graphql',
        backend: { service: { name: 'kong-proxy', port: { name: 'proxy' } } },
      }),
    ]);
    // Kong routes /graphql only (kong/kong.yml); the Ingress routes nothing else.
    expect(readText('kong/kong.yml')).toMatch(/paths: \[\/graphql\]/);
  });
});

describe('secrets stay out of the repository', () => {
  const example = loadYaml('deploy/kubernetes/secret.example.yaml') as Obj;

  test('the example Secret validates, holds only placeholders and is in no kustomization', () => {
    expect(schemaProblems(example as unknown as K8sObject)).toEqual([]);
    expect((example.metadata as Obj).name).toBe(SECRET_NAME);
    for (const [key, value] of Object.entries(facts.secret))
      expect({ key, placeholder: value.includes('REPLACE-ME') }).toEqual({ key, placeholder: true });
    for (const variant of VARIANTS) expect(rendered[variant].some((o) => o.kind === 'Secret')).toBe(false);
  });

  test('every key the manifests read is in the example, and the example has no key nobody reads', () => {
    const used = new Set<string>();
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (isObj(value)) {
        if (isObj(value.secretKeyRef)) used.add(String(value.secretKeyRef.key));
        Object.values(value).forEach(walk);
      }
    };
    for (const variant of VARIANTS) walk(rendered[variant]);
    expect([...used].sort()).toEqual(Object.keys(facts.secret).sort());
  });
});

describe('the migration Jobs run code the image has', () => {
  test('subgraphs/migrate.ts is in the image and imports only production dependencies', () => {
    const ignored = dockerIgnored(readText('.dockerignore'));
    expect(ignored('subgraphs/migrate.ts')).toBe(false);
    const text = readText('subgraphs/migrate.ts');
    const pkg = JSON.parse(readText('package.json')) as { dependencies: Record<string, string> };
    const packages = [...text.matchAll(/^import (?!type ).*from '([^.'][^']*)'/gm)].map((m) => m[1] ?? '');
    for (const name of packages)
      expect({
        name,
        runtime:
          name.startsWith('node:') ||
          name.split('/').slice(0, 2).join('/') in pkg.dependencies ||
          name.split('/')[0]! in pkg.dependencies,
      }).toEqual({ name, runtime: true });
  });
});

describe('the checks catch what breaks a deployment', () => {
  function problemsAfter(change: (objects: K8sObject[]) => void, withFacts: Facts = facts): string[] {
    const objects = copy(rendered.base);
    change(objects);
    return crossCheck(objects, withFacts);
  }

  test('a Service selector that matches no pod', () => {
    const problems = problemsAfter((o) => {
      spec(find(o, 'Service', 'products')).selector = { 'app.kubernetes.io/name': 'product' };
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Service\/products: selector .* selects no Deployment's pods$/),
        // The router and the subgraphs that call products reach it through that Service.
        expect.stringMatching(
          /^Deployment\/router router: http:\/\/products:4001\/graphql: Service products does not select Deployment\/products$/,
        ),
      ]),
    );
  });

  test("a Deployment whose selector is not its pods' labels", () => {
    const problems = problemsAfter((o) => {
      templateLabels(find(o, 'Deployment', 'inventory'))['app.kubernetes.io/name'] = 'inventory-v2';
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Deployment\/inventory: selector .* does not match its pod labels$/),
      ]),
    );
  });

  test('a container port that is not the port the code listens on', () => {
    const problems = problemsAfter((o) => {
      ((container(find(o, 'Deployment', 'products')).ports as Obj[])[0] as Obj).containerPort = 4010;
    });
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/container port 4010; the code's port for products is 4001$/)]),
    );
  });

  test('a Service targetPort that no container has', () => {
    const problems = problemsAfter((o) => {
      ((spec(find(o, 'Service', 'inventory')).ports as Obj[])[0] as Obj).targetPort = 4012;
    });
    expect(problems).toEqual([
      'Service/inventory: port 4002 targets 4012, which no container of Deployment/inventory has',
    ]);
  });

  test('a URL the code calls on a port the Service does not have', () => {
    const problems = problemsAfter((o) => {
      (find(o, 'ConfigMap', 'supergraph-config-' + configMapHash(configData(o))).data as Obj).INVENTORY_URL =
        'http://inventory:4003/graphql';
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'Deployment/router router: http://inventory:4003/graphql: Service inventory has no port 4003',
        'Deployment/ecommerce ecommerce: http://inventory:4003/graphql: Service inventory has no port 4003',
      ]),
    );
  });

  test('a PodDisruptionBudget that selects nothing, or blocks every drain', () => {
    const problems = problemsAfter((o) => {
      ((spec(find(o, 'PodDisruptionBudget', 'inventory')).selector as Obj).matchLabels as Obj)[
        'app.kubernetes.io/name'
      ] = 'inventroy';
      spec(find(o, 'PodDisruptionBudget', 'router')).maxUnavailable = undefined;
      spec(find(o, 'PodDisruptionBudget', 'router')).minAvailable = 2;
    });
    expect(problems.sort()).toEqual([
      'PodDisruptionBudget/inventory: selector {"app.kubernetes.io/name":"inventroy"} selects 0 Deployments\' pods',
      'PodDisruptionBudget/router: minAvailable 2 of 2 replicas blocks every drain',
    ]);
  });

  test('a probe on a path the code does not serve, or on a port the container lacks', () => {
    const problems = problemsAfter((o) => {
      const c = container(find(o, 'Deployment', 'retail'));
      ((c.readinessProbe as Obj).httpGet as Obj).path = '/healthz';
      ((c.livenessProbe as Obj).httpGet as Obj).port = 'metrics';
    });
    expect(problems).toEqual([
      'Deployment/retail retail readinessProbe: /healthz is not served (/health/live, /health, /health/ready, /metrics)',
      'Deployment/retail retail readinessProbe: readiness is /health/ready (database reachable, migrations run)',
      'Deployment/retail retail livenessProbe: port metrics is not a port of the container',
    ]);
  });

  test("a secret the code requires in production left out, a misspelt setting, another subgraph's database", () => {
    const problems = problemsAfter((o) => {
      const env = container(find(o, 'Deployment', 'ecommerce')).env as Obj[];
      env.splice(
        env.findIndex((e) => e.name === 'JWT_SECRET'),
        1,
      );
      env.push({ name: 'INVENTORY_URLS', value: 'http://inventory:4002/graphql' });
      env.push({
        name: 'RETAIL_DATABASE_URL',
        valueFrom: { secretKeyRef: { name: SECRET_NAME, key: 'RETAIL_DATABASE_URL' } },
      });
    });
    expect(problems).toEqual([
      'Deployment/ecommerce ecommerce: JWT_SECRET (at least 32 characters) is required in production',
      'Deployment/ecommerce ecommerce: INVENTORY_URLS is read by no code (a misspelt setting?)',
      'Deployment/ecommerce ecommerce: is handed RETAIL_DATABASE_URL, another database than its own',
      'Deployment/ecommerce ecommerce: compose sets JWT_SECRET, Kubernetes does not',
    ]);
  });

  test('a Job whose pods the subgraph Service would select, and a Deployment that does not wait for its migrations', () => {
    const problems = problemsAfter((o) => {
      templateLabels(find(o, 'Job', 'products-migrations'))['app.kubernetes.io/name'] = 'products';
      pod(find(o, 'Deployment', 'reports')).initContainers = [];
    });
    expect(problems).toEqual([
      'Service/products: selector also selects the pods of products-migrations',
      'Deployment/reports: no init container waits for its migrations',
    ]);
  });

  test('a kong.yml whose upstream names no Service here or that needs a variable Kong lacks, and Kong set up unlike compose', () => {
    const kongYml = facts.kongYml
      .replace('target: router-2:4000', 'target: router-3:4000')
      .replace('x-gateway-secret:${KONG_SHARED_SECRET}', 'x-gateway-secret:${KONG_GATEWAY_SECRET}')
      .replace(/- key: dev-[a-z0-9-]+-key$/m, '- key: dev-new-channel-key');
    const composeEnv = {
      ...facts.composeEnv,
      kong: {
        ...facts.composeEnv.kong,
        KONG_PLUGINS: { value: 'bundled', fixed: true },
        KONG_HEADERS: { value: 'off', fixed: true },
      },
    };
    const problems = problemsAfter(
      (o) => {
        const env = container(find(o, 'Deployment', 'kong')).env as Obj[];
        (env.find((e) => e.name === 'KONG_DEV_KEYS') as Obj).value = 'allow';
      },
      { ...facts, kongYml, composeEnv },
    );
    expect(problems.sort()).toEqual(
      [
        'Deployment/kong kong: compose sets KONG_PLUGINS, Kubernetes does not',
        'Deployment/kong kong: compose sets KONG_HEADERS to off, Kubernetes to latency_tokens,X-Kong-Request-Id',
        "Deployment/kong kong: KONG_API_KEY_NEW_CHANNEL (the new-channel consumer's key) is not set from the Secret",
        'Deployment/kong kong: KONG_DEV_KEYS must be refuse: a development key is public',
        'Deployment/kong kong: its kong.yml is not kong/kong.yml',
        'Deployment/kong kong: kong.yml needs KONG_GATEWAY_SECRET, which is not set',
        'kong/kong.yml sends to router-3:4000: no Service router-3',
      ].sort(),
    );
  });

  test('a value of the wrong type, and a misspelt field the API server would drop', () => {
    const objects = copy(rendered.base);
    const inventory = find(objects, 'Deployment', 'inventory');
    spec(inventory).replicas = 'three';
    expect(schemaProblems(inventory)).toEqual(['Deployment/inventory: data/spec/replicas must be integer']);
    spec(inventory).replicas = 3;
    const c = container(inventory);
    c.readinessprobe = c.readinessProbe;
    expect(schemaProblems(inventory)).toEqual([
      'Deployment/inventory: /spec/template/spec/containers/0/readinessprobe is not a field of Deployment',
    ]);
  });
});

function configData(objects: K8sObject[]): Record<string, string> {
  const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('supergraph-config-'));
  return (config?.data ?? {}) as Record<string, string>;
}
