import { projection, sql } from '../../../kit/domain';
import { SavedReportSchema } from '../../entities';
import type { ReportStatus, ReportType, SavedReport } from '../types';

/**
 * Statements on saved_reports (ADR 0022): the request, the lists, and the report job's claim, lease
 * and outcome (domain/saved-reports.ts). Every write of the job is conditional on its claim, so a
 * process whose claim was taken over writes nothing.
 */

const REPORT = projection(SavedReportSchema);

export const INSERT_REPORT = sql<
  { id: string; type: ReportType; from: string; to: string; storeId: string | null; requestedBy: string },
  SavedReport
>(
  `insert into saved_reports (id, type, period_from, period_to, store_id, requested_by)
   values (:id, :type, :from::date, :to::date, :storeId, :requestedBy)
   returning ${REPORT.columns}`,
  { row: REPORT },
);

export const REPORTS_BY_IDS = sql<{ ids: readonly string[] }, SavedReport>(
  `select ${REPORT.columns} from saved_reports where id = any(:ids::text[])`,
  { row: REPORT },
);

/** Which reports a list shows: one store's or all (null), of one status or any (null). */
export interface ReportListFilter {
  storeId: string | null;
  status: ReportStatus | null;
}

/**
 * The list's filter, one statement for every combination: PostgreSQL plans each statement with its
 * values, so a null parameter's condition folds away and saved_reports_store_seq_idx still serves a
 * store's list.
 */
const REPORT_FILTER = `(:storeId::text is null or store_id = :storeId)
     and (:status::text is null or status = :status)`;

/** Up to :limit reports newest first, before the keyset :beforeSeq (null: from the newest). */
export const REPORTS_PAGE = sql<ReportListFilter & { beforeSeq: string | null; limit: number }, SavedReport>(
  `select ${REPORT.columns} from saved_reports
    where ${REPORT_FILTER}
      and (:beforeSeq::bigint is null or seq < :beforeSeq::bigint)
    order by seq desc
    limit :limit`,
  { row: REPORT },
);

export const COUNT_REPORTS = sql<ReportListFilter, { n: number }>(
  `select count(*)::int as n from saved_reports where ${REPORT_FILTER}`,
);

/**
 * Claims the oldest PENDING report that no live process holds, for :leaseMs, counting the attempt.
 * SKIP LOCKED: several processes claiming at once each take a different report (or none).
 */
export const CLAIM_REPORT = sql<{ claimer: string; leaseMs: number }, SavedReport>(
  `update saved_reports
      set claimed_by = :claimer, lease_until = now() + (:leaseMs * interval '1 millisecond'),
          attempts = attempts + 1
    where id = (
      -- the oldest one waiting whose lease, if any, has run out
      select id from saved_reports
       where status = 'PENDING' and (lease_until is null or lease_until < now())
       order by seq
       limit 1
         for update skip locked)
   returning ${REPORT.columns}`,
  { row: REPORT },
);

/** Bounds every later statement of the current transaction (set_config's `true`: local to it). */
export const SET_STATEMENT_TIMEOUT = sql<{ ms: string }>(`select set_config('statement_timeout', :ms, true)`);

/** READY with its figures, if :claimer still holds the claim. */
export const FINISH_REPORT = sql<{ id: string; claimer: string; data: string }>(
  `update saved_reports
      set status = 'READY', data = :data::jsonb, generated_at = now(), claimed_by = null, lease_until = null
    where id = :id and claimed_by = :claimer and status = 'PENDING'`,
);

/** FAILED with a reason a client may read, if :claimer still holds the claim (null: whoever holds it). */
export const FAIL_REPORT = sql<{ id: string; claimer: string | null; reason: string }>(
  `update saved_reports
      set status = 'FAILED', failure_reason = :reason, claimed_by = null, lease_until = null
    where id = :id and status = 'PENDING' and (:claimer::text is null or claimed_by = :claimer)`,
);

/** Gives the claim back; no process claims the report again before :retryInMs have passed. */
export const RELEASE_REPORT = sql<{ id: string; claimer: string; retryInMs: number }>(
  `update saved_reports
      set claimed_by = null, lease_until = now() + (:retryInMs * interval '1 millisecond')
    where id = :id and claimed_by = :claimer`,
);
