/** Who is asking: the holder of an API key. */
export interface Principal {
  code: string;
  kind: 'DEPARTMENT' | 'DISTRICT' | 'AUDITOR';
  nameZh: string;
  nameEn: string;
  keyId: string;
}
