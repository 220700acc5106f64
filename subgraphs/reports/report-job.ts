import { startPeriodic, type PeriodicTask } from '../kit';
import type { DomainContext } from '../kit/domain';
import { runReportJob, type Compute, type JobSettings } from './domain/saved-reports';
import type { ReportsMetrics } from './metrics';

/** Reports handled per pass at most, so that one pass never runs for long. */
const PER_PASS = 10;

/**
 * The saved-report job (domain/saved-reports.ts) at start and every intervalMs, and on demand right
 * after generateReport (`runNow`): passes never overlap. A restart picks up what was PENDING, and a
 * claim whose process died is taken over when its lease runs out.
 */
export function startReportJob(opts: {
  makeContext: () => DomainContext;
  settings: JobSettings;
  intervalMs: number;
  metrics: ReportsMetrics;
  /** Tests replace the computation (a failure, a slow report). */
  compute?: Compute;
}): PeriodicTask {
  return startPeriodic({
    name: 'report job pass',
    log: opts.makeContext().log,
    intervalMs: opts.intervalMs,
    pass: async () => {
      const r = await runReportJob(opts.makeContext(), opts.settings, { max: PER_PASS, compute: opts.compute });
      opts.metrics.reports('ready', r.ready);
      opts.metrics.reports('failed', r.failed);
      opts.metrics.reports('retried', r.retried);
      return r.ready + r.failed;
    },
  });
}
