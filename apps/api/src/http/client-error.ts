import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { problem } from './problem';

/**
 * What the HTTP server answers before a request exists (a client too slow to send it, headers too
 * large, bytes that are not HTTP): a problem document like every other error, then the connection
 * closes. Fastify's default wrote its own JSON.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, detail] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'REQUEST_TIMEOUT', 'the request did not arrive within the time the service allows']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'HEADERS_TOO_LARGE', 'the request headers are larger than the service accepts']
        : [400, 'INVALID_REQUEST', 'the request is not valid HTTP'];
  const body = JSON.stringify(problem(status, code, detail));
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/problem+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }
  socket.destroy(error);
}
