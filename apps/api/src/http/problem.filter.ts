import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { DecisionDenied, LedgerError } from '@ratecard/ledger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { codeForStatus } from './error-codes';
import { denialStatus, problem, ProblemException, type Problem } from './problem';

/**
 * Every error leaves as `application/problem+json`. Domain errors map by code; a denial carries its
 * decision; anything unexpected is a 500 that is logged with its stack and says nothing inside.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly log = new Logger('http');

  catch(error: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const body = { ...toProblem(error, this.log), instance: request.url.split('?')[0], requestId: String(request.id) };
    sendProblem(reply, body);
  }
}

/** Sends a problem document. */
export function sendProblem(reply: FastifyReply, body: Problem): void {
  if (body.status === 401) void reply.header('www-authenticate', 'Bearer realm="ratecard"');
  if (typeof body.retryAfterSeconds === 'number') void reply.header('retry-after', String(Math.ceil(body.retryAfterSeconds)));
  void reply.status(body.status).header('content-type', 'application/problem+json; charset=utf-8').send(body);
}

/** Maps anything thrown to a problem document. */
export function toProblem(error: unknown, log?: Logger): Problem {
  if (error instanceof ProblemException) return error.problem;
  if (error instanceof DecisionDenied) {
    const { code } = denialStatus(error.decision);
    const detail = error.decision.reasons.find((r) => r.code === code)?.message ?? error.message;
    return problem(code, detail, { decision: error.decision });
  }
  if (error instanceof LedgerError && error.code !== 'DENIED') return problem(error.code, error.message, error.details);
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const message = typeof response === 'string' ? response : ((response as { message?: unknown }).message ?? error.message);
    const text = Array.isArray(message) ? message.join('; ') : String(message);
    if (status === 404) return problem('NOT_FOUND', 'no such route');
    if (status === 400 && /json/i.test(text)) return fastifyProblem(400, /empty/i.test(text) ? 'FST_ERR_CTP_EMPTY_JSON_BODY' : 'FST_ERR_CTP_INVALID_JSON_BODY', text);
    if (status === 413) return fastifyProblem(413, 'FST_ERR_CTP_BODY_TOO_LARGE', text);
    if (status === 415) return fastifyProblem(415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE', text);
    return problem(codeForStatus(status), text);
  }
  const fastify = error as { statusCode?: number; code?: string; message?: string };
  if (typeof fastify.code === 'string' && fastify.code.startsWith('FST_') && typeof fastify.statusCode === 'number' && fastify.statusCode < 500) {
    return fastifyProblem(fastify.statusCode, fastify.code, fastify.message ?? '');
  }
  log?.error((error as Error)?.stack ?? String(error));
  return problem('INTERNAL', 'the service failed to answer this request; it has been logged');
}

/** Fastify's own errors (body parsing, content type, size) as problems. */
export function fastifyProblem(status: number, code: string, message: string): Problem {
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem('BODY_TOO_LARGE', 'the request body is larger than the service accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem('UNSUPPORTED_MEDIA_TYPE', 'send the body as `application/json`');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem('INVALID_JSON', 'the body is empty but the content type says JSON');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problem('INVALID_JSON', 'the body is not valid JSON');
    case 'FST_ERR_BAD_URL':
      return problem('INVALID_REQUEST', 'the URL path is not valid percent-encoding');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return problem('URI_TOO_LONG', 'a path parameter of the URL is longer than the service accepts');
    default:
      return problem(codeForStatus(status), message);
  }
}
