import { readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { spoolRequestBody } from '../../src/http/spool-request-body.ts';

const uploads = async () => (await readdir(os.tmpdir())).filter((f) => f.startsWith('review-invites-upload-'));

describe('spooling an import upload', () => {
  it('copies the body to a private file and removes it when asked', async () => {
    const spooled = await spoolRequestBody(Readable.from([Buffer.from('order_ref,status\n'), Buffer.from('1,completed\n')]), 1024, undefined);
    expect(spooled.bytes).toBe(29);
    expect(await readFile(spooled.path, 'utf8')).toBe('order_ref,status\n1,completed\n');
    await spooled.remove();
    expect(await uploads()).not.toContain(spooled.path.split('/').pop());
  });

  it('refuses a body over the limit, declared or streamed, and keeps no file', async () => {
    const before = await uploads();
    await expect(spoolRequestBody(Readable.from([Buffer.alloc(10)]), 5, '10')).rejects.toMatchObject({ code: 'payload_too_large', status: 413 });
    await expect(spoolRequestBody(Readable.from([Buffer.alloc(4), Buffer.alloc(4)]), 5, undefined)).rejects.toMatchObject({ code: 'payload_too_large' });
    expect(await uploads()).toEqual(before);
  });
});
