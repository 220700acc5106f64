/**
 * The kit's saga engine on its own (PostgreSQL): a toy trip saga on a table of its own, whose steps
 * answer as each test scripts them. What every declared saga (checkout, the POS sale, returns) relies
 * on: the step persisted before its call and the move after it, compensation in reverse, recovery
 * from a crash, lease fencing, reversal, and the transition table.
 */
import { EntitySchema, type EntityManager, type MikroORM } from '@mikro-orm/postgresql';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { sagaColumns, text, timestamps } from '../../subgraphs/kit/columns';
import { openOrm } from '../../subgraphs/kit/db';
import { createLogger } from '../../subgraphs/kit/logger';
import type { StepResult } from '../../subgraphs/kit/ports';
import { projection } from '../../subgraphs/kit/projection';
import {
  defineSaga,
  IllegalTransition,
  LeaseLost,
  recoveryOwner,
  type SagaColumns,
  type SagaRun,
  type TransitionTable,
} from '../../subgraphs/kit/saga';
import { queryOne, sql } from '../../subgraphs/kit/sql';

type State =
  'PENDING' | 'FLIGHT_BOOKED' | 'HOTEL_BOOKED' | 'DONE' | 'UNDOING' | 'UNDONE' | 'ABORTED' | 'REVERSING' | 'REVERSED';
type Step = 'BOOK_FLIGHT' | 'BOOK_HOTEL' | 'CHARGE' | 'CANCEL_FLIGHT' | 'CANCEL_HOTEL' | 'REFUND';

interface Trip extends SagaColumns<Step> {
  id: string;
  status: State;
  createdAt: Date;
  updatedAt: Date;
}

const TripSchema = new EntitySchema<Trip>({
  name: 'Trip',
  tableName: 'trips',
  properties: { id: { ...text, primary: true }, status: text, ...sagaColumns, ...timestamps },
});
const TRIP = projection(TripSchema);

const TRANSITIONS: TransitionTable<State> = {
  PENDING: ['FLIGHT_BOOKED', 'ABORTED', 'UNDOING'],
  FLIGHT_BOOKED: ['HOTEL_BOOKED', 'UNDOING'],
  HOTEL_BOOKED: ['DONE', 'UNDOING'],
  DONE: ['REVERSING'],
  UNDOING: ['UNDONE'],
  UNDONE: [],
  ABORTED: [],
  REVERSING: ['REVERSED', 'DONE'],
  REVERSED: [],
};

/** What each step answers next (default: success), the calls made, and the row as each call saw it. */
const script: Partial<Record<Step, StepResult[]>> = {};
const calls: string[] = [];
const seenBeforeCall: { step: string; row: Pick<Trip, 'status' | 'step' | 'attempts'> }[] = [];
let crashAfter: Step | null = null;

type TripRun = SagaRun<Trip>;
const log = createLogger('saga-test');
let orm: MikroORM;
const fresh = () => orm.em.fork() as EntityManager;
const READ = sql<{ id: string }, Trip>(`select ${TRIP.columns} from trips where id = :id`, { row: TRIP });
const read = async (id: string) => (await queryOne(fresh(), READ, { id }))!;

function act(step: Step) {
  return async (run: TripRun): Promise<StepResult> => {
    const row = await read(run.lease.id);
    seenBeforeCall.push({ step, row: { status: row.status, step: row.step, attempts: row.attempts } });
    calls.push(step);
    return script[step]?.shift() ?? { ok: true, value: undefined };
  };
}

const TRIPS = defineSaga<State, Step, Trip, TripRun>({
  name: 'trip',
  noun: 'trip',
  table: {
    table: 'trips',
    key: 'id',
    stateColumn: 'status',
    stateOf: (row) => row.status,
    keyOf: (row) => row.id,
    row: TRIP,
  },
  initial: 'PENDING',
  steps: [
    {
      name: 'BOOK_FLIGHT',
      reaches: 'FLIGHT_BOOKED',
      action: act('BOOK_FLIGHT'),
      compensation: 'CANCEL_FLIGHT',
      onFailure: (f) => (f.transient ? 'retry' : 'abort'),
    },
    { name: 'BOOK_HOTEL', reaches: 'HOTEL_BOOKED', action: act('BOOK_HOTEL'), compensation: 'CANCEL_HOTEL' },
    { name: 'CHARGE', reaches: 'DONE', action: act('CHARGE') },
  ],
  compensations: [
    { name: 'CANCEL_FLIGHT', action: act('CANCEL_FLIGHT') },
    { name: 'CANCEL_HOTEL', action: act('CANCEL_HOTEL') },
    { name: 'REFUND', action: act('REFUND') },
  ],
  aborted: 'ABORTED',
  failed: { during: 'UNDOING', done: 'UNDONE' },
  reversal: { during: 'REVERSING', done: 'REVERSED', steps: ['REFUND', 'CANCEL_HOTEL'], refused: 'restore' },
  transitions: TRANSITIONS,
  open: ['PENDING', 'FLIGHT_BOOKED', 'HOTEL_BOOKED', 'UNDOING', 'REVERSING'],
  afterStep: (_run, step) => {
    // A process that dies after a step's call answered and before its move was written.
    if (step === crashAfter) throw new Error(`crashed after ${step}`);
  },
});

const INSERT = sql<{ id: string; owner: string }, Trip>(
  `insert into trips (id, status, owner, step, attempts) values (:id, 'PENDING', :owner, 'BOOK_FLIGHT', 1)
   returning ${TRIP.columns}`,
  { row: TRIP },
);

let n = 0;
async function newTrip(owner = 'live'): Promise<TripRun> {
  n += 1;
  const id = `trip-${n}`;
  const row = (await queryOne(fresh(), INSERT, { id, owner }))!;
  return { em: fresh(), log, lease: { id, owner }, row };
}

const refused = (code: string): StepResult => ({ ok: false, transient: false, code, message: `${code} said no` });
const noAnswer: StepResult = { ok: false, transient: true, code: 'TIMEOUT', message: 'no answer' };

describe('the kit saga engine (PostgreSQL)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await freshDatabase('saga_engine');
    orm = await openOrm({ url: db.url, entities: [TripSchema], migrations: [] });
    await orm.schema.createSchema();
  });
  afterAll(async () => {
    await orm.close();
    await db.drop();
  });
  beforeEach(() => {
    for (const k of Object.keys(script)) delete script[k as Step];
    calls.length = 0;
    seenBeforeCall.length = 0;
    crashAfter = null;
  });

  it('persists each step before its call and each move after it, to the end', async () => {
    const run = await newTrip();
    const { row } = await TRIPS.drive(run, 'BOOK_FLIGHT');
    expect(calls).toEqual(['BOOK_FLIGHT', 'BOOK_HOTEL', 'CHARGE']);
    // Every call found its own step already recorded, attempt 1, in the state it runs from.
    expect(seenBeforeCall.map((s) => s.row)).toEqual([
      { status: 'PENDING', step: 'BOOK_FLIGHT', attempts: 1 },
      { status: 'FLIGHT_BOOKED', step: 'BOOK_HOTEL', attempts: 1 },
      { status: 'HOTEL_BOOKED', step: 'CHARGE', attempts: 1 },
    ]);
    expect(row).toMatchObject({ status: 'DONE', step: null, attempts: 0, lastError: null });
    expect(await read(run.lease.id)).toEqual(row);
  });

  it('a crash after a call answered leaves the step in flight; recovery runs it again and finishes', async () => {
    const run = await newTrip();
    crashAfter = 'BOOK_HOTEL';
    await TRIPS.drive(run, 'BOOK_FLIGHT');
    expect(await read(run.lease.id)).toMatchObject({ status: 'FLIGHT_BOOKED', step: 'BOOK_HOTEL', attempts: 1 });
    crashAfter = null;
    const owner = recoveryOwner('test', 'crash');
    const claim = { owner, stuckAfterMs: 0, limit: 10 };
    const resumed = await TRIPS.recover(fresh(), claim, (row) => ({
      em: fresh(),
      log,
      lease: { id: row.id, owner },
      row,
    }));
    expect(resumed).toBeGreaterThanOrEqual(1);
    expect(await read(run.lease.id)).toMatchObject({ status: 'DONE', owner });
    // The step in flight ran again (steps are idempotent), and counted as a second attempt.
    expect(calls).toEqual(['BOOK_FLIGHT', 'BOOK_HOTEL', 'BOOK_HOTEL', 'CHARGE']);
    expect(seenBeforeCall[2]!.row).toEqual({ status: 'FLIGHT_BOOKED', step: 'BOOK_HOTEL', attempts: 2 });
  });

  it('a refused step is compensated in reverse: the steps done, and the one in flight when it has a compensation', async () => {
    script.CHARGE = [refused('CARD_DECLINED')];
    const run = await newTrip();
    const { row, refusal } = await TRIPS.drive(run, 'BOOK_FLIGHT');
    expect(refusal).toEqual({ code: 'CARD_DECLINED', message: 'CARD_DECLINED said no' });
    expect(calls).toEqual(['BOOK_FLIGHT', 'BOOK_HOTEL', 'CHARGE', 'CANCEL_HOTEL', 'CANCEL_FLIGHT']);
    expect(row).toMatchObject({
      status: 'UNDONE',
      compensateFrom: 'HOTEL_BOOKED',
      compensationsDone: ['CANCEL_HOTEL', 'CANCEL_FLIGHT'],
      failureCode: 'CARD_DECLINED',
      step: null,
    });
  });

  it('a refusal that held nothing aborts without compensating', async () => {
    script.BOOK_FLIGHT = [refused('SOLD_OUT')];
    const { row } = await TRIPS.drive(await newTrip(), 'BOOK_FLIGHT');
    expect(calls).toEqual(['BOOK_FLIGHT']);
    expect(row).toMatchObject({ status: 'ABORTED', failureCode: 'SOLD_OUT', lastError: 'SOLD_OUT said no' });
  });

  it('an unknown outcome waits where it is; a resumed compensation repeats none already done', async () => {
    script.BOOK_FLIGHT = [noAnswer];
    const waiting = await newTrip();
    const first = await TRIPS.drive(waiting, 'BOOK_FLIGHT');
    expect(first.row).toMatchObject({ status: 'PENDING', step: 'BOOK_FLIGHT', lastError: 'BOOK_FLIGHT: no answer' });

    script.CHARGE = [refused('CARD_DECLINED')];
    script.CANCEL_FLIGHT = [noAnswer];
    const run = await newTrip();
    await TRIPS.drive(run, 'BOOK_FLIGHT');
    expect(await read(run.lease.id)).toMatchObject({
      status: 'UNDOING',
      step: 'CANCEL_FLIGHT',
      compensationsDone: ['CANCEL_HOTEL'],
    });
    calls.length = 0;
    const again = await TRIPS.drive({ ...run, em: fresh(), row: await read(run.lease.id) });
    expect(calls).toEqual(['CANCEL_FLIGHT']);
    expect(again.row).toMatchObject({ status: 'UNDONE', compensationsDone: ['CANCEL_HOTEL', 'CANCEL_FLIGHT'] });
  });

  it('a taken-over saga fences its previous runner off (lease)', async () => {
    const run = await newTrip();
    script.BOOK_FLIGHT = [noAnswer];
    await TRIPS.drive(run, 'BOOK_FLIGHT');
    const claimed = await TRIPS.claimStale(fresh(), run.lease.id, 'someone-else', 0);
    expect(claimed?.owner).toBe('someone-else');
    // The previous runner's next write changes nothing.
    await expect(TRIPS.markStep({ ...run, em: fresh() }, 'BOOK_FLIGHT')).rejects.toBeInstanceOf(LeaseLost);
    const stale = await TRIPS.drive({ ...run, em: fresh(), row: await read(run.lease.id) });
    expect(stale.row.status).toBe('PENDING');
    expect((await read(run.lease.id)).owner).toBe('someone-else');
  });

  it('a completed saga is undone by its reversal, and a refused reversal restores it', async () => {
    const done = await newTrip();
    await TRIPS.drive(done, 'BOOK_FLIGHT');
    const taken = await TRIPS.takeOver(
      { em: fresh(), log, lease: { id: done.lease.id, owner: 'cancel' } },
      { from: ['DONE'] },
    );
    expect(taken).toMatchObject({ status: 'REVERSING', step: 'REFUND', attempts: 1, compensateFrom: 'DONE' });
    calls.length = 0;
    const reversed = await TRIPS.drive(
      { em: fresh(), log, lease: { id: done.lease.id, owner: 'cancel' }, row: taken! },
      'REFUND',
    );
    expect(calls).toEqual(['REFUND', 'CANCEL_HOTEL']);
    expect(reversed.row).toMatchObject({ status: 'REVERSED', compensationsDone: ['REFUND', 'CANCEL_HOTEL'] });

    const kept = await newTrip();
    await TRIPS.drive(kept, 'BOOK_FLIGHT');
    script.CANCEL_HOTEL = [refused('NON_REFUNDABLE')];
    const lease = { id: kept.lease.id, owner: 'cancel-2' };
    const row = (await TRIPS.takeOver({ em: fresh(), log, lease }, { from: ['DONE'] }))!;
    const restored = await TRIPS.drive({ em: fresh(), log, lease, row }, 'REFUND');
    expect(restored.refusal?.code).toBe('NON_REFUNDABLE');
    expect(restored.row).toMatchObject({ status: 'DONE', lastError: 'NON_REFUNDABLE said no' });
    // Only a saga in one of `from` is taken over.
    expect(
      await TRIPS.takeOver({ em: fresh(), log, lease: { id: kept.lease.id, owner: 'x' } }, { from: ['PENDING'] }),
    ).toBeNull();
  });

  it('refuses a move the transition table does not allow, recording why on the row', async () => {
    const run = await newTrip();
    await expect(TRIPS.move(run, { from: 'PENDING', to: 'DONE' })).rejects.toBeInstanceOf(IllegalTransition);
    expect(await read(run.lease.id)).toMatchObject({
      status: 'PENDING',
      lastError: expect.stringContaining('PENDING -> DONE is not an allowed transition'),
    });
  });
});
