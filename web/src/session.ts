/**
 * The API key, kept for the browser session only (sessionStorage: gone when the tab closes), and the
 * language, kept across sessions. Without a key the pages show the public view (/public/graphql).
 */
const KEY = 'jingtu.key';
const LANG = 'jingtu.lang';

export type Lang = 'zh' | 'en';

export const session = {
  key(): string | null {
    return sessionStorage.getItem(KEY);
  },
  signIn(key: string): void {
    sessionStorage.setItem(KEY, key.trim());
  },
  signOut(): void {
    sessionStorage.removeItem(KEY);
  },
  lang(): Lang {
    return localStorage.getItem(LANG) === 'en' ? 'en' : 'zh';
  },
  setLang(lang: Lang): void {
    localStorage.setItem(LANG, lang);
  },
};
