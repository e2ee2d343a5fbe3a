/**
 * A large upload is copied to a private temporary file as fast as the client sends it, and processed
 * from there. Processing straight from the socket would keep the request "being received" for as
 * long as the import runs, and the server's request timeout (the slowloris guard in app.ts) would cut
 * it off; memory stays flat either way, because the body is streamed to disk, never buffered.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../errors.ts';

export type SpooledBody = { path: string; bytes: number; remove(): Promise<void> };

function tooLarge(limit: number): AppError {
  return new AppError('payload_too_large', `Request body is larger than ${Math.floor(limit / (1024 * 1024))} MB; split the file`);
}

export async function spoolRequestBody(body: Readable, limit: number, declaredLength: string | undefined): Promise<SpooledBody> {
  if (declaredLength !== undefined && Number(declaredLength) > limit) throw tooLarge(limit);
  const file = path.join(tmpdir(), `review-invites-upload-${randomUUID()}`);
  let bytes = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(bytes > limit ? tooLarge(limit) : null, chunk);
    },
  });
  const remove = () => rm(file, { force: true });
  try {
    await pipeline(body, limiter, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
  } catch (err) {
    await remove();
    throw err;
  }
  return { path: file, bytes, remove };
}
