/**
 * What `start` and `serve` print once listening: where the API is, and on the very first start the demo
 * key with a request that can be pasted as is. The key appears here once; only its hash is kept.
 */
export type StartBannerInfo = {
  mode: 'start' | 'serve';
  /** Where this process answers, as reachable from this machine: http://localhost:3000 */
  localUrl: string;
  publicUrl: string;
  /** Unset = embedded PGlite in this directory. */
  databaseUrl: string | undefined;
  dataDir: string;
  smtpConfigured: boolean;
  demo?: { name: string; slug: string; apiKey: string } | undefined;
};

export function firstInvitationCurl(localUrl: string, apiKey: string): string {
  return (
    `curl -X POST ${localUrl}/api/v1/invitations -H "Authorization: Bearer ${apiKey}" -H "Content-Type: application/json" ` +
    `-d '{"email":"jane@example.com","name":"Jane Doe","order_ref":"1001"}'`
  );
}

export function formatStartBanner(info: StartBannerInfo): string {
  const what = info.mode === 'start' ? 'HTTP server and worker' : 'HTTP server only';
  const storage = info.databaseUrl === undefined ? `embedded database in ${info.dataDir}` : 'PostgreSQL (DATABASE_URL)';
  const lines = [
    '',
    `review-invites is running (${what}, ${storage})`,
    '',
    `  API        ${info.localUrl}/api/v1`,
    `  API docs   ${info.localUrl}/docs`,
  ];
  if (info.publicUrl !== info.localUrl) lines.push(`  Public URL ${info.publicUrl}  (used in the links of emails)`);
  const key = info.demo?.apiKey ?? '<your API key>';
  if (info.demo) {
    lines.push(
      '',
      `First start: created the demo tenant "${info.demo.name}" (slug ${info.demo.slug}). Its API key — shown only this once, copy it now:`,
      '',
      `  ${info.demo.apiKey}`,
      '',
      'Send a first invitation:',
      '',
      `  ${firstInvitationCurl(info.localUrl, info.demo.apiKey)}`,
    );
  }
  if (!info.smtpConfigured) {
    // In embedded mode this process holds DATA_DIR, so the CLI can only read the outbox once it has stopped.
    const cliWhen = info.databaseUrl === undefined ? '   (after stopping the server: it holds the data directory)' : '';
    lines.push(
      '',
      'SMTP_URL is not set, so emails are captured in the outbox, not sent. See them with:',
      '',
      `  curl ${info.localUrl}/api/v1/outbox -H "Authorization: Bearer ${key}"`,
      `  npx review-invites outbox${cliWhen}`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
