/**
 * Which of a campaign's destinations an invitation on `channel` goes to, as the invitation's
 * `destination` column names it: the type of the first destination that channel can serve. The
 * worker finds the entry (url, secret, api key) on the campaign by that type.
 */
export const destinationTypesByChannel: Readonly<Record<string, readonly string[]>> = {
  email: ['hosted'],
  webhook: ['webhook'],
  amino: ['amino'],
};

export function destinationFor(channel: string, destinations: unknown): string {
  const accepted = destinationTypesByChannel[channel] ?? [];
  if (Array.isArray(destinations)) {
    for (const d of destinations) {
      const type = (d as { type?: unknown } | null)?.type;
      if (typeof type === 'string' && accepted.includes(type)) return type;
    }
  }
  return accepted[0] ?? 'hosted';
}
