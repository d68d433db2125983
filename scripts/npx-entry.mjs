// `npx handoff` in this folder runs the package's own bin. npm does that by
// installing this folder, as a link, into its npx cache under a name derived
// from the folder's path alone, and creating the bin's shim there once. It
// never checks that entry again (npm/cli#9766): if the first `npx handoff` ran
// before this folder was installed and built, the entry has no shim, and every
// later `npx handoff` here fails with "handoff: not found" (exit 127) even
// after `npm ci`. Run by `prepare` and `pretest`, this drops such an entry so
// that the next `npx handoff` creates it again, from the built package. It
// touches nothing else in the cache.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

// Inside `npx` itself (its install runs this package's `prepare`), the entry is
// being written right now and must be left alone.
if (process.env.npm_command === 'exec') process.exit(0);

const folder = resolve(process.env.npm_config_local_prefix || process.cwd());
const cache = process.env.npm_config_cache || join(homedir(), '.npm');
// The same name libnpmexec gives the entry of a local directory.
const name = createHash('sha512').update(folder).digest('hex').slice(0, 16);
const entry = join(cache, '_npx', name);

const present = (path) => {
  try { lstatSync(path); return true; } catch { return false; }
};

if (existsSync(entry) && !(present(join(entry, 'package.json')) && present(join(entry, 'node_modules', '.bin', 'handoff')))) {
  try {
    rmSync(entry, { recursive: true, force: true });
    console.error(`removed npx's incomplete cache entry for this folder (${entry}); the next \`npx handoff\` recreates it`);
  } catch (err) {
    // Never a reason to fail the install: `node dist/cli/main.js` still works.
    console.error(`npx's cache entry for this folder (${entry}) lacks the handoff command and could not be removed (${err.code ?? err}); remove it to use npx handoff here`);
  }
}
