import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs on stdout. Redaction is configured here once so that no subgraph can log a
 * password, token or Authorization header by accident.
 */
export function createLogger(service: string): Logger {
  return pino({
    base: { service, pid: process.pid },
    level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'password',
        '*.password',
        'token',
        '*.token',
        'authorization',
        '*.authorization',
        'headers.authorization',
        'variables.input.password',
      ],
      censor: '[redacted]',
    },
  });
}
