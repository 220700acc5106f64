import type { MikroORM } from '@mikro-orm/postgresql';
import { leanReadContext, openOrm, queryOne, queryRows, sql, type DbContext } from '../../subgraphs/kit';
import { freshDatabase, type TestDatabase } from '../helpers/db';

/**
 * The process-wide context of lean reads (LoaderDeps `reads`, kit/server.ts) is shared by every
 * request of a subgraph: it runs named statements on the pool and refuses to hold anything.
 */
const CREATE = sql('create table notes (id text primary key, body text not null)');
const INSERT = sql<{ id: string; body: string }>('insert into notes (id, body) values (:id, :body)');
const NOTE = sql<{ id: string }, { id: string; body: string }>('select id, body from notes where id = :id');
const NOTES = sql<{ ids: string[] }, { id: string }>('select id from notes where id = any(:ids::text[]) order by id');

let db: TestDatabase;
let orm: MikroORM;
let reads: DbContext;

beforeAll(async () => {
  db = await freshDatabase('leanreads');
  orm = await openOrm({ url: db.url, entities: [], migrations: [] });
  reads = leanReadContext(orm);
  const em = orm.em.fork();
  await queryRows(em, CREATE, {});
  await queryRows(em, INSERT, { id: 'n-1', body: 'first' });
  await queryRows(em, INSERT, { id: 'n-2', body: 'second' });
});

afterAll(async () => {
  await orm?.close();
  await db?.drop();
});

describe("the kit's lean reads", () => {
  it('run named statements, concurrently, on the pool', async () => {
    const [one, both, none] = await Promise.all([
      queryOne(reads.em, NOTE, { id: 'n-1' }),
      queryRows(reads.em, NOTES, { ids: ['n-2', 'n-1', 'n-9'] }),
      queryOne(reads.em, NOTE, { id: 'n-9' }),
    ]);
    expect(one).toEqual({ id: 'n-1', body: 'first' });
    expect(both).toEqual([{ id: 'n-1' }, { id: 'n-2' }]);
    expect(none).toBeNull();
  });

  it("refuse the ORM's own methods, which would keep entities or a transaction for every later request", async () => {
    const em = reads.em;
    expect(() => em.fork()).toThrow(/lean reads/);
    expect(() => em.clear()).toThrow(/lean reads/);
    expect(() => em.getUnitOfWork()).toThrow(/lean reads/);
    expect(() => em.persist({})).toThrow(/lean reads/);
    await expect(Promise.resolve().then(() => em.transactional(async () => 1))).rejects.toThrow(/lean reads/);
    await expect(Promise.resolve().then(() => em.findOne('Anything', { id: 'n-1' }))).rejects.toThrow(/lean reads/);
    expect(() => Object.assign(em, { name: 'changed' })).toThrow(/never changed/);
    expect(() => Object.assign(reads, { em: orm.em })).toThrow(TypeError);
  });

  it("see committed rows only, never a transaction's in progress", async () => {
    await orm.em.fork().transactional(async (tx) => {
      await queryRows(tx, INSERT, { id: 'n-3', body: 'uncommitted' });
      expect(await queryOne(tx, NOTE, { id: 'n-3' })).toEqual({ id: 'n-3', body: 'uncommitted' });
      expect(await queryOne(reads.em, NOTE, { id: 'n-3' })).toBeNull();
    });
    expect(await queryOne(reads.em, NOTE, { id: 'n-3' })).toEqual({ id: 'n-3', body: 'uncommitted' });
  });
});

describe('statements as prepared statements (ADR 0029)', () => {
  const PREPARED = sql<{ name: string }, { name: string; statement: string }>(
    'select name, statement from pg_prepared_statements where name = :name',
  );

  it('run under the name of their text, prepared once on a connection and used again', async () => {
    await orm.em.fork().transactional(async (tx) => {
      // One transaction: one connection, whose prepared statements pg_prepared_statements lists.
      expect(await queryOne(tx, NOTE, { id: 'n-1' })).toEqual({ id: 'n-1', body: 'first' });
      expect(await queryOne(tx, NOTE, { id: 'n-2' })).toEqual({ id: 'n-2', body: 'second' });
      const found = await queryOne(tx, PREPARED, { name: NOTE.preparedName });
      expect(found?.statement).toBe('select id, body from notes where id = $1');
    });
    // The name is the text's: one text, one name, the same in every process.
    expect(sql('select 1').preparedName).toBe(sql('select 1').preparedName);
    expect(sql('select 1').preparedName).not.toBe(sql('select 2').preparedName);
  });

  it('are sent unnamed with DB_PREPARED_STATEMENTS=off (a transaction-mode pooler)', async () => {
    const saved = process.env.DB_PREPARED_STATEMENTS;
    process.env.DB_PREPARED_STATEMENTS = 'off';
    try {
      // The setting is read when the kit's SQL module loads: a copy of it loaded now reads `off`.
      let kit: typeof import('../../subgraphs/kit/sql') | undefined;
      jest.isolateModules(() => {
        kit = jest.requireActual<typeof import('../../subgraphs/kit/sql')>('../../subgraphs/kit/sql');
      });
      if (!kit) throw new Error('the kit was not loaded');
      const ONLY_HERE = kit.sql<{ id: string }, { id: string }>('select id from notes where id = :id /* unnamed */');
      await orm.em.fork().transactional(async (tx) => {
        expect(await kit!.queryOne(tx, ONLY_HERE, { id: 'n-1' })).toEqual({ id: 'n-1' });
        expect(await queryOne(tx, PREPARED, { name: ONLY_HERE.preparedName })).toBeNull();
      });
    } finally {
      if (saved === undefined) delete process.env.DB_PREPARED_STATEMENTS;
      else process.env.DB_PREPARED_STATEMENTS = saved;
    }
  });
});
