import type { MikroORM } from '@mikro-orm/postgresql';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { startWithBackground, type Stoppable } from './background';
import type { DomainContext } from './domain-context';
import type { ServiceName } from './env';
import {
  buildSchema,
  defineSubgraph,
  type RunningSubgraph,
  type StartOptions,
  type SubgraphDefinition,
  type SubgraphParts,
  type SubgraphService,
} from './server';

/** A subgraph's background work by name (its outbox relay, its recovery loop...); null when turned off. */
export type Background = Record<string, Stoppable | null>;

/**
 * What a subgraph's server.ts declares with defineSubgraphService: only what is its own. `S` is its
 * process-wide collaborators (configuration, clients of the subgraphs it calls), `O` its start options
 * (every field of its own optional), `B` its background work.
 */
export interface SubgraphServiceSpec<L, D extends DomainContext, S, O extends StartOptions, B extends Background> {
  name: ServiceName;
  /** The subgraph's folder (`__dirname` in its server.ts); its SDL is `schema.graphql` there. */
  dir: string;
  /**
   * The collaborators of one start, from its options (tests pass their own) or the environment. The
   * module's own definition asks for them on first use, without options, so importing server.ts
   * (tests, composition, codegen) reads no configuration.
   */
  services: (opts?: O) => S;
  /**
   * The definition's parts (kit defineSubgraph) bound to a start's services: resolvers, entities,
   * migrations, loaders, the request's domain context, permissions, text codes. Each start binds its
   * own, so tests may start several instances in one process.
   */
  parts: (services: () => S) => Omit<SubgraphParts<L, D>, 'name' | 'dir'>;
  /** Background work beside the HTTP server, built on the running subgraph; stopped before it. */
  background?: (running: RunningSubgraph, services: S, opts: O) => B;
  /** Idempotent demo data (SEED_DEMO=1, tests); runs after migrations. */
  seed?: (orm: MikroORM) => Promise<unknown>;
}

/** One started instance: the kit's running subgraph, its background work and the services it runs with. */
export type RunningService<S, B extends Background> = RunningSubgraph & B & { services: S };

/** What every server.ts exports, made once here. */
export interface DefinedSubgraphService<L, D extends DomainContext, S, O extends StartOptions, B extends Background> {
  /** The module's definition, on services read from the environment on first use. */
  definition: SubgraphDefinition<L, D>;
  typeDefs: DocumentNode;
  resolvers: object;
  /** The executable schema (permissions and input hygiene included), for tests that need no port. */
  schema: GraphQLSchema;
  /** One instance with its own services (options' or the environment's) and background work, stopped together. */
  start: (opts: O) => Promise<RunningService<S, B>>;
  /** What the registry (subgraphs/registry.ts) loads: `npm start`, the test stack, the bench. */
  service: SubgraphService;
}

/**
 * The shape every subgraph's entry point shares (server.ts): services from configuration, a
 * definition bound to them, the module's lazy default services, the `definition`, `typeDefs`,
 * `resolvers` and `schema` exports, start with background work (kit startWithBackground: the
 * background is stopped first, so no pass runs on a closed ORM), the demo seed and the registry's
 * `service`. index.ts then runs `runSubgraphProcess(service)` (a cluster runs `start` in its workers).
 */
export function defineSubgraphService<
  L,
  D extends DomainContext,
  S,
  O extends StartOptions = StartOptions,
  B extends Background = Record<never, never>,
>(spec: SubgraphServiceSpec<L, D, S, O, B>): DefinedSubgraphService<L, D, S, O, B> {
  const define = (services: () => S) =>
    defineSubgraph<L, D>({ name: spec.name, dir: spec.dir, ...spec.parts(services) });
  let defaults: S | undefined;
  const definition = define(() => (defaults ??= spec.services()));
  const start = async (opts: O): Promise<RunningService<S, B>> => {
    const services = spec.services(opts);
    const running = await startWithBackground(
      define(() => services),
      opts,
      (sub) => spec.background?.(sub, services, opts) ?? ({} as B),
    );
    return { ...running, services };
  };
  return {
    definition,
    typeDefs: definition.typeDefs,
    resolvers: definition.resolvers,
    schema: buildSchema(definition),
    start,
    service: {
      name: spec.name,
      definition,
      // The registry, `npm start` and the stack pass the kit's options; a subgraph's own are optional.
      start: (opts) => start(opts as O),
      seed: spec.seed,
    },
  };
}
