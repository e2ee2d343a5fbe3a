/**
 * The one place errors become responses. AppErrors answer with their catalogue status and message;
 * framework errors (validation, parsing, limits) are translated into the same envelope; anything else
 * is a 5xx that is logged with its request id and answered with a generic message, never its details.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errorCatalogue, type FieldError } from '../errors.ts';
import { validationFields } from './validation-fields.ts';

type ErrorBody = { ok: false; error: { code: string; message: string; fields?: FieldError[] } };

function body(code: string, message: string, fields?: FieldError[]): ErrorBody {
  return { ok: false, error: fields === undefined ? { code, message } : { code, message, fields } };
}

/** Fastify's own client errors, by code, in our words. */
const frameworkErrors: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'Request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', message: 'Unsupported Content-Type: send JSON with "Content-Type: application/json"' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json', message: 'Request body is not valid JSON (or contains a forbidden __proto__ or constructor.prototype key)' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json', message: 'Request body is empty but Content-Type is application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'bad_request', message: 'Request body size does not match Content-Length' },
};

const codeByStatus = new Map<number, string>();
for (const [code, { status }] of Object.entries(errorCatalogue)) if (!codeByStatus.has(status) && status !== 400) codeByStatus.set(status, code);

function sendAppError(error: AppError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
  if (error.code === 'unauthorized') reply.header('www-authenticate', 'Bearer');
  if (error.status >= 500) {
    request.log.error({ err: error }, 'request failed');
    const message = error.code === 'internal' ? `Internal error (request ${request.id})` : error.message;
    return reply.code(error.status).send(body(error.code, message));
  }
  return reply.code(error.status).send(body(error.code, error.message, error.fields));
}

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof AppError) return sendAppError(error, request, reply);
  if (error.validation) {
    const fields = validationFields(error.validation, error.validationContext);
    return reply.code(400).send(body('validation_failed', `Invalid or missing fields: ${fields.map((f) => f.field).join(', ')}`, fields));
  }
  const known = error.code === undefined ? undefined : frameworkErrors[error.code];
  if (known) return reply.code(known.status).send(body(known.code, known.message));
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // Fastify's remaining client errors (bad URL, ...) carry messages written for clients.
    return reply.code(status).send(body(codeByStatus.get(status) ?? 'bad_request', error.message));
  }
  request.log.error({ err: error }, 'request failed');
  return reply.code(500).send(body('internal', `Internal error (request ${request.id})`));
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = request.url.split('?')[0];
  return reply.code(404).send(body('not_found', `No route ${request.method} ${path}`));
}
