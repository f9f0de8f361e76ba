import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { problem } from '../http/problem';
import { sendProblem } from '../http/problem.filter';

/**
 * The Studio's page: no inline script, only this origin; styles may be inline (the editor injects
 * its own), images may be data: URLs (the icon).
 */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

/**
 * Serves the Studio (apps/studio, built into `dir` by `npm run build`) at `/studio`: hashed assets
 * under `/studio/assets/` cached for a year (immutable; pre-compressed `.br`/`.gz` when the browser
 * accepts them), and `index.html` for every other `/studio` path so the app's own routes load on
 * reload (history API fallback), revalidated on each visit. It only ever talks to the public API.
 * Without a build, `/studio` answers a 404 problem that says how to build it.
 */
export async function useStudio(app: NestFastifyApplication, dir: string): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  const indexFile = join(dir, 'index.html');
  if (!existsSync(indexFile)) {
    const missing = (request: FastifyRequest, reply: FastifyReply) =>
      sendProblem(reply, { ...problem('STUDIO_NOT_BUILT', `the Studio is not built in \`${dir}\`: run \`npm run build\` (or set STUDIO_DIR)`), instance: request.url.split('?')[0], requestId: String(request.id) });
    fastify.get('/studio', missing);
    fastify.get('/studio/*', missing);
    return;
  }
  await app.register(fastifyStatic, {
    root: join(dir, 'assets'),
    prefix: '/studio/assets/',
    decorateReply: false,
    index: false,
    list: false,
    dotfiles: 'ignore',
    // Built assets are flat files; anything else (a directory, a nested path) is a 404, not an error.
    allowedPath: (path) => /^\/?[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(path),
    preCompressed: true,
    immutable: true,
    maxAge: '365d',
    setHeaders: (reply) => void reply.header('x-content-type-options', 'nosniff'),
  });
  // Read on each visit (it is under 1 KB): a rebuild while the service runs is served at once.
  const page = async (_request: FastifyRequest, reply: FastifyReply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'no-referrer')
      .send(await readFile(indexFile));
  fastify.get('/studio', page);
  fastify.get('/studio/*', page);
}
