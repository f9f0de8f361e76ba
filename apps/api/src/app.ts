import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { Ledger } from '@ratecard/ledger';
import { AppModule, type AppOptions } from './app.module';
import type { AppConfig } from './config';
import type { AuthedRequest } from './http/auth';
import { clientErrorHandler } from './http/client-error';
import { useJsonBodyParser } from './http/json-body';
import { useTextGuard } from './http/text-guard';
import { problem } from './http/problem';
import { sendProblem, toProblem } from './http/problem.filter';
import { createLogger, PinoNestLogger } from './ops/logger';
import { useStudio } from './studio/studio';
import { MetricsService } from './ops/metrics.service';

const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * Builds the service (not listening): Fastify with JSON logs and request ids, the Nest app,
 * problem documents for every error, the OpenAPI document at /docs. Tests call this with a frozen
 * clock and listen on port 0.
 */
export async function createApp(config: AppConfig, options: AppOptions & { logger?: Logger } = {}): Promise<NestFastifyApplication> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    // We write one line per request ourselves (onResponse below).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    // Given to Node's server when it is made: Fastify sets requestTimeout on it afterwards, which on
    // Node 20 cuts a client stalling its headers but not one stalling its body (such a connection
    // stayed open indefinitely). Connections are checked every second instead of every 30 s.
    http: { requestTimeout: config.requestTimeoutMs, connectionsCheckingInterval: Math.min(config.requestTimeoutMs, 1000) },
    clientErrorHandler,
    requestIdHeader: false,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
    // Errors the router raises before any handler (a path that does not decode, a parameter over
    // 100 characters) are problem documents too, not Fastify's own JSON.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => sendProblem(reply, { ...toProblem(error), instance: request.url.split('?')[0], requestId: String(request.id) }),
  });
  // bodyParser: false keeps Nest from adding a form parser: bodies are JSON only, anything else is a 415.
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options), adapter, { logger: new PinoNestLogger(logger), abortOnError: false, bodyParser: false });
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  fastify.removeContentTypeParser('text/plain');
  useJsonBodyParser(fastify);
  useTextGuard(fastify);
  const metrics = app.get(MetricsService);

  // Once closing, every answer closes its connection: the server closes the connections that are
  // idle when it starts closing, but a keep-alive connection that goes idle after that would keep
  // the process alive until its keep-alive timeout (72 s), long after the last request.
  let closing = false;
  fastify.addHook('preClose', async () => {
    closing = true;
  });
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    if (closing) void reply.header('connection', 'close');
  });
  // One log line per request.
  fastify.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.http.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    request.log.info(
      { method: request.method, route, url: request.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100, key: (request as AuthedRequest).apiKey?.id },
      'request',
    );
  });

  // Shutdown order: the server stops accepting, in-flight requests finish, then (here) queued charges
  // settle and buffered quote log rows are written, then Nest closes the database.
  const ledger = app.get(Ledger);
  fastify.addHook('onClose', async () => {
    await ledger.close();
  });

  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('ratecard')
      .setDescription(
        'Pricing and entitlement decisions and an append-only credit ledger. Credits are exact: amounts are numbers in credits (0.5 stays 0.5) with an integer `*Millicredits` twin. Every `/v1` route needs `Authorization: Bearer <key>`; errors are `application/problem+json` with a `code`.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'docs/openapi.json', yamlDocumentUrl: 'docs/openapi.yaml' });
  await useStudio(app, config.studioDir);
  // SIGTERM or SIGINT: close as above, then exit with code 0 (Nest would re-raise the signal, and the
  // process would end as killed by it).
  app.enableShutdownHooks([], { useProcessExit: true });
  await app.init();
  return app;
}
