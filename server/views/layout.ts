/**
 * Tiny server-rendered pages. Every dynamic value goes through `escape`:
 * error descriptions and client names come from outside.
 */
export function escape(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escape(title)}</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}
main{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002;width:min(24rem,90vw)}
h1{font-size:1.3rem;margin-top:0}label{display:block;margin:.8rem 0 .3rem}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}
button{margin-top:1rem;padding:.5rem 1rem;font-size:1rem;cursor:pointer}.error{color:#b00020}
</style>
</head>
<body><main>
${body}
</main></body>
</html>`;
}

export function errorPage(error: string, description?: string): string {
  return page('Sign-in failed', `<h1>Sign-in failed</h1>
<p class="error"><strong>${escape(error)}</strong></p>
${description ? `<p>${escape(description)}</p>` : ''}`);
}

export function logoutPage(form: string, clientName?: string): string {
  // `form` is oidc-provider's own hidden form (with its xsrf token), trusted markup.
  return page('Sign out', `<h1>Sign out${clientName ? ` of ${escape(clientName)}` : ''}?</h1>
${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`);
}

export function logoutSuccessPage(clientName?: string): string {
  return page('Signed out', `<h1>Signed out</h1><p>You are signed out${clientName ? ` of ${escape(clientName)}` : ''}.</p>`);
}
