import { describe, expect, it } from 'vitest';
import { classifySmtpError } from '../../src/channels/email/classify-smtp-error.ts';

const smtpError = (fields: Record<string, unknown>) => Object.assign(new Error(String(fields.message ?? 'failed')), fields);

describe('classifySmtpError', () => {
  it('a reply code decides, whatever the stage', () => {
    expect(classifySmtpError(smtpError({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', response: '550 5.1.1 no such user' }), false)).toMatchObject({ kind: 'permanent', reasonCode: 'invalid_recipient' });
    expect(classifySmtpError(smtpError({ code: 'EMESSAGE', responseCode: 552, command: 'DATA', response: '552 too big' }), true)).toMatchObject({ kind: 'permanent', reasonCode: 'permanent_failure' });
    expect(classifySmtpError(smtpError({ code: 'EMESSAGE', responseCode: 451, command: 'DATA', response: '451 later' }), true)).toMatchObject({ kind: 'transient' });
    expect(classifySmtpError(smtpError({ code: 'ECONNECTION', responseCode: 421, command: 'CONN', response: '421 bye' }), true)).toMatchObject({ kind: 'transient' });
    // 503 is a session-state error, not a verdict on the message.
    expect(classifySmtpError(smtpError({ code: 'EENVELOPE', responseCode: 503, command: 'RCPT TO', response: '503 bad sequence' }), false)).toMatchObject({ kind: 'transient' });
  });

  it('no reply: transient before the end of DATA, uncertain after it', () => {
    for (const code of ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET']) {
      expect(classifySmtpError(smtpError({ code, command: 'CONN' }), false).kind).toBe('transient');
      expect(classifySmtpError(smtpError({ code, command: 'CONN' }), true).kind).toBe('uncertain');
    }
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError', code: 'EABORT' });
    expect(classifySmtpError(abort, false).kind).toBe('transient');
    expect(classifySmtpError(abort, true).kind).toBe('uncertain');
    expect(classifySmtpError('a string', false).kind).toBe('transient');
  });
});
