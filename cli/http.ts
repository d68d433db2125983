/**
 * The CLI's only way to the server: JSON over HTTP. An error answer becomes
 * an ApiError carrying the server's OAuth-shaped body, so main.ts can print
 * its description and exit 1.
 */

export class ApiError extends Error {
  constructor(readonly status: number, readonly body: Record<string, unknown> | undefined, text: string) {
    super(ApiError.describe(status, body, text));
  }

  static describe(status: number, body: Record<string, unknown> | undefined, text: string): string {
    const description = typeof body?.error_description === 'string' ? body.error_description : undefined;
    const error = typeof body?.error === 'string' ? body.error : undefined;
    const main = description && error ? `${error}: ${description}` : (description ?? error ?? (text.trim().slice(0, 200) || 'no details'));
    const details = Array.isArray(body?.details)
      ? (body.details as { field?: string; message?: string }[]).map((d) => `\n  ${d.field}: ${d.message}`).join('')
      : '';
    return `${main} (HTTP ${status})${details}`;
  }
}

export interface Answer {
  status: number;
  body: unknown;
}

async function send(url: string, init: RequestInit): Promise<Answer> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot reach ${new URL(url).origin}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  const text = await res.text();
  let body: unknown;
  if (text && /json/i.test(res.headers.get('content-type') ?? '')) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  } else if (text && /x-www-form-urlencoded/i.test(res.headers.get('content-type') ?? '')) {
    body = Object.fromEntries(new URLSearchParams(text));
  }
  if (!res.ok) throw new ApiError(res.status, body && typeof body === 'object' ? body as Record<string, unknown> : undefined, text);
  return { status: res.status, body };
}

export class AdminApi {
  constructor(readonly url: string, private readonly token: string) {}

  /** `path` starts with `/admin/`; ids in it must already be encoded. */
  request(method: string, path: string, body?: unknown): Promise<Answer> {
    return send(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }
}

/** A form POST with HTTP Basic client authentication (RFC 6749 §2.3.1: both parts form-encoded). */
export function postForm(url: string, clientId: string, secret: string, form: Record<string, string>): Promise<Answer> {
  const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64');
  return send(url, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(form).toString(),
  });
}
