/**
 * `npm start` runs the compiled server (`node dist/server/main.js`, built by
 * `npm ci` and by `npm test`) in one node process, without tsx: it reads
 * `.env` from its working folder and loads a JavaScript plugin that imports
 * the package by name.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { freePort, stopServer, tempDir, cleanupChildren, waitForLine, type Child } from './support/spawn.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// Beside the package, so that `import 'handoff'` resolves to it as it would for a user.
const PLUGIN = join(ROOT, 'test', 'fixtures', 'js-plugin.mjs');

function startCompiled(cwd: string): Child {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(PORT|ISSUER|DATA_DIR|MONGODB_URI|ADMIN_TOKEN|LOG_LEVEL|PREAUTH_.*|HANDOFF_.*|NODE_OPTIONS|NODE_TEST_CONTEXT)$/.test(k)));
  const proc = spawn(process.execPath, [join(ROOT, 'dist', 'server', 'main.js')], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  proc.stdout!.setEncoding('utf8').on('data', (c: string) => { out.stdout += c; });
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => { out.stderr += c; });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
  return { proc, out, exit };
}

describe('npm start: the compiled server', () => {
  after(cleanupChildren);

  it('is what npm start runs, reads .env, loads a JavaScript plugin and serves it', { timeout: 60_000 }, async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.equal(pkg.scripts.start, 'node dist/server/main.js');

    const dir = tempDir();
    const port = await freePort();
    const adminToken = 'compiled-start-admin-token-0123456789';
    writeFileSync(join(dir, '.env'), `PORT=${port}\nADMIN_TOKEN=${adminToken}\nDATA_DIR=${join(dir, 'data')}\nPREAUTH_PLUGINS=${PLUGIN}\n`);
    const child = startCompiled(dir);
    try {
      const listening = await waitForLine(child, /"msg":"handoff listening"/, 30_000);
      assert.match(listening, /"js-echo"/, 'the plugin is among the providers');
      assert.match(listening, new RegExp(`"port":${port}\\b`));

      const res = await fetch(`http://localhost:${port}/admin/clients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['https://rp.example/cb'], preauth_providers: ['js-echo'] }),
      });
      const rp = await res.json() as { client_id: string; client_secret: string };
      assert.equal(res.status, 201, JSON.stringify(rp));

      const step1 = await fetch(`http://localhost:${port}/providers/js-echo/preauth`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${rp.client_id}:${rp.client_secret}`).toString('base64')}` },
        body: JSON.stringify({ user: 'alice' }),
      });
      const body = await step1.json() as { preauth_url: string };
      assert.equal(step1.status, 200, JSON.stringify(body));
      assert.ok(body.preauth_url.startsWith(`http://localhost:${port}/preauth/`));
    } finally {
      assert.equal(await stopServer(child), 0);
    }
  });
});
