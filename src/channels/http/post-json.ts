/**
 * One JSON POST to a provider, with what every HTTP channel needs: a hard timeout below the lease,
 * no redirects followed (a 3xx is an answer, not an instruction), an optional guard against private
 * addresses checked at connect time (so DNS rebinding can't slip past), and the reply classified
 * into sent / transient / permanent as DeliveryError.
 */
import http from 'node:http';
import https from 'node:https';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { DeliveryError } from '../../app/ports.ts';
import { parseRetryAfter } from '../../domain/backoff.ts';
import { isPrivateAddress } from './private-address.ts';

export type PostJsonOptions = {
  url: string;
  /** A string is sent as is (so a signature over it stays valid); anything else is JSON-encoded. */
  body: unknown;
  headers?: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Refuse loopback, private, link-local and other non-public addresses (SSRF). */
  blockPrivateAddresses: boolean;
  /** Response bytes kept for the error message and the receipt. */
  maxResponseBytes?: number;
};

export type PostJsonResult = { status: number; body: string; headers: http.IncomingHttpHeaders };

function guardedLookup(hostname: string, options: object, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 0);
    const list = addresses as LookupAddress[];
    const blocked = list.find((a) => isPrivateAddress(a.address));
    if (blocked) {
      const e: NodeJS.ErrnoException = new Error(`refusing to connect to non-public address ${blocked.address}`);
      e.code = 'EPRIVATEADDRESS';
      return callback(e, '', 0);
    }
    if ((options as { all?: boolean }).all) return callback(null, list);
    callback(null, list[0]!.address, list[0]!.family);
  });
}

/** Sends the request; resolves with any HTTP answer, rejects with DeliveryError when none came. */
export function postJson(options: PostJsonOptions): Promise<PostJsonResult> {
  const url = new URL(options.url);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return Promise.reject(new DeliveryError('permanent', `unsupported URL scheme ${url.protocol}`));
  }
  if (url.username || url.password) return Promise.reject(new DeliveryError('permanent', 'URLs with credentials are not allowed'));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (options.blockPrivateAddresses && isIP(host) && isPrivateAddress(host)) {
    return Promise.reject(new DeliveryError('permanent', `refusing to connect to non-public address ${host}`));
  }
  const payload = Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
  const client = url.protocol === 'https:' ? https : http;
  const max = options.maxResponseBytes ?? 16_384;
  return new Promise((resolve, reject) => {
    let sent = false;
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(payload.length), 'user-agent': 'review-invites', ...options.headers },
        timeout: options.timeoutMs,
        signal: options.signal,
        ...(options.blockPrivateAddresses ? { lookup: guardedLookup as never } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < max) chunks.push(c.subarray(0, max - size));
          size += c.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        // The provider answered but the body broke off: its status line is what it decided.
        res.on('error', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        res.on('aborted', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${options.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('finish', () => {
      sent = true;
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPRIVATEADDRESS') return reject(new DeliveryError('permanent', err.message, { cause: err }));
      // Once the whole request went out, the provider may have acted on it.
      const kind = sent ? 'uncertain' : 'transient';
      reject(new DeliveryError(kind, `${err.code ?? 'error'}: ${err.message}`, { cause: err }));
    });
    req.end(payload);
  });
}

/**
 * What an HTTP answer means for delivery: 2xx sent; 408, 425, 429 and 5xx worth retrying (with the
 * provider's Retry-After); any other status, 3xx included, will not get better by itself.
 */
export function classifyHttpResult(result: PostJsonResult, now: Date): void {
  const { status } = result;
  if (status >= 200 && status < 300) return;
  const snippet = result.body.replace(/\s+/g, ' ').slice(0, 200);
  const message = `HTTP ${status}${snippet ? `: ${snippet}` : ''}`;
  if (status === 408 || status === 425 || status === 429 || status >= 500) {
    const header = result.headers['retry-after'];
    const retryAfterMs = parseRetryAfter(Array.isArray(header) ? header[0] : header, now);
    throw new DeliveryError('transient', message, retryAfterMs === undefined ? {} : { retryAfterMs });
  }
  throw new DeliveryError('permanent', message);
}
