/**
 * The part of kustomize that deploy/kubernetes uses, so its tests render the manifests on a machine
 * without kustomize or kubectl: `resources` (files inside the kustomization's folder, as kustomize's
 * load restrictor demands, and other kustomization folders anywhere), `namespace`,
 * `configMapGenerator` (files and literals, with kustomize's content-hash suffix and the references
 * to the generated name rewritten), `images`, `replicas` and `patches` as JSON 6902 operations on a
 * target kind and name. Anything else in a kustomization is refused, so the subset cannot drift
 * silently; where `kubectl` is installed, kubernetes.ops.test.ts also compares this output with
 * `kubectl kustomize`.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> } & Record<string, unknown>;
} & Record<string, unknown>;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const SUPPORTED = new Set([
  'apiVersion',
  'kind',
  'resources',
  'namespace',
  'configMapGenerator',
  'images',
  'replicas',
  'patches',
]);

/** Kinds the namespace transformer leaves alone (the ones deploy/kubernetes could hold). */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PriorityClass',
  'StorageClass',
  'IngressClass',
  'PersistentVolume',
]);

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseYamlDocs(text: string, where: string): Json[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length) throw new Error(`${where}: ${doc.errors[0]?.message}`);
    const value = doc.toJSON() as Json;
    return value === null ? [] : [value];
  });
}

function kustomizationFile(dir: string): string {
  for (const name of ['kustomization.yaml', 'kustomization.yml', 'Kustomization']) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  throw new Error(`${dir} has no kustomization.yaml`);
}

/** kustomize's load restrictor (LoadRestrictionsRootOnly): a file must be inside the root. */
function fileInRoot(root: string, relative: string): string {
  const file = path.resolve(root, relative);
  const real = fs.realpathSync(file);
  const realRoot = fs.realpathSync(root);
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
    throw new Error(`security; file '${real}' is not in or below '${realRoot}' (kustomize's load restrictor)`);
  }
  return file;
}

/**
 * kustomize's name suffix of a generated ConfigMap (api/hasher): sha256 of Go's JSON encoding of
 * {data, kind, name}, first 10 hex digits with 0 1 3 a e spelt g h k m t. Its lookup of the name
 * misses (it asks for one field called "metadata/name"), so the name is always "", and Go escapes
 * < > & and the two line separators.
 */
export function configMapHash(data: Record<string, string>): string {
  const sorted = Object.fromEntries(
    Object.keys(data)
      .sort()
      .map((k) => [k, data[k]]),
  );
  const json = JSON.stringify({ data: sorted, kind: 'ConfigMap', name: '' }).replace(
    /[<>&\u2028\u2029]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  const swap: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return createHash('sha256')
    .update(json)
    .digest('hex')
    .slice(0, 10)
    .replace(/[013ae]/g, (c) => swap[c] ?? c);
}

function generateConfigMap(root: string, spec: Json): { object: K8sObject; name: string } {
  if (!isObject(spec) || typeof spec.name !== 'string') throw new Error('configMapGenerator entry needs a name');
  for (const key of Object.keys(spec)) {
    if (!['name', 'files', 'literals'].includes(key)) throw new Error(`configMapGenerator.${key} is not supported`);
  }
  const data: Record<string, string> = {};
  for (const entry of (spec.files ?? []) as Json[]) {
    const text = String(entry);
    const eq = text.indexOf('=');
    const key = eq < 0 ? path.basename(text) : text.slice(0, eq);
    data[key] = fs.readFileSync(fileInRoot(root, eq < 0 ? text : text.slice(eq + 1)), 'utf8');
  }
  for (const entry of (spec.literals ?? []) as Json[]) {
    const text = String(entry);
    const eq = text.indexOf('=');
    if (eq < 0) throw new Error(`literal ${text} has no =`);
    data[text.slice(0, eq)] = text.slice(eq + 1);
  }
  const name = `${spec.name}-${configMapHash(data)}`;
  return { object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data }, name: spec.name };
}

/** The pod spec of a workload (or of a Pod), where images and ConfigMap references live. */
export function podSpecOf(object: K8sObject): JsonObject | null {
  if (object.kind === 'Pod') return isObject(object.spec) ? object.spec : null;
  if (!WORKLOADS.has(object.kind)) return null;
  const spec = object.spec;
  const template = isObject(spec) ? spec.template : undefined;
  return isObject(template) && isObject(template.spec) ? template.spec : null;
}

function containersOf(pod: JsonObject): JsonObject[] {
  return [...((pod.initContainers ?? []) as Json[]), ...((pod.containers ?? []) as Json[])].filter(isObject);
}

function renameConfigMapReferences(object: K8sObject, renames: Map<string, string>): void {
  const pod = podSpecOf(object);
  if (!pod) return;
  const rename = (holder: Json | undefined) => {
    if (isObject(holder) && typeof holder.name === 'string') holder.name = renames.get(holder.name) ?? holder.name;
  };
  for (const volume of ((pod.volumes ?? []) as Json[]).filter(isObject)) {
    rename(volume.configMap);
    if (isObject(volume.projected))
      for (const source of ((volume.projected.sources ?? []) as Json[]).filter(isObject)) rename(source.configMap);
  }
  for (const container of containersOf(pod)) {
    for (const from of ((container.envFrom ?? []) as Json[]).filter(isObject)) rename(from.configMapRef);
    for (const env of ((container.env ?? []) as Json[]).filter(isObject))
      if (isObject(env.valueFrom)) rename(env.valueFrom.configMapKeyRef);
  }
}

function splitImage(image: string): { name: string; tag?: string; digest?: string } {
  const [rest = '', digest] = image.split('@');
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) return { name: rest.slice(0, colon), tag: rest.slice(colon + 1), digest };
  return { name: rest, digest };
}

function setImages(object: K8sObject, images: Json[]): void {
  const pod = podSpecOf(object);
  if (!pod) return;
  for (const container of containersOf(pod)) {
    if (typeof container.image !== 'string') continue;
    const current = splitImage(container.image);
    const rule = images.filter(isObject).find((i) => i.name === current.name);
    if (!rule) continue;
    const name = typeof rule.newName === 'string' ? rule.newName : current.name;
    const tag = rule.newTag !== undefined ? String(rule.newTag) : current.tag;
    const digest = typeof rule.digest === 'string' ? rule.digest : current.digest;
    container.image = `${name}${digest ? `@${digest}` : tag ? `:${tag}` : ''}`;
  }
}

/** RFC 6901 pointer segments. */
function pointer(p: string): string[] {
  if (!p.startsWith('/')) throw new Error(`JSON pointer ${p} must start with /`);
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** RFC 6902 add, replace, remove and test, as kustomize's PatchJson6902 applies them. */
export function applyJsonPatch(target: Json, ops: Json[]): void {
  for (const op of ops) {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string')
      throw new Error(`bad JSON 6902 operation ${JSON.stringify(op)}`);
    const parts = pointer(op.path);
    const last = parts.pop();
    if (last === undefined) throw new Error('a patch cannot replace the whole object');
    let parent: Json = target;
    for (const part of parts) {
      const next: Json | undefined = Array.isArray(parent)
        ? parent[Number(part)]
        : isObject(parent)
          ? parent[part]
          : undefined;
      if (next === undefined) throw new Error(`patch path ${op.path}: ${part} does not exist`);
      parent = next;
    }
    const value = op.value as Json;
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(index) || index < 0 || index > parent.length)
        throw new Error(`patch path ${op.path}: no index ${last}`);
      if (op.op === 'add') parent.splice(index, 0, value);
      else if (index >= parent.length) throw new Error(`patch path ${op.path} does not exist`);
      else if (op.op === 'replace') parent[index] = value;
      else if (op.op === 'remove') parent.splice(index, 1);
      else if (op.op === 'test') {
        if (JSON.stringify(parent[index]) !== JSON.stringify(value)) throw new Error(`patch test ${op.path} failed`);
      } else throw new Error(`JSON 6902 op ${op.op} is not supported`);
    } else if (isObject(parent)) {
      const exists = Object.prototype.hasOwnProperty.call(parent, last);
      if (op.op === 'add') parent[last] = value;
      else if (!exists) throw new Error(`patch path ${op.path} does not exist`);
      else if (op.op === 'replace') parent[last] = value;
      else if (op.op === 'remove') delete parent[last];
      else if (op.op === 'test') {
        if (JSON.stringify(parent[last]) !== JSON.stringify(value)) throw new Error(`patch test ${op.path} failed`);
      } else throw new Error(`JSON 6902 op ${op.op} is not supported`);
    } else throw new Error(`patch path ${op.path}: parent is not a container`);
  }
}

function applyPatches(root: string, objects: K8sObject[], patches: Json[]): void {
  for (const patch of patches) {
    if (!isObject(patch) || !isObject(patch.target)) throw new Error('a patch needs a target (kind and name)');
    for (const key of Object.keys(patch.target))
      if (!['kind', 'name'].includes(key)) throw new Error(`patch target ${key} is not supported`);
    const text =
      typeof patch.patch === 'string'
        ? patch.patch
        : typeof patch.path === 'string'
          ? fs.readFileSync(fileInRoot(root, patch.path), 'utf8')
          : '';
    const ops = parseYamlDocs(text, 'patch')[0];
    if (!Array.isArray(ops)) throw new Error('only JSON 6902 patches (a list of operations) are supported');
    const { kind, name } = patch.target;
    const targets = objects.filter((o) => o.kind === kind && o.metadata.name === name);
    if (targets.length === 0) throw new Error(`patch target ${String(kind)}/${String(name)} matches nothing`);
    for (const target of targets) applyJsonPatch(target as unknown as Json, ops);
  }
}

interface Built {
  objects: K8sObject[];
  /** Generated ConfigMaps: the name as written -> the name with its hash. */
  renames: Map<string, string>;
}

function build(dir: string): Built {
  const file = kustomizationFile(dir);
  const k = parseYamlDocs(fs.readFileSync(file, 'utf8'), file)[0];
  if (!isObject(k)) throw new Error(`${file} is not a mapping`);
  for (const key of Object.keys(k))
    if (!SUPPORTED.has(key)) throw new Error(`${file}: ${key} is outside the subset test/ops/kustomize.ts renders`);
  const objects: K8sObject[] = [];
  const renames = new Map<string, string>();
  for (const entry of (k.resources ?? []) as Json[]) {
    const target = path.resolve(dir, String(entry));
    if (fs.existsSync(target) && fs.statSync(target).isDirectory()) {
      const child = build(target);
      objects.push(...child.objects);
      for (const [from, to] of child.renames) renames.set(from, to);
    } else {
      const docs = parseYamlDocs(fs.readFileSync(fileInRoot(dir, String(entry)), 'utf8'), target);
      for (const doc of docs) {
        if (!isObject(doc) || typeof doc.kind !== 'string' || !isObject(doc.metadata))
          throw new Error(`${target}: a document without kind or metadata`);
        objects.push(doc as unknown as K8sObject);
      }
    }
  }
  for (const spec of (k.configMapGenerator ?? []) as Json[]) {
    const generated = generateConfigMap(dir, spec);
    objects.push(generated.object);
    renames.set(generated.name, generated.object.metadata.name);
  }
  applyPatches(dir, objects, (k.patches ?? []) as Json[]);
  if (typeof k.namespace === 'string') {
    for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
  }
  for (const rule of ((k.replicas ?? []) as Json[]).filter(isObject)) {
    const targets = objects.filter(
      (o) => ['Deployment', 'StatefulSet', 'ReplicaSet'].includes(o.kind) && o.metadata.name === rule.name,
    );
    if (targets.length === 0) throw new Error(`replicas: no workload named ${String(rule.name)}`);
    for (const o of targets) (o.spec as JsonObject).replicas = Number(rule.count);
  }
  for (const o of objects) setImages(o, (k.images ?? []) as Json[]);
  for (const o of objects) renameConfigMapReferences(o, renames);
  return { objects, renames };
}

/** What `kustomize build <dir>` (or `kubectl kustomize <dir>`) prints, as objects. */
export function kustomizeBuild(dir: string): K8sObject[] {
  return build(dir).objects;
}

/** Parses `kubectl kustomize` output. */
export function parseManifests(text: string): K8sObject[] {
  return parseYamlDocs(text, 'manifests') as unknown as K8sObject[];
}

/** kind/namespace/name: how the API server tells objects apart. */
export function objectKey(o: K8sObject): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}
