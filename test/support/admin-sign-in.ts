/**
 * The integration page's sign-in followed by hand over HTTP, as the admin API tests do it: the
 * page → the local OpenID provider → the callback (the provider signs its test administrator in
 * at once).
 */

/** `name=value` pairs of the response's Set-Cookie headers. */
export function cookiesOf(response: Response): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const header of response.headers.getSetCookie()) {
    const [pair = ''] = header.split(';');
    const at = pair.indexOf('=');
    cookies.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return cookies;
}

/** Signs in at `origin`; the session cookie's value, undefined when the callback set none. */
export async function signInByHand(origin: string): Promise<string | undefined> {
  const start = await fetch(`${origin}/admin/sign-in`, { redirect: 'manual' });
  const signInCookie = [...cookiesOf(start)].map(([name, value]) => `${name}=${value}`).join('; ');
  const authorize = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' });
  const callback = await fetch(authorize.headers.get('location') ?? '', {
    redirect: 'manual',
    headers: { cookie: signInCookie },
  });
  return cookiesOf(callback).get('grouptalk-admin');
}
