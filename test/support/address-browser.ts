/**
 * A Browser whose requests leave from a chosen loopback address. A test
 * server on 127.0.0.1 is reachable from 127.0.0.2 and so on, so a test can
 * redeem a pre-auth URL "from another IP" without a proxy.
 */
import { request } from 'node:http';
import { Browser } from './browser.js';

const NO_BODY = new Set([101, 204, 205, 304]);

export class AddressBrowser extends Browser {
  constructor(issuer: string | URL, readonly localAddress: string) {
    super(issuer);
  }

  override async request(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url, this.origin);
    const headers = new Headers(init.headers);
    headers.set('accept', headers.get('accept') ?? 'text/html,application/xhtml+xml,*/*;q=0.8');
    const cookie = this.cookies.header(target);
    if (cookie) headers.set('cookie', cookie);
    this.history.push(target);
    const method = init.method ?? 'GET';
    const res = await new Promise<Response>((resolve, reject) => {
      const req = request(target, { method, headers: Object.fromEntries(headers), localAddress: this.localAddress }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('error', reject);
        answer.on('end', () => {
          const out = new Headers();
          for (const [name, value] of Object.entries(answer.headers)) {
            for (const one of [value ?? []].flat()) out.append(name, one);
          }
          const status = answer.statusCode ?? 0;
          resolve(new Response(NO_BODY.has(status) || method === 'HEAD' ? null : Buffer.concat(chunks), { status, headers: out }));
        });
      });
      req.on('error', reject);
      if (typeof init.body === 'string') req.write(init.body);
      req.end();
    });
    this.cookies.store(res, target);
    return res;
  }
}
