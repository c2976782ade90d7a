/**
 * The API key, kept for the browser session only (sessionStorage: gone when the tab closes), and the
 * language, kept across sessions. Without a key the pages show the public view (/public/graphql). A key
 * from single sign-on (/auth/callback puts it here) is marked as such: signing out ends it at the hub too.
 */
const KEY = 'jingtu.key';
/** Set beside the key when it is a single sign-on session's (src/http/ssoPages.ts). */
const SSO = 'jingtu.sso';
const LANG = 'jingtu.lang';

export type Lang = 'zh' | 'en';

export const session = {
  key(): string | null {
    return sessionStorage.getItem(KEY);
  },
  /** Whether the key is a single sign-on session's. */
  isSso(): boolean {
    return sessionStorage.getItem(SSO) === '1' && Boolean(sessionStorage.getItem(KEY));
  },
  signIn(key: string): void {
    sessionStorage.setItem(KEY, key.trim());
    // a pasted key is the operator's, not a session
    sessionStorage.removeItem(SSO);
  },
  /** Forgets the key; a single sign-on session's key is ended at the hub first (an API key is not). */
  async signOut(): Promise<void> {
    const key = session.key();
    if (key && session.isSso()) {
      await fetch('/auth/logout', { method: 'POST', headers: { authorization: `Bearer ${key}` } }).catch(
        () => undefined,
      );
    }
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(SSO);
  },
  /** Whether the hub offers single sign-on (then the pages show its button). */
  async ssoEnabled(): Promise<boolean> {
    try {
      const answer = (await (await fetch('/auth/config')).json()) as { enabled?: unknown };
      return answer.enabled === true;
    } catch {
      return false;
    }
  },
  lang(): Lang {
    return localStorage.getItem(LANG) === 'en' ? 'en' : 'zh';
  },
  setLang(lang: Lang): void {
    localStorage.setItem(LANG, lang);
  },
};
