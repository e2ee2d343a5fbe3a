/**
 * The domain names campaign fields by their camelCase paths (`sendWindow.from`,
 * `criteria.stores.include[0]`); the API's 400s name them as clients wrote them (`send_window.from`,
 * `criteria.stores.0`).
 */
export function apiFieldName(domainPath: string): string {
  if (domainPath.startsWith('cancelStatuses.')) return `cancel_statuses.${domainPath.slice('cancelStatuses.'.length)}`;
  const dotted = domainPath
    .replace(/\[(\d+)\]/g, '.$1')
    .replace(/^criteria\.(stores|customerGroups)\.include\b/, 'criteria.$1')
    .replace(/^criteria\.(stores|customerGroups)\.exclude\b/, 'criteria.excluded_$1');
  return dotted
    .split('.')
    .map((segment) => segment.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`))
    .join('.');
}
