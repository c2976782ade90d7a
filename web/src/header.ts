import { ApiError } from './api.ts';
import type { Caller } from './catalogue.ts';
import { h } from './dom.ts';
import { named, t, type Word } from './i18n.ts';
import { session } from './session.ts';

/**
 * The top bar of both pages: the title, the other page, GraphiQL, the language switch, who is signed in,
 * the key form (paste once, switch, sign out) and single sign-on when the hub offers it. Signing in or out
 * reloads the page: every layer and figure is then read again with the new key.
 */
export function renderHeader(
  page: 'map' | 'dashboard',
  caller: Caller | null,
  failure?: unknown,
): HTMLElement {
  const title: Word = page === 'map' ? 'mapTitle' : 'dashboardTitle';
  document.title = `${t(title)} · 净土数据共享枢纽`;
  const form = h(
    'form',
    { class: 'key-form', hidden: true },
    h('input', {
      type: 'password',
      name: 'key',
      autocomplete: 'off',
      placeholder: t('keyPrompt'),
      'aria-label': t('keyPrompt'),
      maxlength: '200',
    }),
    h('button', { type: 'submit' }, t('signIn')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = (form.elements.namedItem('key') as HTMLInputElement).value.trim();
    if (!key) return;
    session.signIn(key);
    location.reload();
  });
  const who = caller?.code
    ? h(
        'span',
        { class: 'who', 'data-principal': caller.code },
        named({ zh: caller.nameZh, en: caller.nameEn }),
      )
    : h('span', { class: 'who', 'data-principal': '' }, t('publicView'));
  const keyButton = h(
    'button',
    { type: 'button', class: 'sign-in' },
    session.key() ? t('switchKey') : t('signIn'),
  );
  keyButton.addEventListener('click', () => {
    form.hidden = !form.hidden;
    if (!form.hidden) (form.elements.namedItem('key') as HTMLInputElement).focus();
  });
  // Single sign-on, when the hub offers it (asked once the header is up: the page does not wait for it).
  const sso = h('button', { type: 'button', class: 'sso', hidden: true }, t('ssoSignIn'));
  sso.addEventListener('click', () => {
    location.assign(`/auth/login?return=/${page}`);
  });
  void session.ssoEnabled().then((enabled) => {
    sso.hidden = !enabled;
  });
  const signOut = session.key() ? h('button', { type: 'button', class: 'sign-out' }, t('signOut')) : null;
  signOut?.addEventListener('click', async () => {
    await session.signOut();
    location.reload();
  });
  const language = h('button', { type: 'button', class: 'language' }, t('language'));
  language.addEventListener('click', () => {
    session.setLang(session.lang() === 'zh' ? 'en' : 'zh');
    location.reload();
  });
  const refused =
    failure instanceof ApiError && failure.code === 'UNAUTHENTICATED'
      ? h('span', { class: 'error', role: 'alert' }, t(session.isSso() ? 'ssoExpired' : 'keyRefused'))
      : failure
        ? h('span', { class: 'error', role: 'alert' }, `${t('error')}: ${(failure as Error).message}`)
        : null;
  return h(
    'header',
    { class: 'top' },
    h('h1', {}, t(title)),
    h(
      'nav',
      {},
      h('a', { href: '/map', 'aria-current': page === 'map' ? 'page' : undefined }, t('map')),
      h(
        'a',
        { href: '/dashboard', 'aria-current': page === 'dashboard' ? 'page' : undefined },
        t('dashboard'),
      ),
      h('a', { href: '/graphql' }, 'GraphiQL'),
    ),
    h('span', { class: 'spacer' }),
    refused,
    who,
    sso,
    keyButton,
    signOut,
    language,
    form,
  );
}
