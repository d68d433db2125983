/**
 * The embedded store's files hold sessions, grants, payloads and keys: only
 * the server's own user may read them. DATA_DIR is made 0700 and the SQLite
 * files (main, -wal, -shm) 0600, and existing ones with looser modes are
 * tightened on every start.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';

const OWNER_ONLY_DIR = 0o700;
const OWNER_ONLY_FILE = 0o600;

/** Removes group and other bits from an existing path; never widens anything. */
function tighten(path: string): void {
  const { mode } = statSync(path);
  if (mode & 0o077) chmodSync(path, mode & 0o700);
}

/** Creates the data directory owner-only, or tightens the one that exists. */
export function secureDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: OWNER_ONLY_DIR });
  // A shared directory such as /tmp must not be taken over (and chmod'ed).
  if (statSync(dir).mode & 0o1000) throw new Error(`${dir} is a shared directory (sticky bit); give the store a directory of its own`);
  tighten(dir);
}

export const sqliteFiles = (file: string) => [file, `${file}-wal`, `${file}-shm`];

/** Creates the database file owner-only before SQLite opens it (SQLite gives -wal and -shm the same mode). */
export function createOwnerOnly(file: string): void {
  closeSync(openSync(file, 'a', OWNER_ONLY_FILE));
}

/** Tightens the database file and its -wal and -shm companions that exist. */
export function tightenSqliteFiles(file: string): void {
  for (const path of sqliteFiles(file)) if (existsSync(path)) tighten(path);
}
