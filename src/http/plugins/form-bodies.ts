/**
 * HTML form bodies for the customer-facing pages, registered only inside the route plugin that asks
 * (an encapsulated context), so the JSON API never starts accepting forms by accident.
 * urlencoded is what browsers post; multipart is what RFC 8058 one-click senders SHOULD post.
 * Files are never read, and sizes are capped because a custom stream parser gets no bodyLimit
 * from Fastify.
 */
import formbody from '@fastify/formbody';
import busboy from 'busboy';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.ts';

export type FormBodiesOptions = { bodyLimit: number; multipart?: boolean };

/** The form as parsed: a field maps to its value, or to all values when it was repeated. */
export type FormBody = Record<string, string | string[] | undefined>;

export async function registerFormBodies(app: FastifyInstance, options: FormBodiesOptions): Promise<void> {
  // A parent context may already parse forms; re-adding a parser would throw.
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    await app.register(formbody, { bodyLimit: options.bodyLimit });
  }
  if (options.multipart && !app.hasContentTypeParser('multipart/form-data')) {
    app.addContentTypeParser('multipart/form-data', (request, payload, done) => {
      let settled = false;
      const finish = (err: Error | null, body?: FormBody) => {
        if (settled) return;
        settled = true;
        if (err) payload.resume();
        done(err, body);
      };
      const declared = Number(request.headers['content-length'] ?? 0);
      if (declared > options.bodyLimit) return finish(httpError(413, 'Request body is too large'));
      const fields: FormBody = Object.create(null) as FormBody;
      let parser: busboy.Busboy;
      try {
        parser = busboy({ headers: request.headers, limits: { fields: 20, fieldNameSize: 100, fieldSize: 2048, files: 0, parts: 20 } });
      } catch {
        return finish(httpError(400, 'Malformed multipart body'));
      }
      let size = 0;
      payload.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.bodyLimit) {
          payload.unpipe(parser);
          finish(httpError(413, 'Request body is too large'));
        }
      });
      parser.on('field', (name, value) => {
        const prev = fields[name];
        fields[name] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
      });
      parser.on('file', (_name, stream) => stream.resume());
      parser.on('error', () => finish(httpError(400, 'Malformed multipart body')));
      parser.on('close', () => finish(null, fields));
      payload.pipe(parser);
    });
  }
}

/** One field of a parsed form: the first value if it was repeated, undefined if absent or not text. */
export function formField(body: unknown, name: string): string | undefined {
  if (body === null || typeof body !== 'object' || !Object.hasOwn(body, name)) return undefined;
  const value = (body as FormBody)[name];
  if (typeof value === 'string') return value;
  return Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
}

/** An AppError for the error handler, with `statusCode` for Fastify's own fallback handling. */
function httpError(statusCode: 400 | 413, message: string): AppError {
  const error = new AppError(statusCode === 413 ? 'payload_too_large' : 'validation_failed', message);
  return Object.assign(error, { statusCode });
}
