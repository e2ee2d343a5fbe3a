/**
 * The JSON body parser of the API: Fastify's own (prototype poisoning refused), plus a 400 naming every
 * field that holds a lone UTF-16 surrogate — which JSON can spell but no text field may store.
 */
import type { FastifyInstance } from 'fastify';
import { unpairedSurrogateFields, unpairedSurrogateMessage } from '../../app/unpaired-surrogate-fields.ts';
import { validationError } from '../../errors.ts';

export function registerJsonBodyParser(app: FastifyInstance, options: { bodyLimit?: number } = {}): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}) }, (request, body, done) => {
    parseJson(request, body as string, (err, value) => {
      if (err) return done(err, undefined);
      const broken = unpairedSurrogateFields(value, body as string);
      if (broken.length > 0) return done(validationError(broken.map((field) => ({ field, message: unpairedSurrogateMessage }))), undefined);
      done(null, value);
    });
  });
}
