import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';

/** Bytes of log lines kept before a write to stdout. */
export const LOG_BUFFER_BYTES = 4096;

/** The longest a log line waits in the buffer when traffic is low. */
export const LOG_FLUSH_MS = 1000;

/**
 * Stdout, buffered: lines are written once {@link LOG_BUFFER_BYTES} have gathered or every
 * {@link LOG_FLUSH_MS}, not one `write` per line (a request's line cost more than deciding it).
 * On exit, an uncaught error or a graceful shutdown, pino writes what is left synchronously; a
 * process killed outright (SIGKILL, out of memory) loses at most the buffered bytes.
 */
function bufferedStdout(): pino.DestinationStream {
  return pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES, periodicFlush: LOG_FLUSH_MS });
}

/**
 * One JSON logger for Fastify and Nest. Authorization headers and keys are never logged. Lines go
 * to stdout through a small buffer, or to `destination` (tests read what the service logs).
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'ratecard' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', '*.authorization', '*.key', '*.secret'], censor: '[redacted]' },
  };
  return pino(options, destination ?? bufferedStdout());
}

/** Nest's logger interface over pino, so framework messages are JSON lines too. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
