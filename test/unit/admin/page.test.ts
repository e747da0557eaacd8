import { describe, expect, it } from 'vitest';
import { errorPage, integrationPage } from '../../../shared/admin/page.js';

describe('the page HTML', () => {
  it('links every error page to signing in again, after its own ways forward', () => {
    const page = errorPage('Access refused', 'You <b>lack</b> the role.', [
      { href: '/admin/sign-in?prompt=select_account', label: 'Sign in with another account' },
    ]);
    const links = [...page.matchAll(/<a class="button[^"]*" href="([^"]+)">([^<]+)<\/a>/g)].map(
      ([, href, label]) => [href, label],
    );
    expect(links).toEqual([
      ['/admin/sign-in?prompt=select_account', 'Sign in with another account'],
      ['/admin/sign-in', 'Sign in again'],
    ]);
    expect(page).toContain('You &lt;b&gt;lack&lt;/b&gt; the role.');
    expect(errorPage('Not possible', 'Expired.')).toContain(
      '<a class="button" href="/admin/sign-in">Sign in again</a>',
    );
  });

  it('serves no inline script and no script on an error page', () => {
    expect(errorPage('Not possible', 'Expired.')).not.toContain('<script');
    const page = integrationPage();
    for (const [, attributes] of page.matchAll(/<script([^>]*)>/g)) {
      expect(attributes).toMatch(/ src="\/admin\/assets\/[\w.-]+\.js"/);
    }
    expect(page).not.toMatch(/ on[a-z]+="/);
  });

  it('puts health first, then the directory, the credentials and the activity', () => {
    const order = [...integrationPage().matchAll(/<section id="([\w-]+)"/g)].map(([, id]) => id);
    expect(order.indexOf('health-section')).toBe(0);
    expect(order.indexOf('directory-section')).toBe(1);
    expect(order.indexOf('credentials-section')).toBeLessThan(order.indexOf('activity-section'));
    expect(integrationPage()).not.toMatch(/<h[1-4][^>]*>[^<]*(Azure AD|scimType|errorDetail)/);
  });
});
