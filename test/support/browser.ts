/**
 * A minimal browser for tests over real HTTP: a cookie jar (host-only
 * cookies, honouring Path, Max-Age and Expires) and `fetch` with manual
 * redirects. `follow` walks redirects within the issuer's origin and stops
 * at the first URL outside it — typically the client's redirect_uri — and
 * returns that URL without requesting it.
 */

export interface Cookie {
  name: string;
  value: string;
  host: string;
  path: string;
  /** Epoch ms; undefined for a session cookie. */
  expires?: number;
  httpOnly: boolean;
  sameSite?: string;
}

function defaultPath(url: URL): string {
  const { pathname } = url;
  if (!pathname.startsWith('/') || pathname === '/') return '/';
  const last = pathname.lastIndexOf('/');
  return last === 0 ? '/' : pathname.slice(0, last);
}

/** RFC 6265 §5.1.4 path-match. */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

export class CookieJar {
  readonly #cookies = new Map<string, Cookie>();

  #key(c: Pick<Cookie, 'host' | 'path' | 'name'>): string {
    return `${c.host}\n${c.path}\n${c.name}`;
  }

  /** Stores the cookies of one `Set-Cookie` header value, as set by `url`. */
  setCookie(header: string, url: URL): void {
    const [pair = '', ...attributes] = header.split(';');
    const eq = pair.indexOf('=');
    if (eq < 1) return;
    const cookie: Cookie = {
      name: pair.slice(0, eq).trim(),
      value: pair.slice(eq + 1).trim(),
      host: url.host,
      path: defaultPath(url),
      httpOnly: false,
    };
    let maxAge: number | undefined;
    for (const attribute of attributes) {
      const at = attribute.indexOf('=');
      const name = (at === -1 ? attribute : attribute.slice(0, at)).trim().toLowerCase();
      const value = at === -1 ? '' : attribute.slice(at + 1).trim();
      if (name === 'path' && value.startsWith('/')) cookie.path = value;
      else if (name === 'max-age' && /^-?\d+$/.test(value)) maxAge = Number(value);
      else if (name === 'expires' && !Number.isNaN(Date.parse(value))) cookie.expires = Date.parse(value);
      else if (name === 'httponly') cookie.httpOnly = true;
      else if (name === 'samesite') cookie.sameSite = value.toLowerCase();
    }
    if (maxAge !== undefined) cookie.expires = Date.now() + maxAge * 1000;
    if (cookie.expires !== undefined && cookie.expires <= Date.now()) {
      this.#cookies.delete(this.#key(cookie));
      return;
    }
    this.#cookies.set(this.#key(cookie), cookie);
  }

  /** Reads every `Set-Cookie` of a response to a request for `url`. */
  store(res: Response, url: URL): void {
    for (const header of res.headers.getSetCookie()) this.setCookie(header, url);
  }

  /** The live cookies that a request to `url` carries, longest path first. */
  cookiesFor(url: URL): Cookie[] {
    const now = Date.now();
    const out: Cookie[] = [];
    for (const [key, cookie] of this.#cookies) {
      if (cookie.expires !== undefined && cookie.expires <= now) {
        this.#cookies.delete(key);
        continue;
      }
      if (cookie.host === url.host && pathMatches(url.pathname, cookie.path)) out.push(cookie);
    }
    return out.sort((a, b) => b.path.length - a.path.length);
  }

  header(url: URL): string | undefined {
    const cookies = this.cookiesFor(url);
    return cookies.length ? cookies.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }

  /** The value of a cookie by name (any path), for assertions. */
  get(name: string): string | undefined {
    for (const cookie of this.#cookies.values()) if (cookie.name === name) return cookie.value;
    return undefined;
  }

  all(): Cookie[] {
    return [...this.#cookies.values()];
  }

  clear(): void {
    this.#cookies.clear();
  }
}

export type Landing =
  /** A redirect left the issuer's origin: `url` was not requested. */
  | { external: true; url: URL; status: number }
  /** The last response within the issuer's origin, with its body read. */
  | { external: false; url: URL; status: number; response: Response; body: string };

export interface HtmlForm {
  id?: string;
  method: string;
  action: string;
  /** Named inputs with their values (hidden ones included). */
  fields: Record<string, string>;
}

type HeadersInit = ConstructorParameters<typeof Headers>[0];

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_m, entity: string) => {
    const e = entity.toLowerCase();
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[e] ?? _m;
  });
}

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([^\s=/<>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?/g)) {
    const name = m[1]!.toLowerCase();
    if (!(name in out)) out[name] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return out;
}

/** The forms of an HTML page with their named inputs: enough for server-rendered pages. */
export function parseForms(html: string, base?: string | URL): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attrs = attributes(m[1] ?? '');
    const fields: Record<string, string> = {};
    for (const input of (m[2] ?? '').matchAll(/<input\b([^>]*)>/gi)) {
      const a = attributes(input[1] ?? '');
      if (a.name !== undefined) fields[a.name] = a.value ?? '';
    }
    const action = attrs.action ?? '';
    forms.push({
      id: attrs.id,
      method: (attrs.method ?? 'get').toLowerCase(),
      action: base ? new URL(action, base).toString() : action,
      fields,
    });
  }
  return forms;
}

export class Browser {
  readonly origin: string;
  readonly cookies = new CookieJar();
  /** Every URL requested, in order (for assertions about the redirect chain). */
  readonly history: URL[] = [];

  constructor(issuer: string | URL, readonly maxRedirects = 20) {
    this.origin = new URL(issuer).origin;
  }

  #url(url: string | URL): URL {
    return new URL(url, this.origin);
  }

  async request(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const target = this.#url(url);
    const headers = new Headers(init.headers);
    headers.set('accept', headers.get('accept') ?? 'text/html,application/xhtml+xml,*/*;q=0.8');
    const cookie = this.cookies.header(target);
    if (cookie) headers.set('cookie', cookie);
    this.history.push(target);
    const res = await fetch(target, { ...init, headers, redirect: 'manual' });
    this.cookies.store(res, target);
    return res;
  }

  get(url: string | URL, headers?: HeadersInit): Promise<Response> {
    return this.request(url, { method: 'GET', headers });
  }

  /** POSTs a form, `application/x-www-form-urlencoded`. */
  post(url: string | URL, form: Record<string, string> | URLSearchParams, headers?: HeadersInit): Promise<Response> {
    const h = new Headers(headers);
    h.set('content-type', 'application/x-www-form-urlencoded');
    return this.request(url, { method: 'POST', headers: h, body: new URLSearchParams(form).toString() });
  }

  /**
   * Follows `res`'s redirects (as GETs) while they stay within the issuer's
   * origin. Stops at the first Location outside it without requesting it.
   */
  async follow(res: Response): Promise<Landing> {
    let current = res;
    let url = new URL(res.url || this.origin);
    for (let hops = 0; ; hops += 1) {
      const location = current.headers.get('location');
      if (!REDIRECTS.has(current.status) || !location) {
        return { external: false, url, status: current.status, response: current, body: await current.text() };
      }
      await current.body?.cancel();
      const next = new URL(location, url);
      if (next.origin !== this.origin) return { external: true, url: next, status: current.status };
      if (hops >= this.maxRedirects) throw new Error(`more than ${this.maxRedirects} redirects, at ${next}`);
      url = next;
      current = await this.get(next);
    }
  }

  /** GET and follow. */
  async open(url: string | URL): Promise<Landing> {
    return this.follow(await this.get(url));
  }

  /** POST a form and follow. */
  async submit(url: string | URL, form: Record<string, string> | URLSearchParams): Promise<Landing> {
    return this.follow(await this.post(url, form));
  }
}
