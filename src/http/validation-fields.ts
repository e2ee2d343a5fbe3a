/**
 * Turns schema validation errors (Ajv's or TypeBox's — both use Ajv's shape, with different params)
 * into the API's `fields`: one entry per offending field, named by its dotted path, so a client can
 * show every problem at once instead of fixing them one request at a time.
 */
import type { FastifySchemaValidationError } from 'fastify';
import type { FieldError } from '../errors.ts';

type Context = string | undefined;

const UNKNOWN_FIELD = 'is not a known field';

function pointerToField(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function join(parent: string, child: string): string {
  return parent === '' ? child : `${parent}.${child}`;
}

function typeMessage(type: unknown): string {
  const name = String(type);
  if (name === 'object') return 'must be a JSON object';
  if (name === 'array') return 'must be an array';
  return `must be ${/^[aeiou]/.test(name) ? 'an' : 'a'} ${name}`;
}

function* fieldsOf(e: FastifySchemaValidationError, context: Context): Generator<FieldError> {
  const at = pointerToField(e.instancePath);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      // Ajv names one property per error; TypeBox lists them all in one error.
      const names = Array.isArray(params.requiredProperties) ? params.requiredProperties : [params.missingProperty];
      for (const n of names) yield { field: join(at, String(n)), message: 'is required' };
      return;
    }
    case 'additionalProperties': {
      const names = Array.isArray(params.additionalProperties) ? params.additionalProperties : [params.additionalProperty];
      for (const n of names) yield { field: join(at, String(n)), message: UNKNOWN_FIELD };
      return;
    }
    case 'boolean':
      // TypeBox reports `additionalProperties: false` per offending key as a failed `false` schema.
      if (e.schemaPath.endsWith('/additionalProperties')) yield { field: at, message: UNKNOWN_FIELD };
      else yield { field: at || (context ?? 'body'), message: 'is not allowed' };
      return;
    case 'type':
      yield { field: at || (context ?? 'body'), message: typeMessage(params.type) };
      return;
    default:
      yield { field: at || (context ?? 'body'), message: e.message ?? 'is invalid' };
  }
}

/** One entry per field, in the order first reported; a union's alternatives become one message. */
export function validationFields(errors: readonly FastifySchemaValidationError[], context?: Context): FieldError[] {
  const byField = new Map<string, FieldError>();
  const unionTypes = new Map<string, string[]>();
  for (const e of errors) {
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') {
      const field = pointerToField(e.instancePath) || (context ?? 'body');
      const types = unionTypes.get(field) ?? [];
      byField.set(field, { field, message: types.length > 0 ? `must be ${types.join(' or ')}` : 'does not match any allowed form' });
      continue;
    }
    for (const f of fieldsOf(e, context)) {
      if (e.keyword === 'type' && /\/(anyOf|oneOf)\/\d+$/.test(e.schemaPath)) {
        const types = unionTypes.get(f.field) ?? [];
        types.push(String((e.params as Record<string, unknown>).type));
        unionTypes.set(f.field, types);
        if (!byField.has(f.field)) byField.set(f.field, f);
        continue;
      }
      if (!byField.has(f.field)) byField.set(f.field, f);
    }
  }
  return [...byField.values()];
}
