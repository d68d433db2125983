/**
 * Audit #10, contract §8: slow and oversized requests are cut off by the
 * standalone server (server/main.ts) — headers within 10 s, a whole request
 * within 30 s, and a body over its limit refused before much more than the
 * limit is read. Raw sockets, so the test sees exactly what the server does.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { cleanupChildren, freePort, runServer, waitForLine, within, type Child } from './support/spawn.js';

const LIMIT = 1024 * 1024;
const MiB = 1024 * 1024;

/** Resolves when the server closes the socket, with what it sent before that. */
function closed(socket: Socket): Promise<string> {
  let received = '';
  socket.setEncoding('latin1').on('data', (chunk: string) => { received += chunk; });
  return new Promise((resolve) => {
    socket.on('close', () => resolve(received));
    socket.on('error', () => undefined);
  });
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * Sends `head`, then up to `total` body bytes in 64 KiB chunks (chunked
 * encoding when `chunked`), and stops as soon as the server answers or closes.
 * Returns how many body bytes were handed to the socket, and the answer.
 */
async function upload(port: number, head: string, total: number, chunked: boolean): Promise<{ sent: number; answer: string }> {
  const socket = await open(port);
  let answer = '';
  let done = false;
  const finished = new Promise<void>((resolve) => {
    socket.setEncoding('latin1').on('data', (chunk: string) => { answer += chunk; done = true; resolve(); });
    socket.on('close', () => { done = true; resolve(); });
    socket.on('error', () => { done = true; resolve(); });
  });
  socket.write(head);
  const block = Buffer.alloc(64 * 1024, 0x61);
  let sent = 0;
  while (!done && sent < total) {
    const frame = chunked ? Buffer.concat([Buffer.from(`${block.length.toString(16)}\r\n`), block, Buffer.from('\r\n')]) : block;
    const flushed = socket.write(frame);
    sent += block.length;
    if (!flushed) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), finished]);
  }
  await within(finished, 15_000, 'an answer to the upload');
  // Give a pending 413 a moment to arrive after a close raced it.
  await new Promise((resolve) => setTimeout(resolve, 200));
  socket.destroy();
  return { sent, answer };
}

describe('audit #10 slow and oversized bodies hold connections (standalone server)', () => {
  let child: Child;
  let port: number;

  before(async () => {
    port = await freePort();
    child = runServer({ PORT: String(port), ADMIN_TOKEN: 'a-long-enough-admin-token-1234', PREAUTH_MAX_PAYLOAD: String(LIMIT) });
    await waitForLine(child, /handoff listening/, 30_000);
  });
  after(() => cleanupChildren());

  it('audit #10 slow and oversized bodies hold connections: slow headers are cut off after 10 s, a slow body after 30 s', { timeout: 60_000 }, async () => {
    const slowHeaders = await open(port);
    const slowBody = await open(port);
    const headersClosed = closed(slowHeaders);
    const bodyClosed = closed(slowBody);
    slowHeaders.write('GET /.well-known/openid-configuration HTTP/1.1\r\nHost: localhost\r\n');
    slowBody.write('POST /token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n');
    // A byte a second keeps both connections busy but never completes either request.
    const drip = setInterval(() => {
      if (!slowHeaders.destroyed) slowHeaders.write('X');
      if (!slowBody.destroyed) slowBody.write('a');
    }, 1000);
    try {
      // Node's defaults would keep these open for 60 s and 300 s.
      await within(headersClosed, 15_000, 'the server to close a connection whose headers never end');
      const answer = await within(bodyClosed, 40_000, 'the server to close a request whose body never ends');
      assert.ok(answer === '' || /^HTTP\/1\.1 408/.test(answer), `nothing but a 408: ${answer.slice(0, 80)}`);
    } finally {
      clearInterval(drip);
    }
  });

  it('audit #10 slow and oversized bodies hold connections: a 40 MiB unauthenticated body gets 413 without being read', { timeout: 60_000 }, async () => {
    // Declared size over the limit: refused at once, before any body byte is needed.
    const declared = await upload(port, `POST /token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${40 * MiB}\r\n\r\n`, 40 * MiB, false);
    assert.match(declared.answer, /^HTTP\/1\.1 413 /, `a 413: ${declared.answer.slice(0, 80)}`);
    assert.match(declared.answer, /connection: close/i);
    assert.ok(declared.sent < LIMIT + 8 * MiB, `the client could send only ${declared.sent} of 40 MiB`);

    // No declared size (chunked): refused once the stream passes the limit.
    for (const path of ['/token', '/providers/password/preauth']) {
      const type = path === '/token' ? 'application/x-www-form-urlencoded' : 'application/json';
      const streamed = await upload(port, `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: ${type}\r\nTransfer-Encoding: chunked\r\n\r\n`, 40 * MiB, true);
      assert.ok(streamed.sent < LIMIT + 8 * MiB, `${path}: the client could send only ${streamed.sent} of 40 MiB`);
      assert.ok(streamed.answer === '' || /^HTTP\/1\.1 413 /.test(streamed.answer), `${path}: a 413 or a closed connection: ${streamed.answer.slice(0, 80)}`);
    }

    // The server still serves.
    const res = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
  });
});
