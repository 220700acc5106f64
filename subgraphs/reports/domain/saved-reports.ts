/**
 * Saved reports: generateReport stores a PENDING request; the report job (report-job.ts) claims one
 * at a time with FOR UPDATE SKIP LOCKED (so several reports processes never take the same one), under
 * a lease: a claim whose process died is taken over once the lease has run out, so a restart loses
 * nothing. The figures are computed in one REPEATABLE READ transaction (one snapshot of the read
 * models), then the report becomes READY with them, or FAILED with a reason after a few attempts.
 */
import { randomUUID } from 'node:crypto';
import { IsolationLevel, type EntityManager } from '@mikro-orm/postgresql';
import { execute, pgErrorCode, queryOne, queryRows, type DbContext, type DomainContext } from '../../kit/domain';
import { assertCanReadScope, readScope } from './access';
import { periodOrError } from './calendar';
import { userError, type ReportsUserError } from './errors';
import { categoryFigures, MAX_TOP_PRODUCTS, salesSummary, storesFigures, topProducts, ZERO } from './queries';
import {
  CLAIM_REPORT,
  COUNT_REPORTS,
  FAIL_REPORT,
  FINISH_REPORT,
  INSERT_REPORT,
  RELEASE_REPORT,
  REPORTS_BY_IDS,
  REPORTS_PAGE,
  SET_STATEMENT_TIMEOUT,
  type ReportListFilter,
} from './sql/saved-reports';
import type { PerformanceSnapshot, ReportStatus, ReportType, SalesSnapshot, SavedReport, Scope } from './types';

const MAX_STORE_ID = 100;

export interface GenerateReportInput {
  type: ReportType;
  period: { from: string; to: string };
  storeId?: string | null;
}

export interface GenerateReportResult {
  report: SavedReport | null;
  errors: ReportsUserError[];
}

/** Records a PENDING report for the caller's scope (a MANAGER's own store; ADMIN any or the chain). */
export async function generateReport(ctx: DomainContext, input: GenerateReportInput): Promise<GenerateReportResult> {
  const storeId = input.storeId?.trim() || null;
  if (storeId !== null && (storeId.length > MAX_STORE_ID || /[\u0000-\u001f\u007f]/.test(storeId))) {
    return {
      report: null,
      errors: [userError('INVALID_STORE', `A store id has 1 to ${MAX_STORE_ID} characters`, ['input', 'storeId'])],
    };
  }
  // Authorisation first: another store's manager learns nothing from validation messages.
  const scope = readScope(ctx, storeId);
  const errors: ReportsUserError[] = [];
  const period = periodOrError(input.period, ['input', 'period']);
  if (!period.ok) errors.push(period.error);
  if (input.type === 'STORE_PERFORMANCE' && scope.kind !== 'store') {
    errors.push(userError('INVALID_STORE', 'A STORE_PERFORMANCE report needs a storeId', ['input', 'storeId']));
  }
  if (!period.ok || errors.length > 0) return { report: null, errors };
  const report = await queryOne(ctx.em, INSERT_REPORT, {
    id: `rep-${randomUUID()}`,
    type: input.type,
    from: period.value.from,
    to: period.value.to,
    storeId: scope.kind === 'store' ? scope.storeId : null,
    requestedBy: ctx.identity?.sub ?? 'unknown',
  });
  return { report, errors: [] };
}

/** Refuses a report of another store to a MANAGER, and the chain's reports to anyone but ADMIN. */
export function assertCanSeeReport(ctx: Pick<DomainContext, 'identity'>, report: SavedReport): void {
  assertCanReadScope(ctx, report.storeId === null ? { kind: 'chain' } : { kind: 'store', storeId: report.storeId });
}

/** A saved report read by id for the caller: null when there is none, FORBIDDEN when not theirs to see. */
export function visibleReport(ctx: Pick<DomainContext, 'identity'>, report: SavedReport | null): SavedReport | null {
  if (report) assertCanSeeReport(ctx, report);
  return report;
}

/** What a saved report's figures are: its snapshot, by type, once it is READY; nothing before. */
export type ReportSnapshot =
  { type: 'SALES'; data: SalesSnapshot } | { type: 'STORE_PERFORMANCE'; data: PerformanceSnapshot };

export function snapshotOf(report: SavedReport): ReportSnapshot | null {
  if (report.status !== 'READY' || report.data === null) return null;
  return report.type === 'STORE_PERFORMANCE'
    ? { type: 'STORE_PERFORMANCE', data: report.data as PerformanceSnapshot }
    : { type: 'SALES', data: report.data as SalesSnapshot };
}

export async function reportsByIds(ctx: DbContext, ids: readonly string[]): Promise<SavedReport[]> {
  return queryRows(ctx.em, REPORTS_BY_IDS, { ids });
}

export interface ReportFilter {
  scope: Scope;
  status: ReportStatus | null;
}

function listFilter(f: ReportFilter): ReportListFilter {
  return { storeId: f.scope.kind === 'store' ? f.scope.storeId : null, status: f.status };
}

/** A page of reports newest first, keyset on seq (first + 1 rows: the extra one says hasNextPage). */
export async function reportsPage(
  ctx: DbContext,
  input: { filter: ReportFilter; first: number; beforeSeq: string | null },
): Promise<SavedReport[]> {
  return queryRows(ctx.em, REPORTS_PAGE, {
    ...listFilter(input.filter),
    beforeSeq: input.beforeSeq,
    limit: input.first + 1,
  });
}

export async function countReports(ctx: DbContext, filter: ReportFilter): Promise<number> {
  const row = await queryOne(ctx.em, COUNT_REPORTS, listFilter(filter));
  return row?.n ?? 0;
}

// ---------- the job ----------

export interface JobSettings {
  /** This process, written into the claim. */
  claimer: string;
  /** How long a claim holds before another process may take the report over. */
  leaseMs: number;
  /** Claims of one report before it is FAILED. */
  maxAttempts: number;
  /** Longest a report's figures may take (statement_timeout of the generating transaction). */
  timeoutMs: number;
}

/** Claims the oldest PENDING report not claimed by a live process, or null. */
export async function claimReport(ctx: DbContext, s: JobSettings): Promise<SavedReport | null> {
  return queryOne(ctx.em, CLAIM_REPORT, { claimer: s.claimer, leaseMs: s.leaseMs });
}

/** The figures of a report, computed from one snapshot of the read models. */
export async function computeReport(
  ctx: DbContext,
  report: Pick<SavedReport, 'type' | 'periodFrom' | 'periodTo' | 'storeId'>,
  timeoutMs: number,
): Promise<SalesSnapshot | PerformanceSnapshot> {
  const period = { from: report.periodFrom, to: report.periodTo };
  const scope: Scope = report.storeId === null ? { kind: 'chain' } : { kind: 'store', storeId: report.storeId };
  return ctx.em.transactional(
    async (em) => {
      const tx = { em: em as EntityManager };
      await execute(tx.em, SET_STATEMENT_TIMEOUT, { ms: String(Math.max(1, Math.round(timeoutMs))) });
      if (report.type === 'STORE_PERFORMANCE') {
        const storeId = report.storeId ?? '';
        const [found] = await storesFigures(tx, { period, storeIds: [storeId] });
        return { storeId, figures: found ?? ZERO } satisfies PerformanceSnapshot;
      }
      const summary = await salesSummary(tx, { period, scope });
      const byCategory = await categoryFigures(tx, { period, scope });
      const top = await topProducts(tx, { period, scope, limit: MAX_TOP_PRODUCTS });
      return { ...summary, byCategory, topProducts: top } satisfies SalesSnapshot;
    },
    { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true },
  );
}

/** READY with its figures, if this process still holds the claim (a taken-over claim writes nothing). */
async function finish(ctx: DbContext, s: JobSettings, id: string, data: unknown): Promise<boolean> {
  const n = await execute(ctx.em, FINISH_REPORT, { id, claimer: s.claimer, data: JSON.stringify(data) });
  return n === 1;
}

async function fail(ctx: DbContext, s: JobSettings | null, id: string, reason: string): Promise<void> {
  await execute(ctx.em, FAIL_REPORT, { id, claimer: s?.claimer ?? null, reason });
}

/** Gives the claim back so that a later pass retries, a little later each time. */
async function release(ctx: DbContext, s: JobSettings, id: string, attempts: number): Promise<void> {
  await execute(ctx.em, RELEASE_REPORT, {
    id,
    claimer: s.claimer,
    retryInMs: Math.min(60_000, 1_000 * 2 ** attempts),
  });
}

/** A reason a client may read: no SQL, no stack. */
function failureReason(err: unknown, s: JobSettings): string {
  if (pgErrorCode(err) === '57014')
    return `The figures took longer than ${Math.round(s.timeoutMs / 1000)} s to compute`;
  return 'The figures could not be computed';
}

export type Compute = typeof computeReport;

export interface JobPassResult {
  ready: number;
  failed: number;
  retried: number;
}

/**
 * One pass of the report job: claims and produces reports until none is waiting or `max` were
 * handled. A report that failed `maxAttempts` times (its generation failing, or its process dying
 * each time) is FAILED with the last reason.
 */
export async function runReportJob(
  ctx: DomainContext,
  s: JobSettings,
  opts: { max: number; compute?: Compute },
): Promise<JobPassResult> {
  const compute = opts.compute ?? computeReport;
  const result: JobPassResult = { ready: 0, failed: 0, retried: 0 };
  for (let i = 0; i < opts.max; i++) {
    const report = await claimReport(ctx, s);
    if (!report) break;
    if (report.attempts > s.maxAttempts) {
      await fail(ctx, s, report.id, `Gave up after ${s.maxAttempts} attempts (the job stopped each time)`);
      result.failed++;
      continue;
    }
    try {
      const data = await compute(ctx, report, s.timeoutMs);
      if (await finish(ctx, s, report.id, data)) result.ready++;
    } catch (err) {
      ctx.log.warn({ err, reportId: report.id, attempt: report.attempts }, 'report generation failed');
      if (report.attempts >= s.maxAttempts) {
        await fail(ctx, s, report.id, failureReason(err, s));
        result.failed++;
      } else {
        await release(ctx, s, report.id, report.attempts);
        result.retried++;
      }
    }
  }
  return result;
}
