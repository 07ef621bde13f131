import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import * as ts from 'typescript';
import { parse, parseAllDocuments } from 'yaml';

// Offline checks of the Kubernetes manifests in deploy/k8s:
//  1. the kustomize base and the example overlay render (kubectl's built-in kustomize, and a
//     basic renderer of our own that resolves `resources` recursively);
//  2. every rendered object is validated against the Kubernetes API's JSON schemas that the
//     kubernetes-models package ships, and type-checked against its TypeScript models so that
//     an unknown or misspelt field fails too (the schemas alone allow extra fields);
//  3. the essentials the service relies on: probes, security context, drain time, migrations
//     in a Job only, references between the objects.

const ROOT = join(__dirname, '..');
const K8S = join(ROOT, 'deploy', 'k8s');
const BASE = join(K8S, 'base');
const OVERLAY = join(K8S, 'overlays', 'example');

const SCHEMA_PACKAGE = 'kubernetes-models';

// ---- types of what the checks read (the schemas check the rest) ----

interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: Meta;
  [field: string]: unknown;
}
interface HttpProbe {
  httpGet?: { path: string; port: number | string };
  periodSeconds?: number;
  failureThreshold?: number;
}
interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: {
    requests?: Record<string, string | number>;
    limits?: Record<string, string | number>;
  };
  readinessProbe?: HttpProbe;
  livenessProbe?: HttpProbe;
  startupProbe?: HttpProbe;
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    containers: Container[];
    initContainers?: Container[];
    securityContext?: SecurityContext;
    terminationGracePeriodSeconds?: number;
    restartPolicy?: string;
    volumes?: { name: string; emptyDir?: object }[];
  };
}
interface Deployment extends K8sObject {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: PodTemplate;
  };
}
interface Job extends K8sObject {
  spec: { backoffLimit?: number; ttlSecondsAfterFinished?: number; template: PodTemplate };
}
interface Service extends K8sObject {
  spec: {
    selector: Record<string, string>;
    ports: { port: number; targetPort?: number | string }[];
  };
}
interface Hpa extends K8sObject {
  spec: {
    scaleTargetRef: { apiVersion: string; kind: string; name: string };
    minReplicas?: number;
    maxReplicas: number;
    metrics: {
      type: string;
      resource?: { name: string; target: { type: string; averageUtilization?: number } };
    }[];
  };
}
interface Pdb extends K8sObject {
  spec: {
    minAvailable?: number | string;
    maxUnavailable?: number | string;
    selector: { matchLabels: Record<string, string> };
  };
}
interface ConfigMap extends K8sObject {
  data?: Record<string, string>;
}
interface Secret extends K8sObject {
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
interface Kustomization {
  namespace?: string;
  resources?: string[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  patches?: unknown[];
}

// ---- rendering ----

const rel = (path: string): string => relative(ROOT, path);

function readKustomization(dir: string): Kustomization {
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization']
    .map((name) => join(dir, name))
    .find((path) => existsSync(path));
  if (!file) throw new Error(`${rel(dir)} has no kustomization.yaml`);
  return parse(readFileSync(file, 'utf8')) as Kustomization;
}

function readObjects(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((document) => {
      if (document.errors.length > 0) {
        throw new Error(`${rel(file)}: ${document.errors.map((e) => e.message).join('; ')}`);
      }
      return document.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

/** Every kustomization directory reachable from `dir` through `resources`, `dir` first. */
function kustomizationTree(dir: string, seen = new Set<string>()): string[] {
  if (seen.has(dir)) throw new Error(`kustomization cycle through ${rel(dir)}`);
  seen.add(dir);
  const nested = (readKustomization(dir).resources ?? [])
    .map((resource) => join(dir, resource))
    .filter((path) => existsSync(path) && statSync(path).isDirectory());
  return [dir, ...nested.flatMap((path) => kustomizationTree(path, seen))];
}

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PriorityClass']);

/**
 * Kustomize at a basic level: `resources` (files and directories, recursively), `namespace`
 * and `images`. Patches are left to the real kustomize (kubectl kustomize) below.
 */
function basicRender(dir: string): K8sObject[] {
  const kustomization = readKustomization(dir);
  const objects = (kustomization.resources ?? []).flatMap((resource) => {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(resource) || resource.includes('?ref=')) {
      throw new Error(`${rel(dir)}: remote resource ${resource} cannot be rendered offline`);
    }
    const path = join(dir, resource);
    if (!existsSync(path)) throw new Error(`${rel(dir)}: resource ${resource} does not exist`);
    return statSync(path).isDirectory() ? basicRender(path) : readObjects(path);
  });
  for (const object of objects) {
    if (kustomization.namespace && !CLUSTER_SCOPED.has(object.kind)) {
      object.metadata.namespace = kustomization.namespace;
    }
    for (const container of podTemplateOf(object)?.spec.containers ?? []) {
      const [name, tag] = splitImage(container.image);
      const override = kustomization.images?.find((image) => image.name === name);
      if (override) {
        container.image = `${override.newName ?? name}:${override.newTag ?? tag ?? 'latest'}`;
      }
    }
  }
  return objects;
}

function splitImage(image: string): [name: string, tag: string | undefined] {
  const match = /^(.*?)(?::([\w][\w.-]*))?$/.exec(image.replace(/@.*$/, ''));
  return [match?.[1] ?? image, match?.[2]];
}

function findKubectl(): boolean {
  const probe = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  return probe.status === 0;
}

/** The real kustomize, built into kubectl; it works offline for local resources. */
function kubectlRender(dir: string): K8sObject[] {
  const result = spawnSync('kubectl', ['kustomize', dir], {
    encoding: 'utf8',
    env: { ...process.env, KUBECONFIG: '/dev/null' },
    timeout: 30_000,
  });
  if (result.status !== 0) {
    throw new Error(
      `kubectl kustomize ${rel(dir)} failed: ${result.stderr || result.error?.message}`,
    );
  }
  return parseAllDocuments(result.stdout)
    .map((document) => document.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);
}

// ---- schema validation (kubernetes-models) ----

/** The kinds used here; kubernetes-models holds each model at `<apiVersion>/<kind>`. */
const MODEL_KINDS = new Set([
  'v1/Namespace',
  'v1/ConfigMap',
  'v1/Secret',
  'v1/Service',
  'apps/v1/Deployment',
  'batch/v1/Job',
  'autoscaling/v2/HorizontalPodAutoscaler',
  'policy/v1/PodDisruptionBudget',
]);
function modelModule(object: K8sObject): string | undefined {
  const module = `${object.apiVersion}/${object.kind}`;
  return MODEL_KINDS.has(module) ? module : undefined;
}

type ModelClass = new (data: unknown) => { validate(): void };

// Loaded at run time so that this file compiles, and its other checks run, without the package.
function loadModels(): ((object: K8sObject) => void) | string {
  const load = createRequire(__filename);
  try {
    load.resolve(`${SCHEMA_PACKAGE}/v1/Namespace`);
  } catch {
    return `${SCHEMA_PACKAGE} is not installed: add it as a devDependency (npm i -D ${SCHEMA_PACKAGE}@4.5.1)`;
  }
  return (object) => {
    const module = modelModule(object);
    if (!module) throw new Error(`no schema known here for ${object.apiVersion} ${object.kind}`);
    const Model = (load(`${SCHEMA_PACKAGE}/${module}`) as Record<string, ModelClass>)[object.kind];
    new Model(object).validate();
  };
}

/**
 * Type-checks each object as an object literal of its kubernetes-models interface: TypeScript
 * rejects unknown properties at any depth, which the JSON schemas (open to extra fields) do not.
 * Returns the diagnostics, one line each.
 */
function typeCheck(objects: K8sObject[]): string[] {
  const file = join(ROOT, 'test', '__k8s_manifests_typecheck__.ts');
  const owners: { line: number; name: string }[] = [];
  let line = 0;
  const chunks = objects.map((object, index) => {
    const module = modelModule(object);
    if (!module) throw new Error(`no model known here for ${object.apiVersion} ${object.kind}`);
    const chunk = [
      `import type { I${object.kind} as T${index} } from '${SCHEMA_PACKAGE}/${module}';`,
      `export const o${index}: T${index} = ${JSON.stringify(object, null, 2)};`,
    ].join('\n');
    owners.push({ line, name: `${object.kind}/${object.metadata.name}` });
    line += chunk.split('\n').length;
    return chunk;
  });
  const source = chunks.join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    name === file
      ? ts.createSourceFile(name, source, language)
      : getSourceFile(name, language, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (name === file ? source : readFile(name));
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (!diagnostic.file || diagnostic.start === undefined) return message;
    const at = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line;
    const owner = owners.filter((candidate) => candidate.line <= at).pop();
    return `${owner?.name ?? '?'}: ${message}`;
  });
}

// ---- helpers over rendered objects ----

function podTemplateOf(object: K8sObject): PodTemplate | undefined {
  if (object.kind === 'Deployment' || object.kind === 'Job') {
    return (object as Deployment | Job).spec.template;
  }
  return undefined;
}

function only<T extends K8sObject>(objects: K8sObject[], kind: string): T {
  const matching = objects.filter((object) => object.kind === kind);
  expect(matching.map((object) => `${kind}/${object.metadata.name}`)).toHaveLength(1);
  return matching[0] as T;
}

const selects = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([key, value]) => labels[key] === value);

/** Kubernetes quantity to a number (cores or bytes). */
function quantity(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(value);
  if (!match) throw new Error(`not a quantity: ${value}`);
  const factors: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
  };
  return Number(match[1]) * (match[2] ? factors[match[2]] : 1);
}

/** The environment a container sees: envFrom ConfigMaps and Secrets in order, then env. */
function effectiveEnv(container: Container, objects: K8sObject[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) {
      const configMap: ConfigMap | undefined = objects.find(
        (object) =>
          object.kind === 'ConfigMap' && object.metadata.name === source.configMapRef?.name,
      );
      Object.assign(env, configMap?.data ?? {});
    }
    if (source.secretRef) {
      const secret: Secret | undefined = objects.find(
        (object) => object.kind === 'Secret' && object.metadata.name === source.secretRef?.name,
      );
      const decoded = Object.fromEntries(
        Object.entries(secret?.data ?? {}).map(([key, value]) => [
          key,
          Buffer.from(value, 'base64').toString('utf8'),
        ]),
      );
      Object.assign(env, decoded, secret?.stringData ?? {});
    }
  }
  for (const variable of container.env ?? []) env[variable.name] = variable.value ?? '';
  return env;
}

function portNumber(container: Container, port: number | string): number | undefined {
  if (typeof port === 'number') {
    return container.ports?.some((p) => p.containerPort === port) ? port : undefined;
  }
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

/** Restricted pod security: what the image (uid 1000, read-only) and the namespace need. */
function expectRestricted(template: PodTemplate, where: string): void {
  const pod = template.spec.securityContext ?? {};
  expect({ where, runAsNonRoot: pod.runAsNonRoot, runAsUser: pod.runAsUser }).toEqual({
    where,
    runAsNonRoot: true,
    runAsUser: 1000,
  });
  const volumes = template.spec.volumes ?? [];
  for (const container of [...template.spec.containers, ...(template.spec.initContainers ?? [])]) {
    const context = container.securityContext ?? {};
    const at = `${where} container ${container.name}`;
    expect({
      at,
      runAsNonRoot: context.runAsNonRoot ?? pod.runAsNonRoot,
      runAsUser: context.runAsUser ?? pod.runAsUser,
      readOnlyRootFilesystem: context.readOnlyRootFilesystem,
      allowPrivilegeEscalation: context.allowPrivilegeEscalation,
      privileged: context.privileged ?? false,
      seccomp: (context.seccompProfile ?? pod.seccompProfile)?.type,
      addedCapabilities: context.capabilities?.add ?? [],
    }).toEqual({
      at,
      runAsNonRoot: true,
      runAsUser: 1000,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      seccomp: 'RuntimeDefault',
      addedCapabilities: [],
    });
    expect({ at, drop: context.capabilities?.drop }).toEqual({ at, drop: ['ALL'] });

    // A read-only root needs a writable /tmp: an emptyDir.
    const tmp = container.volumeMounts?.find((mount) => mount.mountPath === '/tmp');
    expect({ at, tmp: tmp?.name }).toEqual({ at, tmp: expect.any(String) });
    expect(volumes.find((volume) => volume.name === tmp?.name)?.emptyDir).toBeDefined();

    // Requests and limits for CPU and memory, requests within limits.
    const { requests = {}, limits = {} } = container.resources ?? {};
    for (const resource of ['cpu', 'memory']) {
      expect({ at, resource, request: requests[resource] }).toEqual({
        at,
        resource,
        request: expect.anything(),
      });
      expect({ at, resource, limit: limits[resource] }).toEqual({
        at,
        resource,
        limit: expect.anything(),
      });
      expect(quantity(requests[resource])).toBeLessThanOrEqual(quantity(limits[resource]));
    }
  }
}

function expectReferencesExist(template: PodTemplate, objects: K8sObject[], where: string): void {
  for (const container of template.spec.containers) {
    const refs = (container.envFrom ?? []).flatMap((source) => [
      ...(source.configMapRef ? [`ConfigMap/${source.configMapRef.name}`] : []),
      ...(source.secretRef ? [`Secret/${source.secretRef.name}`] : []),
    ]);
    expect(refs.some((ref) => ref.startsWith('ConfigMap/'))).toBe(true);
    expect(refs.some((ref) => ref.startsWith('Secret/'))).toBe(true);
    const present = new Set(objects.map((object) => `${object.kind}/${object.metadata.name}`));
    expect({ where, missing: refs.filter((ref) => !present.has(ref)) }).toEqual({
      where,
      missing: [],
    });
  }
}

// ---- the checks ----

const kubectlAvailable = findKubectl();
const models = loadModels();

const baseObjects = basicRender(BASE);
// As the overlay lists it, before the overlay's namespace is applied.
const overlaySecret = readObjects(join(OVERLAY, 'secret.example.yaml'));
const itWithModels = typeof models === 'string' ? it.skip : it;

const renders: [label: string, objects: () => K8sObject[]][] = [
  // The base leaves the Secret to each environment: check it with the overlay's.
  ['base (with the example Secret)', () => [...basicRender(BASE), ...overlaySecret]],
  [
    kubectlAvailable ? 'example overlay (kubectl kustomize)' : 'example overlay (basic render)',
    () => (kubectlAvailable ? kubectlRender(OVERLAY) : basicRender(OVERLAY)),
  ],
];

describe('Kubernetes manifests (deploy/k8s)', () => {
  if (!kubectlAvailable) {
    console.warn('kubectl not found: the overlay is checked with the basic renderer only');
  }

  describe('files', () => {
    const kustomizations = kustomizationTree(OVERLAY);

    it('the overlay reaches the base, and every resource of every kustomization exists', () => {
      expect(kustomizations.map(rel)).toEqual([rel(OVERLAY), rel(BASE)]);
      for (const dir of kustomizations) {
        for (const resource of readKustomization(dir).resources ?? []) {
          expect({ dir: rel(dir), resource, exists: existsSync(join(dir, resource)) }).toEqual({
            dir: rel(dir),
            resource,
            exists: true,
          });
        }
      }
    });

    it('every manifest file is used by a kustomization (no stray file)', () => {
      const yamlFiles = (dir: string): string[] =>
        readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
          entry.isDirectory()
            ? yamlFiles(join(dir, entry.name))
            : /\.ya?ml$/.test(entry.name)
              ? [join(dir, entry.name)]
              : [],
        );
      const used = new Set(
        kustomizations.flatMap((dir) => [
          join(dir, 'kustomization.yaml'),
          ...(readKustomization(dir).resources ?? []).map((resource) => join(dir, resource)),
        ]),
      );
      expect(
        yamlFiles(K8S)
          .map(rel)
          .filter((file) => !used.has(join(ROOT, file))),
      ).toEqual([]);
    });

    it('the example Secret is marked as a placeholder, never for production', () => {
      const text = readFileSync(join(OVERLAY, 'secret.example.yaml'), 'utf8');
      expect(text).toMatch(/PLACEHOLDER ONLY - NEVER USE IN PRODUCTION/);
      const [secret] = overlaySecret as Secret[];
      expect(Object.keys(secret.stringData ?? {})).toContain('DATABASE_URL');
      for (const value of Object.values(secret.stringData ?? {})) {
        expect(value).toMatch(/CHANGE-ME/);
      }
      expect(baseObjects.some((object) => object.kind === 'Secret')).toBe(false);
    });

    it('the README describes applying the overlay, the migrations first', () => {
      const readme = readFileSync(join(K8S, 'README.md'), 'utf8');
      expect(readme).toContain('kubectl apply -k deploy/k8s/overlays/example');
      expect(readme).toMatch(/migration/i);
    });

    it('the Job and the Deployment run entry points that exist in the source', () => {
      expect(existsSync(join(ROOT, 'src', 'main.ts'))).toBe(true);
      expect(existsSync(join(ROOT, 'src', 'migrate.ts'))).toBe(true);
      // The image runs as the node user (uid 1000) on the port the manifests use.
      const dockerfile = readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8');
      expect(dockerfile).toMatch(/^USER node$/m);
      expect(dockerfile).toMatch(/^EXPOSE 3000$/m);
    });
  });

  describe('kustomize', () => {
    (kubectlAvailable ? it : it.skip)(
      'kubectl kustomize renders base and overlay to the objects the basic render finds',
      () => {
        const key = (object: K8sObject): string =>
          `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
        for (const dir of [BASE, OVERLAY]) {
          const real = kubectlRender(dir);
          const basic = basicRender(dir);
          expect(real.map(key).sort()).toEqual(basic.map(key).sort());
          const images = (objects: K8sObject[]): string[] =>
            objects
              .flatMap((object) => podTemplateOf(object)?.spec.containers ?? [])
              .map((container) => container.image)
              .sort();
          expect(images(real)).toEqual(images(basic));
        }
      },
    );

    it('the overlay pins the image to a registry and a tag that is not latest', () => {
      const containers = basicRender(OVERLAY).flatMap(
        (object) => podTemplateOf(object)?.spec.containers ?? [],
      );
      // The Deployment's and the Job's: a loop over no container would check nothing.
      expect(containers.length).toBeGreaterThanOrEqual(2);
      for (const container of containers) {
        const [name, tag] = splitImage(container.image);
        expect(name).toContain('/');
        expect(tag).toBeDefined();
        expect(tag).not.toBe('latest');
      }
    });
  });

  describe('schema validation (kubernetes-models)', () => {
    // Without it the other schema checks are skipped, and this one fails: CI must validate.
    it(`${SCHEMA_PACKAGE} is installed`, () => {
      expect(typeof models === 'string' ? models : 'installed').toBe('installed');
    });

    itWithModels('rejects a broken object, so that a pass means something', () => {
      if (typeof models === 'string') throw new Error(models);
      const deployment = structuredClone(only<Deployment>(baseObjects, 'Deployment'));
      expect(() => models(deployment)).not.toThrow();
      (deployment.spec as Record<string, unknown>).replicas = 'two';
      expect(() => models(deployment)).toThrow(/replicas/);
      const misspelt = structuredClone(only<Deployment>(baseObjects, 'Deployment'));
      const container = misspelt.spec.template.spec.containers[0] as unknown as Record<
        string,
        unknown
      >;
      container.readinesProbe = container.readinessProbe;
      delete container.readinessProbe;
      expect(typeCheck([misspelt]).join('\n')).toMatch(/readinesProbe/);
    });

    itWithModels.each(renders)(
      'every object of the %s matches its Kubernetes schema',
      (_label, render) => {
        if (typeof models === 'string') throw new Error(models);
        const failures = render().flatMap((object) => {
          try {
            models(object);
            return [];
          } catch (error) {
            return [`${object.kind}/${object.metadata.name}: ${(error as Error).message}`];
          }
        });
        expect(failures).toEqual([]);
      },
    );

    itWithModels.each(renders)('no object of the %s has an unknown field', (_label, render) => {
      if (typeof models === 'string') throw new Error(models);
      expect(typeCheck(render())).toEqual([]);
    });
  });

  describe.each(renders)('the essentials, in the %s', (_label, render) => {
    const objects = render();
    const deployment = (): Deployment => only<Deployment>(objects, 'Deployment');
    const job = (): Job => only<Job>(objects, 'Job');
    const appContainer = (): Container => deployment().spec.template.spec.containers[0];
    const appEnv = (): Record<string, string> => effectiveEnv(appContainer(), objects);

    it('every object has apiVersion, kind and metadata.name, once', () => {
      for (const object of objects) {
        expect(object).toMatchObject({
          apiVersion: expect.any(String),
          kind: expect.any(String),
          metadata: { name: expect.stringMatching(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/) },
        });
      }
      const keys = objects.map((object) => `${object.kind}/${object.metadata.name}`);
      expect(new Set(keys).size).toBe(keys.length);
    });

    it('has the kinds the service needs', () => {
      const kinds = new Set(objects.map((object) => object.kind));
      for (const kind of [
        'Deployment',
        'Service',
        'HorizontalPodAutoscaler',
        'PodDisruptionBudget',
        'Job',
        'ConfigMap',
        'Secret',
      ]) {
        expect([...kinds]).toContain(kind);
      }
    });

    it('all namespaced objects share one namespace, and a Namespace object names it', () => {
      const namespaces = new Set(
        objects
          .filter((object) => !CLUSTER_SCOPED.has(object.kind))
          .map((object) => object.metadata.namespace),
      );
      expect(namespaces.size).toBe(1);
      const [namespace] = [...namespaces];
      if (namespace !== undefined) {
        expect(
          objects.some(
            (object) => object.kind === 'Namespace' && object.metadata.name === namespace,
          ),
        ).toBe(true);
      }
    });

    it('the Deployment runs at least two replicas of the service, one container', () => {
      expect(deployment().spec.replicas).toBeGreaterThanOrEqual(2);
      expect(deployment().spec.template.spec.containers).toHaveLength(1);
      const command = [...(appContainer().command ?? []), ...(appContainer().args ?? [])];
      // No command: the image's CMD, node dist/src/main.js.
      if (command.length > 0) expect(command).toEqual(['node', 'dist/src/main.js']);
      expect(
        selects(deployment().spec.selector.matchLabels, deployment().spec.template.metadata.labels),
      ).toBe(true);
    });

    it('probes: startup, readiness on /health, liveness on /health/live, on the served port', () => {
      const container = appContainer();
      const port = Number(appEnv().PORT ?? 3000);
      const probes = {
        startup: container.startupProbe?.httpGet,
        readiness: container.readinessProbe?.httpGet,
        liveness: container.livenessProbe?.httpGet,
      };
      expect(probes.readiness?.path).toBe('/health');
      expect(probes.liveness?.path).toBe('/health/live');
      expect(probes.startup?.path).toMatch(/^\/health(\/live)?$/);
      for (const probe of Object.values(probes)) {
        expect(portNumber(container, probe?.port ?? -1)).toBe(port);
      }
      // Liveness never gives up before the startup probe has had its whole budget.
      const startup = container.startupProbe ?? {};
      expect(
        (startup.periodSeconds ?? 10) * (startup.failureThreshold ?? 3),
      ).toBeGreaterThanOrEqual(60);
    });

    it('pods and containers run non-root (uid 1000), read-only, without privileges', () => {
      expectRestricted(deployment().spec.template, 'Deployment');
      expectRestricted(job().spec.template, 'Job');
    });

    it('the grace period covers the shutdown drain, the requests in flight and the pool close', () => {
      const drainMs = Number(appEnv().SHUTDOWN_DRAIN_MS ?? 1000);
      expect(drainMs).toBeGreaterThanOrEqual(5000);
      expect(
        deployment().spec.template.spec.terminationGracePeriodSeconds ?? 30,
      ).toBeGreaterThanOrEqual(drainMs / 1000 + 10);
    });

    it('Prometheus scrapes /metrics on the served port', () => {
      const annotations = deployment().spec.template.metadata.annotations ?? {};
      expect(annotations).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/path': '/metrics',
        'prometheus.io/port': appEnv().PORT ?? '3000',
      });
    });

    it('configuration comes from a ConfigMap and a Secret that exist; replicas never migrate', () => {
      expectReferencesExist(deployment().spec.template, objects, 'Deployment');
      expectReferencesExist(job().spec.template, objects, 'Job');
      const env = appEnv();
      expect(env.DB_RUN_MIGRATIONS).toBe('false');
      expect(env.DATABASE_URL).toMatch(/^postgres(ql)?:\/\//);
      expect(env.PORT).toBe(String(appContainer().ports?.[0]?.containerPort));
      for (const configMap of objects.filter((object) => object.kind === 'ConfigMap')) {
        for (const value of Object.values((configMap as ConfigMap).data ?? {})) {
          expect(typeof value).toBe('string');
        }
      }
    });

    it('the Job runs the migrations once, with the same image, and is cleaned up', () => {
      const { spec } = job();
      const container = spec.template.spec.containers[0];
      expect([...(container.command ?? []), ...(container.args ?? [])]).toEqual([
        'node',
        'dist/src/migrate.js',
      ]);
      expect(container.image).toBe(appContainer().image);
      expect(spec.backoffLimit).toEqual(expect.any(Number));
      expect(spec.ttlSecondsAfterFinished).toEqual(expect.any(Number));
      expect(['Never', 'OnFailure']).toContain(spec.template.spec.restartPolicy);
      expect(effectiveEnv(container, objects).DATABASE_URL).toBe(appEnv().DATABASE_URL);
    });

    it('the Service selects the API pods, not the migration pods, on the container port', () => {
      const service = only<Service>(objects, 'Service');
      expect(selects(service.spec.selector, deployment().spec.template.metadata.labels)).toBe(true);
      expect(selects(service.spec.selector, job().spec.template.metadata.labels)).toBe(false);
      for (const port of service.spec.ports) {
        expect(portNumber(appContainer(), port.targetPort ?? port.port)).toBeDefined();
      }
    });

    it('the HorizontalPodAutoscaler scales the Deployment on CPU, 70 %, from 2 replicas', () => {
      const hpa = only<Hpa>(objects, 'HorizontalPodAutoscaler');
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      expect(hpa.spec.scaleTargetRef).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: deployment().metadata.name,
      });
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(hpa.spec.maxReplicas).toBeGreaterThanOrEqual(hpa.spec.minReplicas ?? 1);
      expect(hpa.spec.metrics).toContainEqual({
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
      });
      const replicas = deployment().spec.replicas ?? 1;
      expect(replicas).toBeGreaterThanOrEqual(hpa.spec.minReplicas ?? 1);
      expect(replicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
    });

    it('the PodDisruptionBudget keeps one API pod and still lets nodes drain', () => {
      const pdb = only<Pdb>(objects, 'PodDisruptionBudget');
      const hpa = only<Hpa>(objects, 'HorizontalPodAutoscaler');
      expect(pdb.spec.minAvailable).toBe(1);
      expect(
        selects(pdb.spec.selector.matchLabels, deployment().spec.template.metadata.labels),
      ).toBe(true);
      expect(selects(pdb.spec.selector.matchLabels, job().spec.template.metadata.labels)).toBe(
        false,
      );
      expect(pdb.spec.minAvailable).toBeLessThan(hpa.spec.minReplicas ?? 1);
    });
  });
});
