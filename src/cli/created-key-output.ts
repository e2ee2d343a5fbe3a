/**
 * How a new API key is shown, the one and only time: only its hash is stored, so the output must make
 * it impossible to miss that it has to be copied now.
 */
import type { CreatedApiKey } from '../app/api-keys.ts';

export const keyShownOnceNote = 'This key is shown only once and cannot be recovered: store it now.';

export function createdKeyJson(key: CreatedApiKey) {
  return { id: key.id, name: key.name, prefix: key.prefix, key: key.key, created_at: key.createdAt };
}

export function createdKeyText(key: CreatedApiKey, tenantSlug: string): string {
  return [
    `API key "${key.name}" (id ${key.id}) for tenant ${tenantSlug}:`,
    '',
    `  ${key.key}`,
    '',
    keyShownOnceNote,
    `Use it as: Authorization: Bearer ${key.prefix}…`,
  ].join('\n');
}
